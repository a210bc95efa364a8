/**
 * Which billing file a CSV is, told from its header alone (never from the file name or column positions:
 * Microsoft inserts columns over time), and where each needed column sits. Header names are matched
 * case-insensitively, with the spelling variants seen across Partner Center versions.
 */

export type FileKind =
  'daily-usage' | 'reconciliation' | 'legacy-usage' | 'legacy-license' | 'price-list' | 'focus' | 'unknown';

export const FILE_KIND_LABELS: Record<FileKind, string> = {
  'daily-usage': 'Partner Center daily rated usage',
  reconciliation: 'Partner Center invoice reconciliation (new commerce)',
  'legacy-usage': 'Partner Center legacy usage-based reconciliation (old CSP Azure offer)',
  'legacy-license': 'Partner Center legacy license-based reconciliation (old CSP offers)',
  'price-list': 'Partner Center Azure plan price list',
  focus: 'FOCUS cost and usage data',
  unknown: 'not a recognized billing file',
};

/** The daily rated usage file's 55 columns in the order seen in the wild. */
export const DAILY_USAGE_COLUMNS = [
  'PartnerId',
  'PartnerName',
  'CustomerId',
  'CustomerName',
  'CustomerDomainName',
  'CustomerCountry',
  'MpnId',
  'Tier2MpnId',
  'InvoiceNumber',
  'ProductId',
  'SkuId',
  'AvailabilityId',
  'SkuName',
  'ProductName',
  'PublisherName',
  'PublisherId',
  'SubscriptionDescription',
  'SubscriptionId',
  'ChargeStartDate',
  'ChargeEndDate',
  'UsageDate',
  'MeterType',
  'MeterCategory',
  'MeterId',
  'MeterSubCategory',
  'MeterName',
  'MeterRegion',
  'Unit',
  'ResourceLocation',
  'ConsumedService',
  'ResourceGroup',
  'ResourceURI',
  'ChargeType',
  'UnitPrice',
  'Quantity',
  'UnitType',
  'BillingPreTaxTotal',
  'BillingCurrency',
  'PricingPreTaxTotal',
  'PricingCurrency',
  'ServiceInfo1',
  'ServiceInfo2',
  'Tags',
  'AdditionalInfo',
  'EffectiveUnitPrice',
  'PCToBCExchangeRate',
  'PCToBCExchangeRateDate',
  'EntitlementId',
  'EntitlementDescription',
  'PartnerEarnedCreditPercentage',
  'CreditPercentage',
  'CreditType',
  'BenefitOrderId',
  'BenefitId',
  'BenefitType',
] as const;

/** The new-commerce invoice reconciliation file's 46 documented columns (live files may have more at the end). */
export const RECONCILIATION_COLUMNS = [
  'PartnerId',
  'CustomerId',
  'CustomerName',
  'CustomerDomainName',
  'CustomerCountry',
  'InvoiceNumber',
  'MpnId',
  'ResellerMpnId',
  'OrderId',
  'OrderDate',
  'ProductId',
  'SkuId',
  'AvailabilityId',
  'SkuName',
  'ProductName',
  'ChargeType',
  'UnitPrice',
  'Quantity',
  'Subtotal',
  'TaxTotal',
  'Total',
  'Currency',
  'PriceAdjustmentDescription',
  'PublisherName',
  'PublisherId',
  'SubscriptionDescription',
  'SubscriptionId',
  'ChargeStartDate',
  'ChargeEndDate',
  'TermAndBillingCycle',
  'EffectiveUnitPrice',
  'UnitType',
  'AlternateId',
  'BillableQuantity',
  'BillingFrequency',
  'PricingCurrency',
  'PCToBCExchangeRate',
  'PCToBCExchangeRateDate',
  'MeterDescription',
  'ReservationOrderId',
  'CreditReasonCode',
  'SubscriptionStartDate',
  'SubscriptionEndDate',
  'ReferenceId',
  'ProductQualifiers',
  'PromotionId',
] as const;

/** Columns the daily-usage re-rating cannot do without. */
export const DAILY_USAGE_REQUIRED = [
  'CustomerId',
  'SubscriptionId',
  'MeterId',
  'ChargeStartDate',
  'UsageDate',
  'UnitPrice',
  'Quantity',
  'EffectiveUnitPrice',
  'BillingPreTaxTotal',
  'PCToBCExchangeRate',
  'PartnerEarnedCreditPercentage',
] as const;

/** Columns the reconciliation checks cannot do without (BillableQuantity falls back to Quantity). */
export const RECONCILIATION_REQUIRED = [
  'UnitPrice',
  'EffectiveUnitPrice',
  'BillableQuantity',
  'Subtotal',
  'TaxTotal',
  'Total',
  'PCToBCExchangeRate',
] as const;

/** Spelling variants seen across versions, by lower-cased variant -> lower-cased canonical name. */
const ALIASES: Record<string, string> = {
  priceadjusmentdescription: 'priceadjustmentdescription',
};

/**
 * Names that exports made through the Partner Center API / SDK give to the same fields (most differ from the CSV
 * names only in case). Used only when the file has no column of the CSV name: a reconciliation file's own
 * ResellerMpnId, or a price list's UnitOfMeasure, stays what it is.
 */
const API_NAMES: Record<string, readonly string[]> = {
  partnerearnedcreditpercentage: ['rateofpartnerearnedcredit'],
  creditpercentage: ['rateofcredit'],
  unit: ['unitofmeasure'],
  tier2mpnid: ['resellermpnid'],
  total: ['totalforcustomer'],
};

/** Normalizes a header cell: trims, drops a BOM and surrounding spaces, lower-cases, resolves known variants. */
export function normalizeColumnName(name: string): string {
  const n = name
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase();
  return ALIASES[n] ?? n;
}

/** Looks up columns by name in a header row. */
export class ColumnMap {
  private readonly byName = new Map<string, number>();
  /** Names the header has more than once, with every index: such a column is ambiguous and never read. */
  readonly duplicates = new Map<string, number[]>();
  constructor(readonly header: readonly string[]) {
    header.forEach((h, i) => {
      const key = normalizeColumnName(h);
      if (key === '') return;
      const first = this.byName.get(key);
      if (first === undefined) this.byName.set(key, i);
      else this.duplicates.set(key, [...(this.duplicates.get(key) ?? [first]), i]);
    });
  }
  /**
   * Index of a column by (any-case) name, or by its API name when the file has no column of that name, or -1; also
   * -1 for a name the header has twice (which copy is meant?).
   */
  indexOf(name: string): number {
    const key = normalizeColumnName(name);
    if (this.duplicates.has(key)) return -1;
    const i = this.byName.get(key);
    if (i !== undefined) return i;
    for (const alt of API_NAMES[key] ?? []) {
      if (this.duplicates.has(alt)) return -1;
      const j = this.byName.get(alt);
      if (j !== undefined) return j;
    }
    return -1;
  }
  /** Whether the column (or, absent that, its API name) is in the header more than once. */
  isDuplicate(name: string): boolean {
    const key = normalizeColumnName(name);
    if (this.duplicates.has(key)) return true;
    if (this.byName.has(key)) return false;
    return (API_NAMES[key] ?? []).some((alt) => this.duplicates.has(alt));
  }
  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }
  /** The header's own spelling of a column, for messages. */
  nameAt(index: number): string {
    return this.header[index]?.replace(/^\uFEFF/, '').trim() ?? `column ${index + 1}`;
  }
  /** Indexes of several columns at once, by the caller's own names for them (-1 for an absent column). */
  indexes<K extends string>(names: Readonly<Record<K, string>>): Record<K, number> {
    const out = {} as Record<K, number>;
    for (const key of Object.keys(names) as K[]) out[key] = this.indexOf(names[key]);
    return out;
  }
  missing(names: readonly string[]): string[] {
    return names.filter((n) => !this.has(n));
  }
}

/** Signature columns: a header holding enough of one set is that kind of file. */
const SIGNATURES: { kind: FileKind; columns: string[]; atLeast: number }[] = [
  {
    kind: 'daily-usage',
    columns: [
      'usagedate',
      'meterid',
      'effectiveunitprice',
      'billingpretaxtotal',
      'pctobcexchangerate',
      'entitlementid',
      'partnerearnedcreditpercentage',
      'chargestartdate',
      'quantity',
      'unitprice',
    ],
    atLeast: 7,
  },
  {
    kind: 'legacy-usage',
    columns: [
      'consumedquantity',
      'includedquantity',
      'overagequantity',
      'listprice',
      'pretaxcharges',
      'pretaxeffectiverate',
      'detaillineitemid',
    ],
    atLeast: 4,
  },
  {
    kind: 'legacy-license',
    columns: [
      'syndicationpartnersubscriptionnumber',
      'durableofferid',
      'offerid',
      'offername',
      'totalotherdiscount',
      'totalforcustomer',
      'billingcycletype',
      'amount',
      'tax',
      'subscriptionname',
    ],
    atLeast: 5,
  },
  {
    kind: 'reconciliation',
    columns: [
      'subtotal',
      'taxtotal',
      'total',
      'billablequantity',
      'orderid',
      'termandbillingcycle',
      'effectiveunitprice',
      'priceadjustmentdescription',
      'chargestartdate',
      'pricingcurrency',
    ],
    atLeast: 6,
  },
  {
    kind: 'focus',
    columns: [
      'billedcost',
      'effectivecost',
      'listcost',
      'chargeperiodstart',
      'chargeperiodend',
      'billingperiodstart',
      'billingcurrency',
      'chargecategory',
      'servicename',
    ],
    atLeast: 5,
  },
  {
    kind: 'price-list',
    columns: [
      'producttitle',
      'skutitle',
      'unitofmeasure',
      'pricingtierrangemin',
      'pricingtierrangemax',
      'effectivestartdate',
      'meterids',
      'unitprice',
      'termduration',
    ],
    atLeast: 5,
  },
];

/** Tells the kind of a billing file from its header cells. */
export function detectKind(header: readonly string[]): FileKind {
  const names = new Set(header.map(normalizeColumnName));
  for (const [canonical, alts] of Object.entries(API_NAMES)) if (alts.some((a) => names.has(a))) names.add(canonical);
  let best: FileKind = 'unknown';
  let bestScore = 0;
  for (const sig of SIGNATURES) {
    const hits = sig.columns.filter((c) => names.has(c)).length;
    const score = hits / sig.columns.length;
    if (hits >= sig.atLeast && score > bestScore) {
      best = sig.kind;
      bestScore = score;
    }
  }
  return best;
}

/** Language ids that the editor uses for the recognized kinds. */
export const LANGUAGE_IDS: Partial<Record<FileKind, string>> = {
  'daily-usage': 'pc-daily-usage',
  reconciliation: 'pc-reconciliation',
  'legacy-usage': 'pc-legacy-usage',
};

export function kindOfLanguage(languageId: string): FileKind | undefined {
  for (const [kind, id] of Object.entries(LANGUAGE_IDS)) if (id === languageId) return kind as FileKind;
  return undefined;
}
