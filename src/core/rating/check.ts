/**
 * Checks one billing file end to end: reads it (twice for daily usage: month-to-date sums first, then every row),
 * streams findings to the caller, and returns a summary. The same function serves the language server (an open
 * document as a string source), the "Check billing file" command and the CLI (a file streamed from disk).
 */
import type Decimal from 'decimal.js';
import { ZERO, formatCents } from '../money';
import { duplicateColumnFindings, readBillingFile, type BillingHeader } from '../billing/reader';
import type { TextSource } from '../billing/source';
import { fastPathTesting } from '../fast/fastPathTesting';
import { DAILY_USAGE_REQUIRED, FILE_KIND_LABELS, RECONCILIATION_REQUIRED, type FileKind } from '../billing/fileKinds';
import { SEVERITIES, recordRange, type Finding, type FindingCode, type Severity } from '../findings';
import { DailyUsageChecker, type RowOutcome } from './dailyUsage';
import { ReconciliationChecker } from './reconciliation';
import { fastDailyCheck, type FastDailyResult } from './fastDaily';
import type { FindingBlockSlice, FindingRender } from '../findingBlock';
import type { CheckOptions } from './options';

export interface CheckSummary {
  name: string;
  kind: FileKind;
  /** Data rows in the file (the header excluded). */
  rows: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  byCode: Partial<Record<FindingCode, number>>;
  /** Sum of positive money at stake over rows, and of negative, in billing currency (exact decimal strings). */
  overcharge: string;
  undercharge: string;
  /** Sum of the billed amounts read (BillingPreTaxTotal / Subtotal) and their currency ("" when none, "mixed"). */
  billedTotal: string;
  currency: string;
  delimiter?: string;
  dateOrder: CheckOptions['dateOrder'];
  /** False when the check was cancelled before the end. */
  complete: boolean;
}

export interface CheckRun {
  summary: CheckSummary;
  header?: BillingHeader;
  /** The daily-usage checker after both passes: explains any row's rating (hover). */
  daily?: DailyUsageChecker;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Progress between chunks: rows read in the current pass, and which pass (1 or 2; 1 only for single-pass kinds). */
  onProgress?(rows: number, pass: number, passes: number): void;
  /** Called in the first pass with the 0-based start line of every record (header first), for position lookups. */
  onRecordStart?(line: number): void;
  /**
   * Which reader: 'fast' (default) reads regular comma-separated daily usage from bytes and proves most rows clean
   * with exact integer arithmetic; 'reference' always uses the tokenizer and decimal.js on every row. Both give the
   * same findings and summary (test/unit/fastCheck.test.ts).
   */
  reader?: 'fast' | 'reference';
  /** Bytes the fast reader reads between yields to the event loop. */
  sliceBytes?: number;
  /** Set on the second attempt of a check whose dates proved the date order setting wrong. */
  orderOverride?: { column: string; text: string; setting: CheckOptions['dateOrder'] };
  /**
   * A consumer that writes every finding as `render` says may be handed findings a worker thread made and wrote
   * already, a block at a time, in their place among the others (../findingBlock.ts). `onBlock` takes the block's
   * text before it returns (the file is temporary). Such findings are counted in the summary but never passed to
   * onFinding.
   */
  blocks?: { render: FindingRender; onBlock(s: FindingBlockSlice): void };
}

/**
 * A daily file whose first pass met a date that reads only in the other order (11/30/2025 under day-first) is read
 * again in that order, and says so once, instead of reporting every such date and rating the others wrongly.
 */
function restartInOtherOrder(
  source: TextSource,
  options: CheckOptions,
  onFinding: (f: Finding) => void,
  run: RunOptions,
  daily: DailyUsageChecker,
): Promise<CheckRun> | undefined {
  const seen = daily.orderContradicted();
  if (!seen || run.orderOverride) return undefined;
  const other = options.dateOrder === 'MDY' ? 'DMY' : 'MDY';
  const orderOverride = { ...seen, setting: options.dateOrder };
  return checkSource(source, { ...options, dateOrder: other }, onFinding, { ...run, orderOverride });
}

export async function checkSource(
  source: TextSource,
  options: CheckOptions,
  onFinding: (f: Finding) => void,
  run: RunOptions = {},
): Promise<CheckRun> {
  const summary: CheckSummary = {
    name: source.name,
    kind: 'unknown',
    rows: 0,
    findings: 0,
    bySeverity: { error: 0, warning: 0, info: 0 },
    byCode: {},
    overcharge: '0.00',
    undercharge: '0.00',
    billedTotal: '0.00',
    currency: '',
    dateOrder: options.dateOrder,
    complete: true,
  };
  let over: Decimal = ZERO;
  let under: Decimal = ZERO;
  let billed: Decimal = ZERO;
  const currencies = new Set<string>();
  /** Findings of a daily file's first pass wait for its end: a restart in the other date order drops them. */
  let held: Finding[] | undefined;
  const emit = (f: Finding): void => {
    if (held) return void held.push(f);
    summary.findings++;
    summary.bySeverity[f.severity]++;
    summary.byCode[f.code] = (summary.byCode[f.code] ?? 0) + 1;
    onFinding(f);
  };
  const emitBlock = (s: FindingBlockSlice): void => {
    const b = s.block;
    for (let i = s.from; i < s.to; i++) {
      summary.findings++;
      summary.bySeverity[SEVERITIES[b.severity[i]]]++;
      const code = b.codes[b.code[i]];
      summary.byCode[code] = (summary.byCode[code] ?? 0) + 1;
    }
    run.blocks!.onBlock(s);
  };
  const account = (o: RowOutcome): void => {
    if (o.stake.gt(0)) over = over.plus(o.stake);
    else under = under.plus(o.stake);
    if (o.billed) billed = billed.plus(o.billed);
    if (o.currency) currencies.add(o.currency);
  };

  let header: BillingHeader | undefined;
  let daily: DailyUsageChecker | undefined;
  let recon: ReconciliationChecker | undefined;

  const input = run.reader !== 'reference' ? source.bytes?.() : undefined;
  if (input) {
    // The header, read the reference way (encoding, delimiter, kind); the rows, the fast way when the file allows.
    let h: BillingHeader | undefined;
    await readBillingFile(source, {
      onHeader: (x) => ((h = x), false),
      onRow: () => undefined,
      onFinding: () => undefined,
    });
    if (
      h &&
      h.kind === 'daily-usage' &&
      h.delimiter === ',' &&
      !h.decimalComma &&
      h.columns.missing(DAILY_USAGE_REQUIRED).length === 0
    ) {
      const fastCheck = async (threads?: number): Promise<[DailyUsageChecker, FastDailyResult | undefined]> => {
        const checker = new DailyUsageChecker(h!, options);
        if (run.orderOverride) checker.assumeOrderOverride(run.orderOverride);
        const result = await fastDailyCheck({
          input,
          header: h!,
          checker,
          options,
          emit,
          account,
          signal: run.signal,
          onProgress: run.onProgress,
          onRecordStart: run.onRecordStart,
          sliceBytes: run.sliceBytes,
          threads,
          render: run.blocks?.render,
          emitBlock: run.blocks && emitBlock,
        });
        return [checker, result];
      };
      let [checker, fast] = await fastCheck();
      // Ranges read in worker threads that did not join: nothing was said; the file is read again in one thread.
      const readAgain = fast?.oneThread === true;
      if (readAgain) [checker, fast] = await fastCheck(1);
      if (fast?.dateOrderContradicted) return restartInOtherOrder(source, options, onFinding, run, checker)!;
      if (fast) {
        // The header was read apart from the rows: its own findings are said here.
        for (const f of duplicateColumnFindings(h.columns, h.record)) emit(f);
        const { referenceRows, verdictRows, laneGroups, tableGroups, ranges, provedChunks } = fast;
        fastPathTesting.onCheck?.({
          fast: true,
          referenceRows,
          verdictRows,
          laneGroups,
          tableGroups,
          ranges,
          readAgain,
          provedChunks,
        });
        summary.kind = h.kind;
        summary.delimiter = h.delimiter;
        summary.rows = fast.rows;
        summary.complete = fast.complete;
        if (fast.complete) checker.finishRows(emit, account);
        return finishSummary(h, checker);
      }
    }
  }
  fastPathTesting.onCheck?.({ fast: false });

  held = [];
  const first = await readBillingFile(
    source,
    {
      onRecordStart: run.onRecordStart,
      onHeader(h) {
        header = h;
        summary.kind = h.kind;
        summary.delimiter = h.delimiter;
        const headerRange = recordRange(h.record.pos);
        const missing = (required: readonly string[]): boolean => {
          const all = h.columns.missing(required);
          if (all.length === 0) return false;
          // A column named twice is "missing" too (neither copy is read), but the message says which it is.
          const absent = all.filter((c) => !h.columns.isDuplicate(c));
          const twice = all.filter((c) => h.columns.isDuplicate(c));
          const why = [
            absent.length > 0 ? `lacks the column${absent.length > 1 ? 's' : ''} ${absent.join(', ')}` : '',
            twice.length > 0 ? `has ${twice.join(', ')} more than once (ambiguous)` : '',
          ]
            .filter(Boolean)
            .join(' and ');
          emit({
            code: 'missing-column',
            severity: 'error',
            ...headerRange,
            message: `This ${FILE_KIND_LABELS[h.kind]} file ${why}; its rows cannot be re-rated.`,
          });
          return true;
        };
        if (h.kind === 'daily-usage') {
          if (!missing(DAILY_USAGE_REQUIRED)) {
            daily = new DailyUsageChecker(h, options);
            if (run.orderOverride) daily.assumeOrderOverride(run.orderOverride);
          }
        } else if (h.kind === 'reconciliation') {
          const required = h.columns.has('BillableQuantity')
            ? RECONCILIATION_REQUIRED
            : RECONCILIATION_REQUIRED.map((c) => (c === 'BillableQuantity' ? 'Quantity' : c));
          if (!missing(required)) recon = new ReconciliationChecker(h, options);
        } else if (h.kind === 'legacy-usage') {
          emit({
            code: 'legacy-format',
            severity: 'info',
            ...headerRange,
            message:
              'This is the legacy usage-based reconciliation file of the old CSP Azure offer; it is recognized but its prices are not re-rated.',
          });
        } else if (h.kind === 'legacy-license') {
          emit({
            code: 'legacy-format',
            severity: 'info',
            ...headerRange,
            message:
              'This is the legacy license-based reconciliation file of the old CSP offers (seats, not Azure plan ' +
              'usage); it is recognized but its lines are not re-rated.',
          });
        }
        return true;
      },
      onRow(r) {
        if (daily) daily.aggregate(r);
        else if (recon) account(recon.check(r, emit));
      },
      // Row-level problems of a daily file are reported in the second pass, so that they are reported once.
      onFinding(f) {
        // Before any header, a quote that is never closed is the file's one problem: it is reported.
        const fileLevel =
          f.code === 'unsupported-encoding' || f.code === 'empty-file' || (!header && f.code === 'invalid-csv');
        if (summary.kind === 'unknown' && !fileLevel) return;
        if (!daily || f.record === undefined) emit(f);
      },
    },
    { signal: run.signal, onProgress: (rows) => run.onProgress?.(rows, 1, daily ? 2 : 1) },
  );
  summary.rows = first.rows;
  summary.complete = first.complete;
  const pending = held;
  held = undefined;
  if (daily && first.complete) {
    const again = restartInOtherOrder(source, options, onFinding, run, daily);
    if (again) return again;
  }
  for (const f of pending) emit(f);

  if (daily && first.complete) {
    daily.finish();
    const checker = daily;
    const second = await readBillingFile(
      source,
      {
        onHeader: () => true,
        onRow: (r) => account(checker.check(r, emit)),
        onFinding: (f) => {
          if (f.record !== undefined) emit(f);
        },
      },
      { signal: run.signal, onProgress: (rows) => run.onProgress?.(rows, 2, 2) },
    );
    summary.complete = second.complete;
    if (second.complete) checker.finishRows(emit, account);
  }
  return finishSummary(header, daily);

  function finishSummary(header: BillingHeader | undefined, daily: DailyUsageChecker | undefined): CheckRun {
    if (header && header.kind !== 'unknown' && summary.rows === 0 && summary.complete) {
      emit({
        code: 'no-data-rows',
        severity: 'info',
        ...recordRange(header.record.pos),
        message: 'The file has a header but no data rows.',
      });
    }
    summary.overcharge = formatCents(over);
    summary.undercharge = formatCents(under);
    summary.billedTotal = formatCents(billed);
    summary.currency = currencies.size === 1 ? [...currencies][0] : currencies.size > 1 ? 'mixed' : '';
    return { summary, header, daily };
  }
}
