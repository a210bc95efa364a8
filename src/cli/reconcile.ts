/**
 * `chargeback reconcile <files...>` ties out daily usage, reconciliation file and invoice per month, and
 * `chargeback dispute <files...> --out DIR` writes the dispute packet (CSV and HTML). Exit codes as `check`: 0 without
 * error findings, 1 with any, 2 for usage errors.
 */
import { readFileSync, statSync } from 'node:fs';
import type Decimal from 'decimal.js';
import { Dec } from '../core/money';
import { fileSource } from '../core/billing/source';
import { defaultCheckOptions, type CheckOptions } from '../core/rating/options';
import {
  tieOutFiles,
  type TieOutFinding,
  type TieOutLine,
  type TieOutMonth,
  type TieOutResult,
} from '../core/monthClose/tieOut';
import { writeDisputePacket } from '../core/monthClose/writePacket';
import { UsageError, type Output } from './output';
import { displayText } from '../core/text/displayText';

export interface ReconcileArgs {
  files: string[];
  format: 'text' | 'json';
  dateOrder?: 'MDY' | 'DMY';
  errorThreshold?: string;
  /** INVOICE=AMOUNT pairs, or paths of files holding such pairs (one a line, "=" or "," between). */
  invoiceTotals?: string[];
}

const AMOUNT = /^-?\d+(\.\d{1,2})?$/;

/** Reads `--invoice-total` values: INVOICE=AMOUNT, or a file of such lines. */
export function parseInvoiceTotals(values: readonly string[] = []): Map<string, Decimal> {
  const totals = new Map<string, Decimal>();
  const add = (text: string, where: string): void => {
    const m = /^\s*([^=,\s]+)\s*[=,]\s*(\S+)\s*$/.exec(text);
    if (!m || !AMOUNT.test(m[2]))
      throw new UsageError(`${where}: expected INVOICE=AMOUNT such as G045218973=6151.22, not "${text.trim()}"`);
    totals.set(m[1].toLowerCase(), new Dec(m[2]));
  };
  for (const v of values) {
    if (/^[^=,]+[=,]/.test(v) && !isFile(v)) {
      add(v, '--invoice-total');
      continue;
    }
    if (!isFile(v)) throw new UsageError(`--invoice-total ${v}: neither INVOICE=AMOUNT nor a readable file`);
    readFileSync(v, 'utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .forEach((line, i) => {
        if (line.trim() === '' || /^\s*#/.test(line) || (i === 0 && /invoice/i.test(line) && !/\d=/.test(line))) return;
        add(line, `${v}:${i + 1}`);
      });
  }
  return totals;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function options(args: { dateOrder?: 'MDY' | 'DMY'; errorThreshold?: string }): CheckOptions {
  const overrides: Partial<CheckOptions> = {};
  if (args.dateOrder) overrides.dateOrder = args.dateOrder;
  if (args.errorThreshold !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(args.errorThreshold))
      throw new UsageError(`--error-threshold must be an amount such as 1.00, not "${args.errorThreshold}"`);
    overrides.errorThreshold = new Dec(args.errorThreshold);
  }
  return defaultCheckOptions(overrides);
}

export async function runTieOut(
  files: string[],
  args: { dateOrder?: 'MDY' | 'DMY'; errorThreshold?: string; invoiceTotals?: string[] },
): Promise<TieOutResult> {
  const invoiceTotals = parseInvoiceTotals(args.invoiceTotals);
  return tieOutFiles(
    files.map((path) => ({ path, source: fileSource(path) })),
    { check: options(args), invoiceTotals },
  );
}

/** The JSON shape of a finding: 1-based line and character as in `check`; decimals as strings. */
function jsonFinding(f: TieOutFinding): Record<string, unknown> {
  return {
    path: f.path,
    line: f.line + 1,
    character: f.character + 1,
    column: f.column,
    code: f.code,
    severity: f.severity,
    message: f.message,
    expected: f.expected,
    actual: f.actual,
    impact: f.impact,
    currency: f.currency,
    label: f.label,
    related: f.related?.map((r) => ({ path: r.path, line: r.line + 1, message: r.message })),
  };
}

/** The JSON shape of a month, without its lines and findings (they follow, in that order). */
function monthHead(m: TieOutMonth): Record<string, unknown> {
  return {
    invoiceNumber: m.invoiceNumber,
    period: m.period,
    draft: m.draft,
    status: m.status,
    currency: m.currency,
    invoiceTotal: m.invoiceTotal,
    enteredInvoiceTotal: m.enteredInvoiceTotal,
    atStake: m.atStake,
    files: m.files,
  };
}

function lineJson(l: TieOutLine): Record<string, unknown> {
  return {
    path: l.path,
    line: l.line + 1,
    subscriptionId: l.subscriptionId,
    meterId: l.meterId,
    meterName: l.meterName,
    pec: l.pec,
    subtotal: l.subtotal,
    fromDaily: l.fromDaily,
    bound: l.bound,
    label: l.label,
    difference: l.difference,
    billableQuantity: l.billableQuantity,
    dailyQuantity: l.dailyQuantity,
    dailyBilled: l.dailyBilled,
    drift: l.drift,
    rowsBound: l.rowsBound,
    derivation: l.derivation,
  };
}

/**
 * Writes `{"months":[...],"fileFindings":[...]}` as JSON.stringify would, a line at a time: a month of 100k meters
 * is tens of megabytes of JSON, which as one string (and its objects) would double what the tie-out holds.
 */
function writeResultJson(result: TieOutResult, out: Output): void {
  out.write('{"months":[');
  result.months.forEach((m, i) => {
    const head = JSON.stringify(monthHead(m));
    out.write(`${i > 0 ? ',' : ''}${head.slice(0, -1)},"lines":[`);
    let batch = '';
    m.lines.forEach((l, k) => {
      batch += (k > 0 ? ',' : '') + JSON.stringify(lineJson(l));
      if (batch.length > 1 << 16) {
        out.write(batch);
        batch = '';
      }
    });
    out.write(`${batch}],"findings":${JSON.stringify(m.findings.map(jsonFinding))}}`);
  });
  out.write(`],"fileFindings":${JSON.stringify(result.fileFindings.map(jsonFinding))}}\n`);
}

export async function runReconcile(args: ReconcileArgs, out: Output): Promise<number> {
  const result = await runTieOut(args.files, args);
  const all = [...result.fileFindings, ...result.months.flatMap((m) => m.findings)];
  const errors = all.filter((f) => f.severity === 'error').length;
  if (args.format === 'json') {
    writeResultJson(result, out);
    return errors > 0 ? 1 : 0;
  }
  for (const f of result.fileFindings) out.write(findingLine(f));
  for (const m of result.months) {
    out.write(displayText(`${monthTitle(m)}: ${monthSummary(m)}`) + '\n');
    for (const f of m.findings) out.write(findingLine(f));
    const byLabel = new Map<string, number>();
    for (const l of m.lines) byLabel.set(l.label, (byLabel.get(l.label) ?? 0) + 1);
    out.write(
      `  ${m.lines.length} line${m.lines.length === 1 ? '' : 's'}: ` +
        `${[...byLabel].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}\n`,
    );
  }
  if (result.months.length === 0)
    out.write('No daily usage or reconciliation file among the inputs: nothing to tie out.\n');
  return errors > 0 ? 1 : 0;
}

export function monthTitle(m: TieOutMonth): string {
  const period = m.period.replace('/', ' to ');
  return m.draft ? `Unbilled ${period} (draft estimate)` : `Invoice ${m.invoiceNumber || '(none)'}, ${period}`;
}

export function monthSummary(m: TieOutMonth): string {
  const flagged = m.findings.filter((f) => f.severity !== 'info').length;
  const status =
    m.status === 'ties-out'
      ? 'ties out'
      : m.status === 'differences'
        ? `${flagged} difference${flagged === 1 ? '' : 's'}`
        : m.status;
  const parts = [status];
  if (m.invoiceTotal) parts.push(`invoice total ${m.currency} ${m.invoiceTotal}`);
  if (m.atStake !== '0.00') parts.push(`${m.currency} ${m.atStake} at stake`);
  return parts.join(', ');
}

function findingLine(f: TieOutFinding): string {
  // Paths, labels and messages quote the files: escaped, so that each finding stays one line.
  return (
    displayText(
      `${f.path}:${f.line + 1}:${f.character + 1}: ${f.severity} ${f.code}${f.label ? ` [${f.label}]` : ''}: ` +
        f.message,
    ) + '\n'
  );
}

export interface DisputeArgs {
  files: string[];
  out: string;
  force: boolean;
  dateOrder?: 'MDY' | 'DMY';
  errorThreshold?: string;
  invoiceTotals?: string[];
}

export async function runDispute(args: DisputeArgs, out: Output, err: Output): Promise<number> {
  const result = await runTieOut(args.files, args);
  const { written, items, problems } = await writeDisputePacket(result, args.out, args.files, args.force);
  for (const p of problems) err.write(displayText(`chargeback: ${p}`) + '\n');
  for (const w of written) out.write(displayText(`wrote ${w}`) + '\n');
  out.write(`${items} finding${items === 1 ? '' : 's'} with money in the packet.\n`);
  if (problems.length > 0) return 2;
  return [...result.fileFindings, ...result.months.flatMap((m) => m.findings)].some((f) => f.severity === 'error')
    ? 1
    : 0;
}
