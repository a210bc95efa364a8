/**
 * Exact money and quantity arithmetic for the whole core. Every amount, price, quantity and rate is a Decimal;
 * JS numbers are never used for money. This module owns the one Decimal configuration and the parsing rules for
 * numbers as Partner Center writes them.
 */
import Decimal from 'decimal.js';

/** A private Decimal constructor so that nothing else in the process can change our precision or rounding. */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 40 });
export type Dec = Decimal;

export const ZERO = new Dec(0);
export const ONE = new Dec(1);
export const CENT = new Dec('0.01');

/** Largest multiple of 0.01 not above x: Microsoft's "charge the minimum amount" (ROUNDDOWN / FLOOR to cents). */
export function floorCents(x: Decimal): Decimal {
  return x.toDecimalPlaces(2, Decimal.ROUND_FLOOR);
}

/** Rounds to whole cents, half away from zero, as a ledger shows an amount. */
export function roundCents(x: Decimal): Decimal {
  return x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Formats an amount as a plain decimal string with exactly two decimals ("-0.00" is printed as "0.00"). */
export function formatCents(x: Decimal): string {
  const s = roundCents(x).toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

/** How prices are printed in findings: at most 15 decimals, no trailing zeros, no exponent. */
export function formatPrice(x: Decimal): string {
  return x.toDecimalPlaces(15, Decimal.ROUND_HALF_UP).toFixed();
}

const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

/**
 * Parses a number cell. Accepts plain and scientific notation; with `decimalComma` (semicolon-delimited exports from
 * non en-US locales) also "0,868". A leading apostrophe ('22.000000, written by tools that keep Excel from
 * reformatting numbers) is not part of the number. Returns undefined for anything else: the caller reports
 * `invalid-value`.
 */
export function parseDecimal(text: string, decimalComma = false): Decimal | undefined {
  const t = unguarded(text);
  if (t === '') return undefined;
  if (PLAIN_NUMBER.test(t)) return new Dec(t);
  if (decimalComma && DECIMAL_COMMA.test(t)) return new Dec(t.replace(',', '.'));
  return undefined;
}

/** True when `parseDecimal` would read the text, without building a Decimal. */
export function isDecimalText(text: string, decimalComma = false): boolean {
  const t = unguarded(text);
  return PLAIN_NUMBER.test(t) || (decimalComma && DECIMAL_COMMA.test(t));
}

/**
 * A decimal to keep for long (a value per group or line of a big month): the same value, its digits in an array of
 * their own size. A decimal read from text holds them in an array with room to grow, about twice the memory
 * (measured: 252 bytes against 132).
 */
export function kept(x: Decimal): Decimal;
export function kept(x: Decimal | undefined): Decimal | undefined;
export function kept(x: Decimal | undefined): Decimal | undefined {
  return x === undefined || x === ZERO ? x : new Dec(x);
}

/** A number cell without surrounding spaces and without the apostrophe that guards it against spreadsheet tools. */
function unguarded(text: string): string {
  const t = text.trim();
  return t.charCodeAt(0) === 39 ? t.slice(1).trim() : t;
}

/** Number of digits after the decimal point as printed (used for "within printing precision" comparisons). */
export function printedDecimals(text: string): number {
  const t = unguarded(text).replace(',', '.');
  const exp = /[eE]([+-]?\d+)$/.exec(t);
  const mantissa = exp ? t.slice(0, exp.index) : t;
  const dot = mantissa.indexOf('.');
  const decimals = dot < 0 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, decimals - (exp ? Number(exp[1]) : 0));
}

/** Half a unit in the last printed place: the uncertainty that printing alone introduces. */
export function printingTolerance(text: string): Decimal {
  const decimals = printedDecimals(text);
  if (decimals < HALF_UNITS.length) return HALF_UNITS[decimals];
  return new Dec(10).pow(-decimals).div(2);
}

/** Half a unit of the n-th decimal for the common n: the tolerance is asked for on every row. */
const HALF_UNITS: readonly Decimal[] = Array.from({ length: 21 }, (_, n) => new Dec(10).pow(-n).div(2));

/**
 * An amount of whole cents held as an integer (the fast path's verdicts and the finding groups' sums), printed as
 * formatCents prints its decimal: two decimals, "-" only below zero. Exact while |cents| < 2^53.
 */
export function formatWholeCents(cents: number): string {
  const a = Math.abs(cents);
  const whole = Math.floor(a / 100);
  const rest = a - whole * 100;
  return `${cents < 0 ? '-' : ''}${whole}.${rest < 10 ? '0' : ''}${rest}`;
}

/** "-12.34" as -1234: an amount printed with exactly two decimals and at most 13 digits before them, else undefined. */
export function wholeCentsOf(amount: string): number | undefined {
  const len = amount.length;
  const neg = amount.charCodeAt(0) === 45 ? 1 : 0;
  if (len - neg < 4 || len - neg > 16 || amount.charCodeAt(len - 3) !== 46) return undefined;
  let n = 0;
  for (let i = neg; i < len; i++) {
    if (i === len - 3) continue;
    const d = amount.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/**
 * A running total of amounts printed in cents ("12.34", as findings carry their impact): added as integers while
 * they fit, with decimal.js for any other amount, so that summing a million findings costs no decimal per finding.
 */
export class CentsSum {
  private cents = 0;
  private rest: Decimal | undefined;

  add(amount: string): void {
    const n = wholeCentsOf(amount);
    if (n !== undefined && Number.isSafeInteger(this.cents + n)) this.cents += n;
    else this.rest = (this.rest ?? ZERO).plus(new Dec(amount));
  }

  /** Adds a whole number of cents. */
  addCents(n: number): void {
    if (Number.isSafeInteger(this.cents + n)) this.cents += n;
    else this.rest = (this.rest ?? ZERO).plus(new Dec(n).div(100));
  }

  /** The exact total. */
  get value(): Decimal {
    const whole = new Dec(this.cents).div(100);
    return this.rest ? whole.plus(this.rest) : whole;
  }
}
