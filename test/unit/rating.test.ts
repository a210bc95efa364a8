import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import {
  chargedFraction,
  grossPrice,
  percentAsFraction,
  rateCumulative,
  tiersFromRangeMins,
} from '../../src/core/rating/formula';
import { Dec, formatPrice } from '../../src/core/money';
import { loadPriceList } from '../../src/core/billing/priceList';
import { stringSource } from '../../src/core/billing/source';
import { dailyCsv, type Cells } from '../support/billingFixtures';
import { checkText } from '../support/check';

/** FLOOR(eup x quantity x fx, 2): how a consistent file writes BillingPreTaxTotal. */
function total(eup: string, quantity: string, fx = '1'): string {
  return new Dec(eup).times(quantity).times(fx).toDecimalPlaces(2, Decimal.ROUND_FLOOR).toFixed(2);
}

/** The seed's month for one meter (UnitPrice 0.868, PEC 15%): day 3 in two rows, then days 10 and 25. */
function seedMonth(fx = '1', pec = '0.15'): Cells[] {
  const rows: Cells[] = [
    { UsageDate: '2026-08-03', Quantity: '14', EffectiveUnitPrice: '0.737586206896552' },
    { UsageDate: '2026-08-03', Quantity: '15', EffectiveUnitPrice: '0.737586206896552' },
    { UsageDate: '2026-08-10', Quantity: '181.950039', EffectiveUnitPrice: '0.737757626107858' },
    { UsageDate: '2026-08-25', Quantity: '345', EffectiveUnitPrice: '0.737782122900436' },
  ];
  return rows.map((r) => ({
    ...r,
    PartnerEarnedCreditPercentage: pec,
    PCToBCExchangeRate: fx,
    BillingPreTaxTotal: total(r.EffectiveUnitPrice, r.Quantity, fx),
    PricingPreTaxTotal: total(r.EffectiveUnitPrice, r.Quantity),
  }));
}

describe('rating formula', () => {
  it('reproduces the seed worked example exactly (UnitPrice 0.868, PEC 15%)', () => {
    const expected: [string, string, string][] = [
      ['29', '21.39', '0.737586206896552'],
      ['210.950039', '155.63', '0.737757626107858'],
      ['555.950039', '410.17', '0.737782122900436'],
    ];
    for (const [bcu, bc, eup] of expected) {
      const r = rateCumulative(new Dec(bcu), new Dec('0.868'), chargedFraction(new Dec('0.15')));
      assert.equal(r.bc.toFixed(2), bc, `BC for BCU ${bcu}`);
      assert.equal(formatPrice(r.eup), eup, `EUP for BCU ${bcu}`);
      assert.ok(r.eup.lte(r.unroundedEup), 'the rounded-down price never exceeds the unrounded one');
    }
  });

  it('prices graduated tiers: 101 units at 1-100 @1.00 and 101-100000 @0.80 cost 100.80', () => {
    const tiers = tiersFromRangeMins([
      { min: new Dec(1), unitPrice: new Dec('1.00') },
      { min: new Dec(101), unitPrice: new Dec('0.80') },
    ]);
    assert.equal(grossPrice(new Dec(101), new Dec('1.00'), tiers).toFixed(2), '100.80');
    assert.equal(grossPrice(new Dec(100), new Dec('1.00'), tiers).toFixed(2), '100.00');
    assert.equal(grossPrice(new Dec('50.5'), new Dec('1.00'), tiers).toFixed(2), '50.50');
    // A list written 0-based means the same bands.
    const zeroBased = tiersFromRangeMins([
      { min: new Dec(0), unitPrice: new Dec('1.00') },
      { min: new Dec(100), unitPrice: new Dec('0.80') },
    ]);
    assert.equal(grossPrice(new Dec(101), new Dec('1.00'), zeroBased).toFixed(2), '100.80');
  });

  it('reads partner earned credit as 15 or 0.15, and rejects nonsense', () => {
    assert.equal(percentAsFraction('15')!.toString(), '0.15');
    assert.equal(percentAsFraction('0.15')!.toString(), '0.15');
    assert.equal(percentAsFraction('')!.toString(), '0');
    assert.equal(percentAsFraction('150'), undefined);
    assert.equal(percentAsFraction('abc'), undefined);
  });
});

describe('daily usage re-rating', () => {
  it('finds nothing wrong in a consistent month, whatever the row order', async () => {
    const rows = seedMonth();
    for (const order of [rows, [...rows].reverse(), [rows[2], rows[0], rows[3], rows[1]]]) {
      const { findings, summary } = await checkText(dailyCsv(order));
      assert.deepEqual(findings, []);
      assert.equal(summary.kind, 'daily-usage');
      assert.equal(summary.rows, 4);
    }
  });

  it('flags partner earned credit not applied, on the EffectiveUnitPrice cell, with expected, actual and money at stake', async () => {
    const rows = seedMonth();
    rows[0] = {
      ...rows[0],
      EffectiveUnitPrice: '0.868',
      BillingPreTaxTotal: total('0.868', '14'),
      PricingPreTaxTotal: total('0.868', '14'),
    };
    const { findings, summary } = await checkText(dailyCsv(rows));
    assert.equal(findings.length, 1);
    const f = findings[0];
    assert.equal(f.code, 'eup-mismatch');
    assert.equal(f.severity, 'error');
    assert.equal(f.column, 'EffectiveUnitPrice');
    assert.equal(f.actual, '0.868');
    assert.equal(f.expected, '0.737586206896552');
    // (0.868 - 0.737586206896552) x 14 = 1.8258...
    assert.equal(f.impact, '1.83');
    assert.equal(f.line, 1);
    const header = dailyCsv([]).split('\r\n')[0].split(',');
    const line = dailyCsv(rows).split('\r\n')[1];
    const eupIndex = header.indexOf('EffectiveUnitPrice');
    assert.equal(line.slice(f.character, f.endCharacter), '0.868');
    assert.equal(line.split(',')[eupIndex], '0.868');
    assert.match(f.message, /should be 0\.737586206896552/);
    assert.match(f.message, /overcharged USD 1\.83/);
    assert.equal(summary.overcharge, '1.83');
  });

  it('flags partner earned credit applied twice as an undercharge', async () => {
    const rows = seedMonth();
    const twice = new Dec('0.868').times('0.85').times('0.85').toFixed();
    rows[2] = {
      ...rows[2],
      EffectiveUnitPrice: twice,
      BillingPreTaxTotal: total(twice, rows[2].Quantity),
      PricingPreTaxTotal: total(twice, rows[2].Quantity),
    };
    const { findings, summary } = await checkText(dailyCsv(rows));
    assert.equal(findings.length, 1);
    assert.equal(findings[0].code, 'eup-mismatch');
    assert.equal(findings[0].line, 3);
    assert.ok(new Dec(findings[0].impact!).isNegative());
    assert.match(findings[0].message, /undercharged/);
    assert.equal(summary.undercharge, findings[0].impact);
  });

  it('accepts PEC written as 15 the same as 0.15', async () => {
    const { findings } = await checkText(dailyCsv(seedMonth('1', '15')));
    assert.deepEqual(findings, []);
  });

  it('applies the exchange rate to totals and states the impact in billing currency', async () => {
    const rows: Cells[] = seedMonth('0.921434').map((r) => ({ ...r, BillingCurrency: 'EUR' }));
    assert.deepEqual((await checkText(dailyCsv(rows))).findings, []);
    rows[0] = {
      ...rows[0],
      EffectiveUnitPrice: '0.868',
      BillingPreTaxTotal: total('0.868', '14', '0.921434'),
      PricingPreTaxTotal: total('0.868', '14'),
    };
    const { findings } = await checkText(dailyCsv(rows));
    // (0.868 - 0.737586206896552) x 14 x 0.921434 = 1.6823...
    assert.equal(findings[0].impact, '1.68');
    assert.equal(findings[0].currency, 'EUR');
  });

  it('re-rates tiered meters on the graduated price when a price list is given', async () => {
    const priceListText = [
      'ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,Market,Currency,UnitPrice,PricingTierRangeMin,PricingTierRangeMax,EffectiveStartDate,EffectiveEndDate,MeterIds,MeterType,Tags',
      'Bandwidth,P1,S1,Egress,Microsoft,,1 GB,,US,USD,1.00,1,100,2026-01-01,2026-12-31,m-tier,Consumption,',
      'Bandwidth,P1,S1,Egress,Microsoft,,1 GB,,US,USD,0.80,101,100000,2026-01-01,2026-12-31,m-tier,Consumption,',
    ].join('\n');
    const { priceList, findings: listFindings } = await loadPriceList(stringSource('prices.csv', priceListText));
    assert.deepEqual(listFindings, []);
    // Day 1: 60 units (all tier 1); day 2: 41 more (101 in all: 100.00 + 0.80), no PEC.
    const eup1 = new Dec('60.00').div(60).toFixed();
    const eup2 = new Dec('100.80').div(101);
    const rows: Cells[] = [
      {
        MeterId: 'm-tier',
        UnitPrice: '1.00',
        PartnerEarnedCreditPercentage: '0',
        UsageDate: '2026-08-01',
        Quantity: '60',
        EffectiveUnitPrice: eup1,
      },
      {
        MeterId: 'm-tier',
        UnitPrice: '1.00',
        PartnerEarnedCreditPercentage: '0',
        UsageDate: '2026-08-02',
        Quantity: '41',
        EffectiveUnitPrice: formatPrice(eup2),
      },
    ].map((r) => ({
      ...r,
      BillingPreTaxTotal: total(r.EffectiveUnitPrice, r.Quantity),
      PricingPreTaxTotal: total(r.EffectiveUnitPrice, r.Quantity),
    }));
    assert.deepEqual((await checkText(dailyCsv(rows), { priceList })).findings, []);
    // Without the price list the same meter looks flat at 1.00, so day 2's price is too low: a lower step later in the
    // month is what graduated prices do, so it is one information finding that names the price list.
    const flat = await checkText(dailyCsv(rows));
    assert.equal(flat.findings.length, 1);
    assert.equal(flat.findings[0].code, 'tiers-unverified');
    assert.equal(flat.findings[0].severity, 'info');
    assert.match(flat.findings[0].message, /Set chargeback\.priceList \(CLI: --price-list\) to check them\.$/);
  });

  it('says tiers could explain a price below the flat band only when that is so (no price list, price too low)', async () => {
    const high = seedMonth();
    high[0] = {
      ...high[0],
      EffectiveUnitPrice: '0.868',
      BillingPreTaxTotal: total('0.868', '14'),
      PricingPreTaxTotal: total('0.868', '14'),
    };
    const over = await checkText(dailyCsv(high));
    assert.equal(over.findings.length, 1);
    assert.doesNotMatch(over.findings[0].message, /tiered/, 'a price above the band is no tier effect');
    const rows = seedMonth();
    const twice = new Dec('0.868').times('0.85').times('0.85').toFixed();
    rows[2] = {
      ...rows[2],
      EffectiveUnitPrice: twice,
      BillingPreTaxTotal: total(twice, rows[2].Quantity),
      PricingPreTaxTotal: total(twice, rows[2].Quantity),
    };
    const under = await checkText(dailyCsv(rows));
    assert.equal(under.findings[0].code, 'eup-mismatch');
    assert.match(under.findings[0].message, /applied twice .*which no graduated price explains\.$/);
  });

  it('flags a UnitPrice that is not the price list price', async () => {
    const priceListText = [
      'ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,Market,Currency,UnitPrice,PricingTierRangeMin,PricingTierRangeMax,EffectiveStartDate,EffectiveEndDate,MeterIds,MeterType,Tags',
      'VM,P1,S1,D2s v5,Microsoft,,1 Hour,,US,USD,0.789,0,,2026-01-01,,m-1,Consumption,',
    ].join('\n');
    const { priceList } = await loadPriceList(stringSource('prices.csv', priceListText));
    const { findings } = await checkText(dailyCsv(seedMonth()), { priceList });
    assert.equal(findings.length, 4);
    assert.ok(findings.every((f) => f.code === 'unitprice-mismatch' && f.expected === '0.789' && f.actual === '0.868'));
  });

  it('flags a wrong BillingPreTaxTotal; severity follows the money; a cent of rounding is not a finding', async () => {
    const rows = seedMonth();
    rows[1] = { ...rows[1], BillingPreTaxTotal: new Dec(rows[1].BillingPreTaxTotal).plus('2.50').toFixed(2) };
    rows[2] = { ...rows[2], BillingPreTaxTotal: new Dec(rows[2].BillingPreTaxTotal).plus('0.05').toFixed(2) };
    rows[3] = { ...rows[3], BillingPreTaxTotal: new Dec(rows[3].BillingPreTaxTotal).plus('0.01').toFixed(2) };
    const { findings } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.line, f.severity, f.impact]),
      [
        ['total-mismatch', 2, 'error', '2.50'],
        ['total-mismatch', 3, 'warning', '0.05'],
      ],
    );
    assert.equal(findings[0].column, 'BillingPreTaxTotal');
    // A lower error threshold makes the small one an error too.
    const strict = await checkText(dailyCsv(rows), { errorThreshold: new Dec('0.01') });
    assert.deepEqual(
      strict.findings.map((f) => f.severity),
      ['error', 'error'],
    );
  });

  it('reports an unreadable Quantity on its cell and leaves that row out of the month-to-date sums', async () => {
    const rows = seedMonth();
    // An extra row on day 3 with a broken quantity: were it summed, days 10 and 25 would be rated on more units.
    rows.splice(1, 0, {
      UsageDate: '2026-08-03',
      Quantity: '12.5.1',
      EffectiveUnitPrice: '0.737586206896552',
      BillingPreTaxTotal: '9.22',
      PricingPreTaxTotal: '9.22',
    });
    const { findings } = await checkText(dailyCsv(rows));
    assert.equal(findings.length, 1);
    assert.equal(findings[0].code, 'invalid-value');
    assert.equal(findings[0].column, 'Quantity');
    assert.equal(findings[0].line, 2);
    assert.equal(findings[0].actual, '12.5.1');
    // A wrong price elsewhere in that meter's month says that a row was left out.
    rows[4] = {
      ...rows[4],
      EffectiveUnitPrice: '0.868',
      BillingPreTaxTotal: total('0.868', rows[4].Quantity),
      PricingPreTaxTotal: total('0.868', rows[4].Quantity),
    };
    const again = await checkText(dailyCsv(rows));
    const mismatch = again.findings.find((f) => f.code === 'eup-mismatch')!;
    assert.match(mismatch.message, /1 row of this meter was left out/);
  });

  it('reports unreadable dates with the reason, and reads US-style dates month-first unless told otherwise', async () => {
    const rows = seedMonth().map((r) => ({
      ...r,
      UsageDate: r.UsageDate.replace(/^2026-08-0?(\d+)$/, '8/$1/2026'),
      ChargeStartDate: '8/1/2026 12:00:00 AM',
    }));
    assert.deepEqual((await checkText(dailyCsv(rows))).findings, []);
    const dmy = await checkText(dailyCsv(rows), { dateOrder: 'DMY' });
    // 8/10/2026 and 8/25/2026 cannot be day-first: one file-level finding names the fix, not one per row.
    assert.deepEqual(
      dmy.findings.map((f) => [f.code, f.line]),
      [['date-order', 0]],
    );
    assert.match(dmy.findings[0].message, /month-first \(MDY\).*set chargeback\.dateOrder to MDY/);
    const bad = (await checkText(dailyCsv([{ UsageDate: '8/32/2026' }]))).findings;
    assert.deepEqual(
      bad.map((f) => [f.code, f.column]),
      [['invalid-value', 'UsageDate']],
    );
    assert.match(bad[0].message, /day 32 does not exist/);
  });

  it('treats 100% Azure credit as a zero price', async () => {
    const rows: Cells[] = [
      {
        CreditPercentage: '100',
        CreditType: 'Azure Credit Applied',
        PartnerEarnedCreditPercentage: '0',
        EffectiveUnitPrice: '0',
        BillingPreTaxTotal: '0',
        PricingPreTaxTotal: '0',
      },
    ];
    assert.deepEqual((await checkText(dailyCsv(rows))).findings, []);
    rows[0].EffectiveUnitPrice = '0.868';
    rows[0].BillingPreTaxTotal = total('0.868', '29');
    rows[0].PricingPreTaxTotal = rows[0].BillingPreTaxTotal;
    const { findings } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.expected]),
      [['eup-mismatch', '0']],
    );
  });

  it('flags partner earned credit on reservation-covered and Spot usage, which never earns it', async () => {
    const rows: Cells[] = [
      {
        BenefitId: 'b-1',
        BenefitType: 'Reservation',
        BenefitOrderId: 'o-1',
        EffectiveUnitPrice: '0',
        BillingPreTaxTotal: '0',
        PricingPreTaxTotal: '0',
      },
      {
        MeterName: 'D2s v5 Spot',
        MeterId: 'm-spot',
        Quantity: '10',
        EffectiveUnitPrice: '0.7378',
        BillingPreTaxTotal: '7.37',
        PricingPreTaxTotal: '7.37',
      },
      {
        BenefitId: 'b-1',
        BenefitType: 'Reservation',
        PartnerEarnedCreditPercentage: '0',
        EffectiveUnitPrice: '0',
        BillingPreTaxTotal: '0',
        PricingPreTaxTotal: '0',
      },
    ];
    const { findings } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.line, f.column]),
      [
        ['pec-not-eligible', 1, 'PartnerEarnedCreditPercentage'],
        ['pec-not-eligible', 2, 'PartnerEarnedCreditPercentage'],
      ],
    );
    assert.match(findings[0].message, /Reservation/);
    assert.match(findings[1].message, /Spot/);
  });

  it('puts findings on the right cell when an earlier cell holds quotes, commas and line breaks', async () => {
    const rows = seedMonth();
    rows[0] = {
      ...rows[0],
      Tags: '{"team":"web",\n"note":"a, ""quoted"" value"}',
      EffectiveUnitPrice: '0.868',
      BillingPreTaxTotal: total('0.868', '14'),
      PricingPreTaxTotal: total('0.868', '14'),
    };
    const text = dailyCsv(rows, { eol: '\n' });
    const { findings } = await checkText(text);
    assert.equal(findings.length, 1);
    const f = findings[0];
    // The record starts on line 1; the EffectiveUnitPrice cell is after the Tags line break, on line 2.
    assert.equal(f.line, 2);
    assert.equal(text.split('\n')[2].slice(f.character, f.endCharacter), '0.868');
  });

  it('gives the same findings whatever the chunking of the input', async () => {
    const rows = seedMonth();
    rows[0] = { ...rows[0], Tags: '{"a":"x,\r\ny"}', EffectiveUnitPrice: '0.868', BillingPreTaxTotal: '99.00' };
    const text = dailyCsv(rows);
    const whole = (await checkText(text)).findings;
    // One verdict for the row: the wrong price, whose totals match neither it nor the right price.
    assert.equal(whole.length, 1);
    assert.match(whole[0].message, /BillingPreTaxTotal 99\.00 does not match this price either/);
    for (const size of [1, 7, 64]) assert.deepEqual((await checkText(text, {}, size)).findings, whole);
  });
});
