/**
 * A cost line: one billed amount that the allocation engine can give to a target. Readers of daily usage,
 * reconciliation and FOCUS files all produce these; the engine never looks at file formats.
 */
import type Decimal from 'decimal.js';

export type CostSourceKind = 'daily-usage' | 'reconciliation' | 'focus';

export interface CostLine {
  /** Billing file the line came from (absolute path) and the 1-based line on which its record starts. */
  file: string;
  line: number;
  sourceKind: CostSourceKind;
  /** Billed amount in billing currency (BillingPreTaxTotal / Subtotal / BilledCost). */
  billed: Decimal;
  /** Retail amount in billing currency (UnitPrice x Quantity x FX), when the file lets us compute it. */
  retail?: Decimal;
  /** Amortized amount (FOCUS EffectiveCost) when the file has it. */
  effective?: Decimal;
  currency: string;
  /** Matching attributes, in the rules language's key names; absent columns are empty strings. */
  customer: string;
  customerId: string;
  subscription: string;
  entitlement: string;
  entitlementName: string;
  resourceGroup: string;
  resource: string;
  meterCategory: string;
  meterSubCategory: string;
  meterName: string;
  meterId: string;
  product: string;
  sku: string;
  region: string;
  chargeType: string;
  invoice: string;
  /** Tags with lower-cased keys; values as written. */
  tags: Record<string, string>;
  /** Usage day or charge period start (ISO yyyy-mm-dd) when known. */
  date?: string;
  /** Partner earned credit fraction applied to this line (0 when none). */
  pec?: Decimal;
  /** Reservation / savings plan that covered this usage (BenefitId) and its type, for amortization. */
  benefitId?: string;
  benefitType?: string;
  /** Reconciliation purchase lines: the reservation order they buy. */
  reservationOrderId?: string;
  quantity?: Decimal;
}
