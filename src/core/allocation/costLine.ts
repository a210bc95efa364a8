/**
 * A cost line: one billed amount that the allocation engine can give to a target. Readers of daily usage,
 * reconciliation and FOCUS files all produce these; the engine never looks at file formats.
 */
import type Decimal from 'decimal.js';
import type { ExactParts } from '../fast/exact';

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
  /** The reservation / savings plan order that covered this usage (BenefitOrderId). */
  benefitOrderId?: string;
  /**
   * Commitment purchase lines (reconciliation ReservationOrderId; FOCUS Purchase rows: CommitmentDiscountId):
   * the commitment they buy. A line with this set is a purchase, not usage.
   */
  reservationOrderId?: string;
  /** FOCUS CommitmentDiscountStatus (`Used` / `Unused`) when the file has it. */
  commitmentStatus?: string;
  quantity?: Decimal;
  /** Unit of `quantity` (UnitType / PricingUnit). */
  unit?: string;
  /** Retail price per unit in billing currency (UnitPrice x FX; FOCUS ListUnitPrice). */
  unitPrice?: Decimal;
  /** Pricing-to-billing currency exchange rate of the row (PCToBCExchangeRate), with `detail`. */
  fx?: Decimal;
  /** Effective price per unit as billed (EffectiveUnitPrice). */
  effectiveUnitPrice?: Decimal;
  /** FOCUS-style attributes that exports carry through when the source has them. */
  billingAccountId?: string;
  billingPeriodStart?: string;
  billingPeriodEnd?: string;
  chargeCategory?: string;
  publisher?: string;
  resourceName?: string;
  /** Detail for the FOCUS export: the partner's name, the price-list SKU, how often a purchase is billed. */
  billingAccountName?: string;
  /** The price list's SKU: ProductId/SkuId of Partner Center files, SkuId of FOCUS files. */
  skuId?: string;
  billingFrequency?: string;
  /** Currency of the unit prices (USD for Azure plan), when the file says. */
  pricingCurrency?: string;
  /** ServiceCategory and ChargeFrequency of a FOCUS source row, passed through. */
  serviceCategory?: string;
  chargeFrequency?: string;
}

/**
 * Several rows of one daily usage file read as one line (the fast reader's, for a run that only allocates and
 * harvests the fields its rules read): the rows agree on every field in `agreeOn`, and the engine and the harvest
 * take it for `rows` rows. `line` holds those fields as the first row has them, with `billed` the rows' exact sum,
 * `line.line` and `line.date` the first row's line and the earliest day; every other match field is empty, since no
 * row's value would be true of the others. The engine and the harvest accept it explicitly (see isAggregated).
 */
export interface AggregatedLine {
  readonly kind: 'aggregated';
  readonly line: CostLine;
  readonly rows: number;
  /** Lines of the first few rows, in file order (for the lineage samples). */
  readonly lines: readonly number[];
  /** The latest usage day of the rows (the earliest is `line.date`). */
  readonly dateMax?: string;
  /** `line.billed` as exact integer parts, which the engine's sums add without decimal.js. */
  readonly billedParts: ExactParts;
  /** The fields the rows agree on (CostLine keys, and `tags` for the whole tag set). */
  readonly agreeOn: readonly string[];
}

/** What the readers hand out: a line per row, or (the fast reader, when asked) an aggregated line. */
export type ReadLine = CostLine | AggregatedLine;

export function isAggregated(line: ReadLine): line is AggregatedLine {
  return (line as Partial<AggregatedLine>).kind === 'aggregated';
}
