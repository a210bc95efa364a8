/**
 * The `chargeback` command line: the same engine as the editor, for pipelines.
 * Exit codes: 0 fine, 1 error findings (or rule errors), 2 usage errors or unreadable input, with a one-line reason.
 */
import { parseArgs } from 'node:util';
import { accessSync, constants, statSync } from 'node:fs';
import { runCheck } from './check';
import { EXPORT_KINDS, runAllocate, runExport, type ExportKind } from './allocate';
import { displayText } from '../core/text/displayText';
import { BlockingOutput, UsageError, type Output } from './output';
import { runInvoice } from './invoice';
import { runDispute, runReconcile } from './reconcile';

const USAGE = `Usage:
  chargeback check <files...> [--format text|json] [--price-list FILE] [--date-order MDY|DMY] [--error-threshold AMOUNT]
                   [--all]
  chargeback allocate <rules.chargeback.yaml> [--format text|json] [--out FILE] [--force] [--date-order MDY|DMY]
  chargeback export <rules.chargeback.yaml> --to report|journal|focus|json --out FILE [--force] [--date-order MDY|DMY]
  chargeback invoice <rules.chargeback.yaml> [--draft|--final] --out DIR [--format text|json] [--explain LINE] [--force]
  chargeback reconcile <files...> [--format text|json] [--invoice-total INVOICE=AMOUNT|FILE] [--date-order MDY|DMY]
  chargeback dispute <files...> --out DIR [--force] [--invoice-total INVOICE=AMOUNT|FILE] [--date-order MDY|DMY]
  chargeback --help | --version

check     re-rates Partner Center daily usage and reconciliation files and prints every finding
          (file:line:col: severity code: message); a defect repeated on more than three rows of a meter is one
          line with its row count and money (--all prints every row). Exit 1 when any finding is an error.
allocate  runs a chargeback rules file over the billing data it names (paths relative to the rules file) and prints
          who pays what; targets + unallocated add up to the billing total to the cent. Exit 1 on rule errors.
export    writes the chargeback report, the general-ledger journal, the allocated lines as FOCUS, or the JSON result.
          Files are written atomically and never replaced unless --force is given.
invoice   makes the customer invoices of the rules file's \`invoicing:\` section: drafts from unbilled data, finals
          from billed data (each showing what changed since its draft); per invoice CSV, JSON and HTML, plus an
          index, written all or nothing into --out DIR. --explain INVOICE:LINE traces one line to its billing rows.
reconcile ties out a month: daily usage against the reconciliation file per meter, plan and PEC status (the rounding
          bound derived from the files), and the reconciliation Totals against the invoice. Exit 1 on error findings.
dispute   writes the dispute packet of those findings (dispute-<invoice>.csv and .html) into DIR.

Exit codes: 0 fine, 1 error findings or rule errors, 2 usage errors or unreadable input.`;

function dateOrderOf(value: string | undefined): 'MDY' | 'DMY' | undefined {
  if (value === undefined) return undefined;
  const order = value.toUpperCase();
  if (order !== 'MDY' && order !== 'DMY') throw new UsageError(`--date-order must be MDY or DMY, not "${value}"`);
  return order;
}

function requireReadableFile(path: string, what: string): void {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${what} ${path} is a folder, not a file`);
    // A FIFO would block the run and a device never ends: only regular files are read.
    if (!st.isFile())
      throw new UsageError(
        `${what} ${path} is ${st.isFIFO() ? 'a named pipe (FIFO)' : 'a device or socket'}, not a regular file`,
      );
    accessSync(path, constants.R_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`,
    );
  }
}

function onlyRulesFile(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one rules file (*.chargeback.yaml)`);
  requireReadableFile(positionals[0], 'rules file');
  return positionals[0];
}

async function invoiceCommand(rest: string[], out: Output, err: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      draft: { type: 'boolean', default: false },
      final: { type: 'boolean', default: false },
      out: { type: 'string' },
      format: { type: 'string', default: 'text' },
      explain: { type: 'string' },
      force: { type: 'boolean', default: false },
      'date-order': { type: 'string' },
    },
  });
  const rules = onlyRulesFile(positionals, 'invoice');
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format must be text or json, not "${values.format}"`);
  if (values.draft && values.final) throw new UsageError('say --draft or --final, not both (neither makes both)');
  if (!values.out && !values.explain && values.format !== 'json')
    throw new UsageError('invoice needs --out DIR (or --format json, or --explain LINE)');
  const mode = values.draft ? 'draft' : values.final ? 'final' : 'both';
  return runInvoice(
    {
      rules,
      mode,
      out: values.out,
      format: values.format,
      explain: values.explain,
      force: values.force,
      dateOrder: dateOrderOf(values['date-order']),
    },
    out,
    err,
  );
}

export async function main(argv: string[], out: Output, err: Output): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) {
      // A pipeline that forgot the command should see why it failed, not only the manual.
      err.write(USAGE + '\n');
      err.write('chargeback: no command given (check, allocate or export)\n');
      return 2;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      out.write(USAGE + '\n');
      return 0;
    }
    if (command === '--version') {
      out.write('chargeback 0.1.0\n');
      return 0;
    }
    if (command === 'check') {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          format: { type: 'string', default: 'text' },
          'price-list': { type: 'string' },
          'date-order': { type: 'string' },
          'error-threshold': { type: 'string' },
          all: { type: 'boolean', default: false },
        },
      });
      if (positionals.length === 0) throw new UsageError('check needs at least one billing file');
      if (values.format !== 'text' && values.format !== 'json')
        throw new UsageError(`--format must be text or json, not "${values.format}"`);
      for (const p of positionals) requireReadableFile(p, 'billing file');
      // An empty value is a mistake (an unset variable in a script), not "no price list".
      if (values['price-list'] === '') throw new UsageError('--price-list needs a file name, not an empty value');
      if (values['price-list'] !== undefined) requireReadableFile(values['price-list'], 'price list');
      return await runCheck(
        {
          files: positionals,
          format: values.format,
          priceList: values['price-list'],
          dateOrder: values['date-order'],
          errorThreshold: values['error-threshold'],
          all: values.all,
        },
        out,
      );
    }
    if (command === 'allocate' || command === 'export') {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          format: { type: 'string', default: 'text' },
          to: { type: 'string' },
          out: { type: 'string' },
          force: { type: 'boolean', default: false },
          'date-order': { type: 'string' },
        },
      });
      const rules = onlyRulesFile(positionals, command);
      const dateOrder = dateOrderOf(values['date-order']);
      if (command === 'allocate') {
        if (values.format !== 'text' && values.format !== 'json')
          throw new UsageError(`--format must be text or json, not "${values.format}"`);
        if (values.to !== undefined) throw new UsageError('--to belongs to `chargeback export`');
        return await runAllocate(
          { rules, format: values.format, out: values.out, force: values.force, dateOrder },
          out,
          err,
        );
      }
      if (!values.to || !EXPORT_KINDS.includes(values.to as ExportKind))
        throw new UsageError(`export needs --to ${EXPORT_KINDS.join('|')}`);
      if (!values.out) throw new UsageError('export needs --out FILE');
      return await runExport(
        { rules, to: values.to as ExportKind, out: values.out, force: values.force, dateOrder },
        out,
        err,
      );
    }
    if (command === 'invoice') return await invoiceCommand(rest, out, err);
    if (command === 'reconcile' || command === 'dispute') {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          format: { type: 'string', default: 'text' },
          out: { type: 'string' },
          force: { type: 'boolean', default: false },
          'invoice-total': { type: 'string', multiple: true },
          'date-order': { type: 'string' },
          'error-threshold': { type: 'string' },
        },
      });
      if (positionals.length === 0) throw new UsageError(`${command} needs at least one billing file`);
      for (const p of positionals) requireReadableFile(p, 'billing file');
      const common = {
        files: positionals,
        dateOrder: dateOrderOf(values['date-order']),
        errorThreshold: values['error-threshold'],
        invoiceTotals: values['invoice-total'],
      };
      if (command === 'reconcile') {
        if (values.format !== 'text' && values.format !== 'json')
          throw new UsageError(`--format must be text or json, not "${values.format}"`);
        if (values.out !== undefined) throw new UsageError('--out belongs to `chargeback dispute`');
        return await runReconcile({ ...common, format: values.format }, out);
      }
      if (!values.out) throw new UsageError('dispute needs --out DIR');
      return await runDispute({ ...common, out: values.out, force: values.force }, out, err);
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(displayText(`chargeback: ${(e as Error).message}`) + '\n');
      if (e instanceof UsageError && /unknown command|needs at least|needs exactly/.test(e.message))
        err.write(USAGE + '\n');
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code && /^E[A-Z]+$/.test(code)) {
      err.write(displayText(`chargeback: cannot read input: ${(e as Error).message}`) + '\n');
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  // A closed pipe (`chargeback check x | head`) is not an error worth a stack trace.
  const out = new BlockingOutput(1, () => process.exit(process.exitCode ?? 0));
  const err: Output = { write: (t) => void process.stderr.write(t) };
  main(process.argv.slice(2), out, err).then(
    (code) => {
      out.flush();
      process.exitCode = code;
    },
    (e) => {
      out.flush();
      // Exit codes are 0/1/2 only: an unexpected failure is still "could not do it" (2), with its trace.
      process.stderr.write(displayText(`chargeback: internal error: ${(e as Error).message ?? e}`) + '\n');
      process.stderr.write(`${(e as Error).stack ?? ''}\n`);
      process.exitCode = 2;
    },
  );
}
