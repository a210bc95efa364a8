/**
 * `chargeback invoice <rules.yaml> [--draft|--final] --out DIR [--format json] [--explain LINE]`: the customer
 * invoices of a reseller, made from the rules file's `invoicing:` section and its billing data. Every problem is
 * printed at its place (rules file or billing row, file:line:col); with any error nothing is written.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import {
  checkWhat,
  explainLine,
  findLine,
  invoiceFiles,
  invoicesJsonText,
  problemPlace,
  runInvoicing,
  writeInvoiceFiles,
  type InvoiceMode,
} from '../core/invoicing';
import { formatCents } from '../core/money';
import type { DateOrder } from '../core/billing/dates';
import { UsageError, type Output } from './output';

export interface InvoiceArgs {
  rules: string;
  mode: InvoiceMode;
  out?: string;
  format: 'text' | 'json';
  explain?: string;
  force: boolean;
  dateOrder?: DateOrder;
}

/** A billing file as a compiler would name it: relative to the current folder when it lies inside it. */
function shortPath(path: string): string {
  const r = relative(process.cwd(), path);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : path;
}

export async function runInvoice(args: InvoiceArgs, out: Output, err: Output): Promise<number> {
  let text: string;
  try {
    text = readFileSync(args.rules, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read rules file ${args.rules}: ` +
        `${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  const rulesPath = resolve(args.rules);
  const run = await runInvoicing(rulesPath, text, { mode: args.mode, dateOrder: args.dateOrder });
  for (const p of run.parsed.problems) {
    if (p.severity === 'info') continue;
    (p.severity === 'error' ? out : err).write(
      `${args.rules}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity} ${p.code}: ${p.message}\n`,
    );
  }
  for (const p of run.problems) {
    const place = problemPlace(p, args.rules);
    (p.severity === 'error' ? out : err).write(
      `${shortPath(place.path)}:${place.line}:${place.column}: ${p.severity} ${p.code}: ${p.message}\n`,
    );
  }
  for (const i of run.dataIssues.filter((x) => x.severity !== 'error').slice(0, 50))
    err.write(`${shortPath(i.file)}:${i.line}: ${i.severity} ${i.code}: ${i.message}\n`);
  if (!run.ok) {
    if (args.out) err.write(`chargeback: nothing was written to ${args.out}\n`);
    return 1;
  }
  if (args.explain) {
    const found = findLine(run, args.explain, args.mode === 'both' ? undefined : args.mode);
    if (typeof found === 'string') throw new UsageError(found);
    out.write(explainLine(found.invoice, found.line, dirname(rulesPath)));
    return 0;
  }
  if (args.out) {
    const title = `${run.parsed.model.name?.value ?? 'Customer invoices'}: invoices`;
    const inputs = [rulesPath, ...run.sets.flatMap((s) => s.files)];
    const written = await writeInvoiceFiles(args.out, invoiceFiles(run, title, args.out), {
      overwrite: args.force,
      inputs,
    });
    if (!written.written) throw new UsageError(written.message);
    if (args.format === 'text') out.write(`wrote ${written.files.length} files to ${args.out} (open index.html)\n`);
  }
  if (args.format === 'json') {
    out.write(invoicesJsonText(run.sets, dirname(rulesPath)));
    return 0;
  }
  for (const set of run.sets) {
    out.write(`${set.status} invoices (${set.invoices.length}):\n`);
    for (const inv of set.invoices) {
      const change = inv.changes ? `, change since draft ${inv.currency} ${formatCents(inv.changes.difference)}` : '';
      out.write(
        `  ${inv.id}  ${inv.customer}  ${inv.paymentModel}  ${inv.currency} ${formatCents(inv.total)}  ` +
          `${inv.lines.length} lines${change}  ${inv.note}\n`,
      );
    }
    for (const c of set.reconciliation) {
      out.write(
        `  ${c.ok ? 'ok' : 'DIFFERENCE'}: ${checkWhat(c, dirname(rulesPath))}: ${formatCents(c.actual)} vs ` +
          `${formatCents(c.expected)} (${c.note})\n`,
      );
    }
  }
  return 0;
}
