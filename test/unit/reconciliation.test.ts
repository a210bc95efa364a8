import { strict as assert } from 'node:assert';
import { parsePriceAdjustments } from '../../src/core/rating/reconciliation';
import { reconCsv, type Cells } from '../support/billingFixtures';
import { checkText } from '../support/check';

const SEAT: Cells = {
  ChargeType: 'new',
  MeterDescription: '',
  ProductName: 'Microsoft 365 E3',
  UnitPrice: '36.00',
  EffectiveUnitPrice: '36.00',
  PriceAdjustmentDescription: '',
  BillableQuantity: '10',
  Quantity: '10',
  PCToBCExchangeRate: '0.92',
  Currency: 'EUR',
  // ROUNDDOWN(36.00 x 0.92, 2) x 10
  Subtotal: '331.20',
  TaxTotal: '62.93',
  Total: '394.13',
};

describe('reconciliation checks', () => {
  it('accepts a usage line rated by the documented rules (the seed month, 15% PEC)', async () => {
    const { findings, summary } = await checkText(reconCsv([{}]));
    assert.deepEqual(findings, []);
    assert.equal(summary.kind, 'reconciliation');
    assert.equal(summary.billedTotal, '410.17');
  });

  it('flags an effective price without the partner earned credit that PriceAdjustmentDescription names', async () => {
    const { findings } = await checkText(
      reconCsv([{ EffectiveUnitPrice: '0.868', Subtotal: '482.56', Total: '482.56' }]),
    );
    assert.deepEqual(
      findings.map((f) => [f.code, f.column, f.expected, f.severity]),
      [['eup-mismatch', 'EffectiveUnitPrice', '0.737782122900436', 'error']],
    );
    assert.match(findings[0].message, /15% partner earned credit/);
    // (0.868 - 0.737782122900436) x 555.950039 = 72.39
    assert.equal(findings[0].impact, '72.39');
  });

  it('a wrong price cell whose Subtotal was billed at the right price is one finding with no money at stake', async () => {
    // 410.17 is the right Subtotal of the seed line; only its EffectiveUnitPrice cell says 0.868.
    const { findings, summary } = await checkText(reconCsv([{ EffectiveUnitPrice: '0.868' }]));
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity, f.impact]),
      [['eup-mismatch', 'warning', '0.00']],
    );
    assert.match(findings[0].message, /Subtotal 410\.17 was billed at the right price: no money at stake/);
    assert.equal(summary.overcharge, '0.00');
    assert.equal(summary.undercharge, '0.00');
  });

  it("a wrong price with a Subtotal that matches neither price is one verdict: Subtotal minus the right price's", async () => {
    const { findings, summary } = await checkText(
      reconCsv([{ EffectiveUnitPrice: '0.868', Subtotal: '420.17', Total: '420.17' }]),
    );
    // 420.17 - ROUNDDOWN(ROUNDDOWN(0.737782122900436 x 555.950039, 2) x 1, 2) = 420.17 - 410.17
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity, f.impact]),
      [['eup-mismatch', 'error', '10.00']],
    );
    assert.match(
      findings[0].message,
      /overcharged USD 10\.00 on this line; Subtotal 420\.17 does not match this price either/,
    );
    assert.equal(summary.overcharge, '10.00');
    assert.equal(summary.undercharge, '0.00');
  });

  it('expects EffectiveUnitPrice = UnitPrice when no adjustment is listed', async () => {
    const ok = await checkText(
      reconCsv([{ PriceAdjustmentDescription: '', EffectiveUnitPrice: '0.868', Subtotal: '482.56', Total: '482.56' }]),
    );
    assert.deepEqual(ok.findings, []);
    const { findings } = await checkText(reconCsv([{ PriceAdjustmentDescription: '' }]));
    assert.equal(findings[0].code, 'eup-mismatch');
    assert.match(findings[0].message, /no price adjustment is listed/);
  });

  it('checks seat lines by the seat formula and usage lines by the usage formula', async () => {
    assert.deepEqual((await checkText(reconCsv([SEAT]))).findings, []);
    // Prices where the two formulas give different subtotals:
    const seats = { ...SEAT, EffectiveUnitPrice: '36.017', UnitPrice: '36.017', Subtotal: '331.30', Total: '394.23' };
    const { findings } = await checkText(reconCsv([seats]));
    // ROUNDDOWN(36.017 x 0.92, 2) = 33.13 -> x 10 = 331.30: consistent under the seat formula.
    assert.deepEqual(findings, []);
    const asUsage = await checkText(reconCsv([{ ...seats, MeterDescription: 'Some meter', ChargeType: 'usage' }]));
    // Usage formula: ROUNDDOWN(ROUNDDOWN(36.017 x 10, 2) x 0.92, 2) = ROUNDDOWN(331.3564, 2) = 331.35
    assert.deepEqual(
      asUsage.findings.map((f) => [f.code, f.expected, f.impact]),
      [['subtotal-mismatch', '331.35', '-0.05']],
    );
    assert.match(asUsage.findings[0].message, /usage formula/);
  });

  it('flags a Total that is not Subtotal + TaxTotal', async () => {
    const { findings } = await checkText(reconCsv([{ ...SEAT, Total: '395.13' }]));
    assert.deepEqual(
      findings.map((f) => [f.code, f.column, f.expected, f.impact, f.severity]),
      [['total-mismatch', 'Total', '394.13', '1.00', 'error']],
    );
  });

  it('accepts refunds: negative quantities round toward zero like charges', async () => {
    const refund = {
      ...SEAT,
      ChargeType: 'removeQuantity',
      BillableQuantity: '-2',
      Quantity: '-2',
      Subtotal: '-66.24',
      TaxTotal: '-12.59',
      Total: '-78.83',
    };
    assert.deepEqual((await checkText(reconCsv([refund]))).findings, []);
  });

  it('reads PriceAdjustmentDescription lists, with or without valid JSON', () => {
    const a = parsePriceAdjustments('["15.0% Partner earned credit for services managed"]');
    assert.equal(a.adjustments.length, 1);
    assert.equal(a.adjustments[0].fraction.toString(), '0.15');
    assert.ok(a.adjustments[0].isPartnerEarnedCredit);
    const b = parsePriceAdjustments('[15.0% Partner earned credit, "5% promotion"]');
    assert.equal(b.adjustments.length, 2);
    assert.deepEqual(parsePriceAdjustments('["Negotiated price"]').unverifiable, ['Negotiated price']);
  });

  it('accepts the misspelled PriceAdjusmentDescription column of older files', async () => {
    const text = reconCsv([{ EffectiveUnitPrice: '0.868', Subtotal: '482.56', Total: '482.56' }]).replace(
      'PriceAdjustmentDescription',
      'PriceAdjusmentDescription',
    );
    const { findings } = await checkText(text);
    assert.equal(findings[0].code, 'eup-mismatch');
  });
});
