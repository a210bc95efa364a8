/**
 * `chargeback check <files...>`: re-rates billing files from disk in flat memory and prints findings like a compiler
 * (text) or as one JSON document, streamed as it is found. Exit code: 0 without error findings, 1 with any.
 */
import { fileSource } from '../core/billing/source';
import { loadPriceList, type PriceList } from '../core/billing/priceList';
import { checkSource, type CheckSummary } from '../core/rating/check';
import { defaultCheckOptions, type CheckOptions } from '../core/rating/options';
import { SEVERITY_RANK, type Finding } from '../core/findings';
import { Dec } from '../core/money';
import { displayText } from '../core/text/displayText';
import { UsageError, type Output } from './output';
import { FindingGrouper, REPEATED_DEFECT_MIN_ROWS, groupMessage, type FindingGroup } from '../core/findingGroups';
import { FindingJsonWriter, findingLine } from '../core/findingRender';
import { blockTextPieces, copyBlockText, type FindingBlockSlice, type FindingRender } from '../core/findingBlock';

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
    const line = (f: Finding, message = f.message): string => findingLine(path, f, message);
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
    // Findings a worker thread wrote (the second pass of a big file), as this function would have written them.
    const onBlock = (s: FindingBlockSlice): void => {
      for (let i = s.from; i < s.to; i++) if (s.block.severity[i] === SEVERITY_RANK.error) errors++;
      grouper.addBlock(s);
      if (s.to === s.from) return;
      if (args.format === 'json') {
        // Each finding's text comes after a comma: the file's first leaves it out.
        writeBlock(out, s, first ? 1 : 0);
        first = false;
      } else if (args.all) writeBlock(out, s, 0);
    };
    const render: FindingRender =
      args.format === 'json' ? { format: 'json' } : args.all ? { format: 'text', path } : { format: 'none' };
    const { summary } = await checkSource(fileSource(path), options, onFinding, { blocks: { render, onBlock } });
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

/** A block's text to the output: as bytes when the output takes them, else as text. */
function writeBlock(out: Output, s: FindingBlockSlice, skip: number): void {
  if (out.writeBytes) copyBlockText(s, (bytes) => out.writeBytes!(bytes), skip);
  else blockTextPieces(s, (text) => out.write(text), skip);
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
