/**
 * (Part of the fast path: its design, for a newcomer, is in ../fast/README.md.)
 *
 * The consistent band of the daily check in exact integers, and its first look in doubles: the thresholds a price
 * printed with d decimals is compared to (flatThresholds for a flat price, decimalThresholds for the reference's
 * own rating of tiered prices), and bandInDoubles, which decides the common row without BigInt and says when it
 * cannot. Shared by both threads of the second pass (fastPass2.ts).
 */
import type Decimal from 'decimal.js';
import { Dec } from '../money';
import { POW10 } from '../fast/byteCsv';

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
export function decimalThresholds(lower: Decimal, upper: Decimal, d: number): number[] | null {
  const lo = splitUnits(lower.minus(HALF_UNIT[d]).times(DEC_POW10[d]).ceil(), d);
  const hi = splitUnits(upper.plus(HALF_UNIT[d]).times(DEC_POW10[d]).floor(), d);
  return lo && hi ? [lo[0], lo[1], hi[0], hi[1]] : null;
}

const BIG_TEN = 10n;
export const BIG_1E15 = 10n ** 15n;

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
