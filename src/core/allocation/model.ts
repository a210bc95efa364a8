/**
 * The typed model of a `*.chargeback.yaml` file. Every key and value keeps its source range, so that the language
 * server can put diagnostics, hovers, code lenses and definitions on the exact text, and so that a problem found
 * later on the data (a rule that matches nothing, a tag value that names no target) still points into the file.
 * The model is built even from a file with errors (as much as could be understood); `valid` says whether the
 * engine may evaluate it.
 */
import type { Dec } from '../money';
import type { Range } from './problems';

/** A value with the range of its text. */
export interface Located<T> {
  value: T;
  range: Range;
}

export type AmountKind = 'billed' | 'retail' | 'effective';
export type Basis = 'direct' | 'compute' | 'storage' | 'network';
export type PecMode = 'passThrough' | 'keep';
export type MatchField =
  | 'customer'
  | 'subscription'
  | 'entitlement'
  | 'entitlementName'
  | 'resourceGroup'
  | 'resource'
  | 'meterCategory'
  | 'meterSubCategory'
  | 'meterName'
  | 'meterId'
  | 'product'
  | 'sku'
  | 'region'
  | 'chargeType'
  | 'invoice';

export interface TargetDecl {
  id: string;
  /** Range of the id (the map key). */
  idRange: Range;
  /** Range of the whole entry (key and value). */
  range: Range;
  name?: Located<string>;
  costCenter?: Located<string>;
  account?: Located<string>;
  /** Uplift in percent. */
  markup?: Located<Dec>;
  budget?: BudgetDecl;
}

/** A target's `budget:`: an amount per month, quarter or year, and the percents at which to warn. */
export interface BudgetDecl {
  range: Range;
  per: 'month' | 'quarter' | 'year';
  amount: Located<Dec>;
  warnAt?: Located<Dec>;
  forecastWarnAt?: Located<Dec>;
}

export type MatchCondition =
  | { kind: 'field'; field: MatchField; keyRange: Range; globs: Located<string>[] }
  | { kind: 'tag'; tagKey: string; keyRange: Range; globs: Located<string>[] }
  | { kind: 'not'; keyRange: Range; map: MatchMap };

export interface MatchMap {
  range: Range;
  conditions: MatchCondition[];
}

export type Destination =
  { kind: 'target'; target: Located<string>; range: Range } | { kind: 'tag'; tagKey: Located<string>; range: Range };

export type SplitMethod = 'evenly' | 'percent' | 'proportional';

export interface SplitShare {
  target: Located<string>;
  /** Percent (for `percent:` only). */
  percent?: Located<Dec>;
}

export interface SplitDecl {
  range: Range;
  method: SplitMethod;
  methodRange: Range;
  /** The range of the list or percent map (where "do not sum to 100" goes). */
  sharesRange: Range;
  shares: SplitShare[];
  basis: Located<Basis> | undefined;
}

export interface RuleDecl {
  /** Position in `rules:` (0-based). */
  index: number;
  /** The name as written, or `Rule <n>` when the rule has none. */
  name: string;
  nameRange?: Range;
  /** Range of the whole list item. */
  range: Range;
  description?: string;
  match?: MatchMap;
  to?: Destination;
  split?: SplitDecl;
  markup?: Located<Dec>;
}

export interface PecSetting {
  mode: Located<PecMode>;
  to?: Located<string>;
  range: Range;
}

export interface CommitmentSetting {
  amortize: Located<boolean> | undefined;
  unused?: Located<string>;
  range: Range;
}

export interface JournalSetting {
  clearingAccount?: Located<string>;
  expenseAccount?: Located<string>;
  markupAccount?: Located<string>;
  unallocatedAccount?: Located<string>;
  reference?: Located<string>;
  range: Range;
}

/** Where a target id is named (for go to definition, references and rename). */
export interface TargetReference {
  id: string;
  range: Range;
  context: 'to' | 'split' | 'unallocated' | 'pec' | 'commitments';
  ruleIndex?: number;
}

export interface RulesFile {
  /** True when the file has no errors: only then may the engine evaluate it. */
  valid: boolean;
  version?: Located<number>;
  name?: Located<string>;
  data: Located<string>[];
  /** `allowOutside: true`: `data:` may name files outside the rules file's folder. */
  allowOutside?: Located<boolean>;
  amount: AmountKind;
  amountRange?: Range;
  currency?: Located<string>;
  period?: Located<string>;
  targets: TargetDecl[];
  rules: RuleDecl[];
  unallocated?: Located<string>;
  commitments?: CommitmentSetting;
  pec?: PecSetting;
  journal?: JournalSetting;
  invoicingRange?: Range;
  /** The `invoicing:` section (customer invoicing), when the file has one. */
  invoicing?: InvoicingSetting;
  /** Range of each top-level key, by key (for hover and for problems about a whole section). */
  keyRanges: Record<string, Range>;
  targetReferences: TargetReference[];
  /** The range of the whole document. */
  range: Range;
}

// ---- customer invoicing (`invoicing:`) -------------------------------------------------------------------------

export type InvoiceGrouping = 'per-subscription' | 'per-payment-model';
export type PaymentModel = 'prepaid' | 'postpaid';
export type SubscriptionStatus = 'Active' | 'Suspended' | 'Disabled' | 'Expired' | 'Deleted';
export type SubscriptionOrder = 'firstUse' | 'listed';
export type InvoicePec = 'passOn' | 'keep';
export type FxSource = 'billing' | 'fixed';
export type ChargeClass = 'consumption' | 'reservation' | 'savingsPlan' | 'marketplace' | 'seats';

/** A customer price: a markup or a discount, in percent (never both). */
export interface InvoicePrice {
  markup?: Located<Dec>;
  discount?: Located<Dec>;
  range: Range;
}

export type InvoicePrices = Partial<Record<ChargeClass, InvoicePrice>>;

export interface InvoiceSubscriptionDecl {
  id: string;
  idRange: Range;
  name?: Located<string>;
  status?: Located<SubscriptionStatus>;
  paymentModel?: Located<PaymentModel>;
}

export interface InvoiceCustomerDecl {
  /** CustomerId or CustomerName, as written. */
  key: string;
  keyRange: Range;
  name?: Located<string>;
  paymentModel?: Located<PaymentModel>;
  grouping?: Located<InvoiceGrouping>;
  commonSubscription?: Located<string>;
  prices: InvoicePrices;
  /** In the order written: the order that decides ties. */
  subscriptions: InvoiceSubscriptionDecl[];
}

export interface InvoiceReservationDecl {
  /** Order id as written. */
  id: string;
  idRange: Range;
  /** `shared` or a subscription id. */
  scope?: Located<string>;
}

export interface InvoiceFxSetting {
  source: Located<FxSource>;
  currency?: Located<string>;
  rate?: Located<Dec>;
  range: Range;
}

export interface InvoicingSetting {
  range: Range;
  grouping?: Located<InvoiceGrouping>;
  paymentModel?: Located<PaymentModel>;
  draft: Located<string>[];
  draftRange?: Range;
  final: Located<string>[];
  finalRange?: Range;
  subscriptionOrder?: Located<SubscriptionOrder>;
  pec?: Located<InvoicePec>;
  fx?: InvoiceFxSetting;
  prices: InvoicePrices;
  customers: InvoiceCustomerDecl[];
  reservations: InvoiceReservationDecl[];
}
