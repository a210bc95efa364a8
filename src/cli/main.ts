/**
 * The `chargeback` command line: the same engine as the editor, for pipelines.
 * Exit codes: 0 fine, 1 error findings (or rule errors), 2 usage errors or unreadable input, with a one-line reason.
 */
import { parseArgs } from 'node:util';
import { accessSync, constants, statSync } from 'node:fs';
import { runCheck } from './check';
import { UsageError, type Output } from './output';

const USAGE = `Usage:
  chargeback check <files...> [--format text|json] [--price-list FILE] [--date-order MDY|DMY] [--error-threshold AMOUNT]
  chargeback --help | --version

check     re-rates Partner Center daily usage and reconciliation files and prints every finding
          (file:line:col: severity code: message). Exit 1 when any finding is an error.`;

function requireReadableFile(path: string, what: string): void {
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${what} ${path} is a folder, not a file`);
    accessSync(path, constants.R_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
}

export async function main(argv: string[], out: Output, err: Output): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      out.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
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
        },
      });
      if (positionals.length === 0) throw new UsageError('check needs at least one billing file');
      if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not "${values.format}"`);
      for (const p of positionals) requireReadableFile(p, 'billing file');
      if (values['price-list']) requireReadableFile(values['price-list'], 'price list');
      return await runCheck({
        files: positionals, format: values.format, priceList: values['price-list'], dateOrder: values['date-order'], errorThreshold: values['error-threshold'],
      }, out);
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`chargeback: ${(e as Error).message}\n`);
      if (e instanceof UsageError && /unknown command|needs at least/.test(e.message)) err.write(USAGE + '\n');
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code && /^E[A-Z]+$/.test(code)) {
      err.write(`chargeback: cannot read input: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  // A closed pipe (`chargeback check x | head`) is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const out: Output = { write: (t) => void process.stdout.write(t) };
  const err: Output = { write: (t) => void process.stderr.write(t) };
  main(process.argv.slice(2), out, err).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`chargeback: internal error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 3;
    },
  );
}
