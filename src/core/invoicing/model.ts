/**
 * What customer invoicing produces: invoices (draft or final) of a reseller's customers, each line with the money,
 * the reading of the platform rules that placed it, the price applied and the billing rows it came from; the
 * problems found on the way; and the reconciliation of the invoices with the billing files and the allocation.
 * All money is Decimal; amounts on invoices are whole cents.
 */
import type Decimal from 'decimal.js';
import type { ChargeClass, InvoiceGrouping, PaymentModel, SubscriptionStatus } from '../allocation/model';
import type { Range, Severity } from '../allocation/problems';

export type InvoiceStatus = 'draft' | 'final';

/** One billing row behind an invoice line. */
export interface InvoiceSource {
  path: string;
  /** 1-based line where the record starts. */
  line: number;
  /** What Partner Center billed on the row (billing currency). */
  billed: Decimal;
  currency: string;
  /** PCToBCExchangeRate of the row, when the file has it. */
  fx?: Decimal;
  /** Partner earned credit fraction of the row, when it has one. */
  pec?: Decimal;
  date?: string;
}

export interface InvoicePriceApplied {
  kind: 'markup' | 'discount' | 'cost';
  /** Percent. */
  percent: Decimal;
  /** Where it was set, in the rules file's words (`invoicing.prices.consumption`, ...). */
  from: string;
  /** The range of that setting in the rules file. */
  range?: Range;
}

export interface InvoiceLine {
  /** 1-based position on its invoice. */
  number: number;
  /** Identifies the same charge on the draft and on the final invoice. */
  key: string;
  description: string;
  kind: ChargeClass;
  /** True for the negative line of a refund of an additional resource (reservation, savings plan, third party). */
  refund: boolean;
  subscriptionId: string;
  subscriptionName: string;
  /** Exact sum of what was billed on the rows (billing currency). */
  cost: Decimal;
  /** The amount the price applies to: cost, or cost before partner earned credit with `pec: keep`. */
  base: Decimal;
  /** Partner earned credit the reseller keeps on this line (base - cost). */
  pecKept: Decimal;
  price: InvoicePriceApplied;
  /** Fixed exchange rate applied (invoice currency per billing currency), when `fx: fixed`. */
  fxRate?: Decimal;
  /** Exact customer amount before rounding. */
  exact: Decimal;
  /** Customer amount in whole cents (invoice currency). */
  amount: Decimal;
  /** Which platform rule placed the charge in this subscription, in words. */
  placement: string;
  sources: InvoiceSource[];
}

export interface InvoiceSubscription {
  id: string;
  name: string;
  status: SubscriptionStatus;
  /** False when the rules file does not list the subscription (then it is taken as Active). */
  statusStated: boolean;
}

export interface InvoiceChange {
  key: string;
  description: string;
  draft?: Decimal;
  final?: Decimal;
  difference: Decimal;
}

export interface InvoiceChanges {
  /** The draft invoice compared with (absent when there was no draft of this invoice). */
  draftTotal?: Decimal;
  difference: Decimal;
  lines: InvoiceChange[];
}

export interface Invoice {
  id: string;
  status: InvoiceStatus;
  customer: string;
  customerId: string;
  period: string;
  paymentModel: PaymentModel;
  grouping: InvoiceGrouping;
  subscriptions: InvoiceSubscription[];
  currency: string;
  lines: InvoiceLine[];
  /** Sum of the line amounts. */
  total: Decimal;
  /** Sum of the lines' costs (billing currency, exact). */
  cost: Decimal;
  pecKept: Decimal;
  /** Postpaid: the total when above zero, else 0. Prepaid: 0 (settled from the balance). */
  paymentDue: Decimal;
  /** Prepaid: the change of the customer's balance (-total). Postpaid: 0. */
  balanceChange: Decimal;
  /** What happens with the total, in words ("No payment due: ..."). */
  note: string;
  /** On a final invoice: what changed since its draft. */
  changes?: InvoiceChanges;
}

export type InvoiceProblemCode =
  | 'final-from-unbilled'
  | 'draft-from-billed'
  | 'currency-mix'
  | 'unknown-subscription'
  | 'unknown-customer'
  | 'status-not-stated'
  | 'no-eligible-subscription'
  | 'no-data'
  | 'data-issue'
  | 'scope-to-deleted';

export interface InvoiceProblem {
  code: InvoiceProblemCode;
  severity: Severity;
  message: string;
  /** A billing row it is about. */
  source?: { path: string; line: number };
  /** A place in the rules file it is about. */
  range?: Range;
}

export interface ReconciliationCheck {
  what: string;
  /** The billing file the check is about, when it is about one. */
  file?: string;
  expected: Decimal;
  actual: Decimal;
  difference: Decimal;
  /** True when the difference is zero (exact) or only the stated rounding. */
  ok: boolean;
  note: string;
}

export interface InvoiceSet {
  status: InvoiceStatus;
  files: string[];
  invoices: Invoice[];
  reconciliation: ReconciliationCheck[];
}
