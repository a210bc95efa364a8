/**
 * The fast path of the daily-usage check: the same two passes as the reference path (check.ts with
 * DailyUsageChecker), read from bytes, with exact integer arithmetic on the common row, and the reference code for
 * every row it cannot prove clean.
 *
 * A row is "proved clean" only when every check the reference would run on it is certain to pass:
 *   - its numbers are plain decimals, scientific notation or apostrophe-guarded (at most 15 digits on each side of
 *     the point once the exponent is applied), read exactly; its dates are known-good;
 *   - its EffectiveUnitPrice lies in the consistent band, compared exactly: the band's bounds, widened by the
 *     printing tolerance of the row's own decimals d, are turned once per (group-day, price, d) into integers of
 *     units of 10^-d (ceiling for the lower bound, floor for the upper), and the price's digits are compared to them;
 *   - its totals are within the cent: |total - EUP x Quantity x FX| is computed in doubles, and passes only when it
 *     is below 0.01 by more than a bound on the doubles' rounding error (1e-12 relative, a thousand times the
 *     worst case): a row near the cent goes to the reference;
 *   - partner earned credit is zero or allowed, and its UnitPrice is listed (decided once per meter, day, price).
 * A row priced above the band and billed from that price (PEC not applied: on some months most rows) gets its
 * eup-mismatch from the same integers (fastVerdict.ts), word for word as the reference words it, unless a rounding
 * its money depends on is near. Every other row is decoded into the reference's CsvRecord and checked by
 * DailyUsageChecker itself, so its findings are the reference's, word for word. Sums (month-to-date quantities, the billed total) are exact:
 * integers of units and of 10^-15 units, carried, turned into decimals at the end.
 *
 * The first pass also proves the file regular (every record well quoted and as wide as the header); when it is
 * not, the fast path gives up before emitting anything, and the caller reads the file the reference way.
 */
import { isAscii } from 'node:buffer';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Decimal from 'decimal.js';
import { Dec, ZERO } from '../money';
import { parseBillingDate } from '../billing/dates';
import {
  GroupLane,
  ParsedNumber,
  POW10,
  RECORD_OUTSIDE_LANE,
  cellText,
  decodeBytes,
  decodeRecord,
  parseNumberBytes,
  recordValues,
  scanRecords,
  shortCellKey,
  type ByteInput,
  type ByteRecord,
} from '../billing/byteCsv';
import { ByteKeyTable, ExactSum, ExactSumTable, NumberCache } from '../billing/exact';
import { fastPathTesting } from '../billing/fastPathTesting';
import type { BillingHeader } from '../billing/reader';
import type { Finding } from '../findings';
import type { DailyUsageChecker, RowOutcome } from './dailyUsage';
import type { CheckOptions } from './options';
import { MAX_DAY_IDS, MAX_GROUP_IDS, MAX_PRICE_IDS, bandKey } from './bandKey';
import { trackTemp, untrackTemp } from '../tempFiles';
import { FailingRowVerdicts } from './fastVerdict';

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
}

/** What every row with the same identifying cells shares: decided once, from the first such row, by the reference. */
interface GroupInfo {
  id: number;
  groupKey: string;
  covered: boolean;
  pecIneligible: boolean;
  fraction: Decimal;
  fractionParts: { n: bigint; d: bigint };
  meterId: string;
  currency: string;
  /** A finding on every row whatever its numbers (PEC and CreditPercentage disagree): the reference checks them. */
  alwaysReference: boolean;
  periodStart: string;
  periodEnd?: string;
  /** The latest day a row of the group was proved inside the band (told to the checker at the end). */
  lastInBand?: string;
}

const MAX_SAFE = 2 ** 53;
const DEC_POW10 = Array.from({ length: 16 }, (_, d) => new Dec(10).pow(d));
const HALF_UNIT = Array.from({ length: 16 }, (_, d) => new Dec(10).pow(-d).div(2));

function splitUnits(units: Decimal, d: number): [number, number] | null {
  const i = units.div(DEC_POW10[d]).floor();
  const f = units.minus(i.times(DEC_POW10[d]));
  const ni = i.toNumber();
  const nf = f.toNumber();
  if (Math.abs(ni) >= MAX_SAFE || !Number.isInteger(nf)) return null;
  return [ni, nf];
}

/**
 * The integer thresholds of a band given as decimals (tiered prices: the reference's own rating):
 * [CEIL((lower - 10^-d / 2) x 10^d), FLOOR((upper + 10^-d / 2) x 10^d)], each split into whole and fractional units.
 */
function decimalThresholds(lower: Decimal, upper: Decimal, d: number): number[] | null {
  const lo = splitUnits(lower.minus(HALF_UNIT[d]).times(DEC_POW10[d]).ceil(), d);
  const hi = splitUnits(upper.plus(HALF_UNIT[d]).times(DEC_POW10[d]).floor(), d);
  return lo && hi ? [lo[0], lo[1], hi[0], hi[1]] : null;
}

const BIG_TEN = 10n;
const BIG_1E15 = 10n ** 15n;

/** Powers of ten as BigInt (computed once: the band arithmetic asks for them on every band). */
const POW10N: readonly bigint[] = Array.from({ length: 48 }, (_, i) => BIG_TEN ** BigInt(i));

function floorDiv(a: bigint, b: bigint): bigint {
  // BigInt division truncates toward zero, which is the floor for a non-negative quotient.
  if (a >= 0n && b > 0n) return a / b;
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

/** A decimal as an exact fraction n / d (d a power of ten). */
function fractionOf(x: Decimal): { n: bigint; d: bigint } {
  const text = x.toFixed();
  const dot = text.indexOf('.');
  if (dot < 0) return { n: BigInt(text), d: 1n };
  return { n: BigInt(text.slice(0, dot) + text.slice(dot + 1)), d: BIG_TEN ** BigInt(text.length - dot - 1) };
}

function splitBig(units: bigint, d: number): [number, number] | null {
  const scale = POW10[d];
  if (units > -9007199254740991n && units < 9007199254740991n) {
    // Below 2^53 in magnitude: exact in a double, and so are its remainder and quotient by 10^d.
    const n = Number(units);
    const f = ((n % scale) + scale) % scale;
    return [(n - f) / scale, f];
  }
  const big = POW10N[d];
  const i = floorDiv(units, big);
  const f = units - i * big;
  const ni = Number(i);
  if (Math.abs(ni) >= MAX_SAFE) return null;
  return [ni, Number(f)];
}

/**
 * The band's integer thresholds for a flat unit price, exactly as rateCumulative defines the band, in integers:
 * with P = UnitPrice x 10^p, Q = BCU x 10^15 and the charged fraction Fn / Fd,
 *   BC (cents)  = FLOOR(P x Q x Fn x 100 / (10^p x 10^15 x Fd))
 *   lower       = BC / BCU,   upper = UnitPrice x Fn / Fd      (both UnitPrice x fraction when BCU <= 0)
 *   low  = CEIL((lower - 10^-d / 2) x 10^d),   high = FLOOR((upper + 10^-d / 2) x 10^d).
 * The reference compares with 60-digit decimals; the two agree: where a price with d <= 15 decimals and the exact
 * band bound differ, they differ by at least 1 / (2 x 10^d x Q), far above 10^-59.
 */
function flatThresholds(P: bigint, p: number, F: { n: bigint; d: bigint }, Q: bigint, d: number): number[] | null {
  const tenD = POW10N[d];
  const tenP = POW10N[p];
  let low: bigint;
  if (Q > 0n) {
    const bcCents = floorDiv(P * Q * F.n * 100n, tenP * BIG_1E15 * F.d);
    low = ceilDiv(2n * bcCents * BIG_1E15 * tenD - 100n * Q, 200n * Q);
  } else {
    low = ceilDiv(2n * P * F.n * tenD - tenP * F.d, 2n * tenP * F.d);
  }
  const high = floorDiv(2n * P * F.n * tenD + tenP * F.d, 2n * tenP * F.d);
  const lo = splitBig(low, d);
  const hi = splitBig(high, d);
  return lo && hi ? [lo[0], lo[1], hi[0], hi[1]] : null;
}

/** Doubles' rounding error bound used by the totals filter (relative), far above the real worst case (~1e-15). */
const REL_ERROR = 1e-12;

/**
 * The rows as the first pass leaves them for the second: one record of numbers per row, spooled to a temporary file
 * (memory stays flat whatever the file size), so that the second pass neither scans nor parses the CSV again.
 */
const F_KIND = 0; // 0: proved in pass 2 from these numbers; 1: the reference checks the row's bytes
const F_GROUP = 1;
const F_DAY = 2;
const F_PRICE = 3;
const F_EUP_INT = 4;
const F_EUP_FRAC = 5;
const F_EUP_DEC = 6; // decimals, +16 when negative
const F_QTY = 7;
const F_FX = 8;
const F_BT_INT = 9;
const F_BT_FRAC = 10; // units of 10^-15
const F_BT_NEG = 11;
const F_PT = 12; // NaN when empty
const F_OFFSET = 13;
const F_LENGTH = 14;
const F_LINE = 15;
const F_INDEX = 16;
const F_BT_DEC = 17; // the decimals BillingPreTaxTotal prints (a total printed in cents was rounded down to cents)
const F_EUP_CELL = 18; // where EffectiveUnitPrice starts on the row's line, x 2 (+1 quoted); -1: not known or not plain
const FIELDS = 19;
const BATCH = 8192;
/** Distinct UsageDate cells the fast path keys (more: the rows take the reference path). */
const DAYS = MAX_DAY_IDS;

class Spool {
  private readonly dir: string;
  private readonly fd: number;
  private readonly batch = new Float64Array(FIELDS * BATCH);
  private n = 0;
  private written = 0;
  rows = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'chargeback-check-'));
    // Removed on every exit path: the finally of the check, process exit, and an interrupting signal.
    trackTemp(this.dir);
    this.fd = openSync(join(this.dir, 'rows.bin'), 'w+');
  }

  /** Index in `batch` where the next row's fields go. */
  next(): number {
    if (this.n === BATCH) this.flush();
    this.rows++;
    return FIELDS * this.n++;
  }

  get buffer(): Float64Array {
    return this.batch;
  }

  private flush(): void {
    const bytes = new Uint8Array(this.batch.buffer, 0, this.n * FIELDS * 8);
    let at = 0;
    while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at, this.written + at);
    this.written += bytes.length;
    this.n = 0;
  }

  /** Reads the rows back in order, a batch at a time. */
  *batches(): Generator<{ rows: Float64Array; count: number }> {
    this.flush();
    const rows = new Float64Array(FIELDS * BATCH);
    const bytes = new Uint8Array(rows.buffer);
    for (let at = 0; at < this.written;) {
      const want = Math.min(bytes.length, this.written - at);
      let got = 0;
      while (got < want) got += readSync(this.fd, bytes, got, want - got, at + got);
      at += want;
      yield { rows, count: want / (FIELDS * 8) };
    }
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
    untrackTemp(this.dir);
  }
}

/** Reads a row's bytes again (for the reference check of a row the second pass cannot prove clean). */
function rowReader(input: ByteInput): { read(offset: number, length: number): Buffer; close(): void } {
  if ('bytes' in input) {
    const all = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    return { read: (offset, length) => all.subarray(offset, offset + length), close: () => undefined };
  }
  const fd = openSync(input.path, 'r');
  return {
    read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    },
    close: () => closeSync(fd),
  };
}

/**
 * Month-to-date quantities in flat arrays (about 24 bytes a group-day, where decimals would take ten times that):
 * per group, its days in order and the running sums as exact integer pairs.
 */
class MonthToDateStore {
  private readonly byGroup = new Map<string, { days: string[]; hi: Float64Array; lo: Float64Array }>();

  add(groupKey: string, perDay: Map<string, ExactSum>): void {
    const days = [...perDay.keys()].sort();
    const hi = new Float64Array(days.length);
    const lo = new Float64Array(days.length);
    const running = new ExactSum();
    days.forEach((d, i) => {
      const s = perDay.get(d)!;
      running.addExact(s.hi, s.lo);
      if (!running.safe()) throw new Error('quantity sum out of exact range');
      hi[i] = running.hi;
      lo[i] = running.lo;
    });
    this.byGroup.set(groupKey, { days, hi, lo });
  }

  private at(groupKey: string, day: string): { hi: number; lo: number } | undefined {
    const g = this.byGroup.get(groupKey);
    if (!g) return undefined;
    let a = 0;
    let b = g.days.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const d = g.days[m];
      if (d === day) return { hi: g.hi[m], lo: g.lo[m] };
      if (d < day) a = m + 1;
      else b = m - 1;
    }
    return undefined;
  }

  monthToDate(groupKey: string, day: string): Decimal | undefined {
    const v = this.at(groupKey, day);
    return v ? new Dec(v.hi).plus(new Dec(v.lo).div(1e15)) : undefined;
  }

  /** The running sum before `day` (0 on the group's first day). */
  before(groupKey: string, day: string): Decimal | undefined {
    const g = this.byGroup.get(groupKey);
    if (!g) return undefined;
    const i = g.days.indexOf(day);
    if (i < 0) return undefined;
    return i === 0 ? ZERO : new Dec(g.hi[i - 1]).plus(new Dec(g.lo[i - 1]).div(1e15));
  }

  /** The same in units of 10^-15, as an integer. */
  units(groupKey: string, day: string): bigint | undefined {
    const v = this.at(groupKey, day);
    return v ? BigInt(v.hi) * BIG_1E15 + BigInt(v.lo) : undefined;
  }
}

interface PriceInfo {
  text: string;
  P: bigint;
  p: number;
}

/** Room reserved in the lane for the keys of rating groups (about 200 bytes each). */
const LANE_KEY_ROOM = 32 << 20;

export async function fastDailyCheck(run: FastDailyRun): Promise<FastDailyResult | undefined> {
  const { checker, header, input } = run;
  const idx = checker.idx;
  const width = header.columns.header.length;
  const delimiter = header.delimiter;
  const total = 'path' in input ? statSync(input.path).size : input.bytes.byteLength;
  const slice = run.sliceBytes ?? 16 << 20;

  const keyColumns = [
    idx.customerId,
    idx.subscriptionId,
    idx.meterId,
    idx.chargeStart,
    idx.pec,
    idx.credit,
    idx.benefitId,
    idx.benefitType,
    idx.meterName,
    idx.meterSubCategory,
    idx.publisher,
    idx.currency,
    idx.creditType,
    idx.chargeEnd,
  ];
  const groups = new ByteKeyTable<GroupInfo>(keyColumns);
  const groupList: GroupInfo[] = [];
  const dayIds = new Map<number | string, number>();
  const dayList: (string | null)[] = [];
  const priceIds = new Map<number | string, number>();
  const prices: PriceInfo[] = [];
  /** Band thresholds per (group, day, price): lowInt, lowFrac, highInt, highFrac, decimals. */
  const bands = new NumberCache(5);
  const listed = new Map<string, boolean>();
  const billedByCurrency = new Map<string, ExactSum>();
  const referenceRows: [number, number] = [0, 0];

  // Files on disk: groups are found by the WebAssembly lane (hash and byte comparison of the key cells where the
  // scanner left them), as long as it has room; then, and for bytes in memory, by the table above.
  let lane: GroupLane | null = null;
  const laneGroups: GroupInfo[] = [];
  let outOfLane = false;
  /** The group a row belongs to, decided by the reference on the first row with these cells (undefined: that row is not valid). */
  const groupOf = (r: ByteRecord, index: number): GroupInfo | undefined => {
    let g: GroupInfo | undefined;
    if (lane) {
      const id = lane.findRecord(r);
      if (id >= 0) return laneGroups[id];
      // A record the lane cannot see could belong to a group it holds: such a file is checked the reference way.
      if (id === RECORD_OUTSIDE_LANE) return void (outOfLane = true);
    }
    g = groups.get(r);
    if (g) return g;
    if (groupList.length >= MAX_GROUP_IDS) return undefined;
    const p = checker.parse(recordValues(r, index, 0));
    if (!p.ok) return undefined;
    const row = p.row;
    g = {
      id: groupList.length,
      groupKey: row.groupKey,
      covered: row.coveredByBenefit,
      pecIneligible: row.pec.gt(0) && !!row.pecIneligibleReason,
      fraction: row.fraction,
      fractionParts: fractionOf(row.fraction),
      meterId: row.meterId,
      currency: row.currency,
      alwaysReference: !!row.creditDisagreement,
      periodStart: row.periodStart,
      periodEnd: row.periodEnd,
    };
    if (lane && laneGroups.length < fastPathTesting.laneGroups && lane.insertRecord(r, false) === laneGroups.length)
      laneGroups.push(g);
    else groups.set(r, g);
    groupList.push(g);
    return g;
  };
  /** The row's UsageDate as a small id (-1: not a valid date, or too many distinct dates). */
  const dayOf = (r: ByteRecord): number => {
    const c = idx.usageDate;
    const key = shortCellKey(r.buf, r.start[c], r.end[c]);
    let id = dayIds.get(key);
    if (id === undefined) {
      if (dayList.length >= DAYS) return -1;
      const parsed = parseBillingDate(cellText(r, c), checker.dateOrder);
      id = dayList.length;
      dayList.push(parsed.ok ? parsed.iso : null);
      dayIds.set(key, id);
    }
    return dayList[id] === null ? -1 : id;
  };
  /** The number `plain` read last: this check's own, reused for every cell. */
  const num = new ParsedNumber();
  /** The row's UnitPrice as a small id (-1: too many distinct prices); num must hold the parsed price. */
  const priceOf = (r: ByteRecord): number => {
    const c = idx.unitPrice;
    const key = shortCellKey(r.buf, r.start[c], r.end[c]);
    let id = priceIds.get(key);
    if (id === undefined) {
      if (prices.length >= MAX_PRICE_IDS) return -1;
      const P = BigInt(num.int) * BIG_TEN ** BigInt(num.decimals) + BigInt(num.frac);
      id = prices.length;
      // The text the reference reads (money.parseDecimal): without the apostrophe that may guard it.
      const text = cellText(r, c);
      prices.push({ text: text.charCodeAt(0) === 39 ? text.slice(1) : text, P: num.neg ? -P : P, p: num.decimals });
      priceIds.set(key, id);
    }
    return id;
  };
  // Numbers as real exports print them (plain, scientific, apostrophe-guarded), read exactly into num.
  const plain = (r: ByteRecord, c: number): boolean =>
    c >= 0 && r.flags[c] !== 2 && parseNumberBytes(r.buf, r.start[c], r.end[c], num);
  const value = (): number => {
    const v = num.int + num.frac / POW10[num.decimals];
    return num.neg ? -v : v;
  };

  /**
   * Where a number cell just read into num starts on its record's first line (x 2, +1 when quoted), for a finding's
   * range: known when the cell prints num as Decimal.toFixed would (no exponent, apostrophe, sign or leading zero)
   * and every byte before it on the record is ASCII outside line breaks (bytes are then characters); else -1.
   */
  const plainCellAt = (r: ByteRecord, c: number): number => {
    const s = r.start[c];
    const e = r.end[c];
    let digits = 1;
    while (digits < 16 && num.int >= POW10[digits]) digits++;
    if (num.neg || e - s !== digits + (num.decimals > 0 ? num.decimals + 1 : 0)) return -1;
    for (let k = s; k < e; k++) if (r.buf[k] === 69 || r.buf[k] === 101) return -1;
    const quoted = r.flags[c] === 0 ? 0 : 1;
    const from = s - quoted;
    const before = r.buf.subarray(r.recordStart, from);
    if (!isAscii(before) || before.indexOf(10) >= 0 || before.indexOf(13) >= 0) return -1;
    return (from - r.recordStart) * 2 + quoted;
  };

  const reader = rowReader(input);
  // Made after the reader, so that nothing between its creation and the `finally` below can throw.
  const spool = new Spool();
  /** Pass 1: exact quantity per (group, day), keyed group id x DAYS + day id. */
  const daySums = new ExactSumTable();
  try {
    lane =
      'path' in input
        ? GroupLane.acquire({
            width,
            keyColumns: keyColumns.filter((c) => c >= 0),
            sumColumn: 0,
            dateColumn: -1,
            checkColumns: [],
          })
        : null;
    lane?.reserve(LANE_KEY_ROOM);
    // Pass 1: month-to-date sums, and each row's numbers for pass 2.
    let recordBase = 0;
    let lineBase = 0;
    let regular = true;
    const recordStarts: number[] = [];
    const scratch: { buf?: Buffer } = {};
    const onRow = (r: ByteRecord, index: number, line: number): void => {
      const out = spool.buffer;
      const at = spool.next();
      out[at + F_OFFSET] = r.base + r.recordStart;
      out[at + F_LENGTH] = r.recordEnd - r.recordStart;
      out[at + F_LINE] = line;
      out[at + F_INDEX] = index;
      out[at + F_KIND] = 1;
      const g = groupOf(r, index);
      let day = g ? dayOf(r) : -1;
      // A UsageDate outside the billing period gets a finding: the reference checks that row.
      if (day >= 0 && g!.periodEnd && (dayList[day]! < g!.periodStart || dayList[day]! > g!.periodEnd)) day = -1;
      let ok = g !== undefined && day >= 0 && plain(r, idx.unitPrice);
      const price = ok ? priceOf(r) : -1;
      ok &&= price >= 0 && plain(r, idx.fx);
      if (ok) out[at + F_FX] = value();
      ok &&= plain(r, idx.eup);
      if (ok) {
        out[at + F_EUP_INT] = num.int;
        out[at + F_EUP_FRAC] = num.frac;
        out[at + F_EUP_DEC] = num.decimals + (num.neg ? 16 : 0);
        out[at + F_EUP_CELL] = plainCellAt(r, idx.eup);
      }
      ok &&= plain(r, idx.billingTotal);
      if (ok) {
        out[at + F_BT_DEC] = num.decimals;
        out[at + F_BT_INT] = num.int;
        out[at + F_BT_FRAC] = num.frac * POW10[15 - num.decimals];
        out[at + F_BT_NEG] = num.neg ? 1 : 0;
      }
      if (ok && idx.pricingTotal >= 0 && r.start[idx.pricingTotal] !== r.end[idx.pricingTotal]) {
        ok = plain(r, idx.pricingTotal);
        out[at + F_PT] = value();
      } else out[at + F_PT] = NaN;
      ok &&= plain(r, idx.quantity);
      if (!ok) {
        // Not readable the fast way: the reference sums it now and checks it in pass 2.
        referenceRows[0]++;
        checker.aggregate(decodeRecord(r, delimiter, index, line));
        return;
      }
      out[at + F_QTY] = value();
      out[at + F_KIND] = 0;
      out[at + F_GROUP] = g!.id;
      out[at + F_DAY] = day;
      out[at + F_PRICE] = price;
      if (g!.covered) return;
      // num still holds the quantity (the last cell read above).
      daySums.addParsed(g!.id * DAYS + day, num);
    };
    for (let from = 0; from < total;) {
      if (run.signal?.aborted) break;
      const res = scanRecords(
        input,
        (r) => {
          const index = recordBase + r.index;
          const line = lineBase + r.line;
          if (r.cells < width) return (regular = false);
          for (let c = width; c < r.cells; c++) if (r.end[c] !== r.start[c]) return (regular = false);
          if (run.onRecordStart) recordStarts.push(line);
          if (index === 0) return;
          onRow(r, index, line);
        },
        { from, to: from + slice, delimiter: delimiter.charCodeAt(0), scratch },
      );
      if (res.irregular || !regular || outOfLane) return undefined;
      recordBase += res.records;
      lineBase += res.lines;
      if (res.endOffset <= from) break;
      from = res.endOffset;
      run.onProgress?.(Math.max(0, recordBase - 1), 1, 2);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const rows = Math.max(0, recordBase - 1);
    for (const line of recordStarts) run.onRecordStart?.(line);
    recordStarts.length = 0;
    await new Promise((resolve) => setImmediate(resolve));
    if (run.signal?.aborted) return { rows, complete: false, referenceRows };
    if (checker.orderContradicted()) return { rows, complete: false, referenceRows, dateOrderContradicted: true };

    // Month-to-date sums: in the compact store when every row was summed here (the common case), else added to the
    // checker's own decimal sums, which then also hold the rows the reference summed.
    let store: MonthToDateStore | undefined;
    const perGroup = new Map<string, Map<string, ExactSum>>();
    daySums.forEach((key, hi, lo) => {
      const g = groupList[Math.floor(key / DAYS)];
      const iso = dayList[key % DAYS]!;
      let days = perGroup.get(g.groupKey);
      if (!days) perGroup.set(g.groupKey, (days = new Map()));
      let sum = days.get(iso);
      if (!sum) days.set(iso, (sum = new ExactSum()));
      sum.addExact(hi, lo);
    });
    if (referenceRows[0] === 0) {
      store = new MonthToDateStore();
      for (const [groupKey, days] of perGroup) store.add(groupKey, days);
      checker.useMonthToDate(store);
    } else {
      for (const [groupKey, days] of perGroup) {
        for (const [iso, sum] of days) checker.addDayQuantity(groupKey, iso, sum.toDecimal());
      }
    }
    perGroup.clear();
    checker.finish();
    await new Promise((resolve) => setImmediate(resolve));

    // Pass 2: every row checked, from its numbers.
    const proveClean = (f: Float64Array, at: number): boolean => {
      const g = groupList[f[at + F_GROUP]];
      if (g.pecIneligible || g.alwaysReference) return false;
      const dayId = f[at + F_DAY];
      const day = dayList[dayId]!;
      const priceId = f[at + F_PRICE];
      const eupDec = f[at + F_EUP_DEC] & 15;
      const eupNeg = f[at + F_EUP_DEC] >= 16;
      const eupInt = f[at + F_EUP_INT];
      const eupFrac = f[at + F_EUP_FRAC];
      const eupAbs = eupInt + eupFrac / POW10[eupDec];
      const eup = eupNeg ? -eupAbs : eupAbs;
      const q = f[at + F_QTY];
      const pt = f[at + F_PT];
      if (pt === pt) {
        const p = eup * q;
        if (!(Math.abs(pt - p) <= 0.01 - REL_ERROR * (Math.abs(p) + Math.abs(pt)) - 1e-15)) return false;
      }
      const btAbs = f[at + F_BT_INT] + f[at + F_BT_FRAC] / 1e15;
      const bt = f[at + F_BT_NEG] ? -btAbs : btAbs;
      const exact = eup * q * f[at + F_FX];
      if (!(Math.abs(bt - exact) <= 0.01 - REL_ERROR * (Math.abs(exact) + Math.abs(bt)) - 1e-15)) return false;
      const price = prices[priceId];
      if (run.options.priceList) {
        const key = `${g.meterId}\u0000${day}\u0000${priceId}`;
        let ok = listed.get(key);
        if (ok === undefined) {
          ok = checker.unitPriceListed(g.meterId, day, price.text, new Dec(price.text));
          if (listed.size >= 50_000) listed.clear();
          listed.set(key, ok);
        }
        if (!ok) return false;
      }
      if (!g.covered) {
        if (eupNeg) return false;
        const band = bandKey(g.id, dayId, priceId);
        // A group-day's thresholds for the printed decimals seen: numbers only (nothing big lives long).
        let at2 = bands.find(band);
        const b = bands.data;
        if (at2 < 0 || b[at2 + 4] !== eupDec) {
          let thresholds: number[] | null;
          const tiers = checker.tiersFor(g.meterId, day);
          if (tiers) {
            if (!checker.hasGroupDay(g.groupKey, day)) return false;
            const rating = checker.rating(g.groupKey, day, new Dec(price.text), g.fraction, g.meterId, ZERO);
            thresholds = decimalThresholds(rating.lower, rating.upper, eupDec);
          } else {
            let Q = store ? store.units(g.groupKey, day) : undefined;
            if (Q === undefined) {
              const mtd = checker.monthToDate(g.groupKey, day)?.times(1e15);
              if (!mtd || !mtd.isInteger()) return false;
              Q = BigInt(mtd.toFixed());
            }
            thresholds = flatThresholds(price.P, price.p, g.fractionParts, Q, eupDec);
          }
          if (!thresholds) return false;
          at2 = bands.put(band);
          b[at2] = thresholds[0];
          b[at2 + 1] = thresholds[1];
          b[at2 + 2] = thresholds[2];
          b[at2 + 3] = thresholds[3];
          b[at2 + 4] = eupDec;
        }
        if (eupInt < b[at2] || (eupInt === b[at2] && eupFrac < b[at2 + 1])) return false;
        if (eupInt > b[at2 + 2] || (eupInt === b[at2 + 2] && eupFrac > b[at2 + 3])) return false;
        if (g.lastInBand === undefined || day > g.lastInBand) g.lastInBand = day;
      }
      // Clean: only the billed amount counts.
      let sum = billedByCurrency.get(g.currency);
      if (!sum) {
        sum = new ExactSum();
        billedByCurrency.set(g.currency, sum);
      }
      if (f[at + F_BT_NEG]) sum.addExact(-f[at + F_BT_INT], -f[at + F_BT_FRAC]);
      else sum.addExact(f[at + F_BT_INT], f[at + F_BT_FRAC]);
      return true;
    };
    // Rows proved wrong: their finding from the integers above (fastVerdict.ts), their money summed in cents.
    const verdicts = new FailingRowVerdicts(checker, header.columns.nameAt(idx.eup), run.options.priceTolerance);
    const centsAtStake = { over: 0, under: 0 };
    let verdictRows = 0;
    const fastVerdict = (f: Float64Array, at: number): boolean => {
      const g = groupList[f[at + F_GROUP]];
      if (g.pecIneligible || g.alwaysReference || g.covered || run.options.priceList) return false;
      const day = dayList[f[at + F_DAY]]!;
      const price = prices[f[at + F_PRICE]];
      let Q = store?.units(g.groupKey, day);
      if (Q === undefined) {
        // Some rows were summed by the reference: the checker holds the month-to-date sums, as decimals.
        const mtd = store ? undefined : checker.monthToDate(g.groupKey, day)?.times(1e15);
        if (!mtd || !mtd.isInteger()) return false;
        Q = BigInt(mtd.toFixed());
      }
      const v = verdicts.verdict(
        {
          index: f[at + F_INDEX],
          line: f[at + F_LINE],
          eupCell: f[at + F_EUP_CELL],
          eupInt: f[at + F_EUP_INT],
          eupFrac: f[at + F_EUP_FRAC],
          eupDecimals: f[at + F_EUP_DEC] & 15,
          eupNegative: f[at + F_EUP_DEC] >= 16,
          quantity: f[at + F_QTY],
          fx: f[at + F_FX],
          billedInt: f[at + F_BT_INT],
          billedFrac: f[at + F_BT_FRAC],
          billedNegative: f[at + F_BT_NEG] === 1,
          billedDecimals: f[at + F_BT_DEC],
        },
        {
          groupId: g.id,
          groupKey: g.groupKey,
          meterId: g.meterId,
          currency: g.currency,
          fraction: g.fraction,
          fractionParts: g.fractionParts,
          priceId: f[at + F_PRICE],
          P: price.P,
          p: price.p,
          Q,
        },
      );
      if (!v) return false;
      verdictRows++;
      run.emit(v.finding);
      if (v.cents > 0) centsAtStake.over += v.cents;
      else centsAtStake.under += v.cents;
      if (Math.abs(centsAtStake.over) > 2 ** 50 || Math.abs(centsAtStake.under) > 2 ** 50) settleCents();
      billedSum(g.currency).addExact(
        f[at + F_BT_NEG] ? -f[at + F_BT_INT] : f[at + F_BT_INT],
        f[at + F_BT_NEG] ? -f[at + F_BT_FRAC] : f[at + F_BT_FRAC],
      );
      return true;
    };
    const settleCents = (): void => {
      if (centsAtStake.over !== 0) run.account({ stake: new Dec(centsAtStake.over).div(100) });
      if (centsAtStake.under !== 0) run.account({ stake: new Dec(centsAtStake.under).div(100) });
      centsAtStake.over = 0;
      centsAtStake.under = 0;
    };
    const billedSum = (currency: string): ExactSum => {
      let sum = billedByCurrency.get(currency);
      if (!sum) {
        sum = new ExactSum();
        billedByCurrency.set(currency, sum);
      }
      return sum;
    };
    let checked = 0;
    for (const { rows: f, count } of spool.batches()) {
      if (run.signal?.aborted) return { rows, complete: false, referenceRows };
      for (let k = 0; k < count; k++) {
        const at = k * FIELDS;
        if (k % 2048 === 2047) await new Promise((resolve) => setImmediate(resolve));
        if (f[at + F_KIND] === 0 && (proveClean(f, at) || fastVerdict(f, at))) continue;
        referenceRows[1]++;
        const bytes = reader.read(f[at + F_OFFSET], f[at + F_LENGTH]);
        run.account(
          checker.check(decodeBytes(bytes, 0, bytes.length, delimiter, f[at + F_INDEX], f[at + F_LINE]), run.emit),
        );
      }
      checked += count;
      run.onProgress?.(checked, 2, 2);
      await new Promise((resolve) => setImmediate(resolve));
    }
    settleCents();
    for (const g of groupList) if (g.lastInBand !== undefined) checker.noteInBand(g.groupKey, g.lastInBand);
    for (const [currency, sum] of billedByCurrency) {
      if (!sum.safe()) throw new Error('billed sum out of exact range');
      run.account({ stake: ZERO, billed: sum.toDecimal(), currency });
    }
    return {
      rows,
      complete: true,
      referenceRows,
      verdictRows,
      laneGroups: laneGroups.length,
      tableGroups: groups.size,
    };
  } finally {
    lane?.release();
    reader.close();
    spool.close();
  }
}
