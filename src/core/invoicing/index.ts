/**
 * The public face of customer invoicing for the CLI and the editor: run a rules file's `invoicing:` section over
 * its billing data, turn the invoices into files, write them all or nothing, and explain any invoice line.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { fileStem, indexCsv, indexHtml, invoiceCsv, invoiceHtml, invoiceJson, invoicesJsonText } from './outputs';
import type { OutputFile } from './writeInvoices';
import type { InvoicingRun } from './run';
import type { Invoice, InvoiceLine } from './model';

export { runInvoicing } from './run';
export type { InvoicingRun, InvoiceMode, InvoicingRunOptions } from './run';
export { writeInvoiceFiles } from './writeInvoices';
export type { OutputFile, WriteInvoicesResult } from './writeInvoices';
export { explainLine, invoicesJsonText, displayPath, checkWhat } from './outputs';
export { problemPlace } from './build';
export type * from './model';

/** Every file of a run: per invoice CSV, JSON and HTML; index.html, index.csv and invoices.json. */
export function invoiceFiles(run: InvoicingRun, title: string, outDir: string): OutputFile[] {
  const base = dirname(run.rulesPath);
  const files: OutputFile[] = [];
  for (const set of run.sets) {
    for (const inv of set.invoices) {
      const stem = fileStem(inv);
      files.push({ name: `${stem}.csv`, content: invoiceCsv(inv, base) });
      files.push({ name: `${stem}.json`, content: JSON.stringify(invoiceJson(inv, base), null, 2) + '\n' });
      files.push({ name: `${stem}.html`, content: invoiceHtml(inv, base) });
    }
  }
  files.push({ name: 'index.html', content: indexHtml(run.sets, title, base) });
  files.push({ name: 'index.csv', content: indexCsv(run.sets) });
  const rulesFile = relative(resolve(outDir), run.rulesPath).split(sep).join('/');
  files.push({ name: 'invoices.json', content: invoicesJsonText(run.sets, base, rulesFile) });
  return files;
}

/**
 * Finds an invoice line by `<invoice id>:<line>` (or `#<line>`). Without a status the final invoice is preferred,
 * as it is the one sent; `draft` picks the draft.
 */
export function findLine(
  run: InvoicingRun,
  ref: string,
  status?: 'draft' | 'final',
): { invoice: Invoice; line: InvoiceLine } | string {
  const m = /^(.+)[:#](\d+)$/.exec(ref.trim());
  if (!m) return `--explain needs <invoice id>:<line number>, for example 2026-08-fabrikam-postpaid:3, not '${ref}'.`;
  const [, id, num] = m;
  const sets = [...run.sets].sort((a, b) =>
    a.status === (status ?? 'final') ? -1 : b.status === (status ?? 'final') ? 1 : 0,
  );
  for (const set of sets) {
    const inv = set.invoices.find((i) => i.id === id || `${i.id}.${i.status}` === id);
    if (!inv) continue;
    const line = inv.lines.find((l) => l.number === Number(num));
    if (!line) return `Invoice ${inv.id} (${inv.status}) has lines 1 to ${inv.lines.length}, not ${num}.`;
    return { invoice: inv, line };
  }
  const known = run.sets.flatMap((s) => s.invoices.map((i) => i.id));
  return `No invoice '${id}'. Invoices: ${[...new Set(known)].join(', ') || 'none'}.`;
}
