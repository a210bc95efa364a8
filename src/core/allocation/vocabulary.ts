/**
 * The vocabulary of the rules language, written once as data: which keys each section allows, what each key
 * means (the text of hover and completion), the shape of its value, and the enum values with their meaning.
 * The parser checks files against it, the language server completes and documents from it, and the JSON Schema in
 * `schemas/chargeback.schema.json` is generated from it (see jsonSchema.ts); a unit test keeps the three in step.
 */

/** The shape of a key's value; the parser has one checker per shape and the schema generator one fragment. */
export type ValueShape =
  | { kind: 'version' }
  | { kind: 'string' }
  | { kind: 'stringOrList' }
  | { kind: 'enum'; enumName: EnumName }
  | { kind: 'boolean' }
  | { kind: 'percent' }
  | { kind: 'amount' }
  | { kind: 'targetRef' }
  | { kind: 'targetRefList' }
  | { kind: 'percentMap' }
  | { kind: 'globs' }
  | { kind: 'tagGlobs' }
  | { kind: 'to' }
  | { kind: 'pec' }
  | { kind: 'section'; section: SectionName }
  | { kind: 'mapOfSection'; section: SectionName }
  | { kind: 'listOfSection'; section: SectionName }
  | { kind: 'reserved' };

export interface KeyInfo {
  key: string;
  /** Markdown shown on hover and in completion details. */
  doc: string;
  shape: ValueShape;
  required?: boolean;
  /** A snippet-like example value for completion and docs. */
  example?: string;
}

export type SectionName =
  | 'top'
  | 'target'
  | 'rule'
  | 'match'
  | 'toTag'
  | 'split'
  | 'commitments'
  | 'pec'
  | 'journal'
  | 'budget'
  | InvoicingSectionName;

export type EnumName = 'amount' | 'basis' | 'pecMode' | InvoicingEnumName;

export interface EnumValue {
  value: string;
  doc: string;
}

export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** Keys that start with this prefix are user extensions (a place for YAML anchors, notes): accepted and ignored. */
export const EXTENSION_KEY_PREFIX = 'x-';

// ---- customer invoicing (`invoicing:`): one block, so that the rest of the vocabulary stays as it was ----------

export type InvoicingSectionName =
  | 'invoicing'
  | 'invoiceCustomer'
  | 'invoiceSubscription'
  | 'invoiceReservation'
  | 'invoicePrices'
  | 'invoicePrice'
  | 'invoiceFx';

export type InvoicingEnumName =
  'invoiceGrouping' | 'paymentModel' | 'subscriptionStatus' | 'subscriptionOrder' | 'invoicePec' | 'fxSource';

/** The charge classes a reseller prices separately (keys of `prices:`). */
export const CHARGE_CLASSES = ['consumption', 'reservation', 'savingsPlan', 'marketplace', 'seats'] as const;

const INVOICING_ENUMS: Record<InvoicingEnumName, readonly EnumValue[]> = {
  invoiceGrouping: [
    {
      value: 'per-payment-model',
      doc: "One invoice per customer and payment model: all of the customer's prepaid subscriptions on one invoice, all postpaid ones on another. The default.",
    },
    { value: 'per-subscription', doc: 'One invoice per subscription.' },
  ],
  paymentModel: [
    {
      value: 'postpaid',
      doc: 'The customer pays each invoice; an invoice whose total is zero or below says "no payment due" (no payment is created). The default.',
    },
    {
      value: 'prepaid',
      doc: "Invoices are settled from the customer's prepaid balance: charges lower it, refunds raise it; the balance change is reported.",
    },
  ],
  subscriptionStatus: [
    {
      value: 'Active',
      doc: 'In use. A subscription without a stated status is taken as Active (and the invoice says so).',
    },
    {
      value: 'Suspended',
      doc: 'Suspended (for example unpaid): still invoiced, and still eligible to carry shared reservation consumption.',
    },
    {
      value: 'Disabled',
      doc: 'Disabled: still invoiced for what it consumed, and still eligible to carry shared reservation consumption.',
    },
    {
      value: 'Expired',
      doc: 'Expired: still invoiced for what it consumed, and still eligible to carry shared reservation consumption.',
    },
    {
      value: 'Deleted',
      doc: 'Deleted: never chosen to carry shared reservation, savings plan or third-party consumption; its own consumption is still invoiced.',
    },
  ],
  subscriptionOrder: [
    {
      value: 'firstUse',
      doc: 'A shared reservation goes to the first subscription, not Deleted, that it applied to: the one whose covered usage starts earliest (ties: the order listed under `subscriptions:`, then the id). The default.',
    },
    {
      value: 'listed',
      doc: 'A shared reservation goes to the first subscription, not Deleted, that it applied to, in the order listed under `subscriptions:` (then by id).',
    },
  ],
  invoicePec: [
    {
      value: 'passOn',
      doc: 'Customers pay what Partner Center billed, net of partner earned credit: the credit is passed on. The default.',
    },
    {
      value: 'keep',
      doc: 'Customers pay the price before partner earned credit (billed / (1 - PEC)); the reseller keeps the credit, and each invoice shows how much.',
    },
  ],
  fxSource: [
    {
      value: 'billing',
      doc: "Invoices are in the billing currency, at the exchange rate Partner Center used on each row (PCToBCExchangeRate, shown in each line's explanation). The default.",
    },
    { value: 'fixed', doc: 'Billing-currency amounts are converted into `currency` at the fixed `rate` given here.' },
  ],
};

const PRICE_DOC =
  'Customer price of this charge class: `{ markup: <percent> }` or `{ discount: <percent> }` on the amount Partner Center billed (or the amount before PEC with `pec: keep`).';

const INVOICING_PRICES: readonly KeyInfo[] = [
  {
    key: 'consumption',
    doc: `Azure plan consumption (daily usage not covered by a reservation or savings plan). ${PRICE_DOC}`,
    shape: { kind: 'section', section: 'invoicePrice' },
    example: '{ markup: 8 }',
  },
  {
    key: 'reservation',
    doc: `Reserved instances: purchases, monthly payments, refunds and covered usage. ${PRICE_DOC}`,
    shape: { kind: 'section', section: 'invoicePrice' },
    example: '{ markup: 2 }',
  },
  {
    key: 'savingsPlan',
    doc: `Savings plans: purchases, monthly payments, refunds and covered usage. ${PRICE_DOC}`,
    shape: { kind: 'section', section: 'invoicePrice' },
    example: '{ markup: 2 }',
  },
  {
    key: 'marketplace',
    doc: `Third-party (marketplace) products: publisher other than Microsoft. ${PRICE_DOC}`,
    shape: { kind: 'section', section: 'invoicePrice' },
    example: '{ markup: 5 }',
  },
  {
    key: 'seats',
    doc: `Seats and licences from the reconciliation file (Microsoft 365, Dynamics, ...). ${PRICE_DOC}`,
    shape: { kind: 'section', section: 'invoicePrice' },
    example: '{ discount: 3 }',
  },
];

const INVOICING_SECTIONS: Record<InvoicingSectionName, readonly KeyInfo[]> = {
  invoicing: [
    {
      key: 'grouping',
      doc: 'How charges are grouped into invoices (a customer may say otherwise).',
      shape: { kind: 'enum', enumName: 'invoiceGrouping' },
      example: 'per-payment-model',
    },
    {
      key: 'paymentModel',
      doc: 'Payment model of customers and subscriptions that do not say.',
      shape: { kind: 'enum', enumName: 'paymentModel' },
      example: 'postpaid',
    },
    {
      key: 'draft',
      doc: 'Unbilled billing files (no InvoiceNumber), relative to this file; globs allowed: the draft invoices are made from them, and the final invoices show what changed since.',
      shape: { kind: 'stringOrList' },
      example: './billing/2026-08-unbilled/*.csv',
    },
    {
      key: 'final',
      doc: 'Billed billing files (with InvoiceNumber), relative to this file: the final invoices are made from them. Default: the files of `data:`. A row without InvoiceNumber here is an error: a final invoice is never made from unbilled data.',
      shape: { kind: 'stringOrList' },
      example: './billing/2026-08/*.csv',
    },
    {
      key: 'subscriptionOrder',
      doc: 'The stated order that decides which subscription carries a shared reservation.',
      shape: { kind: 'enum', enumName: 'subscriptionOrder' },
      example: 'firstUse',
    },
    {
      key: 'pec',
      doc: 'Partner earned credit: passed on to customers, or kept by the reseller.',
      shape: { kind: 'enum', enumName: 'invoicePec' },
      example: 'passOn',
    },
    {
      key: 'fx',
      doc: 'Which exchange rate invoices use: `{ source: billing }` (the default) or `{ source: fixed, currency: CHF, rate: 0.94 }`.',
      shape: { kind: 'section', section: 'invoiceFx' },
    },
    {
      key: 'prices',
      doc: 'Customer prices per charge class (markup or discount in percent). A customer may set its own.',
      shape: { kind: 'section', section: 'invoicePrices' },
    },
    {
      key: 'customers',
      doc: 'Customers by CustomerId or CustomerName (as in the billing files, case-insensitive): name, payment model, grouping, prices and their subscriptions. Customers in the data but not listed get the defaults.',
      shape: { kind: 'mapOfSection', section: 'invoiceCustomer' },
    },
    {
      key: 'reservations',
      doc: 'Reservations by order id (ReservationOrderId / BenefitOrderId) and their scope: `shared`, or the id of the one subscription they are scoped to. Not listed: scoped to the one subscription they covered, else shared.',
      shape: { kind: 'mapOfSection', section: 'invoiceReservation' },
    },
  ],
  invoiceCustomer: [
    {
      key: 'name',
      doc: 'Name of the customer on its invoices (default: CustomerName from the billing files).',
      shape: { kind: 'string' },
      example: 'Fabrikam Süd GmbH',
    },
    {
      key: 'paymentModel',
      doc: "This customer's payment model (a subscription may say otherwise).",
      shape: { kind: 'enum', enumName: 'paymentModel' },
      example: 'prepaid',
    },
    {
      key: 'grouping',
      doc: "How this customer's charges are grouped into invoices.",
      shape: { kind: 'enum', enumName: 'invoiceGrouping' },
      example: 'per-subscription',
    },
    {
      key: 'commonSubscription',
      doc: "The subscription within which this customer's savings plan and third-party consumption is counted. Default: its first subscription not in status Deleted, in the order listed under `subscriptions:` (then by id).",
      shape: { kind: 'string' },
    },
    {
      key: 'prices',
      doc: "This customer's prices per charge class (each class it names replaces the general one).",
      shape: { kind: 'section', section: 'invoicePrices' },
    },
    {
      key: 'subscriptions',
      doc: "The customer's subscriptions by id (EntitlementId, the Azure subscription; SubscriptionId for seats), in the order that counts: name, status, payment model.",
      shape: { kind: 'mapOfSection', section: 'invoiceSubscription' },
    },
  ],
  invoiceSubscription: [
    {
      key: 'name',
      doc: 'Name shown on invoices (default: EntitlementDescription from the billing files).',
      shape: { kind: 'string' },
      example: 'fabrikam-prod',
    },
    {
      key: 'status',
      doc: 'Status of the subscription (default Active).',
      shape: { kind: 'enum', enumName: 'subscriptionStatus' },
      example: 'Active',
    },
    {
      key: 'paymentModel',
      doc: "This subscription's payment model (default: the customer's).",
      shape: { kind: 'enum', enumName: 'paymentModel' },
      example: 'postpaid',
    },
  ],
  invoiceReservation: [
    {
      key: 'scope',
      doc: '`shared`: counted within the first subscription, not in status Deleted, to which it applied (see `subscriptionOrder`). A subscription id: counted within that subscription.',
      shape: { kind: 'string' },
      required: true,
      example: 'shared',
    },
  ],
  invoicePrices: INVOICING_PRICES,
  invoicePrice: [
    { key: 'markup', doc: 'Uplift in percent on the charge class.', shape: { kind: 'percent' }, example: '8' },
    {
      key: 'discount',
      doc: 'Discount in percent on the charge class (0 to 100).',
      shape: { kind: 'percent' },
      example: '3',
    },
  ],
  invoiceFx: [
    {
      key: 'source',
      doc: 'Where the exchange rate comes from.',
      shape: { kind: 'enum', enumName: 'fxSource' },
      required: true,
      example: 'billing',
    },
    {
      key: 'currency',
      doc: 'With `source: fixed`: the currency of the invoices.',
      shape: { kind: 'string' },
      example: 'CHF',
    },
    {
      key: 'rate',
      doc: 'With `source: fixed`: invoice-currency units per billing-currency unit.',
      shape: { kind: 'percent' },
      example: '0.94',
    },
  ],
};

export const ENUMS: Record<EnumName, readonly EnumValue[]> = {
  ...INVOICING_ENUMS,
  amount: [
    {
      value: 'billed',
      doc: 'What the invoice charges: BillingPreTaxTotal (daily usage), Subtotal (reconciliation), BilledCost (FOCUS). The default.',
    },
    {
      value: 'retail',
      doc: 'Retail value: UnitPrice x Quantity x PCToBCExchangeRate, before partner earned credit and tier discounts (FOCUS: ListCost).',
    },
    {
      value: 'effective',
      doc: 'Amortized cost: FOCUS EffectiveCost (commitment purchases spread over their usage). Lines without it use their billed amount, with a warning.',
    },
  ],
  basis: [
    {
      value: 'direct',
      doc: "Each target's direct cost (cost from `to:` rules only: not splits, not unallocated). The default.",
    },
    {
      value: 'compute',
      doc: "Each target's direct cost in the compute meter-category family (Virtual Machines, App Service, Functions, ...).",
    },
    {
      value: 'storage',
      doc: "Each target's direct cost in the storage meter-category family (Storage, Backup, Azure NetApp Files, ...).",
    },
    {
      value: 'network',
      doc: "Each target's direct cost in the network meter-category family (Bandwidth, Virtual Network, Load Balancer, ...).",
    },
  ],
  pecMode: [
    {
      value: 'passThrough',
      doc: 'Teams pay what was billed, net of partner earned credit: the credit is passed through. The default.',
    },
    {
      value: 'keep',
      doc: 'Teams pay the amount before partner earned credit (billed / (1 - PEC)); the credit (a negative amount) goes to the target named in `to:`.',
    },
  ],
};

const MATCH_COLUMN_KEYS: readonly [string, string][] = [
  ['customer', 'CustomerName or CustomerId (either may match).'],
  ['subscription', 'SubscriptionId: the Partner Center Azure plan subscription.'],
  ['entitlement', 'EntitlementId: the Azure subscription id.'],
  ['entitlementName', 'EntitlementDescription: the Azure subscription name.'],
  ['resourceGroup', 'ResourceGroup (FOCUS: x_ResourceGroupName).'],
  ['resource', 'ResourceURI (FOCUS: ResourceId).'],
  ['meterCategory', 'MeterCategory, for example `Virtual Machines`, `Storage`, `Bandwidth` (FOCUS: ServiceName).'],
  ['meterSubCategory', 'MeterSubCategory (FOCUS: x_SkuMeterSubcategory).'],
  ['meterName', 'MeterName (FOCUS: SkuMeter).'],
  ['meterId', 'MeterId (FOCUS: SkuId).'],
  ['product', 'ProductName.'],
  ['sku', 'SkuName.'],
  ['region', 'ResourceLocation (FOCUS: RegionName).'],
  ['chargeType', 'ChargeType, for example `new`, `renew`, `cycleCharge` (FOCUS: ChargeCategory).'],
  ['invoice', 'InvoiceNumber (FOCUS: InvoiceId).'],
];

/** The match keys that read one column each (in the rules language's names), in documentation order. */
export const MATCH_FIELD_KEYS: readonly string[] = MATCH_COLUMN_KEYS.map(([k]) => k);

const GLOB_DOC = 'A glob (`*` any text, `?` one character, case-insensitive) or a list of globs (any of them).';

export const SECTIONS: Record<SectionName, readonly KeyInfo[]> = {
  top: [
    {
      key: 'chargeback',
      doc: 'Version of the rules language this file is written in. Required; the only version is `1`.',
      shape: { kind: 'version' },
      required: true,
      example: '1',
    },
    {
      key: 'name',
      doc: 'A title for this chargeback, shown in reports.',
      shape: { kind: 'string' },
      example: 'Contoso - July 2026',
    },
    {
      key: 'data',
      doc: 'Billing files to allocate, relative to this file; globs allowed. Daily rated usage, reconciliation and FOCUS CSV files.',
      shape: { kind: 'stringOrList' },
      example: './billing/2026-07/*.csv',
    },
    {
      key: 'amount',
      doc: 'Which amount of each cost line is allocated.',
      shape: { kind: 'enum', enumName: 'amount' },
      example: 'billed',
    },
    {
      key: 'currency',
      doc: 'Keep only cost lines in this billing currency. Without it, data in several currencies is an error that names the currencies found.',
      shape: { kind: 'string' },
      example: 'EUR',
    },
    {
      key: 'period',
      doc: 'The period written in exports (for example `2026-07`). Without it the period is taken from the dates of the cost lines.',
      shape: { kind: 'string' },
      example: '2026-07',
    },
    {
      key: 'allowOutside',
      doc: '`true` lets `data:` name files outside the folder of this rules file (`../`, absolute paths). Without it such entries are an error.',
      shape: { kind: 'boolean' },
      example: 'true',
    },
    {
      key: 'targets',
      doc: 'Who pays: target id -> attributes used by exports. Target ids are what `to:`, `split:` and `unallocated:` name.',
      shape: { kind: 'mapOfSection', section: 'target' },
    },
    {
      key: 'rules',
      doc: 'The rules, top to bottom: a cost line goes to the FIRST rule whose `match` holds.',
      shape: { kind: 'listOfSection', section: 'rule' },
    },
    {
      key: 'unallocated',
      doc: 'The target that receives cost no rule matched. Omit it to keep such cost visible as unallocated.',
      shape: { kind: 'targetRef' },
    },
    {
      key: 'commitments',
      doc: 'Commitment discounts: amortize reservation and savings plan purchases over the usage they covered.',
      shape: { kind: 'section', section: 'commitments' },
    },
    {
      key: 'pec',
      doc: 'Partner earned credit: `passThrough` (teams pay net of PEC, the default) or `{ mode: keep, to: <target> }` (teams pay before PEC; the credit goes to a target).',
      shape: { kind: 'pec' },
      example: 'passThrough',
    },
    {
      key: 'journal',
      doc: 'Settings of the general-ledger journal export (accounts and reference).',
      shape: { kind: 'section', section: 'journal' },
    },
    {
      key: 'invoicing',
      doc: 'Customer invoicing (resellers): how invoices are grouped, payment models, subscription statuses, customer prices per charge class, PEC and FX. Used by `chargeback invoice` and **Chargeback: Create Customer Invoices**.',
      shape: { kind: 'section', section: 'invoicing' },
    },
  ],
  ...INVOICING_SECTIONS,
  target: [
    { key: 'name', doc: 'Display name of the target in reports.', shape: { kind: 'string' }, example: 'Web shop' },
    {
      key: 'costCenter',
      doc: 'Cost center booked in the journal and shown in reports.',
      shape: { kind: 'string' },
      example: 'CC-1001',
    },
    {
      key: 'account',
      doc: 'Expense account debited in the journal for this target (default: `journal.expenseAccount`).',
      shape: { kind: 'string' },
      example: '"6420"',
    },
    {
      key: 'markup',
      doc: "Uplift in percent on everything this target is charged (a rule's own `markup` wins). Shown separately from cost, so the cost still adds up to the bill.",
      shape: { kind: 'percent' },
      example: '5',
    },
    {
      key: 'budget',
      doc: "This target's budget: one of `monthly`, `quarterly` or `yearly` (billing currency), with `warnAt` (percent of the budget spent) and `forecastWarnAt` (percent of the budget forecast for the month end). Compared with the target's allocated cost, markup excluded.",
      shape: { kind: 'section', section: 'budget' },
      example: '{ monthly: 1500, warnAt: 80 }',
    },
  ],
  rule: [
    {
      key: 'name',
      doc: 'Name of the rule, unique in the file; reports and the journal show it.',
      shape: { kind: 'string' },
    },
    { key: 'description', doc: 'Free text: why this rule exists.', shape: { kind: 'string' } },
    {
      key: 'match',
      doc: 'Which cost lines this rule takes: all keys must hold (AND); a list of globs holds when any glob matches (OR).',
      shape: { kind: 'section', section: 'match' },
      required: true,
    },
    {
      key: 'to',
      doc: 'Direct cost: a target id, or `{ tag: <key> }` for the target whose id equals the tag value (case-insensitive).',
      shape: { kind: 'to' },
    },
    {
      key: 'split',
      doc: 'Shared cost: the lines this rule matched form one pool, divided after every direct allocation (`evenly`, `percent` or `proportional`).',
      shape: { kind: 'section', section: 'split' },
    },
    {
      key: 'markup',
      doc: "Uplift in percent on what this rule allocates (wins over the target's `markup`).",
      shape: { kind: 'percent' },
      example: '3',
    },
  ],
  match: [
    ...MATCH_COLUMN_KEYS.map(([key, column]): KeyInfo => ({
      key,
      doc: `${column} ${GLOB_DOC}`,
      shape: { kind: 'globs' },
    })),
    {
      key: 'tag',
      doc: 'Tags: `{ <tag key>: <glob> }`. The tag key is case-insensitive; a line without that tag does not match.',
      shape: { kind: 'tagGlobs' },
      example: '{ team: "*" }',
    },
    { key: 'not', doc: 'Holds when the map inside does NOT hold.', shape: { kind: 'section', section: 'match' } },
  ],
  toTag: [
    {
      key: 'tag',
      doc: 'The tag whose value names the target (case-insensitive).',
      shape: { kind: 'string' },
      required: true,
    },
  ],
  split: [
    {
      key: 'evenly',
      doc: 'Equal shares for the listed targets.',
      shape: { kind: 'targetRefList' },
      example: '[web, data]',
    },
    {
      key: 'percent',
      doc: 'Fixed percentages per target; they must sum to 100.',
      shape: { kind: 'percentMap' },
      example: '{ web: 60, data: 40 }',
    },
    {
      key: 'proportional',
      doc: "Shares proportional to each listed target's cost on the `basis` (default `direct`). All-zero weights: split evenly, with a warning.",
      shape: { kind: 'targetRefList' },
      example: '[web, data]',
    },
    { key: 'basis', doc: 'What `proportional` weighs.', shape: { kind: 'enum', enumName: 'basis' }, example: 'direct' },
  ],
  commitments: [
    {
      key: 'amortize',
      doc: 'Spread each reservation / savings plan purchase (reconciliation ReservationOrderId, FOCUS Purchase rows) over the usage it covered (BenefitOrderId / BenefitId / CommitmentDiscountId), by the retail value of that usage.',
      shape: { kind: 'boolean' },
      example: 'true',
    },
    {
      key: 'unused',
      doc: 'Target for commitment cost that covered no usage in the data (and FOCUS rows whose CommitmentDiscountStatus is Unused). Without it, such purchases are allocated by the rules like any line.',
      shape: { kind: 'targetRef' },
    },
  ],
  pec: [
    {
      key: 'mode',
      doc: 'How partner earned credit reaches the teams.',
      shape: { kind: 'enum', enumName: 'pecMode' },
      required: true,
    },
    {
      key: 'to',
      doc: 'With `mode: keep`: the target that receives the credit (a negative amount).',
      shape: { kind: 'targetRef' },
    },
  ],
  budget: [
    {
      key: 'monthly',
      doc: 'Budget per calendar month, in the billing currency.',
      shape: { kind: 'amount' },
      example: '1500',
    },
    {
      key: 'quarterly',
      doc: 'Budget per calendar quarter; a month is measured against a third of it.',
      shape: { kind: 'amount' },
      example: '4500',
    },
    {
      key: 'yearly',
      doc: 'Budget per calendar year; a month is measured against a twelfth of it.',
      shape: { kind: 'amount' },
      example: '18000',
    },
    {
      key: 'warnAt',
      doc: 'Warn when the cost allocated so far reaches this percent of the budget (default 100).',
      shape: { kind: 'percent' },
      example: '80',
    },
    {
      key: 'forecastWarnAt',
      doc: 'Warn when the month-end forecast reaches this percent of the budget (default 100).',
      shape: { kind: 'percent' },
      example: '100',
    },
  ],
  journal: [
    {
      key: 'clearingAccount',
      doc: 'Account credited with the whole chargeback (default `clearing`).',
      shape: { kind: 'string' },
      example: '"1990"',
    },
    {
      key: 'expenseAccount',
      doc: 'Expense account for targets without their own `account`.',
      shape: { kind: 'string' },
      example: '"6400"',
    },
    {
      key: 'markupAccount',
      doc: 'Income account credited with markups (default: the clearing account).',
      shape: { kind: 'string' },
      example: '"4800"',
    },
    {
      key: 'unallocatedAccount',
      doc: 'Account debited with unallocated cost (default: the clearing account, so the cost stays there).',
      shape: { kind: 'string' },
    },
    {
      key: 'reference',
      doc: 'Reference written on every journal line (default `CB-<period>`).',
      shape: { kind: 'string' },
      example: 'CB-2026-07',
    },
  ],
};

export function keysOf(section: SectionName): readonly string[] {
  return SECTIONS[section].map((k) => k.key);
}

export function keyInfo(section: SectionName, key: string): KeyInfo | undefined {
  return SECTIONS[section].find((k) => k.key === key);
}

export function enumValues(name: EnumName): readonly string[] {
  return ENUMS[name].map((v) => v.value);
}

/**
 * The section that a path in the document belongs to, for completion: `[]` is the top level,
 * `['rules', 2, 'match', 'not']` a match map, `['targets', 'web']` a target. Undefined where free keys live
 * (target ids, tag keys, percent maps) or the path leads nowhere.
 */
export function sectionAt(path: readonly (string | number)[]): SectionName | undefined {
  let section: SectionName = 'top';
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const info: KeyInfo | undefined = typeof step === 'string' ? keyInfo(section, step) : undefined;
    if (!info) return undefined;
    const shape: ValueShape = info.shape;
    if (shape.kind === 'section') section = shape.section;
    else if (shape.kind === 'mapOfSection' || shape.kind === 'listOfSection') {
      if (i + 1 >= path.length) return undefined;
      i++;
      section = shape.section;
    } else if (shape.kind === 'to' && i === path.length - 1) return 'toTag';
    else if (shape.kind === 'pec' && i === path.length - 1) return 'pec';
    else return undefined;
  }
  return section;
}
