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
} from '../fast/byteCsv';
import { ByteKeyTable, ExactSum, NumberCache, addExactAt } from '../fast/exact';
import { fastPathTesting } from '../fast/fastPathTesting';
import type { BillingHeader } from '../billing/reader';
import type { Finding } from '../findings';
import type { DailyUsageChecker, RowOutcome } from './dailyUsage';
import type { CheckOptions } from './options';
import { MAX_DAY_IDS, MAX_GROUP_IDS, MAX_PRICE_IDS, bandKey } from '../fast/bandKey';
import { trackTemp, untrackTemp } from '../tempFiles';
import { FailingRowVerdicts } from './fastVerdict';
import { BelowBandRows } from './fastBelowBand';
import {
  F_KIND,
  F_GROUP,
  F_DAY,
  F_PRICE,
  F_EUP_INT,
  F_EUP_FRAC,
  F_EUP_DEC,
  F_QTY,
  F_FX,
  F_BT_INT,
  F_BT_FRAC,
  F_BT_NEG,
  F_PT,
  F_OFFSET,
  F_LENGTH,
  F_LINE,
  F_INDEX,
  F_GROUP_DAY,
  F_BT_DEC,
  F_EUP_CELL,
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
export function fractionOf(x: Decimal): { n: bigint; d: bigint } {
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
export function flatThresholds(
  P: bigint,
  p: number,
  F: { n: bigint; d: bigint },
  Q: bigint,
  d: number,
): number[] | null {
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

/** Bound on the rounding error of bandInDoubles (relative), a thousand times its worst case (about 1e-15). */
const BAND_REL = 1e-12;
/** Half a unit of the last printed decimal, 10^-d / 2 (the printing tolerance of d decimals). */
const HALF_UNITS: readonly number[] = Array.from({ length: 16 }, (_, d) => 0.5 / 10 ** d);

/**
 * The band test of a flat price in doubles, for the common row, where BigInt would cost more than the rest of the
 * row: 1 when the price is certainly inside the band that flatThresholds gives, -1 certainly outside, 0 when the
 * doubles cannot tell (a price within BAND_REL of a bound, a billed amount within BAND_REL of a whole cent, sums
 * beyond 2^50): then the exact integers decide. With E the price in units of 10^-d, t = 10^-d / 2, uf =
 * UnitPrice x fraction and BC = FLOOR(uf x BCU x 100) / 100, the thresholds' integer tests are exactly
 *   E <= FLOOR((uf + t) x 10^d)        <=>  eup - t <= uf
 *   E >= CEIL((BC / BCU - t) x 10^d)   <=>  (eup + t) x BCU x 100 >= BC x 100      (BCU > 0)
 *   E >= CEIL((uf - t) x 10^d)         <=>  eup + t >= uf                          (BCU <= 0)
 * Every input is within a few units in the last place of its exact value (eup, UnitPrice and BCU read from exact
 * integer parts, the fraction the nearest double), and each side takes a handful of roundings: the error is below
 * 1e-15 relative, so a difference larger than BAND_REL of the magnitudes has the exact difference's sign, and a
 * product farther than that from an integer has the exact product's floor.
 * `hi` and `lo` are the month-to-date sum BCU as units and units of 10^-15 (0 <= lo < 10^15).
 */
export function bandInDoubles(
  eupInt: number,
  eupFrac: number,
  d: number,
  uf: number,
  hi: number,
  lo: number,
  limbs: Float64Array,
): number {
  const eup = eupInt + eupFrac / POW10[d];
  if (!(uf >= 0) || hi >= 2 ** 50) return 0;
  const t = HALF_UNITS[d];
  const up = uf - (eup - t);
  const upMargin = BAND_REL * (uf + eup + t);
  if (up < -upMargin) return -1;
  if (up <= upMargin) return 0;
  if (hi < 0 || (hi === 0 && lo === 0)) {
    // No positive consumption yet: the band is the price net of discounts.
    const down = eup + t - uf;
    return down > upMargin ? 1 : down < -upMargin ? -1 : 0;
  }
  const bcu = hi + lo / 1e15;
  const x = uf * bcu * 100;
  if (!(x < 2 ** 50)) return 0;
  const bc = Math.floor(x);
  // A free price (uf exactly 0) bills exactly 0 cents; any other product near a whole cent is for the integers.
  if (uf !== 0 && (x - bc <= BAND_REL * x || bc + 1 - x <= BAND_REL * x)) return 0;
  const y = (eup + t) * bcu * 100;
  const down = y - bc;
  const downMargin = BAND_REL * (y + bc);
  if (down > downMargin) return 1;
  if (down < -downMargin) return -1;
  // A price printed with 15 decimals is BC / BCU rounded: within 10^-15 of the bound, too near for doubles.
  if (eupInt >= 1e9 || hi >= 1e10) return 0;
  return lowerBoundHolds(eupInt, eupFrac, d, hi, lo, bc, limbs) ? 1 : -1;
}

const LIMB = 100_000;

/** Writes w x 10^15 + v (0 <= v < 10^15, 0 <= w < 10^10) as five base-10^5 limbs from `at`, lowest first. */
function toLimbs(w: number, v: number, out: Float64Array, at: number): void {
  for (let k = 0; k < 3; k++) {
    const r = v % LIMB;
    out[at + k] = r;
    v = (v - r) / LIMB;
  }
  const r = w % LIMB;
  out[at + 3] = r;
  out[at + 4] = (w - r) / LIMB;
}

/** Carries the base-10^5 limbs from..to in place (each a non-negative integer below 2^53). */
function carry(x: Float64Array, from: number, to: number): void {
  let c = 0;
  for (let k = from; k < to; k++) {
    const v = x[k] + c;
    const r = v % LIMB;
    x[k] = r;
    c = (v - r) / LIMB;
  }
}

/**
 * The band's lower test with exact integers in doubles (base-10^5 limbs, every product and column sum below 2^53):
 * with E15 the price in units of 10^-15 and Q = BCU x 10^15, (E15 + 10^(15-d) / 2) x Q x 100 >= BC (cents) x 10^30,
 * that is (2 x E15 + 10^(15-d)) x Q >= 2 x BC x 10^28. For eupInt < 10^9, BCU < 10^10, BC < 2^50 (the caller's).
 * `limbs` is scratch of 32 numbers.
 */
function lowerBoundHolds(
  eupInt: number,
  eupFrac: number,
  d: number,
  hi: number,
  lo: number,
  bc: number,
  limbs: Float64Array,
): boolean {
  // W = 2 x E15 + 10^(15-d) = wHi x 10^15 + wLo.
  let wHi = 2 * eupInt;
  let wLo = (2 * eupFrac + 1) * POW10[15 - d];
  if (wLo >= 1e15) {
    wLo -= 1e15;
    wHi += 1;
  }
  toLimbs(wHi, wLo, limbs, 0);
  toLimbs(hi, lo, limbs, 5);
  // The product W x Q (below 10^50: ten limbs) in limbs 10..19, the right side 2 x BC x 10^28 = BC x 2000 x 10^25
  // (below 10^44) in limbs 22..31.
  limbs.fill(0, 10);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) limbs[10 + i + j] += limbs[i] * limbs[5 + j];
  carry(limbs, 10, 21);
  let b = bc;
  for (let k = 0; k < 4; k++) {
    const r = b % LIMB;
    limbs[27 + k] = r * 2000;
    b = (b - r) / LIMB;
  }
  carry(limbs, 22, 32);
  for (let k = 9; k >= 0; k--) {
    const p = limbs[10 + k];
    const q = limbs[22 + k];
    if (p !== q) return p > q;
  }
  return true;
}

/** Doubles' rounding error bound used by the totals filter (relative), far above the real worst case (~1e-15). */
const REL_ERROR = 1e-12;

/**
 * The rows as the first pass leaves them for the second: one record of numbers per row, spooled to a temporary file
 * (memory stays flat whatever the file size), so that the second pass neither scans nor parses the CSV again.
 */
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
 * The group-days of a check (a rating group's day, the unit the band is worked out for) as small integer ids, and
 * their exact quantity sums, in flat arrays: no string or object per group-day, so that time and memory grow with
 * the group-days a month has, not with what keeping them costs (a shuffled month of 100k rating groups has about a
 * million). Pass 1 hands out the ids (open addressing over (rating group id, day id)) and sums each row's Quantity
 * into its group-day; `finish` turns the sums into month-to-date sums, in day order within each rating group.
 */
export class GroupDays {
  size = 0;
  /** Per group-day: its rating group id, its day id, and its exact sum (`hi` units plus `lo` units of 10^-15). */
  rating = new Int32Array(1 << 12);
  day = new Int32Array(1 << 12);
  hi = new Float64Array(1 << 12);
  lo = new Float64Array(1 << 12);
  /** After finish: the group-day before this one in its rating group's day order (-1 on its first day). */
  prev = new Int32Array(0);
  /**
   * Open addressing, two numbers a slot: the rating group id + 1 (0: empty) and the group-day id, grown at half full.
   * A slot holds its rating group so that a probe reads one place in memory: only a slot of the same rating group
   * looks at the group-day's day (a shuffled month's rows land anywhere in these tables, and each place read is a
   * cache miss).
   */
  private slots = new Int32Array(2 << 13);
  private lastRating = -1;
  private lastDay = -1;
  private last = -1;

  private static hash(rating: number, day: number): number {
    let h = Math.imul(rating, 0x9e3779b1) ^ Math.imul(day + 0x632be5ab, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h >>> 0;
  }

  /** The slot (an even index) that holds (rating, day), or the empty slot where it would go. */
  private slotOf(slots: Int32Array, rating: number, day: number): number {
    const mask = (slots.length >> 1) - 1;
    const tag = rating + 1;
    for (let s = GroupDays.hash(rating, day) & mask; ; s = (s + 1) & mask) {
      const t = slots[2 * s];
      if (t === 0 || (t === tag && this.day[slots[2 * s + 1]] === day)) return 2 * s;
    }
  }

  /** The id of (rating group, day), or -1 when it has none. */
  find(rating: number, day: number): number {
    if (rating === this.lastRating && day === this.lastDay) return this.last;
    const at = this.slotOf(this.slots, rating, day);
    if (this.slots[at] === 0) return -1;
    this.lastRating = rating;
    this.lastDay = day;
    return (this.last = this.slots[at + 1]);
  }

  /** The id of (rating group, day), made when new (rows of a grouped month ask for the same one in a row: cached). */
  idOf(rating: number, day: number): number {
    if (rating === this.lastRating && day === this.lastDay) return this.last;
    if ((this.size + 1) * 4 > this.slots.length) this.growSlots();
    const at = this.slotOf(this.slots, rating, day);
    let id = this.slots[at + 1];
    if (this.slots[at] === 0) {
      if (this.size === this.rating.length) this.growArrays();
      id = this.size++;
      this.rating[id] = rating;
      this.day[id] = day;
      this.slots[at] = rating + 1;
      this.slots[at + 1] = id;
    }
    this.lastRating = rating;
    this.lastDay = day;
    return (this.last = id);
  }

  /** Adds an exact amount (`hi` units plus `lo` units of 10^-15, same sign) to a group-day's sum. */
  add(id: number, hi: number, lo: number): void {
    // Exact integers in doubles up to 2^53: a sum beyond 2^52 units is refused rather than rounded.
    if (Math.abs(addExactAt(this.hi, this.lo, id, hi, lo)) >= 2 ** 52)
      throw new Error('quantity sum out of exact range');
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    for (let id = 0; id < this.size; id++) {
      const at = this.slotOf(slots, this.rating[id], this.day[id]);
      slots[at] = this.rating[id] + 1;
      slots[at + 1] = id;
    }
    this.slots = slots;
  }

  private growArrays(): void {
    const n = this.rating.length * 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
    this.rating = grow(this.rating, new Int32Array(n));
    this.day = grow(this.day, new Int32Array(n));
    this.hi = grow(this.hi, new Float64Array(n));
    this.lo = grow(this.lo, new Float64Array(n));
  }

  /**
   * Turns each group-day's sum into its rating group's month-to-date sum through that day (days ordered by `rank`,
   * the day ids' order as ISO dates), and links each group-day to the one before it.
   */
  finish(ratings: number, rank: Int32Array): void {
    const n = this.size;
    // Counting sort by rating group, then each group's few days in order (insertion sort; a long run by comparison).
    const start = new Int32Array(ratings + 1);
    for (let id = 0; id < n; id++) start[this.rating[id] + 1]++;
    for (let g = 0; g < ratings; g++) start[g + 1] += start[g];
    const order = new Int32Array(n);
    const fill = start.slice(0, ratings);
    for (let id = 0; id < n; id++) order[fill[this.rating[id]]++] = id;
    this.prev = new Int32Array(n);
    for (let g = 0; g < ratings; g++) {
      const a = start[g];
      const b = start[g + 1];
      if (b - a > 64) {
        const sorted = Array.from(order.subarray(a, b)).sort((x, y) => rank[this.day[x]] - rank[this.day[y]]);
        order.set(sorted, a);
      } else {
        for (let i = a + 1; i < b; i++) {
          const id = order[i];
          const r = rank[this.day[id]];
          let j = i - 1;
          for (; j >= a && rank[this.day[order[j]]] > r; j--) order[j + 1] = order[j];
          order[j + 1] = id;
        }
      }
      let hi = 0;
      let lo = 0;
      let before = -1;
      for (let i = a; i < b; i++) {
        const id = order[i];
        hi += this.hi[id];
        lo += this.lo[id];
        if (lo >= 1e15) {
          lo -= 1e15;
          hi += 1;
        }
        if (Math.abs(hi) >= 2 ** 52) throw new Error('quantity sum out of exact range');
        this.hi[id] = hi;
        this.lo[id] = lo;
        this.prev[id] = before;
        before = id;
      }
    }
  }
}

interface PriceInfo {
  text: string;
  P: bigint;
  p: number;
  /** The price as the nearest double. */
  value: number;
}

/**
 * A copy of a string that does not keep alive the text it was cut from: V8 makes a long substring a view of its
 * parent, so a group's MeterId cut from its first row would hold that whole row (about 1 KB) for the whole check.
 */
function ownCopy(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
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
  /** Rating groups (the reference's group key) as small ids: rows of one may come in several byte-distinct groups. */
  const ratingIds = new Map<string, number>();
  const ratingKeys: string[] = [];
  /** UsageDate cells as ids of the ISO day they name (-1: not a date); several spellings may name one day. */
  const dayIds = new Map<number | string, number>();
  const isoIds = new Map<string, number>();
  const dayList: string[] = [];
  const priceIds = new Map<number | string, number>();
  const prices: PriceInfo[] = [];
  /** Exact band thresholds per (group-day, price): lowInt, lowFrac, highInt, highFrac, decimals. */
  const bands = new NumberCache(5);
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
  const billedByCurrency: ExactSum[] = [];
  const referenceRows: [number, number] = [0, 0];
  const groupDays = new GroupDays();

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
    // Read as the first pass reads (numbers only checked for being numbers, which is what decides validity): the
    // group needs the row's identity, credits and readings, none of its amounts.
    const p = checker.parse(recordValues(r, index, 0), true);
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
      billedByCurrency.push(new ExactSum());
    }
    g = {
      id: groupList.length,
      rating,
      groupKey: row.groupKey,
      covered: row.coveredByBenefit,
      pecIneligible: row.pec.gt(0) && !!row.pecIneligibleReason,
      fraction: row.fraction,
      fractionParts: parts,
      pecParts: exactFraction(row.pec),
      creditParts: exactFraction(row.credit),
      fractionValue: row.fraction.toNumber(),
      meterId: ownCopy(row.meterId),
      currency: row.currency,
      currencyId,
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
  /** The row's UsageDate as the small id of its ISO day (-1: not a valid date, or too many distinct cells). */
  const dayOf = (r: ByteRecord): number => {
    const c = idx.usageDate;
    const key = shortCellKey(r.buf, r.start[c], r.end[c]);
    let id = dayIds.get(key);
    if (id === undefined) {
      if (dayIds.size >= DAYS) return -1;
      const parsed = parseBillingDate(cellText(r, c), checker.dateOrder);
      id = -1;
      if (parsed.ok) {
        id = isoIds.get(parsed.iso) ?? dayList.length;
        if (id === dayList.length) {
          dayList.push(parsed.iso);
          isoIds.set(parsed.iso, id);
        }
      }
      dayIds.set(key, id);
    }
    return id;
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
      prices.push({
        text: text.charCodeAt(0) === 39 ? text.slice(1) : text,
        P: num.neg ? -P : P,
        p: num.decimals,
        value: value(),
      });
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
  /** Writes num exactly at out[at], out[at + 1]: whole units and units of 10^-15, of its sign. */
  const exactAt = (out: Float64Array, at: number): void => {
    const frac = num.frac * POW10[15 - num.decimals];
    out[at] = num.neg ? -num.int : num.int;
    out[at + 1] = num.neg ? -frac : frac;
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
      if (ok) {
        out[at + F_FX] = value();
        exactAt(out, at + F_FX_INT);
      }
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
      exactAt(out, at + F_QTY_INT);
      out[at + F_KIND] = 0;
      out[at + F_GROUP] = g!.id;
      out[at + F_DAY] = day;
      out[at + F_PRICE] = price;
      out[at + F_GROUP_DAY] = -1;
      if (g!.covered) return;
      const gd = groupDays.idOf(g!.rating, day);
      out[at + F_GROUP_DAY] = gd;
      // num still holds the quantity (the last cell read above).
      const frac = num.frac * POW10[15 - num.decimals];
      groupDays.add(gd, num.neg ? -num.int : num.int, num.neg ? -frac : frac);
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

    // Pass 2: every row checked, from its numbers.
    /** Per rating group, the rank of the latest day a row was proved inside the band (told to the checker at the end). */
    const lastInBand = new Int32Array(ratingKeys.length).fill(-1);
    /** Per group-day, with a price list: 0 not looked up yet, 1 flat prices, 2 graduated tiers. */
    const tiersSeen = run.options.priceList ? new Uint8Array(groupDays.size) : undefined;
    const billedSeen = new Uint8Array(currencies.length);
    const billedOrder: number[] = [];
    const limbs = new Float64Array(32);
    /** A group-day's month-to-date quantity in units of 10^-15: the store's, else the checker's decimal sum. */
    const monthToDateUnits = (g: Pick<GroupInfo, 'groupKey'>, day: string): bigint | undefined => {
      if (store) return store.units(g.groupKey, day);
      const mtd = checker.monthToDate(g.groupKey, day)?.times(1e15);
      return mtd && mtd.isInteger() ? BigInt(mtd.toFixed()) : undefined;
    };
    /**
     * The band test with exact integers (a price too near a bound for bandInDoubles, tiered prices, month-to-date
     * sums held by the checker), its thresholds kept per (group-day, price) for the printed decimals seen.
     */
    const exactBand = (
      g: GroupInfo,
      dayId: number,
      priceId: number,
      tiered: boolean,
      eupDec: number,
      eupInt: number,
      eupFrac: number,
    ): boolean => {
      const price = prices[priceId];
      const day = dayList[dayId];
      // (rating group, day) names the group-day.
      const band = bandKey(g.rating, dayId, priceId);
      let at = bands.find(band);
      const b = bands.data;
      if (at < 0 || b[at + 4] !== eupDec) {
        let thresholds: number[] | null;
        if (tiered) {
          if (!checker.hasGroupDay(g.groupKey, day)) return false;
          const rating = checker.rating(g.groupKey, day, new Dec(price.text), g.fraction, g.meterId, ZERO);
          thresholds = decimalThresholds(rating.lower, rating.upper, eupDec);
        } else {
          const Q = monthToDateUnits(g, day);
          if (Q === undefined) return false;
          thresholds = flatThresholds(price.P, price.p, g.fractionParts, Q, eupDec);
        }
        if (!thresholds) return false;
        at = bands.put(band);
        b[at] = thresholds[0];
        b[at + 1] = thresholds[1];
        b[at + 2] = thresholds[2];
        b[at + 3] = thresholds[3];
        b[at + 4] = eupDec;
      }
      if (eupInt < b[at] || (eupInt === b[at] && eupFrac < b[at + 1])) return false;
      return !(eupInt > b[at + 2] || (eupInt === b[at + 2] && eupFrac > b[at + 3]));
    };
    const proveClean = (f: Float64Array, at: number): boolean => {
      const g = groupList[f[at + F_GROUP]];
      if (g.pecIneligible || g.alwaysReference) return false;
      const dayId = f[at + F_DAY];
      const day = dayList[dayId];
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
        const gd = f[at + F_GROUP_DAY];
        let tiered = false;
        if (tiersSeen) {
          if (tiersSeen[gd] === 0) tiersSeen[gd] = checker.tiersFor(g.meterId, day) ? 2 : 1;
          tiered = tiersSeen[gd] === 2;
        }
        const verdict =
          store !== undefined && !tiered
            ? bandInDoubles(
                eupInt,
                eupFrac,
                eupDec,
                price.value * g.fractionValue,
                groupDays.hi[gd],
                groupDays.lo[gd],
                limbs,
              )
            : 0;
        if (verdict < 0 || (verdict === 0 && !exactBand(g, dayId, priceId, tiered, eupDec, eupInt, eupFrac)))
          return false;
        if (rank[dayId] > lastInBand[g.rating]) lastInBand[g.rating] = rank[dayId];
      }
      // Clean: only the billed amount counts.
      const sum = billedByCurrency[g.currencyId];
      if (!billedSeen[g.currencyId]) {
        billedSeen[g.currencyId] = 1;
        billedOrder.push(g.currencyId);
      }
      if (f[at + F_BT_NEG]) sum.addExact(-f[at + F_BT_INT], -f[at + F_BT_FRAC]);
      else sum.addExact(f[at + F_BT_INT], f[at + F_BT_FRAC]);
      return true;
    };
    // Rows proved wrong: their finding from the integers above (fastVerdict.ts), their money summed in cents.
    const verdicts = new FailingRowVerdicts(
      checker,
      header.columns.nameAt(idx.eup),
      run.options.priceTolerance,
      (g, dayId, gd) => {
        // Asked once per (group-day, price) entry of the verdicts' cache, not per row of a group-day.
        // The store's sums by the group-day's id (no lookup by group key and day), else the checker's decimals.
        return store
          ? BigInt(groupDays.hi[gd]) * BIG_1E15 + BigInt(groupDays.lo[gd])
          : monthToDateUnits(g, dayList[dayId]);
      },
    );
    const centsAtStake = { over: 0, under: 0 };
    let verdictRows = 0;
    const fastVerdict = (f: Float64Array, at: number): boolean => {
      const g = groupList[f[at + F_GROUP]];
      if (g.pecIneligible || g.alwaysReference || g.covered || run.options.priceList) return false;
      const finding = verdicts.verdict(f, at, g, prices[f[at + F_PRICE]]);
      if (!finding) return false;
      const cents = verdicts.cents;
      verdictRows++;
      run.emit(finding);
      if (cents > 0) centsAtStake.over += cents;
      else centsAtStake.under += cents;
      if (Math.abs(centsAtStake.over) > 2 ** 50 || Math.abs(centsAtStake.under) > 2 ** 50) settleCents();
      billedSum(g.currencyId).addExact(
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
    const billedSum = (currencyId: number): ExactSum => {
      if (!billedSeen[currencyId]) {
        billedSeen[currencyId] = 1;
        billedOrder.push(currencyId);
      }
      return billedByCurrency[currencyId];
    };
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
    let checked = 0;
    for (const { rows: f, count } of spool.batches()) {
      if (run.signal?.aborted) return { rows, complete: false, referenceRows };
      for (let k = 0; k < count; k++) {
        const at = k * FIELDS;
        if (k % 2048 === 2047) await new Promise((resolve) => setImmediate(resolve));
        if (f[at + F_KIND] === 0 && (proveClean(f, at) || fastVerdict(f, at) || keepBelowBand(f, at))) continue;
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
    const dayOfRank = new Int32Array(dayList.length);
    rank.forEach((r, day) => (dayOfRank[r] = day));
    lastInBand.forEach((r, rating) => r >= 0 && checker.noteInBand(ratingKeys[rating], dayList[dayOfRank[r]]));
    // The rows kept below the band: each group's sums to its note, or the group handed back to the reference now.
    const back = belowBand.finish(
      (r) => dayList[dayOfRank[r]],
      (currencyId, sum) => billedSum(currencyId).addExact(sum.hi, sum.lo),
    );
    for (let k = 0; k < back.length; k += 4) {
      referenceRows[1]++;
      const bytes = reader.read(back[k], back[k + 1]);
      run.account(checker.check(decodeBytes(bytes, 0, bytes.length, delimiter, back[k + 2], back[k + 3]), run.emit));
    }
    for (const c of billedOrder) {
      const sum = billedByCurrency[c];
      if (!sum.safe()) throw new Error('billed sum out of exact range');
      run.account({ stake: ZERO, billed: sum.toDecimal(), currency: currencies[c] });
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
