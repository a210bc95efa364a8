/**
 * (Part of the fast path: its design, for a newcomer, is in ../fast/README.md.)
 *
 * The fast path of the daily-usage check: the same two passes as the reference path (check.ts with
 * DailyUsageChecker), read from bytes, with exact integer arithmetic on the common row, and the reference code for
 * every row it cannot prove clean.
 *
 * A row is "proved clean" only when every check the reference would run on it is certain to pass:
 *   - its numbers are plain decimals, scientific notation or apostrophe-guarded (at most 15 digits on each side of
 *     the point once the exponent is applied), read exactly; its dates are known-good;
 *   - its EffectiveUnitPrice lies in the consistent band, widened by the printing tolerance of the row's own
 *     decimals d, decided exactly: first in doubles with a rounding bound (bandInDoubles; a price within 10^-15 of
 *     the lower bound, as billed exports print BC / BCU, in exact base-10^5 limbs), and where doubles cannot tell,
 *     with the bounds turned per (group-day, price, d) into BigInt integers of units of 10^-d (ceiling for the lower
 *     bound, floor for the upper) that the price's digits are compared to;
 *   - its totals are within the cent: |total - EUP x Quantity x FX| is computed in doubles, and passes only when it
 *     is below 0.01 by more than a bound on the doubles' rounding error (1e-12 relative, a thousand times the
 *     worst case): a row near the cent goes to the reference;
 *   - partner earned credit is zero or allowed, and its UnitPrice is listed (decided once per meter, day, price).
 * A row priced above the band and billed from that price (PEC not applied: on some months most rows) gets its
 * eup-mismatch from the same integers (fastVerdict.ts), word for word as the reference words it, unless a rounding
 * its money depends on is near. Every other row is decoded into the reference's CsvRecord and checked by
 * DailyUsageChecker itself, so its findings are the reference's, word for word. Sums (month-to-date quantities, the
 * billed total) are exact: integers of units and of 10^-15 units, carried, turned into decimals at the end. What
 * grows with the month is kept as small integer ids into flat arrays: rating groups, ISO days and group-days
 * (GroupDays: a shuffled month of 100k rating groups has about a million group-days), so that neither time nor
 * memory goes into strings and objects.
 *
 * The first pass also proves the file regular (every record well quoted and as wide as the header); when it is
 * not, the fast path gives up before emitting anything, and the caller reads the file the reference way. The first
 * pass of one byte range is fastRange.ts; a big grouped month is read by this thread and a worker from both ends,
 * and merged here (mergePart, translate) before anything is said (../fast/README.md, "Two threads").
 */
import { closeSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Decimal from 'decimal.js';
import { Dec, ZERO } from '../money';
import {
  GroupLane,
  KeyRecord,
  cellText,
  decodeBytes,
  decodeRecord,
  recordValues,
  type ByteInput,
  type ByteRecord,
} from '../fast/byteCsv';
import { ExactSum } from '../fast/exact';
import { fastPathTesting } from '../fast/fastPathTesting';
import type { BillingHeader } from '../billing/reader';
import type { Finding } from '../findings';
import type { DailyUsageChecker, RowOutcome } from './dailyUsage';
import type { CheckOptions } from './options';
import { MAX_DAY_IDS, MAX_GROUP_IDS, MAX_PRICE_IDS, bandKey } from '../fast/bandKey';
import type { CsvRecord } from '../billing/csv';
import {
  ChunkClaims,
  PROBE_WINDOWS,
  bytesOf,
  cutPoints,
  parallelism,
  probeVerdict,
  runInWorkers,
  workersForced,
} from '../parallel/pool';
import {
  Pass1Range,
  Spool,
  groupKeyColumns,
  ratingLane,
  rowReader,
  BATCH,
  spoolBatches,
  type CheckRangeTask,
  type RangePart,
} from './fastRange';
import { BIG_1E15, decimalThresholds, fractionOf } from './fastBand';
import {
  ProvedRows,
  partGroups,
  sayProvedChunks,
  translate,
  type PartSpool,
  type ProvePartResult,
  type ProvePartTask,
} from './fastPass2';
import type { FindingBlockSlice, FindingRender } from '../findingBlock';
import { BelowBandRows } from './fastBelowBand';
import {
  F_KIND,
  F_GROUP,
  F_DAY,
  F_PRICE,
  F_EUP_INT,
  F_EUP_FRAC,
  F_EUP_DEC,
  F_BT_INT,
  F_BT_FRAC,
  F_BT_NEG,
  F_OFFSET,
  F_LENGTH,
  F_LINE,
  F_INDEX,
  F_QTY_INT,
  F_QTY_FRAC,
  F_FX_INT,
  F_FX_FRAC,
  FIELDS,
} from './spoolFields';

export interface FastDailyRun {
  input: ByteInput;
  header: BillingHeader;
  checker: DailyUsageChecker;
  options: CheckOptions;
  emit(f: Finding): void;
  account(o: RowOutcome): void;
  signal?: AbortSignal;
  onProgress?(rows: number, pass: number, passes: number): void;
  onRecordStart?(line: number): void;
  /** Bytes read between yields to the event loop (an editor must stay responsive). */
  sliceBytes?: number;
  /** Threads pass 1 may use (default: worker threads for a big file on disk, when there is more than one core). */
  threads?: number;
  /**
   * How the consumer writes findings, and where it takes a block of them made and written by a worker thread
   * (../findingBlock.ts): given both, the second pass of a file two threads read is two threads too.
   */
  render?: FindingRender;
  emitBlock?(s: FindingBlockSlice): void;
}

export interface FastDailyResult {
  rows: number;
  complete: boolean;
  /** Rows that took the reference path, per pass (for tests and the bench). */
  referenceRows: [number, number];
  /** Rows of pass 2 proved wrong and given their finding by the fast path (fastVerdict.ts), for tests. */
  verdictRows?: number;
  /** Rating groups found by the WebAssembly lane and by the JavaScript table (for tests). */
  laneGroups?: number;
  tableGroups?: number;
  /** The first pass met a date that reads only in the other date order: nothing was emitted, the check starts over. */
  dateOrderContradicted?: boolean;
  /**
   * The chunks read by two threads did not join (a cut inside a quoted line break, a chunk that is not regular CSV,
   * a key that is not valid, ids past the limits once merged): nothing was emitted; check the file again in one
   * thread.
   */
  oneThread?: boolean;
  /** Threads whose chunks pass 1 merged (1: this thread alone read the file). */
  ranges?: number;
  /** Chunks whose second pass the worker did (fastPass2.ts). */
  provedChunks?: number;
}

/** What every row with the same identifying cells shares: decided once, from the first such row, by the reference. */
interface GroupInfo {
  id: number;
  /** The rating group's id (rows whose identifying cells differ only in case share one), for its group-days. */
  rating: number;
  groupKey: string;
  covered: boolean;
  pecIneligible: boolean;
  fraction: Decimal;
  fractionParts: { n: bigint; d: bigint };
  /** PartnerEarnedCreditPercentage and the further credit as the reference reads them, as exact fractions. */
  pecParts: { n: bigint; d: bigint };
  creditParts: { n: bigint; d: bigint };
  /** The fraction as the nearest double (the band's first, inexact look; see bandInDoubles). */
  fractionValue: number;
  meterId: string;
  currency: string;
  /** Index of `currency` in the billed sums. */
  currencyId: number;
  /** A finding on every row whatever its numbers (PEC and CreditPercentage disagree): the reference checks them. */
  alwaysReference: boolean;
  periodStart: string;
  periodEnd?: string;
}

/**
 * Whether a month in no order has few rating groups (FEW_GROUPS at most), as the last two probe windows tell: the
 * share of rows of the last window that brought a new group (m) falls as the month's groups are met, and the
 * groups met so far are about (1 - m) of them all (exactly so when rows are drawn from the groups at random). Such a
 * month costs a second thread little: its lane and its group-days are small beside the rows it reads. Measured on
 * the bench's month with a defect on most rows (11k rating groups, rows in no order): 0.86x the wall time of one
 * thread, 1.04x its CPU, 207 against 166 MiB; on 32k groups, 305 MiB, past the 300 MB the check keeps within.
 */
export function fewGroups(before: { rows: number; groups: number }, now: { rows: number; groups: number }): boolean {
  if (now.rows <= before.rows) return false;
  const m = (now.groups - before.groups) / (now.rows - before.rows);
  return m < 1 && now.groups / (1 - m) <= FEW_GROUPS;
}
const FEW_GROUPS = 20_000;

/**
 * Files at least this big are read by two threads. A worker costs about a quarter of a second of CPU before it
 * reads (starting, loading its bundle, compiling the scanner): paired against one thread, two took 1.15x the wall
 * time on the bench's grouped 100k-row months (86 MB), 0.95x on 300 MB of them, 0.72x on 1M rows (860 MB).
 */
const CHECK_PARALLEL_BYTES = 256 << 20;

/**
 * The chunks two threads claim: a thirty-second of the file, between 4 and 32 MiB (a file of 860 MB: 27 chunks),
 * small enough that the two end within a chunk's reading time of each other, big enough that a claim and a read's
 * setting up cost nothing next to reading one.
 */
const CHUNK_BYTES = 32 << 20;

/** The worker threads' entry point (./checkWorker.ts): beside this module in out/, dist/checkWorker.js in the bundles. */
const WORKER_SCRIPT = join(__dirname, 'checkWorker.js');

/**
 * Rows the second pass's worker hands back at most (rows it can neither prove clean nor wrong: for the below-band
 * rule or the reference; FIELDS numbers each, about 25 MB): past it, this thread checks the worker's rows itself.
 */
const MAX_DEFERRED = 1 << 17;

export async function fastDailyCheck(run: FastDailyRun): Promise<FastDailyResult | undefined> {
  const { checker, header, input } = run;
  const idx = checker.idx;
  const width = header.columns.header.length;
  const delimiter = header.delimiter;
  const total = 'path' in input ? statSync(input.path).size : input.bytes.byteLength;
  const slice = run.sliceBytes ?? 16 << 20;

  const keyColumns = groupKeyColumns(idx);
  /** Rating groups (the reference's group key) as small ids: rows of one may come in several byte-distinct groups. */
  const ratingIds = new Map<string, number>();
  const ratingKeys: string[] = [];
  const listed = new Map<string, boolean>();
  const currencies: string[] = [];
  /** The few charged fractions and rates a month has, as exact fractions (shared by the groups). */
  const fractionParts = new Map<string, { n: bigint; d: bigint }>();
  const exactFraction = (x: Decimal): { n: bigint; d: bigint } => {
    const key = x.toString();
    let parts = fractionParts.get(key);
    if (!parts) fractionParts.set(key, (parts = fractionOf(x)));
    return parts;
  };
  const referenceRows: [number, number] = [0, 0];

  /**
   * The group of a row's identifying cells, decided by the reference on the first row with them (undefined: that
   * row is not valid). Read as the first pass reads (numbers only checked for being numbers, which is what decides
   * validity): the group needs the row's identity, credits and readings, none of its amounts.
   */
  const decide = (record: CsvRecord, id: number): GroupInfo | undefined => {
    const p = checker.parse(record, true);
    if (!p.ok) return undefined;
    const row = p.row;
    let rating = ratingIds.get(row.groupKey);
    if (rating === undefined) {
      rating = ratingKeys.length;
      ratingIds.set(row.groupKey, rating);
      ratingKeys.push(row.groupKey);
    }
    const parts = exactFraction(row.fraction);
    let currencyId = currencies.indexOf(row.currency);
    if (currencyId < 0) {
      currencyId = currencies.length;
      currencies.push(row.currency);
    }
    return {
      id,
      rating,
      groupKey: row.groupKey,
      covered: row.coveredByBenefit,
      pecIneligible: row.pec.gt(0) && !!row.pecIneligibleReason,
      fraction: row.fraction,
      fractionParts: parts,
      pecParts: exactFraction(row.pec),
      creditParts: exactFraction(row.credit),
      fractionValue: row.fraction.toNumber(),
      meterId: row.meterId,
      currency: row.currency,
      currencyId,
      alwaysReference: !!row.creditDisagreement,
      periodStart: row.periodStart,
      periodEnd: row.periodEnd,
    };
  };

  const reader = rowReader(input);
  // Made after the reader, so that nothing between its creation and the `finally` below can throw.
  const spool = new Spool();
  // Files on disk: groups are found by the WebAssembly lane (hash and byte comparison of the key cells where the
  // scanner left them), as long as it has room; then, and for bytes in memory, by the range's table.
  let lane: GroupLane | null = null;
  /** The worker's spool, open for pass 2. */
  let partFile: number | undefined;
  try {
    // Bytes in memory (an editor's document) are scanned in windows of the WebAssembly module's memory, as a file
    // is (ScanOptions.windowed): the lane groups their records too.
    lane = 'path' in input || !fastPathTesting.jsScannerInMemory ? ratingLane(width, keyColumns) : null;
    /**
     * A group's cells (its key's: every cell a group's decision reads) as a row the reference reads: its UsageDate
     * the period's start and its amounts 0, so that only the key's own cells can make it invalid. Cells decoded from
     * the bytes are strings of their own, which keep no row's text alive.
     */
    const keyRow = (r: ByteRecord): CsvRecord => {
      const cells = new Array<string>(width).fill('');
      for (const c of keyColumns) if (c >= 0) cells[c] = cellText(r, c);
      for (const c of [idx.quantity, idx.unitPrice, idx.eup, idx.billingTotal]) cells[c] = '0';
      cells[idx.fx] = '1';
      cells[idx.usageDate] = cells[idx.chargeStart];
      return { index: 0, cells, pos: [0, 0, 0, 0] };
    };
    const keyRecord = new KeyRecord(
      width,
      keyColumns.filter((c) => c >= 0),
    );
    const range = new Pass1Range<GroupInfo>(idx, width, keyColumns, lane, fastPathTesting.laneGroups, spool, {
      // From the key's cells (a dozen cells decoded, not the whole row), except the file's first: the first row the
      // checker reads decides the date order, from every date it has.
      decide: (r, index, _line, id) => decide(checker.dateOrderDecided ? keyRow(r) : recordValues(r, index, 0), id),
      // Not readable the fast way: the reference sums it now and checks it in pass 2.
      referenceRow: (r, index, line) => checker.aggregate(decodeRecord(r, delimiter, index, line)),
      dateOrder: () => checker.dateOrder,
    });
    /** This thread's group of a worker's key (its lane's, else its table's), as reading that row here would find. */
    const groupOfKey = (key: Uint8Array): GroupInfo | undefined => {
      if (lane) {
        const id = lane.findKey(key);
        if (id >= 0) return range.laneGroups[id];
      }
      return range.groups.get(keyRecord.of(key));
    };
    /**
     * Merges the worker's chunks into this thread's ids (`records` and `lines` of the file precede them): its groups
     * by key (a key new here decided from its cells, as the first valid row with them would be), days by ISO text,
     * prices by text, its group-days' sums added to this thread's, the rows it left to the reference summed the
     * reference way, chunk by chunk in file order. Undefined when a key is not valid (the worker, deciding nothing,
     * read its rows as any other) or the merged ids would pass the fast check's limits: the file is then read in one
     * thread.
     */
    const mergePart = (
      part: RangePart,
      records: number,
      lines: number,
    ): { spools: PartSpool[]; records: number; lines: number } | undefined => {
      const n = part.covered.length;
      const group = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        const key = part.keys.subarray(part.keyAt[k], part.keyAt[k + 1]);
        let g = groupOfKey(key);
        if (!g) {
          if (range.groupList.length >= MAX_GROUP_IDS) return undefined;
          // A key whose cells are not valid (its rows all the reference's, read in one thread) is not merged.
          g = decide(keyRow(keyRecord.of(key)), range.groupList.length);
          if (!g) return undefined;
          range.groupList.push(g);
          range.groups.set(keyRecord.of(key), g);
        }
        // Read by both threads from the same cells; checked, since the worker routed its rows by it.
        if (g.covered !== (part.covered[k] === 1)) return undefined;
        group[k] = g.id;
      }
      const { dayList, isoIds, prices } = range;
      const day = Int32Array.from(part.days, (iso) => {
        let id = isoIds.get(iso);
        if (id === undefined) {
          isoIds.set(iso, (id = dayList.length));
          dayList.push(iso);
        }
        return id;
      });
      if (dayList.length > MAX_DAY_IDS) return undefined;
      const priceByText = new Map(prices.map((p, id) => [p.text, id]));
      const price = Int32Array.from(part.prices, (p) => {
        let id = priceByText.get(p.text);
        if (id === undefined) {
          priceByText.set(p.text, (id = prices.length));
          prices.push(p);
        }
        return id;
      });
      if (prices.length > MAX_PRICE_IDS) return undefined;
      const groupDay = new Int32Array(part.gdGroup.length);
      const groupDays = range.groupDays;
      groupDays.reserve(groupDays.size + groupDay.length);
      for (let k = 0; k < groupDay.length; k++) {
        const gd = groupDays.idOf(range.groupList[group[part.gdGroup[k]]].rating, day[part.gdDay[k]]);
        groupDays.add(gd, part.gdHi[k], part.gdLo[k]);
        groupDay[k] = gd;
      }
      const map = { group, day, price, groupDay };
      // The worker's chunks in file order: each one's records and lines follow those of the chunks before it.
      const spools: PartSpool[] = [];
      const ref = part.reference;
      for (const c of [...part.chunks].sort((x, y) => x.chunk - y.chunk)) {
        for (let k = 4 * c.refFrom; k < 4 * c.refTo; k += 4) {
          const bytes = reader.read(ref[k], ref[k + 1]);
          checker.aggregate(decodeBytes(bytes, 0, bytes.length, delimiter, records + ref[k + 2], lines + ref[k + 3]));
        }
        referenceRows[0] += c.refTo - c.refFrom;
        spools.push({
          from: c.spoolFrom,
          to: c.spoolFrom + c.rows,
          map,
          records: records - c.recordsFrom,
          lines: lines - c.linesFrom,
        });
        records += c.records;
        lines += c.lines;
      }
      return { spools, records, lines };
    };

    // A file on disk of CHECK_PARALLEL_BYTES or more whose first windows show a grouped month (probeVerdict) is read
    // by two threads from both ends (ChunkClaims): this thread reads the first chunks, a worker the last ones, until
    // they meet; each thread's groups, days and prices are ids of its own, the worker's merged into this thread's
    // afterwards (mergePart). A month of rows in no order is read in this thread alone: every chunk of it holds most
    // groups, and a second thread would hold them all again.
    const threads =
      run.threads ??
      ('path' in input && !run.onRecordStart && total >= (fastPathTesting.parallelBytes ?? CHECK_PARALLEL_BYTES)
        ? Math.min(2, parallelism(WORKER_SCRIPT))
        : 1);
    const recordStarts: number[] = [];
    const read = (from: number, to: number): Promise<boolean> =>
      range.read({
        input,
        from,
        limit: () => to,
        header: true,
        delimiter: delimiter.charCodeAt(0),
        slice,
        signal: run.signal,
        onRecordStart: run.onRecordStart ? (line) => recordStarts.push(line) : undefined,
        afterSlice: async (rows) => {
          run.onProgress?.(rows, 1, 2);
          await new Promise((resolve) => setImmediate(resolve));
        },
      });
    const stop = new AbortController();
    let worker: Promise<{ part: RangePart } | { error: unknown }> | undefined;
    /** The chunks both threads claim from, when a worker reads (cuts: where each chunk starts, and the end). */
    let claims: ChunkClaims | undefined;
    let cuts: number[] = [];
    const startWorker = (path: string, from: number): void => {
      const chunkBytes = fastPathTesting.chunkBytes ?? Math.max(4 << 20, Math.min(CHUNK_BYTES, Math.floor(total / 32)));
      const chunks = Math.min(ChunkClaims.MAX, Math.max(2, Math.ceil((total - from) / chunkBytes)));
      cuts = cutPoints(bytesOf(path), total, chunks, from);
      if (cuts.length <= 2) return;
      claims = ChunkClaims.create(0, cuts.length - 1);
      const task: CheckRangeTask = {
        path,
        cuts,
        claims: claims.buffer,
        dateOrder: checker.dateOrder,
        spoolFile: join(spool.dir, 'worker.bin'),
        laneGroups: fastPathTesting.laneGroups,
      };
      const signal = run.signal ? AbortSignal.any([run.signal, stop.signal]) : stop.signal;
      // Settled into a value at once: a worker failing while this thread reads must not be an unhandled rejection.
      worker = runInWorkers<CheckRangeTask, RangePart>(WORKER_SCRIPT, [task], signal).then(
        ([part]) => ({ part }),
        (error: unknown) => ({ error }),
      );
    };
    // Pass 1: month-to-date sums, and each row's numbers for pass 2.
    let regular = true;
    /** The chunks read here must follow each other: false when one did not end where the next begins. */
    let joined = true;
    if (threads > 1 && 'path' in input) {
      // The probe: this thread's first windows say whether the month is grouped (the first decides the date order
      // the worker is told).
      // Windows end at most a quarter into the file, so that a small file (tests) is probed too. Threads set by
      // FINOPS_CHARGEBACK_WORKERS are used as they are, after the first window.
      let before = { rows: 0, groups: 0 };
      for (const [k, window] of PROBE_WINDOWS.entries()) {
        regular = await read(range.endOffset, Math.min(window, Math.floor(total / 4)));
        if (!regular || run.signal?.aborted || range.endOffset >= total || !checker.dateOrderDecided) break;
        const last = k === PROBE_WINDOWS.length - 1;
        const now = { rows: range.records - 1, groups: range.groupList.length };
        let verdict = workersForced() ? 'workers' : probeVerdict(now.rows, now.groups, last);
        if (verdict === 'alone' && fewGroups(before, now)) verdict = 'workers';
        if (verdict === 'workers') startWorker(input.path, range.endOffset);
        if (verdict !== undefined) break;
        before = now;
      }
      if (regular && claims) {
        if (fastPathTesting.workerClaimsFirst) {
          let answered = false;
          void worker!.then(() => (answered = true));
          while (!answered && claims.claimedFromBack(cuts.length - 1) === 0)
            await new Promise((resolve) => setTimeout(resolve, 1));
        }
        /** The chunk that starts where this thread's reading must have ended. */
        let next = 0;
        for (let c = claims.front(); c >= 0 && regular && !run.signal?.aborted; c = claims.front()) {
          // A chunk read from a cut that is no record's start would be read wrong: the file is read again.
          if (!(joined = range.endOffset === cuts[c])) break;
          regular = await read(cuts[c], cuts[c + 1]);
          next = c + 1;
        }
        joined &&= range.endOffset === cuts[next];
      } else if (regular && !run.signal?.aborted) regular = await read(range.endOffset, total);
    } else regular = await read(0, total);
    let settled = worker && (regular && joined && !run.signal?.aborted ? await worker : (stop.abort(), await worker));
    worker = undefined;
    if (!regular) return undefined;
    referenceRows[0] = range.referenceRows;
    let records = range.records;
    let lines = range.lines;
    /** The worker's chunks, for pass 2: each one's rows in this thread's ids. */
    let partSpools: PartSpool[] = [];
    if (settled && !run.signal?.aborted) {
      // Each chunk must end exactly where the next begins (a cut inside a quoted line break shows up here), and every
      // chunk must be regular; else the file is read again in one thread, which decides what it is.
      if (!joined) return { rows: 0, complete: false, referenceRows, oneThread: true };
      if ('error' in settled) throw settled.error;
      if (!settled.part.ok) return { rows: 0, complete: false, referenceRows, oneThread: true };
      const merged = mergePart(settled.part, records, lines);
      if (!merged) return { rows: 0, complete: false, referenceRows, oneThread: true };
      ({ spools: partSpools, records, lines } = merged);
      // Its keys, days and sums are this thread's now: not kept through pass 2.
      settled = undefined;
      partFile = openSync(join(spool.dir, 'worker.bin'), 'r');
    }
    const { groupList, dayList, isoIds, prices, groupDays } = range;
    const rows = Math.max(0, records - 1);
    for (const line of recordStarts) run.onRecordStart?.(line);
    recordStarts.length = 0;
    await new Promise((resolve) => setImmediate(resolve));
    if (run.signal?.aborted) return { rows, complete: false, referenceRows };
    if (checker.orderContradicted()) return { rows, complete: false, referenceRows, dateOrderContradicted: true };

    // Month-to-date sums: in the group-days' flat arrays when every row was summed here (the common case), else
    // added to the checker's own decimal sums, which then also hold the rows the reference summed.
    /** Each day id's place among the days in date order (ISO dates sort as text). */
    const rank = new Int32Array(dayList.length);
    [...dayList.keys()].sort((x, y) => (dayList[x] < dayList[y] ? -1 : 1)).forEach((day, i) => (rank[day] = i));
    const groupDay = (groupKey: string, day: string): number => {
      const rating = ratingIds.get(groupKey);
      const d = isoIds.get(day);
      return rating === undefined || d === undefined ? -1 : groupDays.find(rating, d);
    };
    /** The month-to-date sums kept here, when there are: a group-day's in units of 10^-15, by group key and day. */
    const store =
      referenceRows[0] === 0
        ? {
            units(groupKey: string, day: string): bigint | undefined {
              const id = groupDay(groupKey, day);
              return id < 0 ? undefined : BigInt(groupDays.hi[id]) * BIG_1E15 + BigInt(groupDays.lo[id]);
            },
          }
        : undefined;
    if (store) {
      groupDays.finish(ratingKeys.length, rank);
      const exact = (id: number): Decimal => new Dec(groupDays.hi[id]).plus(new Dec(groupDays.lo[id]).div(1e15));
      checker.useMonthToDate({
        monthToDate: (groupKey, day) => {
          const id = groupDay(groupKey, day);
          return id < 0 ? undefined : exact(id);
        },
        before: (groupKey, day) => {
          const id = groupDay(groupKey, day);
          return id < 0 ? undefined : groupDays.prev[id] < 0 ? ZERO : exact(groupDays.prev[id]);
        },
      });
    } else {
      for (let id = 0; id < groupDays.size; id++) {
        const sum = new ExactSum();
        sum.addExact(groupDays.hi[id], groupDays.lo[id]);
        checker.addDayQuantity(ratingKeys[groupDays.rating[id]], dayList[groupDays.day[id]], sum.toDecimal());
      }
    }
    checker.finish();
    await new Promise((resolve) => setImmediate(resolve));

    // Pass 2: every row checked, from its numbers: proved clean or proved wrong by ProvedRows (fastPass2.ts), else
    // kept for the below-band rule, else checked by the reference.
    /** A group-day's month-to-date quantity in units of 10^-15: the store's, else the checker's decimal sum. */
    const monthToDateUnits = (g: Pick<GroupInfo, 'groupKey'>, day: string): bigint | undefined => {
      if (store) return store.units(g.groupKey, day);
      const mtd = checker.monthToDate(g.groupKey, day)?.times(1e15);
      return mtd && mtd.isInteger() ? BigInt(mtd.toFixed()) : undefined;
    };
    const priceList = run.options.priceList;
    const proved = new ProvedRows(
      {
        groups: groupList,
        prices,
        rank,
        groupDays,
        store: store !== undefined,
        ratings: ratingKeys.length,
        currencies: currencies.length,
        priceList: priceList && {
          listed: (g, dayId, priceId) => {
            const day = dayList[dayId];
            const price = prices[priceId];
            const key = `${g.meterId}\u0000${day}\u0000${priceId}`;
            let ok = listed.get(key);
            if (ok === undefined) {
              ok = checker.unitPriceListed(g.meterId, day, price.text, new Dec(price.text));
              if (listed.size >= 50_000) listed.clear();
              listed.set(key, ok);
            }
            return ok;
          },
          tiered: (g, dayId) => !!checker.tiersFor(g.meterId, dayList[dayId]),
          tieredThresholds: (g, dayId, priceId, eupDec) => {
            const day = dayList[dayId];
            if (!checker.hasGroupDay(g.groupKey, day)) return null;
            const rating = checker.rating(g.groupKey, day, new Dec(prices[priceId].text), g.fraction, g.meterId, ZERO);
            return decimalThresholds(rating.lower, rating.upper, eupDec);
          },
        },
        checkerUnits: (g, dayId) => monthToDateUnits(g, dayList[dayId]),
        leftOutRows: (g) => checker.leftOutRows(g.groupKey),
        eupColumn: header.columns.nameAt(idx.eup),
        priceTolerance: run.options.priceTolerance,
        emit: run.emit,
        account: (stake) => run.account({ stake }),
      },
      groupDays.size,
    );
    // Rows priced below the band and billed from that price, without a price list: kept per rating group until the
    // end, as the reference keeps them (fastBelowBand.ts).
    const belowBand = new BelowBandRows(checker, (offset, length, index, line) => {
      const bytes = reader.read(offset, length);
      return decodeBytes(bytes, 0, bytes.length, delimiter, index, line);
    });
    const keepBelowBand = (f: Float64Array, at: number): boolean => {
      const g = groupList[f[at + F_GROUP]];
      if (g.pecIneligible || g.alwaysReference || g.covered || run.options.priceList || f[at + F_EUP_DEC] >= 16)
        return false;
      const dayId = f[at + F_DAY];
      const priceId = f[at + F_PRICE];
      const price = prices[priceId];
      return belowBand.keep(
        {
          index: f[at + F_INDEX],
          line: f[at + F_LINE],
          offset: f[at + F_OFFSET],
          length: f[at + F_LENGTH],
          dayRank: rank[dayId],
          eupInt: f[at + F_EUP_INT],
          eupFrac: f[at + F_EUP_FRAC],
          eupDecimals: f[at + F_EUP_DEC],
          quantityInt: f[at + F_QTY_INT],
          quantityFrac: f[at + F_QTY_FRAC],
          fxInt: f[at + F_FX_INT],
          fxFrac: f[at + F_FX_FRAC],
          billedInt: f[at + F_BT_INT],
          billedFrac: f[at + F_BT_FRAC],
          billedNegative: f[at + F_BT_NEG] === 1,
        },
        g,
        bandKey(g.rating, dayId, priceId),
        price.P,
        price.p,
        () => monthToDateUnits(g, dayList[dayId]),
      );
    };
    /** Checks one row of the spool: proved, kept below the band, or checked by the reference. */
    const checkRow = (f: Float64Array, at: number): void => {
      if (f[at + F_KIND] === 0 && (proved.clean(f, at) || proved.verdict(f, at) || keepBelowBand(f, at))) return;
      referenceRows[1]++;
      const bytes = reader.read(f[at + F_OFFSET], f[at + F_LENGTH]);
      run.account(
        checker.check(decodeBytes(bytes, 0, bytes.length, delimiter, f[at + F_INDEX], f[at + F_LINE]), run.emit),
      );
    };
    // The worker's rows, when a worker read some and the consumer takes findings in blocks: proved in a worker of
    // their own while this thread checks its rows (fastPass2.ts, provePart), with the same integers, sums and
    // words; their findings written there as the consumer writes them. Not with a price list or month-to-date sums
    // held by the checker (rows read by the reference in pass 1), which only this thread has.
    let part2: Promise<{ result: ProvePartResult } | { error: unknown }> | undefined;
    const stop2 = new AbortController();
    let claims2: ChunkClaims | undefined;
    let provedChunks = 0;
    if (partSpools.length > 0 && run.emitBlock && run.render && store && !priceList) {
      const task: ProvePartTask = {
        kind: 'prove',
        spoolFile: join(spool.dir, 'worker.bin'),
        parts: partSpools,
        groups: partGroups(groupList),
        prices,
        rank,
        hi: groupDays.hi.slice(0, groupDays.size),
        lo: groupDays.lo.slice(0, groupDays.size),
        ratings: ratingKeys.length,
        currencies: currencies.length,
        leftOut: groupList
          .map((g): [number, number] => [g.id, checker.leftOutRows(g.groupKey)])
          .filter(([, n]) => n > 0),
        eupColumn: header.columns.nameAt(idx.eup),
        priceTolerance: run.options.priceTolerance.toString(),
        render: run.render,
        outFile: join(spool.dir, 'findings.bin'),
        maxDeferred: fastPathTesting.maxDeferred ?? MAX_DEFERRED,
        claims: (claims2 = ChunkClaims.create(0, partSpools.length)).buffer,
      };
      const signal = run.signal ? AbortSignal.any([run.signal, stop2.signal]) : stop2.signal;
      // Its heap bounded: its garbage (a finding's strings) dies young, and V8 left to itself grew the worker's heap
      // to 100 MB and more on the month with a defect on most rows (live: under 20 MB), past the 300 MB the check
      // keeps within (an old generation of 48 MB: 291 MiB median, 314 at most, over 5 runs; 32 MB: 275 and 287, as
      // fast). The old generation holds the month's groups and prices besides; a worker out of it leaves its chunks
      // to this thread.
      part2 = runInWorkers<ProvePartTask, ProvePartResult>(WORKER_SCRIPT, [task], signal, {
        maxYoungGenerationSizeMb: 16,
        maxOldGenerationSizeMb:
          fastPathTesting.proveHeapMb ?? 32 + Math.ceil((groupList.length * 400 + prices.length * 300) / 2 ** 20),
      }).then(
        ([result]) => ({ result }),
        (error: unknown) => ({ error }),
      );
    }
    try {
      let checked = 0;
      const spoolRows = new Float64Array(FIELDS * BATCH);
      /** Checks the rows of batches (this thread's spool, or chunks of the worker's translated into these ids). */
      const pass2 = async (batches: Iterable<{ rows: Float64Array; count: number }>): Promise<boolean> => {
        for (const { rows: f, count } of batches) {
          if (run.signal?.aborted) return false;
          for (let k = 0; k < count; k++) {
            if (k % 2048 === 2047) await new Promise((resolve) => setImmediate(resolve));
            checkRow(f, k * FIELDS);
          }
          checked += count;
          run.onProgress?.(checked, 2, 2);
          await new Promise((resolve) => setImmediate(resolve));
        }
        return true;
      };
      const chunkOf = function* (part: PartSpool): Generator<{ rows: Float64Array; count: number }> {
        for (const batch of spoolBatches(partFile!, part.from, part.to, spoolRows)) {
          translate(batch.rows, batch.count, part);
          yield batch;
        }
      };
      // This thread's rows, then the worker's chunks in file order: those it claims from the front while a worker
      // proves the others (claimed from the back), else all of them.
      if (!(await pass2(spool.batches()))) return { rows, complete: false, referenceRows };
      let next = 0;
      /** The next of the worker's chunks for this thread (-1: none). */
      const claim = (): number => (!claims2 ? next : fastPathTesting.workerProvesEveryChunk ? -1 : claims2.front());
      for (let c = claim(); c >= 0 && c < partSpools.length; c = claim()) {
        if (!(await pass2(chunkOf(partSpools[c])))) return { rows, complete: false, referenceRows };
        next = c + 1;
      }
      const settled2 = part2 && (await part2);
      const outOfMemory =
        settled2 && 'error' in settled2 && (settled2.error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (settled2 && 'error' in settled2 && !outOfMemory) throw settled2.error;
      if (settled2 && (outOfMemory || ('result' in settled2 && !settled2.result.done))) {
        // The worker met more rows it could not decide than it keeps, or its state did not fit the heap it was
        // given (it said nothing): this thread checks the chunks it claimed.
        for (let c = next; c < partSpools.length; c++)
          if (!(await pass2(chunkOf(partSpools[c])))) return { rows, complete: false, referenceRows };
      } else if (settled2 && 'result' in settled2 && settled2.result.done) {
        sayProvedChunks(settled2.result, run.emitBlock!, checkRow);
        proved.addPart(settled2.result);
        provedChunks = settled2.result.chunks.length;
        if (run.signal?.aborted) return { rows, complete: false, referenceRows };
      }
    } finally {
      stop2.abort();
    }
    proved.settle();
    const dayOfRank = new Int32Array(dayList.length);
    rank.forEach((r, day) => (dayOfRank[r] = day));
    proved.lastInBand.forEach((r, rating) => r >= 0 && checker.noteInBand(ratingKeys[rating], dayList[dayOfRank[r]]));
    // The rows kept below the band: each group's sums to its note, or the group handed back to the reference now.
    const back = belowBand.finish(
      (r) => dayList[dayOfRank[r]],
      (currencyId, sum) => proved.billedSum(currencyId).addExact(sum.hi, sum.lo),
    );
    for (let k = 0; k < back.length; k += 4) {
      referenceRows[1]++;
      const bytes = reader.read(back[k], back[k + 1]);
      run.account(checker.check(decodeBytes(bytes, 0, bytes.length, delimiter, back[k + 2], back[k + 3]), run.emit));
    }
    for (const c of proved.billedOrder) {
      const sum = proved.billed[c];
      if (!sum.safe()) throw new Error('billed sum out of exact range');
      run.account({ stake: ZERO, billed: sum.toDecimal(), currency: currencies[c] });
    }
    return {
      rows,
      complete: true,
      referenceRows,
      verdictRows: proved.verdictRows,
      laneGroups: range.laneGroups.length,
      tableGroups: range.groups.size,
      ranges: partSpools.length > 0 ? 2 : 1,
      provedChunks,
    };
  } finally {
    lane?.release();
    reader.close();
    if (partFile !== undefined) closeSync(partFile);
    spool.close();
  }
}
