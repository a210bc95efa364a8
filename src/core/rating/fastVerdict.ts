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
import type { DailyUsageChecker } from './dailyUsage';
import { MAX_PRICE_IDS } from '../fast/bandKey';
import type Decimal from 'decimal.js';

/** A row the fast path read, as its numbers (see the spool of fastDaily.ts). */
export interface FailingRow {
  /** 0-based record index and line of the row. */
  index: number;
  line: number;
  /** Where the EffectiveUnitPrice cell starts on the row's line (x 2, +1 when quoted); -1 when not known. */
  eupCell: number;
  eupInt: number;
  eupFrac: number;
  eupDecimals: number;
  eupNegative: boolean;
  /** Quantity and PCToBCExchangeRate, as doubles (only the money's rounding is decided from them, with margins). */
  quantity: number;
  fx: number;
  /** BillingPreTaxTotal: whole units, units of 10^-15, sign, and the decimals it prints. */
  billedInt: number;
  billedFrac: number;
  billedNegative: boolean;
  billedDecimals: number;
}

/** What the row's rating group and price are (decided once per group by the reference's parse of its first row). */
export interface FailingRowRating {
  groupId: number;
  groupKey: string;
  meterId: string;
  currency: string;
  fraction: Decimal;
  fractionParts: { n: bigint; d: bigint };
  /** The row's UnitPrice as the fast path numbers its distinct prices (below MAX_PRICE_IDS). */
  priceId: number;
  /** UnitPrice x 10^p. */
  P: bigint;
  p: number;
  /** Month-to-date quantity through the row's day, in units of 10^-15. */
  Q: bigint;
}

export interface Verdict {
  finding: Finding;
  /** The finding's impact in whole cents. */
  cents: number;
}

const REL_ERROR = 1e-12;
/** Beyond 60 digits the reference's decimals round: such products are left to it. */
const SIXTY_DIGITS = 10n ** 60n;
const BIG_1E15 = 10n ** 15n;
const BIG_1E28 = 10n ** 28n;
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

/** What every row of a rating group with one unit price shares: the band's upper end, and the words for it. */
interface PriceBasis {
  pricing: string;
  upperText: string;
  upper: number;
  /** FLOOR((upper + 10^-d / 2) x 10^d) for the decimals d last asked, as whole units and units of 10^-d. */
  d: number;
  highInt: number;
  highFrac: number;
}

/** The fast verdicts of one check: what repeats per rating group and price is worked out once. */
export class FailingRowVerdicts {
  private readonly groupWords: (string | undefined)[] = [];
  private readonly bases = new Map<number, PriceBasis>();
  private readonly tolerance: number;

  constructor(
    private readonly checker: DailyUsageChecker,
    private readonly eupColumn: string,
    priceTolerance: Decimal,
  ) {
    this.tolerance = priceTolerance.toNumber();
  }

  private basis(rating: FailingRowRating, d: number): PriceBasis {
    // Below 2^39 (group and price ids within their limits, bandKey.ts): exact in a double.
    const key = rating.groupId * MAX_PRICE_IDS + rating.priceId;
    const { P, p } = rating;
    const { n: Fn, d: Fd } = rating.fractionParts;
    const tenP = POW10N[p];
    let b = this.bases.get(key);
    if (!b) {
      // Bounded: a few entries per rating group, rebuilt when a month has more.
      if (this.bases.size >= 100_000) this.bases.clear();
      b = {
        pricing: `UnitPrice ${fixedUnits(P, p)}`,
        upperText: fixed15((2n * P * Fn * BIG_1E15 + tenP * Fd) / (2n * tenP * Fd)),
        upper: (Number(P) * Number(Fn)) / (POW10[p] * Number(Fd)),
        d: -1,
        highInt: 0,
        highFrac: 0,
      };
      this.bases.set(key, b);
    }
    if (b.d !== d) {
      const high = (2n * P * Fn * POW10N[d] + tenP * Fd) / (2n * tenP * Fd);
      b.d = d;
      const whole = high / POW10N[d];
      // Beyond exact doubles no price is above it here: the reference decides.
      b.highInt = whole < 2n ** 53n ? Number(whole) : Infinity;
      b.highFrac = Number(high % POW10N[d]);
    }
    return b;
  }

  /** The row's eup-mismatch, or undefined when the reference has to decide. */
  verdict(row: FailingRow, rating: FailingRowRating): Verdict | undefined {
    const { P, p, Q } = rating;
    const { n: Fn, d: Fd } = rating.fractionParts;
    if (row.eupCell < 0 || row.eupNegative || P <= 0n || Q <= 0n || Fn < 0n) return undefined;
    const d = row.eupDecimals;
    const tenP = POW10N[p];
    const basis = this.basis(rating, d);
    // Above the band: the price's units beyond FLOOR((upper + 10^-d / 2) x 10^d).
    if (row.eupInt < basis.highInt || (row.eupInt === basis.highInt && row.eupFrac <= basis.highFrac)) return undefined;
    const gross = P * Q * Fn * 100n;
    if (gross >= SIXTY_DIGITS || Q >= SIXTY_DIGITS / BIG_1E28) return undefined;

    // Billed from its own price: |BillingPreTaxTotal - EUP x Quantity x FX| <= 0.01, away from the edge.
    const eup = row.eupInt + row.eupFrac / POW10[d];
    const billedAbs = row.billedInt + row.billedFrac / 1e15;
    const billed = row.billedNegative ? -billedAbs : billedAbs;
    const own = eup * row.quantity * row.fx;
    const ownMargin = REL_ERROR * (Math.abs(own) + billedAbs) + 1e-15;
    if (!(Math.abs(billed - own) <= 0.01 - ownMargin)) return undefined;

    const bcCents = gross / (tenP * BIG_1E15 * Fd);
    if (bcCents > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    // The impact: what was billed minus the expected price (lower) x Quantity x FX, as the file bills it.
    const expected = (Number(bcCents) * 1e13) / Number(Q);
    const v = expected * row.quantity * row.fx;
    let cents: number;
    if (row.billedDecimals <= 2) {
      const c = v * 100;
      const m = REL_ERROR * Math.abs(c) + 1e-9;
      const floor = Math.floor(c);
      if (Math.floor(c - m) !== floor || Math.floor(c + m) !== floor) return undefined;
      const billedCents = row.billedInt * 100 + row.billedFrac / 1e13;
      cents = (row.billedNegative ? -billedCents : billedCents) - floor;
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

    // The words, as the reference prints them.
    let group = this.groupWords[rating.groupId];
    if (group === undefined) {
      group = `${discountWords(rating.fraction)}\u0000${leftOutWords(this.checker.leftOutRows(rating.groupKey))}`;
      this.groupWords[rating.groupId] = group;
    }
    const cut = group.indexOf('\u0000');
    const lowerText = fixed15((2n * bcCents * BIG_1E28 + Q) / (2n * Q));
    const because =
      derivationWords(
        fixed15(Q),
        basis.pricing,
        group.slice(0, cut),
        formatWholeCents(Number(bcCents)),
        lowerText,
        basis.upperText,
      ) + group.slice(cut + 1);
    const eupText = d > 0 ? `${row.eupInt}.${String(row.eupFrac).padStart(d, '0')}` : String(row.eupInt);
    const charge = chargeWordsOf(formatWholeCents(Math.abs(cents)), cents < 0, rating.currency);
    const start = Math.floor(row.eupCell / 2);
    const quoted = row.eupCell & 1;
    return {
      cents,
      finding: {
        code: 'eup-mismatch',
        column: this.eupColumn,
        record: row.index,
        meter: rating.meterId || undefined,
        actual: eupText,
        expected: lowerText,
        currency: rating.currency,
        line: row.line,
        character: start,
        endLine: row.line,
        endCharacter: start + eupText.length + 2 * quoted,
        severity,
        impact: formatWholeCents(cents),
        message: `${eupMismatchMessage(eupText, lowerText, because, charge, '')}.`,
      },
    };
  }
}
