/**
 * Writing CSV cells safely. Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
 * carriage return) is neutralized with a leading apostrophe, as OWASP recommends for CSV injection; numbers are
 * written as plain decimals and stay numbers (a negative amount keeps its minus sign). Cells are quoted when they
 * hold a comma, a quote, a line break or surrounding spaces.
 */
import type Decimal from 'decimal.js';

/** A number already formatted (for example an amount with exactly two decimals): written as is, never neutralized. */
export class CsvNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`CsvNumber: not a plain decimal: ${text}`);
  }
}

/** An amount in whole cents as a CSV number: "12.30", "-0.05", never "-0.00". */
export function cents(amount: Decimal): CsvNumber {
  const s = amount.toDecimalPlaces(2).toFixed(2);
  return new CsvNumber(s === '-0.00' ? '0.00' : s);
}

/** An exact decimal as a CSV number, with at least `minDecimals` decimals ("1.5" -> "1.50"). */
export function exact(amount: Decimal, minDecimals = 2): CsvNumber {
  const s = amount.toFixed(Math.max(minDecimals, amount.decimalPlaces()));
  return new CsvNumber(/^-0(\.0+)?$/.test(s) ? s.slice(1) : s);
}

export type CsvValue = string | Decimal | CsvNumber | number | bigint | undefined | null;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function isDecimal(v: unknown): v is Decimal {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Decimal).toFixed === 'function' &&
    typeof (v as Decimal).isFinite === 'function'
  );
}

/** Text made harmless for spreadsheets: a leading apostrophe before a formula-like start. */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One CSV cell: numbers as plain decimals (never exponents), text neutralized and quoted when needed. */
export function csvCell(value: CsvValue): string {
  if (value === undefined || value === null) return '';
  if (value instanceof CsvNumber) return value.text;
  if (isDecimal(value)) return value.isZero() ? value.abs().toFixed() : value.toFixed();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const text = neutralizeFormula(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV record with its line ending (LF). */
export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',') + '\n';
}
