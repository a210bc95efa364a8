/**
 * The user's choices that change what a check reports: date order, price list, and how severity follows money.
 */
import type Decimal from 'decimal.js';
import { Dec } from '../money';
import type { DateOrder } from '../billing/dates';
import type { PriceList } from '../billing/priceList';
import type { Severity } from '../findings';

export interface CheckOptions {
  /** How slash dates are read (7/1/2026): month-first unless the user says otherwise. */
  dateOrder: DateOrder;
  /** Enables graduated re-rating of tiered meters and the UnitPrice-against-list check. */
  priceList?: PriceList;
  /** A total that is off by at least this much (billing currency) is an error; less than that is a warning. */
  errorThreshold: Decimal;
  /**
   * A price outside the consistent band by more than this fraction is a wrong price: an error whatever the
   * quantity. Closer than that it is rounding noise: a warning when it costs a cent or more, else information.
   */
  priceTolerance: Decimal;
}

export function defaultCheckOptions(overrides: Partial<CheckOptions> = {}): CheckOptions {
  return {
    dateOrder: 'MDY',
    errorThreshold: new Dec('1.00'),
    priceTolerance: new Dec('0.001'),
    ...overrides,
  };
}

/** Severity of a money difference on a total. */
export function totalSeverity(impact: Decimal, options: CheckOptions): Severity {
  return impact.abs().gte(options.errorThreshold) ? 'error' : 'warning';
}

/** Severity of a price difference: relative size decides whether it is a wrong price or rounding noise. */
export function priceSeverity(relativeDeviation: Decimal, impact: Decimal, options: CheckOptions): Severity {
  if (relativeDeviation.gte(options.priceTolerance)) return 'error';
  if (impact.abs().gte('0.01')) return 'warning';
  return 'info';
}
