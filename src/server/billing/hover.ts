/**
 * Hover on a billing file: every cell says which column it is in (a 55-column row is unreadable otherwise), and an
 * EffectiveUnitPrice cell of a daily usage file shows how the rating rules derive its price.
 */
import type { Hover, Position } from 'vscode-languageserver';
import { tokenize, type CsvRecord } from '../../core/billing/csv';
import { FILE_KIND_LABELS } from '../../core/billing/fileKinds';
import type { BillingHeader } from '../../core/billing/reader';
import type { DailyUsageChecker } from '../../core/rating/dailyUsage';
import { fmtPct } from '../../core/rating/dailyUsage';
import { Dec, formatPrice } from '../../core/money';

export interface HoverDocument {
  getText(): string;
  offsetAt(position: Position): number;
  lineCount: number;
}

export interface CheckedDocument {
  header?: BillingHeader;
  /** 0-based start line of every record, header first, in order. */
  recordStarts: number[];
  daily?: DailyUsageChecker;
}

/** Index of the record that contains `line`: the last record starting at or before it. */
export function recordIndexAt(recordStarts: readonly number[], line: number): number {
  let lo = 0;
  let hi = recordStarts.length - 1;
  if (hi < 0 || line < recordStarts[0]) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (recordStarts[mid] <= line) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Re-reads one record of the document with its positions in document coordinates. */
export function readRecordAt(doc: HoverDocument, checked: CheckedDocument, index: number): CsvRecord | undefined {
  if (!checked.header || index < 0) return undefined;
  const startLine = checked.recordStarts[index];
  const start = doc.offsetAt({ line: startLine, character: 0 });
  const next = checked.recordStarts[index + 1];
  const end = next === undefined ? doc.getText().length : doc.offsetAt({ line: next, character: 0 });
  const { records } = tokenize(doc.getText().slice(start, end), checked.header.delimiter);
  const record = records[0];
  if (!record) return undefined;
  for (let i = 0; i < record.pos.length; i += 2) record.pos[i] += startLine;
  return { ...record, index };
}

function cellAt(record: CsvRecord, position: Position): number {
  for (let c = 0; c < record.cells.length; c++) {
    const [sl, sc, el, ec] = record.pos.slice(4 * c, 4 * c + 4);
    const afterStart = position.line > sl || (position.line === sl && position.character >= sc);
    const beforeEnd = position.line < el || (position.line === el && position.character <= ec);
    if (afterStart && beforeEnd) return c;
  }
  return -1;
}

export function billingHover(doc: HoverDocument, checked: CheckedDocument, position: Position): Hover | null {
  const header = checked.header;
  if (!header) return null;
  const index = recordIndexAt(checked.recordStarts, position.line);
  const record = readRecordAt(doc, checked, index);
  if (!record) return null;
  const c = cellAt(record, position);
  if (c < 0) return null;
  const width = header.columns.header.length;
  const name = c < width ? header.columns.nameAt(c) : `(extra cell ${c + 1})`;
  const range = {
    start: { line: record.pos[4 * c], character: record.pos[4 * c + 1] },
    end: { line: record.pos[4 * c + 2], character: record.pos[4 * c + 3] },
  };
  const lines: string[] = [];
  if (index === 0) {
    lines.push(`**${name}** · column ${c + 1} of ${width}`, '', `Header of a ${FILE_KIND_LABELS[header.kind]} file.`);
  } else {
    lines.push(`**${name}** · column ${c + 1} of ${width} · row ${index} (line ${record.pos[0] + 1})`);
    if (checked.daily && header.kind === 'daily-usage' && c === header.columns.indexOf('EffectiveUnitPrice')) {
      lines.push('', ...explainEffectiveUnitPrice(checked.daily, record));
    }
  }
  return { contents: { kind: 'markdown', value: lines.join('\n') }, range };
}

function explainEffectiveUnitPrice(daily: DailyUsageChecker, record: CsvRecord): string[] {
  const parsed = daily.parse(record);
  if (!parsed.ok) return ['This row has unreadable values, so its price was not re-rated.'];
  const row = parsed.row;
  if (row.coveredByBenefit)
    return ['Usage covered by a reservation or savings plan: it is not rated at the pay-as-you-go price.'];
  const x = daily.explain(row);
  const discount = Dec.sub(1, row.fraction);
  // The verdict first, the derivation after it, compact: the hover must fit without scrolling.
  const band = `${formatPrice(x.lower)} … ${formatPrice(x.upper)}`;
  const verdict = x.consistent
    ? `**${row.eupText.trim()} ✓ consistent** with the band ${band}`
    : `**${row.eupText.trim()} ✗ outside the band** ${band}: expected ${formatPrice(x.lower)}`;
  const credits = `PEC ${fmtPct(row.pec)}, further credit ${fmtPct(row.credit)}`;
  const out = [
    verdict,
    '',
    `Re-rated month to date (meter \`${row.meterId}\`, through ${row.day}; ${credits}):`,
    '',
    '| | |',
    '|---|---|',
    `| BCU: units month to date | ${x.bcu.toFixed()} |`,
    `| UnitPrice × FX | ${row.unitPrice.toFixed()} × ${row.fx.toFixed()} |`,
  ];
  if (x.tiers)
    out.push(
      `| Graduated tiers | ${x.tiers.map((t) => `> ${t.startsAfter.toFixed()} @ ${t.unitPrice.toFixed()}`).join(', ')} |`,
    );
  out.push(
    `| Gross (retail) | ${x.gross.toFixed()} |`,
    `| Credits read as | ${row.creditReading} |`,
    `| BC = FLOOR(gross × (1 − ${fmtPct(discount)}), 2) | ${x.bc.toFixed(2)} |`,
    `| EUP = BC / BCU (band to the un-rounded price) | ${band} |`,
  );
  if (x.leftOutRows > 0)
    out.push('', `${x.leftOutRows} row(s) of this meter were left out of the sums: invalid values.`);
  return out;
}
