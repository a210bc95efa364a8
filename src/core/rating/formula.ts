/**
 * The documented Azure plan rating formula (domain page, section 2), as pure functions on decimals.
 *
 *   BC  = FLOOR(gross(BCU) x (1 - PEC), 2)      gross: flat UnitPrice x BCU, or the graduated tier sum
 *   EUP = BC / BCU
 *
 * Credits (CreditPercentage) reduce the price the same way PEC does, so both are folded into one "discount".
 */
import Decimal from 'decimal.js';
import type { PriceTier } from '../billing/priceList';
import { Dec, ONE, ZERO, floorCents, parseDecimal } from '../money';

// The bands are read from the price list (billing/), which the rating depends on and never the other way round.
export { tiersFromRangeMins, type PriceTier } from '../billing/priceList';

/** Retail price of `units` cumulative units: flat when there are no tiers, else the graduated sum. */
export function grossPrice(units: Decimal, unitPrice: Decimal, tiers?: readonly PriceTier[]): Decimal {
  if (!tiers || tiers.length === 0) return unitPrice.times(units);
  let total: Decimal = ZERO;
  for (let i = 0; i < tiers.length; i++) {
    const start = tiers[i].startsAfter;
    if (units.lte(start)) break;
    const next = tiers[i + 1]?.startsAfter;
    const end = next && next.lt(units) ? next : units;
    total = total.plus(tiers[i].unitPrice.times(end.minus(start)));
  }
  return total;
}

/**
 * Reads a percentage cell that Partner Center writes either as a fraction (0.15) or as percent (15): a value above 1
 * is a percentage. Returns the fraction, or undefined when the cell is not a number or lies outside 0..100 %.
 */
export function percentAsFraction(text: string, decimalComma = false): Decimal | undefined {
  if (text.trim() === '') return ZERO;
  const v = parseDecimal(text, decimalComma);
  if (!v || v.isNegative() || v.gt(100)) return undefined;
  return v.gt(1) ? v.div(100) : v;
}

/** The fraction of retail that is charged after partner earned credit and Azure credit. */
export function chargedFraction(pec: Decimal, credit: Decimal = ZERO): Decimal {
  return ONE.minus(pec).times(ONE.minus(credit));
}

/**
 * The lowest and highest tier price that units (from, to] of the month fall in. Real billed exports price a day's
 * rows at the tier their units fall in (0 on the free part of an allowance, the tier price after it), where the
 * documented re-rating gives the cumulative average: a price between these two is consistent with the tiers.
 */
export function tierPriceRange(
  tiers: readonly PriceTier[],
  from: Decimal,
  to: Decimal,
): { min: Decimal; max: Decimal } {
  let min: Decimal | undefined;
  let max: Decimal | undefined;
  const lo = Decimal.min(from, to);
  const hi = Decimal.max(from, to);
  for (let i = 0; i < tiers.length; i++) {
    const start = tiers[i].startsAfter;
    const end = tiers[i + 1]?.startsAfter;
    // The band (start, end] overlaps (lo, hi], or holds hi when the span is empty.
    const overlaps = hi.gt(lo) ? hi.gt(start) && (!end || lo.lt(end)) : hi.gte(start) && (!end || hi.lte(end));
    if (!overlaps) continue;
    const p = tiers[i].unitPrice;
    if (!min || p.lt(min)) min = p;
    if (!max || p.gt(max)) max = p;
  }
  return { min: min ?? tiers[0].unitPrice, max: max ?? tiers[tiers.length - 1].unitPrice };
}

export interface CumulativeRating {
  /** Billable consumption units, month to date. */
  bcu: Decimal;
  /** Retail price of those units (flat or graduated). */
  gross: Decimal;
  /** Billed charge month to date: gross x charged fraction, rounded down to cents. */
  bc: Decimal;
  /** The exact cumulative effective unit price BC / BCU (the lower end of the consistent band). */
  eup: Decimal;
  /** The same price without the rounding down: gross x charged fraction / BCU (the upper end of the band). */
  unroundedEup: Decimal;
}

/** Rates the month-to-date consumption of one meter. BCU must be positive. */
export function rateCumulative(
  bcu: Decimal,
  unitPrice: Decimal,
  fraction: Decimal,
  tiers?: readonly PriceTier[],
): CumulativeRating {
  const gross = grossPrice(bcu, unitPrice, tiers);
  const charged = gross.times(fraction);
  const bc = floorCents(charged);
  return { bcu, gross, bc, eup: bc.div(bcu), unroundedEup: charged.div(bcu) };
}

export { Dec };
