/**
 * (Part of the fast path: its design, for a newcomer, is in ../fast/README.md.)
 *
 * The verdict of a row the fast path could not prove clean, without decimal.js: the eup-mismatch of a row whose
 * EffectiveUnitPrice lies above the consistent band and whose totals were billed from that price (the month where
 * partner earned credit was not applied: most rows of the file), with the same words and numbers as the reference
 * check (DailyUsageChecker.check), from the exact integers the fast path already has.
 *
 * With P = UnitPrice x 10^p, Q = BCU x 10^15 and the charged fraction Fn / Fd (as rateCumulative defines the band):
 *   BC (cents) = FLOOR(P x Q x Fn x 100 / (10^p x 10^15 x Fd)),  lower = BC / BCU,  upper = UnitPrice x Fn / Fd
 * both printed to 15 decimals (half up) exactly as formatPrice prints the reference's 60-digit decimals (the two
 * agree: a band bound and a half unit of its 15th decimal differ by at least 1 / (2 x Q), far above 10^-45).
 * The money is computed in doubles and kept only when no rounding it depends on is near (a thousand times the
 * worst rounding error, as the totals filter of fastDaily.ts): the impact to the cent (FLOOR for totals printed in
 * cents, half up otherwise), whether the total was billed from the row's own price, whether the price is off by
 * more than the price tolerance (error) or not. A row near any of those edges, or outside the cases above, gets no
 * verdict here (undefined): the caller gives it to the reference check, whose finding is then the reference's.
 */
import type { Finding, Severity } from '../findings';
import { formatWholeCents } from '../money';
import { chargeWordsOf, derivationWords, discountWords, eupMismatchMessage, leftOutWords } from './dailyUsage';
import {
  F_BT_DEC,
  F_BT_FRAC,
  F_BT_INT,
  F_BT_NEG,
  F_DAY,
  F_EUP_CELL,
  F_EUP_DEC,
  F_EUP_FRAC,
  F_EUP_INT,
  F_FX,
  F_GROUP_DAY,
  F_INDEX,
  F_LINE,
  F_PRICE,
  F_QTY,
} from './spoolFields';
import type Decimal from 'decimal.js';

/** What the verdict needs of the row's rating group (fastDaily.ts's GroupInfo has it). */
export interface VerdictGroup {
  /** The group's id (rows whose identifying cells are equal). */
  id: number;
  groupKey: string;
  meterId: string;
  currency: string;
  fraction: Decimal;
  fractionParts: { n: bigint; d: bigint };
}

/** The row's UnitPrice: P = UnitPrice x 10^p. */
export interface VerdictPrice {
  P: bigint;
  p: number;
}

const REL_ERROR = 1e-12;
/** Beyond 60 digits the reference's decimals round: such products are left to it. */
const SIXTY_DIGITS = 10n ** 60n;
const BIG_1E15 = 10n ** 15n;
const BIG_1E28 = 10n ** 28n;
/** A month-to-date quantity (units of 10^-15) at or past this is left to the reference, as a product past 60 digits is. */
const Q_LIMIT = SIXTY_DIGITS / BIG_1E28;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const POW10N: readonly bigint[] = Array.from({ length: 32 }, (_, i) => 10n ** BigInt(i));
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** A non-negative integer in units of 10^-15 as Decimal.toFixed() prints it: no trailing zeros, no exponent. */
function fixed15(units: bigint): string {
  const s = units.toString().padStart(16, '0');
  const int = s.slice(0, -15);
  let end = s.length;
  while (end > int.length && s.charCodeAt(end - 1) === 48) end--;
  return end > int.length ? `${int}.${s.slice(int.length, end)}` : int;
}

/** A non-negative integer in units of 10^-d, as Decimal.toFixed() prints it. */
function fixedUnits(units: bigint, d: number): string {
  return fixed15(units * POW10N[15 - d]);
}

/**
 * What every row of one unit price and charged fraction shares (whatever its group): the band's upper end, and the
 * words for it.
 */
interface PriceBasis {
  /** The fraction Fn / Fd (the entry is one of its price's). */
  fn: bigint;
  fd: bigint;
  pricing: string;
  upperText: string;
  upper: number;
  /** P x Fn x 100 and 10^p x 10^15 x Fd: BC (cents) = FLOOR(Q x pfn100 / bcDivisor). */
  pfn100: bigint;
  bcDivisor: bigint;
  /** FLOOR((upper + 10^-d / 2) x 10^d) for the decimals d last asked, as whole units and units of 10^-d. */
  d: number;
  highInt: number;
  highFrac: number;
  /** The last EffectiveUnitPrice seen (whole units, units of 10^-d, decimals d) and how it prints. */
  eupInt: number;
  eupFrac: number;
  eupD: number;
  eupText: string;
}

/**
 * What every failing row of one group-day and unit price shares (Q, the month-to-date quantity, is the
 * group-day's): BC, the expected price and its text, the words of the derivation, and the message up to the row's
 * money. A row then costs only its own price's comparison, its impact, its line and cell.
 */
interface DayPriceBasis {
  /** Which (group, group-day, price) this is: the entry is checked against the row's. */
  groupId: number;
  groupDay: number;
  priceId: number;
  /** False: every row of this group-day and price goes to the reference (see `fillDayPrice`). */
  ok: boolean;
  /** The expected price (lower bound, BC / BCU) as a double, for the impact; and as printed. */
  expected: number;
  lowerText: string;
  /** Why the price is expected, as the reference words it (derivationWords + leftOutWords). */
  because: string;
  /** The EffectiveUnitPrice text (a PriceBasis's eupText) of the entry's last row. */
  eupText: string;
  /**
   * For that text, the message up to the money and after it (" on this row."), made when a second row of it comes
   * ('' before: on a shuffled month most entries have one row, whose message is best made whole).
   */
  head: string;
  tail: string;
}

/**
 * Makes `a[i]` an element of `a` by filling it up to `i` (groups come in any order): an array written at a far index
 * becomes a dictionary, slow on every read.
 */
function grow<T>(a: (T | undefined)[], i: number): void {
  while (a.length <= i) a.push(undefined);
}

/*
 * One group-day entry is kept: the current one. Rows of a group-day that come together (a month in group or date
 * order) share it; a shuffled month (a few rows per group-day, hundreds of thousands of group-days) refills it on
 * almost every row, as costly as no cache. More entries would not pay there, and would cost: strings made for one
 * row but held by a long-lived entry survive the young generation's collections and are promoted, so that a slot
 * cache of a few thousand entries made the heap grow by a hundred megabytes of old garbage on such a month.
 */
/** Price entries kept at most (a few per price): past it they start over. */
const MAX_PRICE_BASES = 100_000;
/** Entries kept per price at most (one per charged fraction: a month has a few). */
const FRACTIONS_PER_PRICE = 16;

/**
 * The fast verdicts of one check. What repeats per group and price, and per group-day and price, is worked out
 * once, and a row's numbers are read from the spool (spoolFields.ts) where they lie: no object is built per row but
 * its finding.
 */
export class FailingRowVerdicts {
  /** Per group: the discount words and the left-out note (see wordsOf). */
  private readonly discount: (string | undefined)[] = [];
  private readonly leftOut: (string | undefined)[] = [];
  /**
   * Per price id, its entries, one per charged fraction, found by a short scan: the rows of a shuffled month share a
   * few thousand such entries, which stay in the processor's cache, where entries per group (and a lookup through
   * the group) cost a cache miss or two on every row.
   */
  private prices: (PriceBasis[] | undefined)[] = [];
  private priceEntries = 0;
  private readonly day: DayPriceBasis = {
    groupId: -1,
    groupDay: -1,
    priceId: -1,
    ok: false,
    expected: 0,
    lowerText: '',
    because: '',
    eupText: '',
    head: '',
    tail: '',
  };
  private readonly tolerance: number;
  /** The impact in whole cents of the finding `verdict` last returned. */
  cents = 0;

  /**
   * `monthToDate`: the month-to-date quantity of a group-day (the group's, its day id and the group-day's id) in
   * units of 10^-15, or undefined when the fast path does not know it exactly (the reference decides the rows).
   */
  constructor(
    /** Rows of the group's rating group left out of its sums (DailyUsageChecker.leftOutRows). */
    private readonly leftOutRows: (g: VerdictGroup) => number,
    private readonly eupColumn: string,
    priceTolerance: Decimal,
    private readonly monthToDate: (g: VerdictGroup, dayId: number, groupDay: number) => bigint | undefined,
  ) {
    this.tolerance = priceTolerance.toNumber();
  }

  /** The group's discount words (its left-out note then in `leftOut`), once per group. */
  private wordsOf(g: VerdictGroup): string {
    let words = this.discount[g.id];
    if (words === undefined) {
      words = discountWords(g.fraction);
      grow(this.discount, g.id);
      grow(this.leftOut, g.id);
      this.discount[g.id] = words;
      this.leftOut[g.id] = leftOutWords(this.leftOutRows(g));
    }
    return words;
  }

  private priceBasis(g: VerdictGroup, priceId: number, price: VerdictPrice): PriceBasis {
    const { n: Fn, d: Fd } = g.fractionParts;
    let list = this.prices[priceId];
    if (list !== undefined) {
      for (let k = 0; k < list.length; k++) {
        const b = list[k];
        if (b.fn === Fn && b.fd === Fd) return b;
      }
    }
    const { P, p } = price;
    const tenP = POW10N[p];
    if (this.priceEntries >= MAX_PRICE_BASES) {
      this.prices = [];
      this.priceEntries = 0;
      list = undefined;
    }
    // A price charged at many fractions keeps its latest few: the scan stays short.
    if (list !== undefined && list.length >= FRACTIONS_PER_PRICE) list.length = 0;
    const b: PriceBasis = {
      fn: Fn,
      fd: Fd,
      pricing: `UnitPrice ${fixedUnits(P, p)}`,
      upperText: fixed15((2n * P * Fn * BIG_1E15 + tenP * Fd) / (2n * tenP * Fd)),
      upper: (Number(P) * Number(Fn)) / (POW10[p] * Number(Fd)),
      pfn100: P * Fn * 100n,
      bcDivisor: tenP * BIG_1E15 * Fd,
      d: -1,
      highInt: 0,
      highFrac: 0,
      eupInt: -1,
      eupFrac: -1,
      eupD: -1,
      eupText: '',
    };
    if (list === undefined) {
      grow(this.prices, priceId);
      this.prices[priceId] = list = [];
    }
    list.push(b);
    this.priceEntries++;
    return b;
  }

  /** The entry of (group, group-day, price): the current one, refilled when the row is of another. */
  private dayPrice(
    g: VerdictGroup,
    dayId: number,
    gd: number,
    priceId: number,
    price: VerdictPrice,
    basis: PriceBasis,
  ): DayPriceBasis {
    const e = this.day;
    if (e.groupDay === gd && e.priceId === priceId && e.groupId === g.id) return e;
    e.groupId = g.id;
    e.groupDay = gd;
    e.priceId = priceId;
    this.fillDayPrice(e, g, dayId, gd, price, basis);
    return e;
  }

  private fillDayPrice(
    e: DayPriceBasis,
    g: VerdictGroup,
    dayId: number,
    gd: number,
    price: VerdictPrice,
    basis: PriceBasis,
  ): void {
    e.ok = false;
    e.eupText = '';
    e.head = '';
    e.tail = '';
    e.because = '';
    e.lowerText = '';
    const { P } = price;
    const Fn = g.fractionParts.n;
    const Q = this.monthToDate(g, dayId, gd);
    if (Q === undefined || P <= 0n || Q <= 0n || Fn < 0n) return;
    const gross = basis.pfn100 * Q;
    if (gross >= SIXTY_DIGITS || Q >= Q_LIMIT) return;
    const bcCents = gross / basis.bcDivisor;
    if (bcCents > MAX_SAFE_BIG) return;
    e.ok = true;
    e.expected = (Number(bcCents) * 1e13) / Number(Q);
    e.lowerText = fixed15((2n * bcCents * BIG_1E28 + Q) / (2n * Q));
    const discount = this.wordsOf(g);
    e.because =
      derivationWords(
        fixed15(Q),
        basis.pricing,
        discount,
        formatWholeCents(Number(bcCents)),
        e.lowerText,
        basis.upperText,
      ) + (this.leftOut[g.id] ?? '');
  }

  /**
   * The eup-mismatch of the spool's row at `at` of `f`, of group `g` (priced `price`), or undefined when the
   * reference has to decide; its impact in cents is then in `cents`.
   */
  verdict(f: Float64Array, at: number, g: VerdictGroup, price: VerdictPrice): Finding | undefined {
    const eupCell = f[at + F_EUP_CELL];
    const d = f[at + F_EUP_DEC];
    const gd = f[at + F_GROUP_DAY];
    // A negative price (d + 16), an unknown cell, a row not summed: the reference decides.
    if (eupCell < 0 || d >= 16 || gd < 0) return undefined;
    const priceId = f[at + F_PRICE];
    const basis = this.priceBasis(g, priceId, price);
    if (basis.d !== d) {
      const { P, p } = price;
      const { n: Fn, d: Fd } = g.fractionParts;
      const tenP = POW10N[p];
      const high = (2n * P * Fn * POW10N[d] + tenP * Fd) / (2n * tenP * Fd);
      const whole = high / POW10N[d];
      basis.d = d;
      // Beyond exact doubles no price is above it here: the reference decides.
      basis.highInt = whole < 2n ** 53n ? Number(whole) : Infinity;
      basis.highFrac = Number(high % POW10N[d]);
    }
    // Above the band: the price's units beyond FLOOR((upper + 10^-d / 2) x 10^d).
    const eupInt = f[at + F_EUP_INT];
    const eupFrac = f[at + F_EUP_FRAC];
    if (eupInt < basis.highInt || (eupInt === basis.highInt && eupFrac <= basis.highFrac)) return undefined;
    const e = this.dayPrice(g, f[at + F_DAY], gd, priceId, price, basis);
    if (!e.ok) return undefined;

    // Billed from its own price: |BillingPreTaxTotal - EUP x Quantity x FX| <= 0.01, away from the edge.
    const quantity = f[at + F_QTY];
    const fx = f[at + F_FX];
    const billedInt = f[at + F_BT_INT];
    const billedFrac = f[at + F_BT_FRAC];
    const billedNegative = f[at + F_BT_NEG] === 1;
    const eup = eupInt + eupFrac / POW10[d];
    const billedAbs = billedInt + billedFrac / 1e15;
    const billed = billedNegative ? -billedAbs : billedAbs;
    const own = eup * quantity * fx;
    const ownMargin = REL_ERROR * (Math.abs(own) + billedAbs) + 1e-15;
    if (!(Math.abs(billed - own) <= 0.01 - ownMargin)) return undefined;

    // The impact: what was billed minus the expected price (lower) x Quantity x FX, as the file bills it.
    const v = e.expected * quantity * fx;
    let cents: number;
    if (f[at + F_BT_DEC] <= 2) {
      const c = v * 100;
      const m = REL_ERROR * Math.abs(c) + 1e-9;
      const floor = Math.floor(c);
      if (Math.floor(c - m) !== floor || Math.floor(c + m) !== floor) return undefined;
      const billedCents = billedInt * 100 + billedFrac / 1e13;
      cents = (billedNegative ? -billedCents : billedCents) - floor;
    } else {
      const x = (billed - v) * 100;
      const m = REL_ERROR * (billedAbs + Math.abs(v)) * 100 + 1e-9;
      const a = Math.abs(x);
      const whole = Math.floor(a);
      if (Math.abs(a - whole - 0.5) <= m) return undefined;
      const n = a - whole > 0.5 ? whole + 1 : whole;
      cents = x < 0 ? -n : n;
    }
    if (!Number.isSafeInteger(cents)) return undefined;

    // Severity: how far the price is above the band's upper end, relative to it.
    const upper = basis.upper;
    let severity: Severity;
    const relative = upper === 0 ? 1 : Math.abs(eup - upper) / Math.abs(upper);
    if (Math.abs(relative - this.tolerance) <= 1e-9 * this.tolerance + 1e-15) return undefined;
    if (relative >= this.tolerance) severity = 'error';
    else severity = cents !== 0 ? 'warning' : 'info';

    // The words, as the reference prints them: the price's text once per price, the message up to the money once
    // per group-day and price text.
    if (basis.eupInt !== eupInt || basis.eupFrac !== eupFrac || basis.eupD !== d) {
      basis.eupInt = eupInt;
      basis.eupFrac = eupFrac;
      basis.eupD = d;
      basis.eupText = d > 0 ? `${eupInt}.${String(eupFrac).padStart(d, '0')}` : String(eupInt);
    }
    const eupText = basis.eupText;
    const impact = formatWholeCents(cents);
    const charge = chargeWordsOf(cents < 0 ? impact.slice(1) : impact, cents < 0, g.currency);
    let message: string;
    if (e.eupText === eupText && e.head !== '') message = e.head + charge + e.tail;
    else if (e.eupText !== eupText) {
      // The entry's first row with this price text (on a shuffled month its only one): the message as it is.
      e.eupText = eupText;
      e.head = '';
      message = `${eupMismatchMessage(eupText, e.lowerText, e.because, charge, '')}.`;
    } else {
      // A second row: the reference's own helper writes the message around a marker where the money goes, kept.
      const words = eupMismatchMessage(eupText, e.lowerText, e.because, '\u0000', '');
      const cut = words.indexOf('\u0000');
      e.head = words.slice(0, cut);
      e.tail = `${words.slice(cut + 1)}.`;
      message = e.head + charge + e.tail;
    }
    const start = Math.floor(eupCell / 2);
    const line = f[at + F_LINE];
    this.cents = cents;
    return {
      code: 'eup-mismatch',
      column: this.eupColumn,
      record: f[at + F_INDEX],
      meter: g.meterId || undefined,
      actual: eupText,
      expected: e.lowerText,
      currency: g.currency,
      line,
      character: start,
      endLine: line,
      endCharacter: start + eupText.length + 2 * (eupCell & 1),
      severity,
      impact,
      message,
    };
  }
}
