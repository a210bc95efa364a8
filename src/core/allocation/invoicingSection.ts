/**
 * Reads the `invoicing:` section of a rules file (customer invoicing for resellers) into the typed model, with a
 * problem at the exact place of anything wrong. It works through the small reader interface the rules parser
 * hands it, so that values, ranges and messages behave exactly as in the rest of the file.
 */
import type { Dec } from '../money';
import type {
  ChargeClass,
  FxSource,
  InvoiceCustomerDecl,
  InvoiceGrouping,
  InvoicePec,
  InvoicePrice,
  InvoicePrices,
  InvoiceReservationDecl,
  InvoiceSubscriptionDecl,
  InvoicingSetting,
  Located,
  PaymentModel,
  SubscriptionOrder,
  SubscriptionStatus,
} from './model';
import type { ProblemCode, Range, Severity } from './problems';
import { CHARGE_CLASSES, type EnumName, type SectionName } from './vocabulary';

/** What the rules parser lends this reader: its own checks of values, so that messages and ranges agree. */
export interface SectionReader {
  pairs(
    node: unknown,
    section: SectionName,
    what: string,
    at: Range,
  ): Map<string, { value: unknown; keyRange: Range }> | undefined;
  str(value: unknown, keyRange: Range, what: string): Located<string> | undefined;
  enumValue<T extends string>(
    value: unknown,
    keyRange: Range,
    enumName: EnumName,
    what: string,
  ): Located<T> | undefined;
  percent(value: unknown, keyRange: Range, what: string): Located<Dec> | undefined;
  /** A path or a list of paths (as `data:`). */
  paths(value: unknown, keyRange: Range, what: string): Located<string>[];
  /** The entries of a map with free keys (ids), or undefined (with a problem) when the value is not a map. */
  entries(
    value: unknown,
    keyRange: Range,
    what: string,
  ): { key: string; keyRange: Range; value: unknown; empty: boolean }[] | undefined;
  rangeOf(value: unknown, fallback: Range): Range;
  problem(code: ProblemCode, severity: Severity, message: string, range: Range): void;
}

export function readInvoicingSection(r: SectionReader, value: unknown, keyRange: Range): InvoicingSetting | undefined {
  const pairs = r.pairs(value, 'invoicing', '`invoicing:`', keyRange);
  if (!pairs) return undefined;
  const out: InvoicingSetting = {
    range: r.rangeOf(value, keyRange),
    draft: [],
    final: [],
    prices: {},
    customers: [],
    reservations: [],
  };
  const get = (k: string) => pairs.get(k);
  const g = get('grouping');
  if (g) out.grouping = r.enumValue<InvoiceGrouping>(g.value, g.keyRange, 'invoiceGrouping', 'grouping (`grouping:`)');
  const pm = get('paymentModel');
  if (pm) out.paymentModel = r.enumValue<PaymentModel>(pm.value, pm.keyRange, 'paymentModel', 'payment model');
  const draft = get('draft');
  if (draft) {
    out.draft = r.paths(draft.value, draft.keyRange, 'A `draft:` entry (a file path or glob)');
    out.draftRange = draft.keyRange;
  }
  const final = get('final');
  if (final) {
    out.final = r.paths(final.value, final.keyRange, 'A `final:` entry (a file path or glob)');
    out.finalRange = final.keyRange;
  }
  const order = get('subscriptionOrder');
  if (order)
    out.subscriptionOrder = r.enumValue<SubscriptionOrder>(
      order.value,
      order.keyRange,
      'subscriptionOrder',
      'subscription order',
    );
  const pec = get('pec');
  if (pec) out.pec = r.enumValue<InvoicePec>(pec.value, pec.keyRange, 'invoicePec', 'PEC setting of `invoicing:`');
  const fx = get('fx');
  if (fx) out.fx = readFx(r, fx.value, fx.keyRange);
  const prices = get('prices');
  if (prices) out.prices = readPrices(r, prices.value, prices.keyRange, '`invoicing: prices:`');
  const customers = get('customers');
  if (customers) out.customers = readCustomers(r, customers.value, customers.keyRange);
  const reservations = get('reservations');
  if (reservations) out.reservations = readReservations(r, reservations.value, reservations.keyRange);
  return out;
}

function readFx(r: SectionReader, value: unknown, keyRange: Range): InvoicingSetting['fx'] {
  const pairs = r.pairs(value, 'invoiceFx', '`fx:`', keyRange);
  const source = pairs?.get('source');
  if (!pairs || !source) return undefined;
  const s = r.enumValue<FxSource>(source.value, source.keyRange, 'fxSource', 'FX source');
  if (!s) return undefined;
  const out: NonNullable<InvoicingSetting['fx']> = { source: s, range: r.rangeOf(value, keyRange) };
  const currency = pairs.get('currency');
  if (currency) {
    const c = r.str(currency.value, currency.keyRange, '`fx: currency:`');
    if (c && !/^[A-Za-z]{3}$/.test(c.value.trim())) {
      r.problem(
        'wrong-type',
        'warning',
        `'${c.value}' does not look like a currency code (three letters, for example CHF).`,
        c.range,
      );
    }
    if (c) out.currency = { value: c.value.trim().toUpperCase(), range: c.range };
  }
  const rate = pairs.get('rate');
  if (rate) {
    out.rate = r.percent(rate.value, rate.keyRange, '`fx: rate:`');
    if (out.rate && !out.rate.value.gt(0)) {
      r.problem(
        'invalid-number',
        'error',
        `An exchange rate must be above zero, not ${out.rate.value.toFixed()}.`,
        out.rate.range,
      );
    }
  }
  if (s.value === 'fixed' && (!out.currency || !out.rate)) {
    r.problem(
      'missing-key',
      'error',
      '`fx: { source: fixed }` needs the invoice `currency:` and the `rate:` ' +
        '(invoice-currency units per billing-currency unit).',
      out.range,
    );
  }
  if (s.value === 'billing') {
    for (const extra of [out.currency, out.rate]) {
      if (extra)
        r.problem(
          'setting-ignored',
          'warning',
          'With `source: billing` invoices keep the billing currency and its rates: this is ignored.',
          extra.range,
        );
    }
  }
  return out;
}

function readPrices(r: SectionReader, value: unknown, keyRange: Range, what: string): InvoicePrices {
  const pairs = r.pairs(value, 'invoicePrices', what, keyRange);
  const out: InvoicePrices = {};
  if (!pairs) return out;
  for (const cls of CHARGE_CLASSES) {
    const p = pairs.get(cls);
    if (!p) continue;
    const price = readPrice(r, p.value, p.keyRange, `\`${cls}:\``);
    if (price) out[cls as ChargeClass] = price;
  }
  return out;
}

function readPrice(r: SectionReader, value: unknown, keyRange: Range, what: string): InvoicePrice | undefined {
  const pairs = r.pairs(value, 'invoicePrice', `The price of ${what}`, keyRange);
  if (!pairs) return undefined;
  const out: InvoicePrice = { range: r.rangeOf(value, keyRange) };
  const markup = pairs.get('markup');
  if (markup) out.markup = r.percent(markup.value, markup.keyRange, `\`markup:\` of ${what}`);
  const discount = pairs.get('discount');
  if (discount) {
    out.discount = r.percent(discount.value, discount.keyRange, `\`discount:\` of ${what}`);
    if (out.discount && (out.discount.value.isNegative() || out.discount.value.gt(100))) {
      r.problem(
        'invalid-number',
        'error',
        `A discount is a percentage from 0 to 100, not ${out.discount.value.toFixed()}.`,
        out.discount.range,
      );
    }
  }
  if (markup && discount) {
    r.problem(
      'setting-ignored',
      'error',
      `The price of ${what} has both \`markup:\` and \`discount:\`; say one of them.`,
      discount.keyRange,
    );
  }
  if (!markup && !discount)
    r.problem(
      'missing-key',
      'warning',
      `The price of ${what} names neither \`markup:\` nor \`discount:\`: the class is invoiced at cost.`,
      out.range,
    );
  return out;
}

function readCustomers(r: SectionReader, value: unknown, keyRange: Range): InvoiceCustomerDecl[] {
  const entries = r.entries(value, keyRange, '`customers:` (CustomerId or CustomerName -> settings)');
  if (!entries) return [];
  const out: InvoiceCustomerDecl[] = [];
  const seen = new Map<string, string>();
  const seenSubscriptions = new Map<string, string>();
  for (const e of entries) {
    const lower = e.key.trim().toLowerCase();
    if (seen.has(lower)) {
      r.problem(
        'duplicate-target',
        'error',
        `Customer '${e.key}' is listed twice (customers are compared case-insensitively).`,
        e.keyRange,
      );
      continue;
    }
    seen.set(lower, e.key);
    const c: InvoiceCustomerDecl = { key: e.key, keyRange: e.keyRange, prices: {}, subscriptions: [] };
    out.push(c);
    if (e.empty) continue;
    const pairs = r.pairs(e.value, 'invoiceCustomer', `Customer '${e.key}'`, e.keyRange);
    if (!pairs) continue;
    const name = pairs.get('name');
    if (name) c.name = r.str(name.value, name.keyRange, `\`name:\` of customer '${e.key}'`);
    const pm = pairs.get('paymentModel');
    if (pm) c.paymentModel = r.enumValue<PaymentModel>(pm.value, pm.keyRange, 'paymentModel', 'payment model');
    const g = pairs.get('grouping');
    if (g) c.grouping = r.enumValue<InvoiceGrouping>(g.value, g.keyRange, 'invoiceGrouping', 'grouping (`grouping:`)');
    const common = pairs.get('commonSubscription');
    if (common)
      c.commonSubscription = r.str(common.value, common.keyRange, `\`commonSubscription:\` of customer '${e.key}'`);
    const prices = pairs.get('prices');
    if (prices) c.prices = readPrices(r, prices.value, prices.keyRange, `\`prices:\` of customer '${e.key}'`);
    const subs = pairs.get('subscriptions');
    if (subs) c.subscriptions = readSubscriptions(r, subs.value, subs.keyRange, e.key, seenSubscriptions);
  }
  return out;
}

function readSubscriptions(
  r: SectionReader,
  value: unknown,
  keyRange: Range,
  customer: string,
  seen: Map<string, string>,
): InvoiceSubscriptionDecl[] {
  const entries = r.entries(
    value,
    keyRange,
    `\`subscriptions:\` of customer '${customer}' (subscription id -> settings)`,
  );
  if (!entries) return [];
  const out: InvoiceSubscriptionDecl[] = [];
  for (const e of entries) {
    const lower = e.key.trim().toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) {
      r.problem(
        'duplicate-reference',
        'error',
        `Subscription '${e.key}' is already listed under customer '${earlier}'.`,
        e.keyRange,
      );
      continue;
    }
    seen.set(lower, customer);
    const s: InvoiceSubscriptionDecl = { id: e.key.trim(), idRange: e.keyRange };
    out.push(s);
    if (e.empty) continue;
    const pairs = r.pairs(e.value, 'invoiceSubscription', `Subscription '${e.key}'`, e.keyRange);
    if (!pairs) continue;
    const name = pairs.get('name');
    if (name) s.name = r.str(name.value, name.keyRange, `\`name:\` of subscription '${e.key}'`);
    const status = pairs.get('status');
    if (status)
      s.status = r.enumValue<SubscriptionStatus>(
        status.value,
        status.keyRange,
        'subscriptionStatus',
        'subscription status',
      );
    const pm = pairs.get('paymentModel');
    if (pm) s.paymentModel = r.enumValue<PaymentModel>(pm.value, pm.keyRange, 'paymentModel', 'payment model');
  }
  return out;
}

function readReservations(r: SectionReader, value: unknown, keyRange: Range): InvoiceReservationDecl[] {
  const entries = r.entries(value, keyRange, '`reservations:` (reservation order id -> scope)');
  if (!entries) return [];
  const out: InvoiceReservationDecl[] = [];
  for (const e of entries) {
    const d: InvoiceReservationDecl = { id: e.key.trim(), idRange: e.keyRange };
    out.push(d);
    if (e.empty) {
      r.problem(
        'missing-key',
        'error',
        `Reservation '${e.key}' needs \`scope:\` (\`shared\` or a subscription id).`,
        e.keyRange,
      );
      continue;
    }
    const pairs = r.pairs(e.value, 'invoiceReservation', `Reservation '${e.key}'`, e.keyRange);
    const scope = pairs?.get('scope');
    if (scope) d.scope = r.str(scope.value, scope.keyRange, `\`scope:\` of reservation '${e.key}'`);
  }
  return out;
}
