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
  POW10,
  cellText,
  decodeBytes,
  decodeRecord,
  recordValues,
  type ByteInput,
  type ByteRecord,
} from '../fast/byteCsv';
import { ExactSum, NumberCache } from '../fast/exact';
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
  spoolBatches,
  type CheckRangeTask,
  type RangePart,
} from './fastRange';
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

/**
 * v mod 10^5 for a non-negative integer v below 2^53 (then (v - r) / 10^5, an exact division, is the rest). By a
 * division and a correction, not `%`: V8 takes `%` of numbers beyond 32 bits to a C library call, many times slower
 * than a division, and this runs about 35 times on a row whose price sits at the band's lower bound (most rows of a
 * billed export). The rounded quotient can be one off; v - q x 10^5 is exact, and says which way.
 */
function lowLimb(v: number): number {
  const r = v - Math.floor(v / LIMB) * LIMB;
  return r < 0 ? r + LIMB : r >= LIMB ? r - LIMB : r;
}

/** Writes w x 10^15 + v (0 <= v < 10^15, 0 <= w < 10^10) as five base-10^5 limbs from `at`, lowest first. */
function toLimbs(w: number, v: number, out: Float64Array, at: number): void {
  for (let k = 0; k < 3; k++) {
    const r = lowLimb(v);
    out[at + k] = r;
    v = (v - r) / LIMB;
  }
  const r = lowLimb(w);
  out[at + 3] = r;
  out[at + 4] = (w - r) / LIMB;
}

/** Carries the base-10^5 limbs from..to in place (each a non-negative integer below 2^53). */
function carry(x: Float64Array, from: number, to: number): void {
  let c = 0;
  for (let k = from; k < to; k++) {
    const v = x[k] + c;
    const r = lowLimb(v);
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
    const r = lowLimb(b);
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

/** How a worker's ids translate into this thread's (mergePart). */
interface PartIds {
  group: Int32Array;
  day: Int32Array;
  price: Int32Array;
  groupDay: Int32Array;
}

/**
 * A chunk the worker read, for pass 2: its rows in the worker's spool, [from, to), and what to add to their record
 * and line numbers (counted in the worker from its first chunk) to make them the file's.
 */
interface PartSpool {
  from: number;
  to: number;
  map: PartIds;
  records: number;
  lines: number;
}

/** A batch of the worker's spool in this thread's ids and the file's record and line numbers. */
function translate(f: Float64Array, count: number, part: PartSpool): void {
  const map = part.map;
  for (let k = 0; k < count; k++) {
    const at = k * FIELDS;
    f[at + F_INDEX] += part.records;
    f[at + F_LINE] += part.lines;
    if (f[at + F_KIND] !== 0) continue;
    f[at + F_GROUP] = map.group[f[at + F_GROUP]];
    f[at + F_DAY] = map.day[f[at + F_DAY]];
    f[at + F_PRICE] = map.price[f[at + F_PRICE]];
    if (f[at + F_GROUP_DAY] >= 0) f[at + F_GROUP_DAY] = map.groupDay[f[at + F_GROUP_DAY]];
  }
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
      billedByCurrency.push(new ExactSum());
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
    lane = 'path' in input ? ratingLane(width, keyColumns) : null;
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
    const settled = worker && (regular && joined && !run.signal?.aborted ? await worker : (stop.abort(), await worker));
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
    // This thread's rows, then each worker's range in file order, in this thread's ids.
    const batches = function* (): Generator<{ rows: Float64Array; count: number }> {
      yield* spool.batches();
      for (const part of partSpools)
        for (const batch of spoolBatches(partFile!, part.from, part.to)) {
          translate(batch.rows, batch.count, part);
          yield batch;
        }
    };
    for (const { rows: f, count } of batches()) {
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
      laneGroups: range.laneGroups.length,
      tableGroups: range.groups.size,
      ranges: partSpools.length > 0 ? 2 : 1,
    };
  } finally {
    lane?.release();
    reader.close();
    if (partFile !== undefined) closeSync(partFile);
    spool.close();
  }
}
