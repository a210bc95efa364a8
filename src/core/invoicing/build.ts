/**
 * Builds a reseller's customer invoices from cost lines under the rules of a reseller platform (domain page,
 * section 3): reservation consumption within the subscription of the reservation's scope (a shared one within the
 * first subscription, not Deleted, to which it applied); savings plan and third-party consumption within one
 * subscription of the customer; refunds of main consumption reduce its charge, each refund of an additional resource
 * is its own negative line; invoices grouped per subscription or per payment model; prepaid totals move the balance,
 * postpaid totals at or below zero create no payment. Pure: lines in, invoices and problems out.
 */
import type Decimal from 'decimal.js';
import { Dec, ZERO, roundCents } from '../money';
import type { CostLine } from '../allocation/costLine';
import { commitmentKey, pecFraction } from '../allocation/compileRules';
import type {
  ChargeClass,
  InvoiceCustomerDecl,
  InvoiceGrouping,
  InvoicePrices,
  InvoicingSetting,
  PaymentModel,
  SubscriptionStatus,
} from '../allocation/model';
import type { Range } from '../allocation/problems';
import type {
  Invoice,
  InvoiceLine,
  InvoicePriceApplied,
  InvoiceProblem,
  InvoiceSource,
  InvoiceStatus,
  InvoiceSubscription,
} from './model';

export const CLASS_LABELS: Record<ChargeClass, string> = {
  consumption: 'Azure consumption',
  reservation: 'Reservation',
  savingsPlan: 'Savings plan',
  marketplace: 'Third-party',
  seats: 'Seats',
};
const CLASS_ORDER: readonly ChargeClass[] = ['consumption', 'reservation', 'savingsPlan', 'marketplace', 'seats'];

/** The charge class of a billing row, from what the row itself says. */
export function chargeClassOf(line: CostLine): ChargeClass {
  const text = `${line.product} ${line.sku} ${line.meterCategory} ${line.benefitType ?? ''}`;
  const isSavingsPlan = /savings\s*plan/i.test(text);
  if (line.reservationOrderId) return isSavingsPlan ? 'savingsPlan' : 'reservation';
  // BenefitType "Charge" with an empty BenefitId is ordinary pay-as-you-go usage (domain page, section 1a).
  const benefitType = (line.benefitType ?? '').trim().toLowerCase();
  const covered = !!line.benefitId || (benefitType !== '' && benefitType !== 'charge');
  if (covered && (line.benefitOrderId || line.benefitId)) {
    if (/savings/.test(benefitType) || isSavingsPlan) return 'savingsPlan';
    return 'reservation';
  }
  const publisher = (line.publisher ?? '').trim();
  if (publisher !== '' && !/^microsoft/i.test(publisher)) return 'marketplace';
  if (line.sourceKind === 'reconciliation' && line.meterName === '') return 'seats';
  return 'consumption';
}

/** The subscription a row belongs to: the Azure subscription (EntitlementId), else the Partner Center one. */
export function subscriptionOf(line: CostLine): string {
  return (line.entitlement || line.subscription).trim();
}

/** The reservation or savings plan a row bought or used. */
function commitmentOf(line: CostLine): string {
  return (
    commitmentKey(line.reservationOrderId) ??
    commitmentKey(line.benefitOrderId) ??
    commitmentKey(line.benefitId) ??
    '(unknown order)'
  );
}

export interface BuildOptions {
  status: InvoiceStatus;
}

export interface BuildResult {
  invoices: Invoice[];
  problems: InvoiceProblem[];
}

interface SubState {
  id: string;
  name: string;
  status: SubscriptionStatus;
  statusStated: boolean;
  paymentModel?: PaymentModel;
  /** Position under `subscriptions:`; unlisted ones come after, by id. */
  listed: number;
}

interface CustomerState {
  id: string;
  name: string;
  decl?: InvoiceCustomerDecl;
  lines: CostLine[];
  subs: Map<string, SubState>;
}

interface Placed {
  line: CostLine;
  cls: ChargeClass;
  sub: string;
  placement: string;
  group: string;
  groupLabel: string;
}

const lower = (s: string): string => s.trim().toLowerCase();

function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, 40) || 'customer';
}

function periodOf(lines: readonly CostLine[]): string {
  let min: string | undefined;
  for (const l of lines) {
    const d = l.billingPeriodStart ?? l.date;
    if (d && (min === undefined || d < min)) min = d;
  }
  return min ? min.slice(0, 7) : 'period';
}

export function buildInvoices(
  lines: readonly CostLine[],
  setting: InvoicingSetting,
  options: BuildOptions,
): BuildResult {
  const problems: InvoiceProblem[] = [];
  const period = periodOf(lines);
  const customers = groupCustomers(lines, setting, problems);
  const invoices: Invoice[] = [];
  const usedIds = new Set<string>();
  for (const c of customers) {
    const placed = placeLines(c, setting, problems);
    if (!placed) continue;
    for (const inv of invoicesOf(c, placed, setting, options.status, period, problems)) {
      let id = inv.id;
      for (let n = 2; usedIds.has(id); n++) id = `${inv.id}-${n}`;
      usedIds.add(id);
      inv.id = id;
      invoices.push(inv);
    }
  }
  return { invoices, problems };
}

function groupCustomers(
  lines: readonly CostLine[],
  setting: InvoicingSetting,
  problems: InvoiceProblem[],
): CustomerState[] {
  const byId = new Map<string, CustomerState>();
  const matchedDecls = new Set<InvoiceCustomerDecl>();
  for (const line of lines) {
    const id = (line.customerId || line.customer).trim();
    const key = lower(id);
    let c = byId.get(key);
    if (!c) {
      const decl = setting.customers.find((d) => lower(d.key) === key || lower(d.key) === lower(line.customer));
      if (decl) matchedDecls.add(decl);
      c = { id, name: decl?.name?.value ?? (line.customer.trim() || id), decl, lines: [], subs: new Map() };
      byId.set(key, c);
    }
    c.lines.push(line);
  }
  for (const d of setting.customers) {
    if (!matchedDecls.has(d)) {
      problems.push({
        code: 'unknown-customer',
        severity: 'warning',
        range: d.keyRange,
        message:
          `Customer '${d.key}' has no billing row in this data (neither CustomerId nor CustomerName): no ` +
          `invoice is made for it.`,
      });
    }
  }
  for (const c of byId.values()) {
    (c.decl?.subscriptions ?? []).forEach((s, i) => {
      c.subs.set(lower(s.id), {
        id: s.id,
        name: s.name?.value ?? s.id,
        status: s.status?.value ?? 'Active',
        statusStated: !!s.status,
        paymentModel: s.paymentModel?.value,
        listed: i,
      });
    });
    for (const line of c.lines) {
      const id = subscriptionOf(line);
      // A purchase row's SubscriptionId is the commitment's own, not a subscription that consumes.
      const cls = chargeClassOf(line);
      if (id === '' || (!line.entitlement && cls !== 'consumption' && cls !== 'seats')) continue;
      const existing = c.subs.get(lower(id));
      if (existing) {
        if (existing.name === existing.id && line.entitlementName && lower(line.entitlement) === lower(id))
          existing.name = line.entitlementName;
        continue;
      }
      const name =
        (lower(line.entitlement) === lower(id) && line.entitlementName) ||
        (line.sourceKind === 'reconciliation' ? line.product : '') ||
        id;
      c.subs.set(lower(id), { id, name, status: 'Active', statusStated: false, listed: Number.MAX_SAFE_INTEGER });
    }
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, 'en') || a.id.localeCompare(b.id, 'en'));
}

function listedOrder(c: CustomerState): SubState[] {
  return [...c.subs.values()].sort((a, b) => a.listed - b.listed || a.id.localeCompare(b.id, 'en'));
}

function orderDescription(c: CustomerState): string {
  return c.decl && c.decl.subscriptions.length > 0
    ? `the order listed under customer '${c.decl.key}' in \`subscriptions:\`, then by id`
    : 'by subscription id (no `subscriptions:` listed for this customer)';
}

/** Decides the subscription of every line; undefined when a rules-file setting points nowhere (an error). */
function placeLines(c: CustomerState, setting: InvoicingSetting, problems: InvoiceProblem[]): Placed[] | undefined {
  let failed = false;
  const subByKey = (id: string): SubState | undefined => c.subs.get(lower(id));

  // The one subscription of savings plan and third-party consumption.
  let common: { sub: SubState; why: string } | undefined;
  const commonSub = (): { sub: SubState; why: string } | undefined => {
    if (common) return common;
    const stated = c.decl?.commonSubscription;
    if (stated) {
      const s = subByKey(stated.value);
      if (!s) {
        problems.push({
          code: 'unknown-subscription',
          severity: 'error',
          range: stated.range,
          message:
            `\`commonSubscription: ${stated.value}\` names no subscription of customer '${c.name}' (known: ` +
            `${[...c.subs.values()].map((x) => x.id).join(', ') || 'none'}).`,
        });
        failed = true;
        return undefined;
      }
      common = { sub: s, why: `within ${s.name} (${s.id}), the subscription stated as \`commonSubscription\`` };
      return common;
    }
    const first = listedOrder(c).find((s) => s.status !== 'Deleted');
    if (!first) {
      problems.push({
        code: 'no-eligible-subscription',
        severity: 'error',
        range: c.decl?.keyRange,
        message:
          `Customer '${c.name}' has no subscription that is not Deleted: savings plan, third-party and shared ` +
          `reservation charges have nowhere to go. Set \`commonSubscription:\`.`,
      });
      failed = true;
      return undefined;
    }
    common = {
      sub: first,
      why:
        `within ${first.name} (${first.id}), the customer's first subscription not in status Deleted ` +
        `(${orderDescription(c)})`,
    };
    return common;
  };

  // Reservations: which subscriptions each one applied to, and from which day.
  const applied = new Map<string, Map<string, string>>();
  for (const line of c.lines) {
    if (line.reservationOrderId || chargeClassOf(line) !== 'reservation') continue;
    const order = commitmentOf(line);
    const sub = subscriptionOf(line);
    // Covered usage without an Azure subscription says nothing about where the reservation applied.
    if (!sub || !c.subs.has(lower(sub))) continue;
    let m = applied.get(order);
    if (!m) applied.set(order, (m = new Map()));
    const day = line.date ?? '9999-12-31';
    const k = lower(sub);
    if (!m.has(k) || day < m.get(k)!) m.set(k, day);
  }
  const reservationPlace = new Map<string, { sub: SubState; why: string } | undefined>();
  const placeReservation = (order: string): { sub: SubState; why: string } | undefined => {
    if (reservationPlace.has(order)) return reservationPlace.get(order);
    const decl = setting.reservations.find((r) => commitmentKey(r.id) === order);
    const scope = decl?.scope;
    const uses = applied.get(order) ?? new Map<string, string>();
    let out: { sub: SubState; why: string } | undefined;
    if (scope && lower(scope.value) !== 'shared') {
      const s = subByKey(scope.value);
      if (!s) {
        problems.push({
          code: 'unknown-subscription',
          severity: 'error',
          range: scope.range,
          message:
            `Reservation ${decl!.id} is scoped to subscription '${scope.value}', which is no subscription of ` +
            `customer '${c.name}' (known: ${[...c.subs.values()].map((x) => x.id).join(', ') || 'none'}).`,
        });
        failed = true;
      } else {
        if (s.status === 'Deleted') {
          problems.push({
            code: 'scope-to-deleted',
            severity: 'warning',
            range: scope.range,
            message:
              `Reservation ${decl!.id} is scoped to ${s.name} (${s.id}), which is Deleted: its charges are ` +
              `still counted there, as its scope says.`,
          });
        }
        out = {
          sub: s,
          why:
            `single-subscription reservation: counted within ${s.name} (${s.id}), the subscription of its scope ` +
            `(stated under \`reservations:\`)`,
        };
      }
    } else if (!scope && uses.size === 1) {
      const s = subByKey([...uses.keys()][0])!;
      out = {
        sub: s,
        why:
          `counted within ${s.name} (${s.id}), the one subscription it applied to (no scope stated under ` +
          `\`reservations:\`)`,
      };
    } else {
      const orderKind = setting.subscriptionOrder?.value ?? 'firstUse';
      const candidates = [...uses.entries()]
        .map(([k, day]) => ({ sub: c.subs.get(k)!, day }))
        .sort(
          (a, b) =>
            (orderKind === 'firstUse' ? a.day.localeCompare(b.day) : 0) ||
            a.sub.listed - b.sub.listed ||
            a.sub.id.localeCompare(b.sub.id, 'en'),
        );
      const chosen = candidates.find((x) => x.sub.status !== 'Deleted');
      const skipped = candidates
        .slice(0, chosen ? candidates.indexOf(chosen) : candidates.length)
        .map((x) => `${x.sub.name} (${x.sub.status})`);
      const orderText =
        orderKind === 'firstUse'
          ? 'order: earliest covered usage first, ties as listed'
          : `order: ${orderDescription(c)}`;
      const shared = scope ? 'shared reservation' : `reservation that applied to ${uses.size} subscriptions, so shared`;
      if (chosen) {
        out = {
          sub: chosen.sub,
          why:
            `${shared}: counted within ${chosen.sub.name} (${chosen.sub.id}), the first subscription not in ` +
            `status Deleted to which it applied ` +
            `(${orderText}${orderKind === 'firstUse' ? `; first covered usage ${chosen.day}` : ''})` +
            (skipped.length ? `; skipped: ${skipped.join(', ')}` : ''),
        };
      } else {
        const fallback = commonSub();
        if (fallback) {
          out = {
            sub: fallback.sub,
            why:
              `${shared}: it applied to no subscription that is not ` +
              `Deleted${skipped.length ? ` (${skipped.join(', ')})` : ' in this data'}, so it is counted ` +
              `${fallback.why}`,
          };
        }
      }
    }
    reservationPlace.set(order, out);
    return out;
  };

  const placed: Placed[] = [];
  for (const line of c.lines) {
    const cls = chargeClassOf(line);
    let where: { sub: SubState; why: string } | undefined;
    let group = '';
    let groupLabel = '';
    if (cls === 'reservation') {
      const order = commitmentOf(line);
      where = placeReservation(order);
      group = order;
      groupLabel = `order ${order}`;
    } else if (cls === 'savingsPlan' || cls === 'marketplace') {
      const c0 = commonSub();
      where = c0 && {
        sub: c0.sub,
        why:
          `${cls === 'savingsPlan' ? 'savings plan' : 'third-party'} consumption of all of the customer's ` +
          `subscriptions is counted ${c0.why}`,
      };
      group = cls === 'savingsPlan' ? commitmentOf(line) : `${line.publisher ?? ''}|${line.product}`;
      groupLabel =
        cls === 'savingsPlan' ? `order ${group}` : `${line.product}${line.publisher ? ` (${line.publisher})` : ''}`;
    } else {
      const id = subscriptionOf(line);
      const s = subByKey(id);
      where = s && {
        sub: s,
        why: `${cls === 'seats' ? 'seats' : 'consumption'} of ${s.name} (${s.id}), counted within its own subscription`,
      };
      group = cls === 'seats' ? `${line.product}|${line.sku}` : line.meterCategory || '(no meter category)';
      groupLabel =
        cls === 'seats'
          ? `${line.product}${line.sku && lower(line.sku) !== lower(line.product) ? ` ${line.sku}` : ''}`
          : line.meterCategory || '(no meter category)';
    }
    if (!where) {
      if (!failed && cls !== 'reservation' && cls !== 'savingsPlan' && cls !== 'marketplace') {
        problems.push({
          code: 'unknown-subscription',
          severity: 'error',
          source: { path: line.file, line: line.line },
          message:
            `This row of customer '${c.name}' names no subscription (EntitlementId and SubscriptionId are ` +
            `empty): it cannot be invoiced.`,
        });
      }
      failed = true;
      continue;
    }
    placed.push({ line, cls, sub: where.sub.id, placement: where.why, group, groupLabel });
  }
  return failed ? undefined : placed;
}

function priceOf(cls: ChargeClass, c: CustomerState, setting: InvoicingSetting): InvoicePriceApplied {
  const pick = (prices: InvoicePrices | undefined, from: string): InvoicePriceApplied | undefined => {
    const p = prices?.[cls];
    if (!p) return undefined;
    if (p.markup) return { kind: 'markup', percent: p.markup.value, from: `${from}.${cls}`, range: p.markup.range };
    if (p.discount)
      return { kind: 'discount', percent: p.discount.value, from: `${from}.${cls}`, range: p.discount.range };
    return { kind: 'cost', percent: ZERO, from: `${from}.${cls}`, range: p.range };
  };
  return (
    pick(c.decl?.prices, `invoicing.customers.${c.decl?.key}.prices`) ??
    pick(setting.prices, 'invoicing.prices') ?? {
      kind: 'cost',
      percent: ZERO,
      from: 'no price set for this class: at cost',
    }
  );
}

function factorOf(p: InvoicePriceApplied): Decimal {
  if (p.kind === 'markup') return new Dec(1).plus(p.percent.div(100));
  if (p.kind === 'discount') return new Dec(1).minus(p.percent.div(100));
  return new Dec(1);
}

function sourceOf(line: CostLine): InvoiceSource {
  const s: InvoiceSource = { path: line.file, line: line.line, billed: line.billed, currency: line.currency };
  if (line.fx) s.fx = line.fx;
  const pec = pecFraction(line);
  if (pec) s.pec = pec;
  if (line.date) s.date = line.date;
  return s;
}

function invoicesOf(
  c: CustomerState,
  placed: readonly Placed[],
  setting: InvoicingSetting,
  status: InvoiceStatus,
  period: string,
  problems: InvoiceProblem[],
): Invoice[] {
  const grouping: InvoiceGrouping = c.decl?.grouping?.value ?? setting.grouping?.value ?? 'per-payment-model';
  const defaultModel: PaymentModel = c.decl?.paymentModel?.value ?? setting.paymentModel?.value ?? 'postpaid';
  const keepPec = setting.pec?.value === 'keep';
  const fixed = setting.fx?.source.value === 'fixed' ? setting.fx : undefined;
  const byInvoice = new Map<string, { model: PaymentModel; items: Placed[] }>();
  for (const p of placed) {
    const sub = c.subs.get(lower(p.sub))!;
    const model = sub.paymentModel ?? defaultModel;
    const key = grouping === 'per-subscription' ? `sub|${lower(sub.id)}` : `model|${model}`;
    let inv = byInvoice.get(key);
    if (!inv) byInvoice.set(key, (inv = { model, items: [] }));
    inv.items.push(p);
  }
  const out: Invoice[] = [];
  for (const [key, { model, items }] of [...byInvoice.entries()].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
    const subIds = [...new Set(items.map((p) => lower(p.sub)))];
    const subs: InvoiceSubscription[] = subIds
      .map((k) => c.subs.get(k)!)
      .sort((a, b) => a.listed - b.listed || a.id.localeCompare(b.id, 'en'))
      .map((s) => ({ id: s.id, name: s.name, status: s.status, statusStated: s.statusStated }));
    const groupSlug = key.startsWith('sub|') ? slug(c.subs.get(key.slice(4))!.name) : model;
    const id = `${period}-${slug(c.name)}-${groupSlug}`;

    // Lines: main consumption nets its negatives; each refund of an additional resource stays its own line.
    const lineMap = new Map<string, { p: Placed; rows: CostLine[]; refund: boolean }>();
    const refundCount = new Map<string, number>();
    for (const p of items) {
      const refund = p.cls !== 'consumption' && p.line.billed.isNegative();
      let k = `${p.cls}|${lower(p.sub)}|${lower(p.group)}`;
      if (refund) {
        const base = `${k}|refund|${p.line.date ?? ''}`;
        const n = (refundCount.get(base) ?? 0) + 1;
        refundCount.set(base, n);
        k = `${base}|${n}`;
      }
      let entry = lineMap.get(k);
      if (!entry) lineMap.set(k, (entry = { p, rows: [], refund }));
      entry.rows.push(p.line);
    }
    const subRank = new Map(subs.map((s, i) => [lower(s.id), i]));
    const entries = [...lineMap.entries()].sort(
      ([ka, a], [kb, b]) =>
        CLASS_ORDER.indexOf(a.p.cls) - CLASS_ORDER.indexOf(b.p.cls) ||
        (subRank.get(lower(a.p.sub)) ?? 0) - (subRank.get(lower(b.p.sub)) ?? 0) ||
        Number(a.refund) - Number(b.refund) ||
        a.p.groupLabel.localeCompare(b.p.groupLabel, 'en') ||
        ka.localeCompare(kb, 'en'),
    );
    // The first row of each currency, in input order, so that a mix is reported on the row that starts it.
    const currencies = new Map<string, CostLine>();
    for (const p of items) if (!currencies.has(p.line.currency)) currencies.set(p.line.currency, p.line);
    const lines: InvoiceLine[] = [];
    for (const [k, { p, rows, refund }] of entries) {
      const sub = c.subs.get(lower(p.sub))!;
      let cost: Decimal = ZERO;
      let base: Decimal = ZERO;
      for (const r of rows) {
        cost = cost.plus(r.billed);
        const pec = keepPec ? pecFraction(r) : undefined;
        base = base.plus(pec ? r.billed.div(new Dec(1).minus(pec)) : r.billed);
      }
      const price = priceOf(p.cls, c, setting);
      let exact = base.times(factorOf(price));
      if (fixed?.rate) exact = exact.times(fixed.rate.value);
      const label = CLASS_LABELS[p.cls];
      // A commitment is named by what was bought (the purchase row's product) when the data has its purchase.
      const purchase =
        p.cls === 'reservation' || p.cls === 'savingsPlan' ? rows.find((r) => r.reservationOrderId) : undefined;
      const groupLabel = purchase
        ? `${purchase.product} (${p.groupLabel})`
        : p.cls === 'reservation' || p.cls === 'savingsPlan'
          ? `${p.groupLabel}, covered usage`
          : p.groupLabel;
      const where = lower(sub.name) === lower(groupLabel) ? '' : ` - ${sub.name}`;
      const description = refund
        ? `Refund: ${label.toLowerCase()} ${groupLabel}${rows[0].date ? ` (${rows[0].date})` : ''}${where}`
        : `${label}: ${groupLabel}${where}`;
      lines.push({
        number: lines.length + 1,
        key: k,
        description,
        kind: p.cls,
        refund,
        subscriptionId: sub.id,
        subscriptionName: sub.name,
        cost,
        base,
        pecKept: base.minus(cost),
        price,
        fxRate: fixed?.rate?.value,
        exact,
        amount: roundCents(exact),
        placement: p.placement,
        sources: rows.map(sourceOf),
      });
    }
    let currency = fixed?.currency?.value ?? [...currencies.keys()][0] ?? '';
    if (!fixed && currencies.size > 1) {
      const [first, second] = [...currencies.values()];
      problems.push({
        code: 'currency-mix',
        severity: 'error',
        source: { path: second.file, line: second.line },
        message:
          `Invoice ${id} (${c.name}, ${status}) would mix currencies ${[...currencies.keys()].join(' and ')}: ` +
          `this row is in ${second.currency}, the row at ${first.file}:${first.line} in ${first.currency}. Set ` +
          `\`invoicing: fx: { source: fixed, currency: ..., rate: ... }\` or split the data.`,
      });
      currency = [...currencies.keys()].join('+');
      continue;
    }
    const total = lines.reduce((s, l) => s.plus(l.amount), ZERO as Decimal);
    const cost = lines.reduce((s, l) => s.plus(l.cost), ZERO as Decimal);
    const pecKept = lines.reduce((s, l) => s.plus(l.pecKept), ZERO as Decimal);
    const money = (d: Decimal): string => `${currency} ${roundCents(d.abs()).toFixed(2)}`;
    let paymentDue: Decimal = ZERO;
    let balanceChange: Decimal = ZERO;
    let note: string;
    if (model === 'postpaid') {
      if (total.gt(0)) {
        paymentDue = total;
        note = `Payment due: ${money(total)}.`;
      } else note = `No payment due: the total is ${total.isZero() ? 'zero' : 'below zero'}, so no payment is created.`;
    } else {
      balanceChange = total.neg();
      note = total.gt(0)
        ? `Prepaid: settled from the account balance, which goes down by ${money(total)}.`
        : total.isZero()
          ? 'Prepaid: the account balance does not change.'
          : `Prepaid: the refund raises the account balance by ${money(total)}.`;
    }
    out.push({
      id,
      status,
      customer: c.name,
      customerId: c.id,
      period,
      paymentModel: model,
      grouping,
      subscriptions: subs,
      currency,
      lines,
      total,
      cost,
      pecKept,
      paymentDue,
      balanceChange,
      note,
    });
    for (const s of subs) {
      const unlisted = c.subs.get(lower(s.id))?.listed === Number.MAX_SAFE_INTEGER;
      if (unlisted && c.decl && c.decl.subscriptions.length > 0) {
        problems.push({
          code: 'status-not-stated',
          severity: 'info',
          range: c.decl.keyRange,
          message:
            `Subscription ${s.name} (${s.id}) of customer '${c.name}' is not listed under \`subscriptions:\`: ` +
            `it is taken as Active.`,
        });
      }
    }
  }
  return out;
}

/** Where a problem is, for messages: a billing row or a place in the rules file. */
export function problemPlace(p: InvoiceProblem, rulesPath: string): { path: string; line: number; column: number } {
  if (p.source) return { path: p.source.path, line: p.source.line, column: 1 };
  const r: Range | undefined = p.range;
  return { path: rulesPath, line: (r?.start.line ?? 0) + 1, column: (r?.start.character ?? 0) + 1 };
}
