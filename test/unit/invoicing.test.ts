/**
 * Customer invoicing, rule by rule, on small hand-made cases: the `invoicing:` section of the rules language, and the
 * reseller platform's rules (domain page, section 3) as buildInvoices applies them to cost lines: reservation
 * consumption by scope (a shared one whose first subscription was deleted), savings plan and third-party consumption
 * within one subscription, refunds (main consumption nets, additional resources get their own negative lines),
 * postpaid and prepaid totals at or below zero, markups and discounts per class, PEC kept or passed on, FX, grouping,
 * and what a final invoice shows changed since its draft.
 */
import { strict as assert } from 'node:assert';
import { Dec } from '../../src/core/money';
import { parseRules } from '../../src/core/allocation/parseRules';
import type { CostLine } from '../../src/core/allocation/costLine';
import type { InvoicingSetting } from '../../src/core/allocation/model';
import { buildInvoices, chargeClassOf } from '../../src/core/invoicing/build';
import { changesSinceDraft } from '../../src/core/invoicing/changes';
import type { Invoice } from '../../src/core/invoicing/model';

let lineNo = 1;
function row(spec: Partial<Omit<CostLine, 'billed'>> & { billed: string }): CostLine {
  const { billed, ...rest } = spec;
  return {
    file: '/data/daily.csv',
    line: ++lineNo,
    sourceKind: 'daily-usage',
    billed: new Dec(billed),
    currency: 'EUR',
    customer: 'Fabrikam',
    customerId: 'c-fab',
    subscription: 'plan-1',
    entitlement: 'sub-prod',
    entitlementName: 'prod',
    resourceGroup: '',
    resource: '',
    meterCategory: 'Virtual Machines',
    meterSubCategory: '',
    meterName: 'D2s v5',
    meterId: 'm-1',
    product: 'Virtual Machines Dv5 Series',
    sku: 'D2s v5',
    region: '',
    chargeType: 'new',
    invoice: 'G1',
    tags: {},
    date: '2026-08-03',
    billingPeriodStart: '2026-08-01',
    benefitType: 'Charge',
    publisher: 'Microsoft',
    ...rest,
  };
}

function setting(yaml: string): InvoicingSetting {
  const parsed = parseRules(`chargeback: 1\ninvoicing:\n${yaml}`);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  assert.deepEqual(errors, [], 'the test rules must be valid');
  return parsed.model.invoicing!;
}

const final = { status: 'final' as const };
const money = (inv: Invoice): string => inv.total.toFixed(2);

describe('invoicing: the rules section', () => {
  it('reads grouping, payment models, statuses, prices, PEC, FX, customers and reservations', () => {
    const s = setting(
      [
        '  grouping: per-subscription',
        '  paymentModel: prepaid',
        '  draft: ./unbilled/*.csv',
        '  pec: keep',
        '  fx: { source: fixed, currency: chf, rate: 0.94 }',
        '  prices: { consumption: { markup: 8 }, seats: { discount: 3 } }',
        '  customers:',
        '    c-fab:',
        '      commonSubscription: sub-prod',
        '      subscriptions:',
        '        sub-old: { status: Deleted }',
        '        sub-prod: { name: prod, paymentModel: postpaid }',
        '  reservations:',
        '    ro-1: { scope: shared }',
      ].join('\n') + '\n',
    );
    assert.equal(s.grouping?.value, 'per-subscription');
    assert.equal(s.paymentModel?.value, 'prepaid');
    assert.deepEqual(
      s.draft.map((d) => d.value),
      ['./unbilled/*.csv'],
    );
    assert.equal(s.pec?.value, 'keep');
    assert.equal(s.fx?.currency?.value, 'CHF');
    assert.equal(s.fx?.rate?.value.toFixed(), '0.94');
    assert.equal(s.prices.consumption?.markup?.value.toFixed(), '8');
    assert.equal(s.prices.seats?.discount?.value.toFixed(), '3');
    assert.deepEqual(
      s.customers[0].subscriptions.map((x) => [x.id, x.status?.value ?? '-', x.paymentModel?.value ?? '-']),
      [
        ['sub-old', 'Deleted', '-'],
        ['sub-prod', '-', 'postpaid'],
      ],
    );
    assert.equal(s.reservations[0].scope?.value, 'shared');
  });

  it('refuses an unknown subscription status, on the value, naming the allowed ones', () => {
    const text =
      'chargeback: 1\ninvoicing:\n  customers:\n    c-1:\n      subscriptions:\n        s-1: { status: Removed }\n';
    const p = parseRules(text).problems.find((x) => x.code === 'invalid-enum');
    assert.ok(p, 'an invalid-enum problem');
    assert.equal(p.severity, 'error');
    assert.equal(p.range.start.line, 5);
    assert.equal(text.split('\n')[5].slice(p.range.start.character, p.range.end.character), 'Removed');
    assert.match(p.message, /Active, Suspended, Disabled, Expired, Deleted/);
  });

  it('refuses a price with both markup and discount, and a fixed FX without rate', () => {
    const a = parseRules('chargeback: 1\ninvoicing:\n  prices: { seats: { markup: 5, discount: 2 } }\n').problems;
    assert.ok(a.some((p) => p.severity === 'error' && /both `markup:` and `discount:`/.test(p.message)));
    const b = parseRules('chargeback: 1\ninvoicing:\n  fx: { source: fixed, currency: CHF }\n').problems;
    assert.ok(b.some((p) => p.code === 'missing-key' && p.severity === 'error'));
  });

  it('refuses a discount above 100% and unknown keys, with a suggestion', () => {
    const a = parseRules('chargeback: 1\ninvoicing:\n  prices: { seats: { discount: 120 } }\n').problems;
    assert.ok(a.some((p) => p.code === 'invalid-number'));
    const b = parseRules('chargeback: 1\ninvoicing:\n  grupping: per-subscription\n').problems;
    const unknown = b.find((p) => p.code === 'unknown-key');
    assert.ok(unknown && /grouping/.test(unknown.message));
  });

  it('refuses the same subscription under two customers', () => {
    const p = parseRules(
      'chargeback: 1\ninvoicing:\n  customers:\n' +
        '    a: { subscriptions: { s-1: {} } }\n    b: { subscriptions: { S-1: {} } }\n',
    ).problems;
    assert.ok(p.some((x) => x.code === 'duplicate-reference' && x.range.start.line === 4));
  });
});

describe('invoicing: charge classes', () => {
  it('tells consumption, reservation, savings plan, third-party and seats apart from the row alone', () => {
    assert.equal(chargeClassOf(row({ billed: '1' })), 'consumption');
    // BenefitType "Charge" with an empty BenefitId is ordinary usage, as in real billed months.
    assert.equal(chargeClassOf(row({ billed: '1', benefitType: 'Charge', benefitId: undefined })), 'consumption');
    assert.equal(
      chargeClassOf(row({ billed: '0', benefitType: 'Reservation', benefitOrderId: 'ro-1' })),
      'reservation',
    );
    assert.equal(
      chargeClassOf(row({ billed: '0', benefitType: 'SavingsPlan', benefitOrderId: 'sp-1' })),
      'savingsPlan',
    );
    assert.equal(chargeClassOf(row({ billed: '1', publisher: 'Canonical' })), 'marketplace');
    assert.equal(
      chargeClassOf(
        row({ billed: '9', sourceKind: 'reconciliation', reservationOrderId: 'ro-1', product: 'Reserved VM Instance' }),
      ),
      'reservation',
    );
    assert.equal(
      chargeClassOf(
        row({
          billed: '9',
          sourceKind: 'reconciliation',
          reservationOrderId: 'sp-1',
          product: 'Azure savings plan for compute',
        }),
      ),
      'savingsPlan',
    );
    assert.equal(
      chargeClassOf(
        row({ billed: '9', sourceKind: 'reconciliation', meterName: '', product: 'Microsoft 365 E3', entitlement: '' }),
      ),
      'seats',
    );
  });
});

describe('invoicing: reservations follow their scope', () => {
  const subs = [
    '  customers:',
    '    c-fab:',
    '      subscriptions:',
    '        sub-old: { status: Deleted }',
    '        sub-prod: {}',
    '        sub-dev: {}',
  ].join('\n');
  const lines = (): CostLine[] => [
    row({
      billed: '0',
      entitlement: 'sub-old',
      entitlementName: 'old',
      benefitType: 'Reservation',
      benefitOrderId: 'RO-1',
      date: '2026-08-01',
    }),
    row({
      billed: '0',
      entitlement: 'sub-dev',
      entitlementName: 'dev',
      benefitType: 'Reservation',
      benefitOrderId: 'RO-1',
      date: '2026-08-02',
    }),
    row({
      billed: '0',
      entitlement: 'sub-prod',
      entitlementName: 'prod',
      benefitType: 'Reservation',
      benefitOrderId: 'RO-1',
      date: '2026-08-05',
    }),
    row({
      billed: '100.00',
      sourceKind: 'reconciliation',
      entitlement: '',
      subscription: 'ri-sub',
      reservationOrderId: 'ro-1',
      product: 'Reserved VM Instance',
      meterName: '',
    }),
  ];

  it('counts a shared reservation within the first subscription, not Deleted, to which it applied, and says so', () => {
    const s = setting(`  reservations:\n    RO-1: { scope: shared }\n${subs}\n`);
    const { invoices, problems } = buildInvoices(lines(), s, final);
    assert.deepEqual(
      problems.filter((p) => p.severity !== 'info'),
      [],
    );
    const ri = invoices[0].lines.filter((l) => l.kind === 'reservation');
    assert.equal(ri.length, 1);
    assert.equal(ri[0].subscriptionId, 'sub-dev', 'sub-old applied first but is Deleted; sub-dev applied next (08-02)');
    assert.equal(ri[0].amount.toFixed(2), '100.00');
    assert.match(ri[0].placement, /first subscription not in status Deleted to which it applied/);
    assert.match(ri[0].placement, /skipped: old \(Deleted\)/);
    assert.equal(ri[0].sources.length, 4, 'the purchase and the three covered usage rows');
  });

  it('with subscriptionOrder: listed, takes the first listed subscription it applied to', () => {
    const s = setting(`  subscriptionOrder: listed\n  reservations:\n    RO-1: { scope: shared }\n${subs}\n`);
    const ri = buildInvoices(lines(), s, final).invoices[0].lines.find((l) => l.kind === 'reservation')!;
    assert.equal(ri.subscriptionId, 'sub-prod');
  });

  it('counts a single-subscription reservation within the subscription of its scope, even if it covered others', () => {
    const s = setting(`  reservations:\n    ro-1: { scope: sub-prod }\n${subs}\n`);
    const ri = buildInvoices(lines(), s, final).invoices[0].lines.find((l) => l.kind === 'reservation')!;
    assert.equal(ri.subscriptionId, 'sub-prod');
    assert.match(ri.placement, /single-subscription reservation/);
  });

  it('reports a scope that names no subscription of the customer, on the scope value, and makes no invoice', () => {
    const text = `chargeback: 1\ninvoicing:\n  reservations:\n    ro-1: { scope: sub-nowhere }\n${subs}\n`;
    const s = parseRules(text).model.invoicing!;
    const { invoices, problems } = buildInvoices(lines(), s, final);
    const p = problems.find((x) => x.code === 'unknown-subscription');
    assert.ok(p && p.severity === 'error');
    assert.equal(p.range?.start.line, 3);
    assert.equal(text.split('\n')[3].slice(p.range!.start.character, p.range!.end.character), 'sub-nowhere');
    assert.equal(invoices.length, 0);
  });

  it('does not trip over covered usage without an Azure subscription (EntitlementId empty)', () => {
    const odd = row({
      billed: '0',
      entitlement: '',
      subscription: 'plan-x',
      benefitType: 'Reservation',
      benefitOrderId: 'RO-1',
    });
    const { invoices, problems } = buildInvoices([...lines(), odd], setting(`${subs}\n`), final);
    assert.deepEqual(
      problems.filter((p) => p.severity === 'error'),
      [],
    );
    assert.equal(invoices[0].lines.find((l) => l.kind === 'reservation')!.sources.length, 5);
  });

  it('treats a reservation without a stated scope that covered several subscriptions as shared', () => {
    const s = setting(`${subs}\n`);
    const ri = buildInvoices(lines(), s, final).invoices[0].lines.find((l) => l.kind === 'reservation')!;
    assert.equal(ri.subscriptionId, 'sub-dev');
    assert.match(ri.placement, /applied to 3 subscriptions, so shared/);
  });
});

describe('invoicing: savings plan and third-party consumption within one subscription', () => {
  const lines = (): CostLine[] => [
    row({ billed: '10', entitlement: 'sub-b', entitlementName: 'b' }),
    row({
      billed: '0',
      entitlement: 'sub-b',
      entitlementName: 'b',
      benefitType: 'SavingsPlan',
      benefitOrderId: 'sp-1',
    }),
    row({ billed: '4', entitlement: 'sub-a', entitlementName: 'a', publisher: 'Canonical', product: 'Ubuntu Pro' }),
    row({ billed: '3', entitlement: 'sub-b', entitlementName: 'b', publisher: 'Canonical', product: 'Ubuntu Pro' }),
    row({
      billed: '50',
      sourceKind: 'reconciliation',
      entitlement: '',
      subscription: 'sp-sub',
      reservationOrderId: 'sp-1',
      product: 'Azure savings plan for compute',
      meterName: '',
    }),
  ];

  it("goes to the customer's first listed subscription that is not Deleted, stated on the line", () => {
    const s = setting(
      '  customers:\n    Fabrikam:\n      subscriptions:\n        sub-a: { status: Deleted }\n        sub-b: {}\n',
    );
    const inv = buildInvoices(lines(), s, final).invoices[0];
    const tp = inv.lines.find((l) => l.kind === 'marketplace')!;
    assert.equal(tp.subscriptionId, 'sub-b');
    assert.equal(tp.cost.toFixed(), '7', "both subscriptions' third-party rows on one line");
    assert.match(tp.placement, /first subscription not in status Deleted/);
    const sp = inv.lines.find((l) => l.kind === 'savingsPlan')!;
    assert.equal(sp.subscriptionId, 'sub-b');
    assert.equal(sp.cost.toFixed(), '50');
  });

  it('goes to commonSubscription when the customer states one', () => {
    const s = setting('  customers:\n    Fabrikam: { commonSubscription: sub-a }\n');
    const inv = buildInvoices(lines(), s, final).invoices[0];
    assert.ok(inv.lines.filter((l) => l.kind !== 'consumption').every((l) => l.subscriptionId === 'sub-a'));
  });
});

describe('invoicing: refunds and totals at or below zero', () => {
  it('nets negative main consumption; a refund taking a postpaid invoice below zero means no payment due', () => {
    const s = setting('  paymentModel: postpaid\n');
    const lines = [
      row({ billed: '30.00' }),
      row({ billed: '-12.50', chargeType: 'refund' }),
      row({
        billed: '-400.00',
        sourceKind: 'reconciliation',
        entitlement: '',
        subscription: 'ri',
        reservationOrderId: 'ro-9',
        product: 'Reserved VM Instance',
        meterName: '',
        chargeType: 'cancelImmediate',
      }),
      row({
        billed: '-5.00',
        sourceKind: 'reconciliation',
        entitlement: '',
        subscription: 'ri',
        reservationOrderId: 'ro-9',
        product: 'Reserved VM Instance',
        meterName: '',
        chargeType: 'customerCredit',
      }),
    ];
    const inv = buildInvoices(lines, s, final).invoices[0];
    const consumption = inv.lines.filter((l) => l.kind === 'consumption');
    assert.equal(consumption.length, 1);
    assert.equal(consumption[0].amount.toFixed(2), '17.50');
    const refunds = inv.lines.filter((l) => l.refund);
    assert.deepEqual(
      refunds.map((l) => l.amount.toFixed(2)).sort(),
      ['-400.00', '-5.00'],
      'each refund of an additional resource is its own line',
    );
    assert.equal(money(inv), '-387.50');
    assert.equal(inv.paymentDue.toFixed(2), '0.00');
    assert.equal(inv.balanceChange.toFixed(2), '0.00');
    assert.match(inv.note, /No payment due/);
  });

  it('reports a prepaid refund as a rise of the account balance', () => {
    const s = setting('  paymentModel: prepaid\n');
    const inv = buildInvoices([row({ billed: '10.00' }), row({ billed: '-25.00', chargeType: 'refund' })], s, final)
      .invoices[0];
    assert.equal(money(inv), '-15.00');
    assert.equal(inv.balanceChange.toFixed(2), '15.00');
    assert.equal(inv.paymentDue.toFixed(2), '0.00');
    assert.match(inv.note, /raises the account balance by EUR 15.00/);
  });

  it('lowers a prepaid balance by a positive total, and asks a postpaid customer to pay it', () => {
    const pre = buildInvoices([row({ billed: '10.00' })], setting('  paymentModel: prepaid\n'), final).invoices[0];
    assert.equal(pre.balanceChange.toFixed(2), '-10.00');
    const post = buildInvoices([row({ billed: '10.00' })], setting('  paymentModel: postpaid\n'), final).invoices[0];
    assert.equal(post.paymentDue.toFixed(2), '10.00');
  });
});

describe('invoicing: customer prices', () => {
  const lines = (): CostLine[] => [
    row({ billed: '100' }),
    row({
      billed: '200',
      sourceKind: 'reconciliation',
      entitlement: '',
      subscription: 'ri',
      reservationOrderId: 'ro-1',
      product: 'Reserved VM Instance',
      meterName: '',
    }),
    row({
      billed: '40',
      sourceKind: 'reconciliation',
      entitlement: '',
      subscription: 'sp',
      reservationOrderId: 'sp-1',
      product: 'Azure savings plan for compute',
      meterName: '',
    }),
    row({ billed: '10', publisher: 'Canonical', product: 'Ubuntu Pro' }),
    row({
      billed: '60',
      sourceKind: 'reconciliation',
      entitlement: '',
      subscription: 'seat-sub',
      meterName: '',
      product: 'Microsoft 365 E3',
    }),
  ];

  it('applies a markup or discount per charge class, and a customer price over the general one', () => {
    const s = setting(
      '  prices:\n    consumption: { markup: 8 }\n    reservation: { markup: 3 }\n' +
        '    savingsPlan: { discount: 2.5 }\n    marketplace: { markup: 12 }\n    seats: { markup: 10 }\n' +
        '  customers:\n    Fabrikam:\n      prices: { seats: { discount: 5 } }\n',
    );
    const inv = buildInvoices(lines(), s, final).invoices[0];
    const by = Object.fromEntries(inv.lines.map((l) => [l.kind, l.amount.toFixed(2)]));
    assert.deepEqual(by, {
      consumption: '108.00',
      reservation: '206.00',
      savingsPlan: '39.00',
      marketplace: '11.20',
      seats: '57.00',
    });
    assert.equal(inv.lines.find((l) => l.kind === 'seats')!.price.from, 'invoicing.customers.Fabrikam.prices.seats');
    assert.equal(money(inv), '421.20');
  });

  it('rounds each line to cents half up and totals the rounded lines', () => {
    const s = setting('  prices: { consumption: { markup: 10 } }\n');
    const inv = buildInvoices([row({ billed: '0.05' }), row({ billed: '0.05', meterCategory: 'Storage' })], s, final)
      .invoices[0];
    assert.deepEqual(
      inv.lines.map((l) => [l.exact.toFixed(), l.amount.toFixed(2)]),
      [
        ['0.055', '0.06'],
        ['0.055', '0.06'],
      ],
    );
    assert.equal(money(inv), '0.12');
  });

  it('with pec: keep charges the price before partner earned credit and shows the credit kept', () => {
    const s = setting('  pec: keep\n');
    const inv = buildInvoices([row({ billed: '85', pec: new Dec(15) })], s, final).invoices[0];
    assert.equal(inv.lines[0].amount.toFixed(2), '100.00');
    assert.equal(inv.pecKept.toFixed(2), '15.00');
    const passOn = buildInvoices([row({ billed: '85', pec: new Dec('0.15') })], setting('  pec: passOn\n'), final)
      .invoices[0];
    assert.equal(passOn.total.toFixed(2), '85.00');
  });

  it('converts at a fixed FX rate into the invoice currency', () => {
    const s = setting('  fx: { source: fixed, currency: CHF, rate: 0.9 }\n');
    const inv = buildInvoices([row({ billed: '10.00' })], s, final).invoices[0];
    assert.equal(inv.currency, 'CHF');
    assert.equal(money(inv), '9.00');
  });

  it('refuses to mix currencies in one invoice, naming the rows', () => {
    const { invoices, problems } = buildInvoices(
      [row({ billed: '10' }), row({ billed: '5', currency: 'USD', meterCategory: 'Storage' })],
      setting('  grouping: per-payment-model\n'),
      final,
    );
    const p = problems.find((x) => x.code === 'currency-mix');
    assert.ok(p && p.severity === 'error' && p.source);
    assert.match(p.message, /EUR and USD/);
    assert.equal(invoices.length, 0);
  });
});

describe('invoicing: grouping', () => {
  const lines = (): CostLine[] => [
    row({ billed: '10', entitlement: 'sub-a', entitlementName: 'a' }),
    row({ billed: '20', entitlement: 'sub-b', entitlementName: 'b' }),
    row({ billed: '30', entitlement: 'sub-c', entitlementName: 'c' }),
  ];
  it('per-payment-model: one invoice per customer and payment model', () => {
    const s = setting(
      '  customers:\n    c-fab:\n      subscriptions:\n' +
        '        sub-a: {}\n        sub-b: { paymentModel: prepaid }\n        sub-c: {}\n',
    );
    const invoices = buildInvoices(lines(), s, final).invoices;
    assert.deepEqual(
      invoices.map((i) => [i.paymentModel, i.subscriptions.map((x) => x.id).join(','), money(i)]),
      [
        ['postpaid', 'sub-a,sub-c', '40.00'],
        ['prepaid', 'sub-b', '20.00'],
      ],
    );
  });
  it('per-subscription: one invoice per subscription', () => {
    const invoices = buildInvoices(lines(), setting('  grouping: per-subscription\n'), final).invoices;
    assert.deepEqual(
      invoices.map((i) => money(i)),
      ['10.00', '20.00', '30.00'],
    );
    assert.equal(new Set(invoices.map((i) => i.id)).size, 3);
  });
});

describe('invoicing: draft -> final', () => {
  it('shows on the final invoice what changed since its draft, line by line', () => {
    const s = setting('  prices: { consumption: { markup: 10 } }\n');
    const draft = buildInvoices([row({ billed: '10.00' }), row({ billed: '5.00', meterCategory: 'Storage' })], s, {
      status: 'draft',
    }).invoices[0];
    const fin = buildInvoices(
      [
        row({ billed: '10.10', invoice: 'G1' }),
        row({
          billed: '-50',
          sourceKind: 'reconciliation',
          entitlement: '',
          subscription: 'ri',
          reservationOrderId: 'ro-1',
          product: 'Reserved VM Instance',
          meterName: '',
        }),
      ],
      s,
      final,
    ).invoices[0];
    assert.equal(draft.id, fin.id, 'the same invoice id on the draft and the final');
    assert.equal(draft.status, 'draft');
    const c = changesSinceDraft(fin, draft);
    assert.equal(c.draftTotal?.toFixed(2), '16.50');
    assert.equal(c.difference.toFixed(2), fin.total.minus(draft.total).toFixed(2));
    const byDesc = Object.fromEntries(
      c.lines.map((l) => [
        l.description.split(':')[0] + (l.draft ? '' : ' (new)') + (l.final ? '' : ' (gone)'),
        l.difference.toFixed(2),
      ]),
    );
    assert.deepEqual(byDesc, {
      'Azure consumption': '0.11',
      'Refund (new)': '-50.00',
      'Azure consumption (gone)': '-5.50',
    });
  });
});
