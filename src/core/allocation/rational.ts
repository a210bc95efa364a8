/**
 * Exact fractions for the shares of split pools. Decimals cannot hold a third of a cent exactly; the spec wants
 * shares computed exactly and only each target's final total rounded. Sums of cost lines stay Decimals (they are
 * exact); only the few numbers of the final division (pools x weights / total weight) become fractions, so BigInt
 * arithmetic costs nothing measurable.
 */
import type Decimal from 'decimal.js';
import { Dec } from '../money';

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Floor division for BigInt (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export class Rational {
  /** Always in lowest terms with a positive denominator. */
  readonly num: bigint;
  readonly den: bigint;

  private constructor(num: bigint, den: bigint) {
    if (den === 0n) throw new RangeError('Rational with a zero denominator');
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num, den);
    this.num = g > 1n ? num / g : num;
    this.den = g > 1n ? den / g : den;
  }

  static readonly ZERO = new Rational(0n, 1n);
  static readonly ONE = new Rational(1n, 1n);

  static of(num: bigint, den: bigint = 1n): Rational {
    return new Rational(num, den);
  }

  static fromInt(n: number): Rational {
    return new Rational(BigInt(n), 1n);
  }

  /** The exact value of a finite Decimal. */
  static fromDecimal(d: Decimal): Rational {
    if (!d.isFinite()) throw new RangeError(`Not a finite decimal: ${d.toString()}`);
    const s = d.toFixed();
    const negative = s.startsWith('-');
    const digits = negative ? s.slice(1) : s;
    const dot = digits.indexOf('.');
    const int = dot < 0 ? digits : digits.slice(0, dot) + digits.slice(dot + 1);
    const scale = dot < 0 ? 0 : digits.length - dot - 1;
    const num = BigInt(int) * (negative ? -1n : 1n);
    return new Rational(num, 10n ** BigInt(scale));
  }

  plus(o: Rational): Rational {
    if (this.den === o.den) return new Rational(this.num + o.num, this.den);
    return new Rational(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  minus(o: Rational): Rational {
    return this.plus(o.negated());
  }

  times(o: Rational): Rational {
    return new Rational(this.num * o.num, this.den * o.den);
  }

  div(o: Rational): Rational {
    if (o.num === 0n) throw new RangeError('Division by zero');
    return new Rational(this.num * o.den, this.den * o.num);
  }

  negated(): Rational {
    return new Rational(-this.num, this.den);
  }

  isZero(): boolean {
    return this.num === 0n;
  }

  isNegative(): boolean {
    return this.num < 0n;
  }

  cmp(o: Rational): number {
    const l = this.num * o.den;
    const r = o.num * this.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }

  eq(o: Rational): boolean {
    return this.num === o.num && this.den === o.den;
  }

  /** Largest multiple of 10^-scale not above this value, as a count of those units. */
  floorUnits(scale: number): bigint {
    return floorDiv(this.num * 10n ** BigInt(scale), this.den);
  }

  /** A Decimal when the value terminates within 60 digits; otherwise rounded to 60 significant digits. */
  toDecimal(): Decimal {
    return new Dec(this.num.toString()).div(this.den.toString());
  }
}

/** A count of 10^-scale units as a Decimal (for example 12345n, scale 2 -> 123.45). */
export function unitsToDecimal(units: bigint, scale: number): Decimal {
  return new Dec(units.toString()).div(new Dec(10).pow(scale));
}

/** Decimal places of a Decimal as written (1.50 -> 1 for decimal.js, which drops trailing zeros). */
export function decimalPlaces(d: Decimal): number {
  return d.decimalPlaces();
}
