/**
 * `chargeback check <files...>`: re-rates billing files from disk in flat memory and prints findings like a compiler
 * (text) or as one JSON document, streamed as it is found. Exit code: 0 without error findings, 1 with any.
 */
import { fileSource } from '../core/billing/source';
import { loadPriceList, type PriceList } from '../core/billing/priceList';
import { checkSource, type CheckSummary } from '../core/rating/check';
import { defaultCheckOptions, type CheckOptions } from '../core/rating/options';
import type { Finding } from '../core/findings';
import { Dec } from '../core/money';
import { displayText } from '../core/text/displayText';
import { UsageError, type Output } from './output';
import { FindingGrouper, REPEATED_DEFECT_MIN_ROWS, groupMessage, type FindingGroup } from '../core/findingGroups';

/** A group of more rows than this is a repeated defect, printed as one line in text output (without --all). */
const PRINTED_ROWS_PER_GROUP = REPEATED_DEFECT_MIN_ROWS - 1;

export interface CheckArgs {
  files: string[];
  format: 'text' | 'json';
  priceList?: string;
  dateOrder?: string;
  errorThreshold?: string;
  /** Text output: print every row finding, not one line per repeated defect. */
  all?: boolean;
}

export async function runCheck(args: CheckArgs, out: Output): Promise<number> {
  const overrides: Partial<CheckOptions> = {};
  if (args.dateOrder !== undefined) {
    const order = args.dateOrder.toUpperCase();
    if (order !== 'MDY' && order !== 'DMY')
      throw new UsageError(`--date-order must be MDY or DMY, not "${args.dateOrder}"`);
    overrides.dateOrder = order;
  }
  if (args.errorThreshold !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(args.errorThreshold))
      throw new UsageError(`--error-threshold must be an amount such as 1.00, not "${args.errorThreshold}"`);
    overrides.errorThreshold = new Dec(args.errorThreshold);
  }
  if (args.priceList) overrides.priceList = await readPriceList(args.priceList, overrides.dateOrder);
  const options = defaultCheckOptions(overrides);

  let errors = 0;
  const summaries: CheckSummary[] = [];
  if (args.format === 'json') out.write('{"files":[');
  for (const [i, path] of args.files.entries()) {
    let first = true;
    if (args.format === 'json') out.write(`${i > 0 ? ',' : ''}{"path":${JSON.stringify(path)},"findings":[`);
    const grouper = new FindingGrouper(PRINTED_ROWS_PER_GROUP);
    const json = new FindingJsonWriter();
    // Paths and messages quote the file: escaped, so that each finding stays one line (core/text/displayText).
    const line = (f: Finding, message = f.message): string =>
      displayText(`${path}:${f.line + 1}:${f.character + 1}: ${f.severity} ${f.code}: ${message}`) + '\n';
    const onFinding = (f: Finding): void => {
      if (f.severity === 'error') errors++;
      const grouped = grouper.add(f);
      if (args.format === 'json') {
        json.write(out, f, first ? '' : ',');
        first = false;
      } else if (args.all || !grouped) {
        out.write(line(f));
      }
    };
    const { summary } = await checkSource(fileSource(path), options, onFinding);
    summaries.push(summary);
    if (args.format === 'json') {
      out.write(`],"groups":${JSON.stringify(grouper.repeated().map(jsonGroup))}`);
      out.write(`,"kind":${JSON.stringify(summary.kind)},"rows":${summary.rows}`);
      out.write(`,"summary":${JSON.stringify(jsonSummary(summary))}}`);
    } else {
      if (!args.all) {
        // Row findings, after the file-level ones: small groups row by row, repeated defects as one line each.
        for (const g of grouper.all()) {
          if (g.count <= PRINTED_ROWS_PER_GROUP) for (const f of g.sample) out.write(line(f));
          else out.write(line({ ...g.first, severity: g.severity }, `${groupMessage(g)} (--all prints every row)`));
        }
      }
      out.write(displayText(`${path}: ${summaryLine(summary)}`) + '\n');
    }
  }
  if (args.format === 'json') out.write(']}\n');
  else if (summaries.length > 1) out.write(`${totalLine(summaries)}\n`);
  return errors > 0 ? 1 : 0;
}

/**
 * The line over all files. Money at stake adds up across files (each finding is on one file's row); billed totals
 * add up only across files of one kind: a daily usage file and the reconciliation file of its invoice bill the same
 * usage twice over.
 */
export function totalLine(summaries: readonly CheckSummary[]): string {
  const count = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  const sum = (pick: (s: CheckSummary) => string): string =>
    summaries
      .reduce((a, s) => a.plus(pick(s) || 0), new Dec(0))
      .abs()
      .toFixed(2);
  const by = (k: 'error' | 'warning' | 'info'): number => summaries.reduce((a, s) => a + s.bySeverity[k], 0);
  const findings = summaries.reduce((a, s) => a + s.findings, 0);
  const parts = [
    `total: ${count(summaries.length, 'file')}, ${count(
      summaries.reduce((a, s) => a + s.rows, 0),
      'row',
    )}`,
    findings === 0
      ? 'no findings'
      : `${count(findings, 'finding')} (${count(by('error'), 'error')}, ${count(by('warning'), 'warning')}, ${by('info')} info)`,
  ];
  const currencies = new Set(summaries.map((s) => s.currency).filter((c) => c !== ''));
  const currency = currencies.size === 1 ? [...currencies][0] : undefined;
  const kinds = new Set(summaries.map((s) => s.kind));
  if (currency) {
    if (kinds.size === 1) parts.push(`billed ${currency} ${sum((s) => s.billedTotal)}`);
    const over = sum((s) => s.overcharge);
    const under = sum((s) => s.undercharge);
    if (over !== '0.00') parts.push(`overcharged ${currency} ${over}`);
    if (under !== '0.00') parts.push(`undercharged ${currency} ${under}`);
  } else if (currencies.size > 1) {
    parts.push(`money not added up across currencies (${[...currencies].join(', ')})`);
  }
  return parts.join(', ');
}

async function readPriceList(path: string, dateOrder?: 'MDY' | 'DMY'): Promise<PriceList> {
  const { priceList, findings } = await loadPriceList(fileSource(path), dateOrder);
  const fatal = findings.find(
    (f) => f.code === 'missing-column' || f.code === 'unsupported-encoding' || f.code === 'empty-file',
  );
  if (fatal) throw new UsageError(`price list ${path}: ${fatal.message}`);
  return priceList;
}

/**
 * A string JSON carries between its quotes as it is, that is also ASCII: no `"`, `\\`, control character (below
 * 0x20), nothing above 0x7f (a lone surrogate is escaped by JSON.stringify, any other non-ASCII is not, but such
 * text is not ASCII either). Any such string is written as `"s"`; the others go through JSON.stringify.
 */
const RAW_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7f]*$/;

/** RAW_ASCII's test by a loop, for a short string (an amount, a price), where calling the regex costs more. */
function rawShort(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/**
 * Writes findings as `JSON.stringify(jsonFinding(f))` writes them, field by field: a million findings are a million
 * objects less, and the strings JSON writes as they are (most of them, and the long message) are tested, not
 * escaped (a test keeps the two identical). A writer belongs to one output: it remembers, per field, the string it
 * last proved raw (the column, currency and meter repeat from row to row), and whether the finding it is writing is
 * ASCII throughout.
 */
export class FindingJsonWriter {
  /** False once the finding being made holds a string that may not be ASCII (see `raw`). */
  private allAscii = true;
  /** Per field of a finding, the string last proved RAW_ASCII. */
  private readonly provedRaw: string[] = ['', '', '', '', '', ''];

  /**
   * Whether `s` is written between quotes as it is (RAW_ASCII); notes in `allAscii` what it could not prove, for
   * which the caller writes JSON.stringify(s). `field` names the finding's field (a slot of provedRaw), -1 for the
   * message (never the same twice).
   */
  private raw(s: string, field: number): boolean {
    if (field >= 0 && s === this.provedRaw[field]) return true;
    if (s.length < 48 ? rawShort(s) : RAW_ASCII.test(s)) {
      if (field >= 0) this.provedRaw[field] = s;
      return true;
    }
    this.allAscii = false;
    return false;
  }

  /** The finding's JSON text. */
  json(f: Finding): string {
    this.allAscii = true;
    // code and severity are the fixed words of findings.ts, numbers print as ASCII digits.
    let s =
      `{"line":${f.line + 1},"character":${f.character + 1},"endLine":${f.endLine + 1},` +
      `"endCharacter":${f.endCharacter + 1}`;
    const { column, message, actual, expected, impact, currency, meter } = f;
    if (column !== undefined)
      s += this.raw(column, 0) ? `,"column":"${column}"` : `,"column":${JSON.stringify(column)}`;
    s += `,"code":"${f.code}","severity":"${f.severity}"`;
    s += this.raw(message, -1) ? `,"message":"${message}"` : `,"message":${JSON.stringify(message)}`;
    if (actual !== undefined)
      s += this.raw(actual, 1) ? `,"actual":"${actual}"` : `,"actual":${JSON.stringify(actual)}`;
    if (expected !== undefined)
      s += this.raw(expected, 2) ? `,"expected":"${expected}"` : `,"expected":${JSON.stringify(expected)}`;
    if (impact !== undefined)
      s += this.raw(impact, 3) ? `,"impact":"${impact}"` : `,"impact":${JSON.stringify(impact)}`;
    if (currency !== undefined)
      s += this.raw(currency, 4) ? `,"currency":"${currency}"` : `,"currency":${JSON.stringify(currency)}`;
    if (meter !== undefined) s += this.raw(meter, 5) ? `,"meter":"${meter}"` : `,"meter":${JSON.stringify(meter)}`;
    if (f.rows !== undefined) s += `,"rows":${JSON.stringify(f.rows)}`;
    return s + '}';
  }

  /**
   * Writes `lead` (ASCII) and the finding's JSON to `out`; as ASCII (one byte per character, no UTF-8 encoding)
   * when every string in it was proved ASCII and the output can take it.
   */
  write(out: Output, f: Finding, lead: string): void {
    const json = lead + this.json(f);
    if (this.allAscii && out.writeAscii) out.writeAscii(json);
    else out.write(json);
  }
}

/** One finding's JSON (FindingJsonWriter.json), for a caller that writes a single finding. */
export function findingJson(f: Finding): string {
  return new FindingJsonWriter().json(f);
}

/** The JSON shape of a finding: 1-based line and column like the text output; decimals as strings. */
export function jsonFinding(f: Finding): Record<string, unknown> {
  return {
    line: f.line + 1,
    character: f.character + 1,
    endLine: f.endLine + 1,
    endCharacter: f.endCharacter + 1,
    column: f.column,
    code: f.code,
    severity: f.severity,
    message: f.message,
    actual: f.actual,
    expected: f.expected,
    impact: f.impact,
    currency: f.currency,
    meter: f.meter,
    rows: f.rows,
  };
}

/** The JSON shape of a repeated defect: where its first row is, how many rows, the money in all. */
function jsonGroup(g: FindingGroup): Record<string, unknown> {
  return {
    meter: g.meter,
    code: g.code,
    severity: g.severity,
    rows: g.count,
    impact: g.impact,
    currency: g.currency,
    line: g.first.line + 1,
    character: g.first.character + 1,
    column: g.first.column,
  };
}

function jsonSummary(s: CheckSummary): Record<string, unknown> {
  return {
    findings: s.findings,
    bySeverity: s.bySeverity,
    byCode: s.byCode,
    overcharge: s.overcharge,
    undercharge: s.undercharge,
    billedTotal: s.billedTotal,
    currency: s.currency,
    delimiter: s.delimiter,
    dateOrder: s.dateOrder,
  };
}

export function summaryLine(s: CheckSummary): string {
  const kind = s.kind === 'unknown' ? 'not a recognized billing file' : s.kind;
  const parts = [`${kind}, ${s.rows} row${s.rows === 1 ? '' : 's'}`];
  const { error, warning, info } = s.bySeverity;
  parts.push(
    s.findings === 0
      ? 'no findings'
      : `${s.findings} finding${s.findings === 1 ? '' : 's'} (${error} error${error === 1 ? '' : 's'}, ${warning} warning${warning === 1 ? '' : 's'}, ${info} info)`,
  );
  if (s.billedTotal !== '0.00') parts.push(`billed ${s.currency} ${s.billedTotal}`.replace('  ', ' '));
  if (s.overcharge !== '0.00') parts.push(`overcharged ${s.currency} ${s.overcharge}`);
  if (s.undercharge !== '0.00') parts.push(`undercharged ${s.currency} ${s.undercharge.replace('-', '')}`);
  return parts.join(', ');
}
