/**
 * (Part of the fast path: its design, for a newcomer, is in ../fast/README.md.)
 *
 * Rows priced below the flat band whose totals were billed from that price, checked without a price list: the free
 * part of a meter's monthly allowance (EffectiveUnitPrice 0, totals 0; on a real month one row in twelve) and the
 * lower prices graduated tiers give. The reference check keeps such rows until the last row and then, per rating
 * group, folds the rows a free allowance or tiers explain into one tiers-unverified note (row count, rows at 0, the
 * billed sum, the sum at the flat price, the first row's place), and makes errors of the others: a discount applied
 * twice, a price below the band before a later day priced inside it (DailyUsageChecker.keepBelowBand, finishRows).
 *
 * This keeps them the same way from the fast path's exact integers. With P = UnitPrice x 10^p, Q = BCU x 10^15, the
 * charged fraction Fn / Fd, BC (cents) = FLOOR(P x Q x Fn x 100 / (10^p x 10^15 x Fd)) and the price E in units of
 * 10^-d (its printing tolerance t = 10^-d / 2), a row is below the band when E x 10^-d + t < BC / BCU, that is
 * (2E + 1) x Q < 2 x 10^d x BC x 10^13 (the consistent band's lower test of flatThresholds, failed), and is billed
 * from its own price when |BillingPreTaxTotal - E x 10^-d x Quantity x FX| <= 0.01, in integers. Its discount
 * applied twice is the reference's test (inDiscountedBand) on the same integers. Its flat-priced amount BC / BCU x
 * Quantity x FX is summed in units of 10^-30 (each row's cut off below that unit).
 *
 * Only what is certain is kept. A row too near an edge of the reference's 60-digit decimals, a discount applied
 * twice, anything unusual goes to the reference check at its turn. A group is handed back whole, its kept rows
 * checked by the reference after the last row (DailyUsageChecker.finishRows then decides its rows in file order),
 * when the reference holds rows of it too, when a later day of it is priced inside the band and none of its rows is
 * at 0, when its sum at the flat price lies too near half a cent to say how the reference rounds it, or when its
 * sums leave the exact range. Every other group's sums are handed to the checker, whose note says them.
 */
import { Dec } from '../money';
import type { CsvRecord } from '../billing/csv';
import { ExactSum } from '../fast/exact';
import type { DailyUsageChecker } from './dailyUsage';

/** A row of the second pass as the fast path read it: not proved clean, not above the band. */
export interface BelowBandRow {
  /** 0-based record index and line of the row, and where its bytes are (to read it again). */
  index: number;
  line: number;
  offset: number;
  length: number;
  /** The rank of the row's UsageDate among the month's days (their order as dates). */
  dayRank: number;
  /** EffectiveUnitPrice (non-negative): whole units, units of 10^-decimals. */
  eupInt: number;
  eupFrac: number;
  eupDecimals: number;
  /** Quantity and PCToBCExchangeRate: whole units and units of 10^-15, of one sign. */
  quantityInt: number;
  quantityFrac: number;
  fxInt: number;
  fxFrac: number;
  /** BillingPreTaxTotal: whole units, units of 10^-15, sign. */
  billedInt: number;
  billedFrac: number;
  billedNegative: boolean;
}

/** The row's rating group (decided by the reference on its first row), as the fast path numbers it. */
export interface BelowBandGroup {
  /** The rating group's id and key. */
  rating: number;
  groupKey: string;
  currencyId: number;
  /** The charged fraction, PartnerEarnedCreditPercentage and the further credit, as exact fractions n / d. */
  fractionParts: Fraction;
  pecParts: Fraction;
  creditParts: Fraction;
}

interface Fraction {
  n: bigint;
  d: bigint;
}

/** What every row of a (group-day, UnitPrice) shares: the band's numbers, and the last price's verdict. */
interface Band {
  P: bigint;
  p: number;
  Q: bigint;
  bcCents: bigint;
  /** The reference's decimals hold this band's products exactly (below 60 digits). */
  exact: boolean;
  /** The price (units, decimals) last asked and whether such a row is kept (KEEP) or not. */
  lastE: bigint;
  lastD: number;
  lastVerdict: number;
}

/** A kept rating group: its sums, the rows to read again if it is handed back. */
interface KeptGroup {
  groupKey: string;
  currencyId: number;
  /** The group's rows belong to the reference from its first row below the band (its record was opened there). */
  toReference: boolean;
  rows: number;
  zeros: number;
  billed: ExactSum;
  /** The rows' amounts at the flat price, in units of 10^-30, each cut off below that unit. */
  flat: bigint;
  minDayRank: number;
  /** offset, length, index and line of each kept row, in file order. */
  places: number[];
}

/** The row is below the band, billed from its price, and no discount applied twice: kept here. */
const KEEP = 1;
/** Not such a row, or not certainly: the reference checks it. */
const REFERENCE = 0;

const BIG_1E13 = 10n ** 13n;
const BIG_1E15 = 10n ** 15n;
const CENT_UNITS = 10n ** 28n;
const HALF_CENT_UNITS = 5n * 10n ** 27n;
/** Beyond 60 digits the reference's decimals round; its sums at the flat price are left to it beyond 10^15. */
const SIXTY_DIGITS = 10n ** 60n;
const GAP_BOUND = 10n ** 58n;
const BILLED_BOUND = 10n ** 59n;
const FLAT_BOUND = 10n ** 45n;
const POW10N: readonly bigint[] = Array.from({ length: 48 }, (_, i) => 10n ** BigInt(i));
/** The partner earned credit a row without PEC may carry unnamed (the reference's test of such prices). */
const UNNAMED_PEC: Fraction = { n: 15n, d: 100n };
/** Bands kept at most (a few per rating group and day; rebuilt when a month has more). */
const MAX_BANDS = 100_000;

function units(whole: number, frac: number): bigint {
  return BigInt(whole) * BIG_1E15 + BigInt(frac);
}

/** The rows below the band of one check, per rating group. */
export class BelowBandRows {
  private readonly groups = new Map<number, KeptGroup>();
  private readonly bands = new Map<number, Band>();
  /** Rows kept (for tests). */
  kept = 0;

  /**
   * `record` reads a row again as the reference's record (its place and cells), for the group's first row: the
   * checker opens the group's record from it.
   */
  constructor(
    private readonly checker: DailyUsageChecker,
    private readonly record: (offset: number, length: number, index: number, line: number) => CsvRecord,
  ) {}

  /**
   * Keeps the row when it is certainly one the reference keeps below the band and its group is still this path's;
   * false: the reference checks it. `band` names (group-day, UnitPrice); `monthToDate` gives Q on the band's first row.
   */
  keep(
    row: BelowBandRow,
    group: BelowBandGroup,
    band: number,
    P: bigint,
    p: number,
    monthToDate: () => bigint | undefined,
  ): boolean {
    let kept = this.groups.get(group.rating);
    if (kept?.toReference || (kept && kept.currencyId !== group.currencyId)) return false;
    let b = this.bands.get(band);
    if (!b) {
      const Q = monthToDate();
      if (Q === undefined || Q <= 0n || P <= 0n) return false;
      const { n: Fn, d: Fd } = group.fractionParts;
      const gross = P * Q * Fn * 100n;
      b = {
        P,
        p,
        Q,
        bcCents: gross / (POW10N[p] * BIG_1E15 * Fd),
        exact: Fn >= 0n && gross < SIXTY_DIGITS,
        lastE: -1n,
        lastD: -1,
        lastVerdict: REFERENCE,
      };
      if (this.bands.size >= MAX_BANDS) this.bands.clear();
      this.bands.set(band, b);
    }
    const d = row.eupDecimals;
    const zero = row.eupInt === 0 && row.eupFrac === 0;
    const E = zero ? 0n : BigInt(row.eupInt) * POW10N[d] + BigInt(row.eupFrac);
    if (E !== b.lastE || d !== b.lastD) {
      b.lastE = E;
      b.lastD = d;
      b.lastVerdict = b.exact ? priceVerdict(b, E, d, group) : REFERENCE;
    }
    if (b.lastVerdict !== KEEP) return false;

    // Billed from its own price: |B x 10^(d+15) - E x Quantity x FX| <= 10^(d+28), all in units.
    const B = units(row.billedInt, row.billedFrac);
    const billed = row.billedNegative ? -B : B;
    const q = units(row.quantityInt, row.quantityFrac);
    const fx = units(row.fxInt, row.fxFrac);
    if (zero) {
      if (B > BIG_1E13) return false;
    } else {
      const own = E * q * fx;
      const scaled = billed * POW10N[d + 15];
      // Below 10^59 the reference's decimals hold the product and the difference exactly.
      if (own >= BILLED_BOUND || -own >= BILLED_BOUND || B * POW10N[d + 15] >= BILLED_BOUND) return false;
      const off = scaled - own;
      if (off > POW10N[d + 28] || -off > POW10N[d + 28]) return false;
    }

    if (!kept) {
      const first = this.record(row.offset, row.length, row.index, row.line);
      kept = {
        groupKey: group.groupKey,
        currencyId: group.currencyId,
        toReference: !this.checker.openKeptBelowBand(first, group.groupKey),
        rows: 0,
        zeros: 0,
        billed: new ExactSum(),
        flat: 0n,
        minDayRank: row.dayRank,
        places: [],
      };
      this.groups.set(group.rating, kept);
      if (kept.toReference) return false;
    }
    kept.rows++;
    if (zero) kept.zeros++;
    if (row.billedNegative) kept.billed.addExact(-row.billedInt, -row.billedFrac);
    else kept.billed.addExact(row.billedInt, row.billedFrac);
    // BC / BCU x Quantity x FX in units of 10^-30: BC (cents) x q x fx x 10^13 / Q.
    kept.flat += (b.bcCents * q * fx * BIG_1E13) / b.Q;
    if (row.dayRank < kept.minDayRank) kept.minDayRank = row.dayRank;
    kept.places.push(row.offset, row.length, row.index, row.line);
    this.kept++;
    return true;
  }

  /**
   * After the last row (and after the checker was told every day priced inside the band): each kept group is
   * folded into the checker's record of it, its billed sum handed to `billed`, or handed back. Returns the places
   * (offset, length, index, line) of the rows the reference must check, a group's in file order.
   */
  finish(isoDay: (rank: number) => string, billed: (currencyId: number, sum: ExactSum) => void): number[] {
    const back: number[] = [];
    for (const g of this.groups.values()) {
      if (g.toReference) continue;
      const last = g.zeros === 0 ? this.checker.latestInBandDay(g.groupKey) : undefined;
      const flat = g.flat < 0n ? -g.flat : g.flat;
      // The reference rounds its sum (each row's cut here below 10^-30, its own 60-digit roundings far below) to
      // the cent, half up: a sum this near half a cent could round either way.
      const margin = BigInt(2 * g.rows + 2);
      const half = (flat % CENT_UNITS) - HALF_CENT_UNITS;
      if (
        this.checker.rowsKeptBelowBand(g.groupKey) > 0 ||
        (last !== undefined && last > isoDay(g.minDayRank)) ||
        (half <= margin && -half <= margin) ||
        flat >= FLAT_BOUND ||
        !g.billed.safe()
      ) {
        for (const x of g.places) back.push(x);
        this.kept -= g.rows;
        continue;
      }
      this.checker.foldKeptBelowBand(g.groupKey, {
        rows: g.rows,
        zeros: g.zeros,
        billed: g.billed.toDecimal(),
        flat: new Dec(g.flat.toString()).div(FLAT_SCALE),
      });
      billed(g.currencyId, g.billed);
    }
    this.groups.clear();
    return back;
  }
}

const FLAT_SCALE = new Dec(10).pow(30);

/**
 * KEEP when a price E x 10^-d is below the band and is not the row's own discount applied twice (nor, on a row
 * without PEC, an unnamed 15% one), each decided as the reference decides it; else REFERENCE.
 */
function priceVerdict(b: Band, E: bigint, d: number, g: BelowBandGroup): number {
  const T = 2n * E + 1n;
  // Below the band: E x 10^-d + t < BC / BCU (a difference far above the reference's roundings, as below).
  if (2n * POW10N[d] * b.Q * (b.P / POW10N[b.p] + 2n) >= GAP_BOUND) return REFERENCE;
  if (!(T * b.Q < 2n * POW10N[d] * b.bcCents * BIG_1E13)) return REFERENCE;
  const rates: Fraction[] = [];
  if (g.pecParts.n > 0n) rates.push(g.pecParts);
  if (g.creditParts.n > 0n) rates.push(g.creditParts);
  if (g.pecParts.n === 0n) rates.push(UNNAMED_PEC);
  for (const rate of rates) if (discountedTwice(b, E, d, g.fractionParts, rate) !== 0) return REFERENCE;
  return KEEP;
}

/**
 * The reference's inDiscountedBand on integers, for the further charged fraction f = 1 - rate: with low the smaller
 * of (BC / BCU) x f and FLOOR(UnitPrice x fraction x BCU x f, 2) / BCU, 1 when E x 10^-d - t <= UnitPrice x
 * fraction x f and E x 10^-d + t >= low (the price is that discount applied twice), 0 when not, -1 when E x 10^-d + t
 * equals a candidate for low, where the reference's rounded quotients could fall either side, or when its decimals
 * would round the products (a difference is then at least 1 / (2 x 10^d x Q x rate denominator), kept far above
 * the 60-digit roundings by GAP_BOUND).
 */
function discountedTwice(b: Band, E: bigint, d: number, F: Fraction, rate: Fraction): number {
  const { P, p, Q, bcCents } = b;
  const fN = rate.d - rate.n;
  const tenD = POW10N[d];
  const tenP = POW10N[p];
  const charged = P * F.n * Q * fN * 100n;
  if (fN < 0n || charged >= SIXTY_DIGITS || 2n * tenD * Q * rate.d * (P / tenP + 2n) >= GAP_BOUND) return -1;
  // E x 10^-d - t <= UnitPrice x fraction x f.
  if ((2n * E - 1n) * tenP * F.d * rate.d > 2n * tenD * P * F.n * fN) return 0;
  const T = 2n * E + 1n;
  // E x 10^-d + t against (BC / BCU) x f, and against FLOOR(charged, 2) / BCU.
  const first = T * Q * rate.d - 2n * tenD * bcCents * BIG_1E13 * fN;
  const floorCharged = charged / (tenP * F.d * BIG_1E15 * rate.d);
  const second = T * Q - 2n * tenD * floorCharged * BIG_1E13;
  if (first > 0n || second > 0n) return 1;
  return first === 0n || second === 0n ? -1 : 0;
}
