/**
 * Writes the dispute packet of a tie-out into a folder: dispute-<invoices>.csv and dispute-<invoices>.html, each
 * atomically, never over an input file, and over an earlier packet only when the caller says so. The CLI and the
 * editor command share it, so both write the same files.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicWrite } from '../exports/atomicWrite';
import { disputeCsv, disputeHtml, disputeItems } from './disputePacket';
import type { TieOutMonth, TieOutResult } from './tieOut';

/** Invoices named one by one in a packet's file name; past that, the first, the last and how many. */
const NAMED_INVOICES = 3;
/** An invoice number's part of a file name (file systems take 255 bytes a name). */
const INVOICE_NAME_CHARS = 40;

/**
 * The packet's file names: one pair per run, named after the invoices it covers (`dispute-G1-G2.csv`), or for a
 * run of many invoices (a file of several months or billing accounts) `dispute-G1-to-G9-12-invoices.csv`.
 */
export function disputeFileNames(months: readonly TieOutMonth[]): { csv: string; html: string } {
  const ids = months
    .filter((m) => m.invoiceNumber)
    .map((m) => m.invoiceNumber.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, INVOICE_NAME_CHARS));
  const named =
    ids.length > NAMED_INVOICES ? `${ids[0]}-to-${ids[ids.length - 1]}-${ids.length}-invoices` : ids.join('-');
  const base = `dispute-${ids.length > 0 ? named : (months[0]?.period.slice(0, 7) ?? 'month')}`;
  return { csv: `${base}.csv`, html: `${base}.html` };
}

export async function writeDisputePacket(
  result: TieOutResult,
  dir: string,
  inputs: readonly string[],
  force: boolean,
  generated = new Date().toISOString(),
): Promise<{ written: string[]; items: number; problems: string[] }> {
  const items = disputeItems(result.months);
  const names = disputeFileNames(result.months);
  mkdirSync(dir, { recursive: true });
  const targets = [join(dir, names.csv), join(dir, names.html)];
  const inputSet = new Set(inputs.map((p) => resolve(p)));
  const clash = targets.find((t) => inputSet.has(resolve(t)));
  if (clash)
    return {
      written: [],
      items: items.length,
      problems: [`${clash} is one of the input files; the packet never replaces an input`],
    };
  const written: string[] = [];
  const problems: string[] = [];
  for (const [path, content] of [
    [targets[0], disputeCsv(items)],
    [targets[1], disputeHtml(items, result.months, generated)],
  ] as const) {
    const r = await atomicWrite(path, content, { overwrite: force });
    if (r.written) written.push(path);
    else problems.push(r.reason === 'exists' ? `${path} already exists; pass --force to replace it` : r.message);
  }
  return { written, items: items.length, problems };
}
