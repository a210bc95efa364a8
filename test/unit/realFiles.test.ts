/**
 * Readings that real Partner Center exports require (domain page, section 1a): each test describes what a real file
 * holds and what the checker must make of it. Every case here was a false finding (or a missed one) before.
 */
import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import { Dec, formatPrice } from '../../src/core/money';
import { chargedFraction, rateCumulative, tiersFromRangeMins } from '../../src/core/rating/formula';
import { loadPriceList } from '../../src/core/billing/priceList';
import { stringSource } from '../../src/core/billing/source';
import { dailyCsv, reconCsv, type Cells } from '../support/billingFixtures';
import { checkText } from '../support/check';

function total(eup: string, quantity: string, fx = '1'): string {
  return new Dec(eup).times(quantity).times(fx).toDecimalPlaces(2, Decimal.ROUND_FLOOR).toFixed(2);
}

/** The seed's month for one meter (UnitPrice 0.868, PEC 15%), with the cells given added to every row. */
function seedMonth(extra: Cells = {}): Cells[] {
  const rows: Cells[] = [
    { UsageDate: '2026-08-03', Quantity: '14', EffectiveUnitPrice: '0.737586206896552' },
    { UsageDate: '2026-08-03', Quantity: '15', EffectiveUnitPrice: '0.737586206896552' },
    { UsageDate: '2026-08-10', Quantity: '181.950039', EffectiveUnitPrice: '0.737757626107858' },
    { UsageDate: '2026-08-25', Quantity: '345', EffectiveUnitPrice: '0.737782122900436' },
  ];
  return rows.map((r) => ({
    ...r,
    BillingPreTaxTotal: total(r.EffectiveUnitPrice, r.Quantity),
    PricingPreTaxTotal: total(r.EffectiveUnitPrice, r.Quantity),
    ...extra,
  }));
}

const REAL_PEC: Cells = {
  PartnerEarnedCreditPercentage: '15',
  CreditPercentage: '15',
  CreditType: 'Partner Earned Credit Applied',
};

describe('real billing files: benefits and credits', () => {
  it('a Charge benefit type is ordinary usage: its price is checked and its PEC is allowed', async () => {
    const rows = seedMonth({ BenefitType: 'Charge', BenefitId: '', BenefitOrderId: '' });
    assert.deepEqual((await checkText(dailyCsv(rows))).findings, []);
    // And it is re-rated: PEC not applied on a Charge row is found.
    rows[0] = {
      ...rows[0],
      EffectiveUnitPrice: '0.868',
      BillingPreTaxTotal: total('0.868', '14'),
      PricingPreTaxTotal: total('0.868', '14'),
    };
    const { findings } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.line]),
      [['eup-mismatch', 1]],
    );
    // A reservation or savings plan benefit type is covered usage, even without a BenefitId.
    {
      for (const type of ['Reservation', 'SavingsPlan', 'savings plan']) {
        const rows = seedMonth({
          BenefitType: type,
          EffectiveUnitPrice: '0',
          BillingPreTaxTotal: '0',
          PricingPreTaxTotal: '0',
        });
        const { findings } = await checkText(dailyCsv(rows));
        assert.ok(
          findings.length === 4 && findings.every((f) => f.code === 'pec-not-eligible'),
          `${type}: ${findings.map((f) => f.code)}`,
        );
      }
    }
  });

  it("a PEC row's CreditPercentage is the PEC, counted once; only a credit of another type lowers the price further", async () => {
    assert.deepEqual((await checkText(dailyCsv(seedMonth(REAL_PEC)))).findings, []);
    // The API's scale and the PEC carried only by CreditPercentage read the same.
    const api = {
      PartnerEarnedCreditPercentage: '0.15',
      CreditPercentage: '0.15',
      CreditType: 'Partner Earned Credit Applied',
    };
    assert.deepEqual((await checkText(dailyCsv(seedMonth(api)))).findings, []);
    const onlyCredit = {
      PartnerEarnedCreditPercentage: '',
      CreditPercentage: '15',
      CreditType: 'Partner Earned Credit Applied',
    };
    assert.deepEqual((await checkText(dailyCsv(seedMonth(onlyCredit)))).findings, []);
    // A row without PEC reads "Credit Not Applied" and is priced at UnitPrice.
    {
      const rows: Cells[] = [
        {
          PartnerEarnedCreditPercentage: '',
          CreditPercentage: '',
          CreditType: 'Credit Not Applied',
          Quantity: '10',
          EffectiveUnitPrice: '0.868',
          BillingPreTaxTotal: '8.68',
          PricingPreTaxTotal: '8.68',
        },
      ];
      assert.deepEqual((await checkText(dailyCsv(rows))).findings, []);
    }
    // Only a credit of another type lowers the price further.
    {
      const rows = seedMonth({ ...REAL_PEC, CreditPercentage: '10', CreditType: 'Azure Credit Applied' });
      const { findings } = await checkText(dailyCsv(rows));
      // The rows are priced at PEC only: with a 10% credit on top they are overcharged.
      assert.ok(
        findings.length === 4 && findings.every((f) => f.code === 'eup-mismatch' && /overcharged/.test(f.message)),
      );
    }
  });

  it('PEC and CreditPercentage that disagree on a PEC row: one warning that says which was used', async () => {
    const rows = seedMonth(REAL_PEC);
    rows[2] = { ...rows[2], CreditPercentage: '10' };
    const { findings } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity, f.line, f.column]),
      [['credit-disagreement', 'warning', 3, 'CreditPercentage']],
    );
    assert.match(findings[0].message, /checked with 15%, counted once/);
  });
});

describe('real billing files: one money verdict per row', () => {
  it('a wrong price cell whose totals were billed at the right price is one finding with no money at stake', async () => {
    const rows = seedMonth();
    rows[3] = { ...rows[3], EffectiveUnitPrice: '0.7001' };
    const { findings, summary } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity, f.impact]),
      [['eup-mismatch', 'warning', '0.00']],
    );
    assert.match(findings[0].message, /billed at the right price: no money at stake/);
    assert.equal(summary.overcharge, '0.00');
    assert.equal(summary.undercharge, '0.00');
    // A wrong price billed from that price is one eup-mismatch with billed minus expected price x Quantity x FX.
    {
      const fx = '0.921434';
      const rows: Cells[] = seedMonth({ PCToBCExchangeRate: fx, BillingCurrency: 'EUR' }).map((r) => ({
        ...r,
        BillingPreTaxTotal: total(r.EffectiveUnitPrice, r.Quantity, fx),
      }));
      rows[3] = {
        ...rows[3],
        EffectiveUnitPrice: '0.868',
        BillingPreTaxTotal: total('0.868', '345', fx),
        PricingPreTaxTotal: total('0.868', '345'),
      };
      const { findings, summary } = await checkText(dailyCsv(rows));
      assert.equal(findings.length, 1);
      // billed FLOOR(0.868 x 345 x fx, 2) = 275.93, expected FLOOR(0.737782122900436 x 345 x fx, 2) = 234.53
      assert.equal(findings[0].impact, '41.40');
      assert.equal(summary.overcharge, '41.40');
    }
  });

  it('a wrong PricingPreTaxTotal next to a right BillingPreTaxTotal is no money at stake', async () => {
    const rows = seedMonth();
    rows[1] = { ...rows[1], PricingPreTaxTotal: '99.00' };
    const { findings, summary } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.column, f.severity, f.impact]),
      [['total-mismatch', 'PricingPreTaxTotal', 'warning', '0.00']],
    );
    assert.equal(summary.overcharge, '0.00');
    // Totals that disagree with a right price are one total-mismatch; an un-rounded total is compared un-rounded.
    {
      const rows = seedMonth();
      const exact = new Dec('0.737782122900436').times('345');
      rows[3] = { ...rows[3], BillingPreTaxTotal: exact.toFixed(8), PricingPreTaxTotal: exact.toFixed(8) };
      assert.deepEqual((await checkText(dailyCsv(rows))).findings, [], 'real billed exports carry un-rounded totals');
      rows[3] = { ...rows[3], BillingPreTaxTotal: exact.plus(3).toFixed(8) };
      const { findings, summary } = await checkText(dailyCsv(rows));
      assert.deepEqual(
        findings.map((f) => [f.code, f.impact]),
        [['total-mismatch', '3.00']],
      );
      assert.equal(summary.overcharge, '3.00');
    }
  });
});

describe('real billing files: unreadable cells', () => {
  it("an unreadable total keeps the row's quantity in its meter's month-to-date sums", async () => {
    const rows = seedMonth();
    // Day 3 has a third row of 12 units whose total cell is broken: days 10 and 25 are rated with those 12 units.
    const withExtra = (bcu: string): string =>
      formatPrice(rateCumulative(new Dec(bcu), new Dec('0.868'), chargedFraction(new Dec('0.15'))).eup);
    rows.splice(2, 0, {
      UsageDate: '2026-08-03',
      Quantity: '12',
      EffectiveUnitPrice: withExtra('41'),
      BillingPreTaxTotal: 'n/a',
      PricingPreTaxTotal: '',
    });
    for (const r of rows.slice(0, 2)) Object.assign(r, { EffectiveUnitPrice: withExtra('41') });
    rows[3] = { ...rows[3], EffectiveUnitPrice: withExtra('222.950039') };
    rows[4] = { ...rows[4], EffectiveUnitPrice: withExtra('567.950039') };
    for (const r of [rows[0], rows[1], rows[3], rows[4]]) {
      r.BillingPreTaxTotal = total(r.EffectiveUnitPrice, r.Quantity);
      r.PricingPreTaxTotal = r.BillingPreTaxTotal;
    }
    const { findings } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.column, f.line]),
      [['invalid-value', 'BillingPreTaxTotal', 3]],
    );
    assert.match(findings[0].message, /its Quantity still counts/);
  });
});

describe('real billing files: free allowances and graduated prices', () => {
  // A data-transfer meter: the first 100 GB of the month are free, then 0.087 USD a GB; no PEC.
  const tiers = tiersFromRangeMins([
    { min: new Dec(0), unitPrice: new Dec(0) },
    { min: new Dec(100), unitPrice: new Dec('0.087') },
  ]);
  function allowanceMonth(): Cells[] {
    const rows: Cells[] = [];
    let bcu = new Dec(0);
    for (let day = 1; day <= 20; day++) {
      const q = '9.5';
      bcu = bcu.plus(q);
      // Real exports print a zero price as 0.00.
      const rated = rateCumulative(bcu, new Dec('0.087'), new Dec(1), tiers).eup;
      const eup = rated.isZero() ? '0.00' : formatPrice(rated);
      const date = `2026-08-${String(day).padStart(2, '0')}`;
      rows.push({
        MeterId: 'm-egress',
        MeterName: 'Data Transfer Out',
        UnitPrice: '0.087',
        PartnerEarnedCreditPercentage: '',
        CreditPercentage: '',
        CreditType: 'Credit Not Applied',
        UsageDate: date,
        Quantity: q,
        EffectiveUnitPrice: eup,
        BillingPreTaxTotal: total(eup, q),
        PricingPreTaxTotal: total(eup, q),
      });
    }
    return rows;
  }
  const priceListText = [
    'ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,Market,Currency,UnitPrice,PricingTierRangeMin,PricingTierRangeMax,EffectiveStartDate,EffectiveEndDate,MeterIds,MeterType,Tags',
    'Bandwidth,P1,S1,Egress,Microsoft,,1 GB,,US,USD,0,0,100,2026-01-01,2026-12-31,m-egress,Consumption,',
    'Bandwidth,P1,S1,Egress,Microsoft,,1 GB,,US,USD,0.087,100,,2026-01-01,2026-12-31,m-egress,Consumption,',
  ].join('\n');

  it('a free allowance without a price list is one information finding per meter, with rows and money', async () => {
    const { findings, summary } = await checkText(dailyCsv(allowanceMonth()));
    assert.equal(findings.length, 1, findings.map((f) => f.message).join('\n'));
    const f = findings[0];
    assert.equal(f.code, 'tiers-unverified');
    assert.equal(f.severity, 'info');
    assert.equal(f.meter, 'm-egress');
    // Days 1-10 (95 GB) are free; from day 11 the price rises towards 0.087: every row is below the flat price.
    assert.equal(f.rows, 20);
    assert.match(
      f.message,
      /^20 rows of meter m-egress \(Data Transfer Out\) on s-1 are priced below the flat price \(10 at 0\)/,
    );
    assert.match(f.message, /unverified/);
    assert.equal(summary.overcharge, '0.00');
    assert.equal(summary.undercharge, '0.00');
    // With a price list the same allowance is rated exactly and is clean.
    {
      const { priceList, findings: listFindings } = await loadPriceList(stringSource('prices.csv', priceListText));
      assert.deepEqual(listFindings, []);
      assert.deepEqual((await checkText(dailyCsv(allowanceMonth()), { priceList })).findings, []);
    }
  });

  it('PEC applied twice on a flat meter stays an error on its row, allowance or not elsewhere', async () => {
    const rows = [...seedMonth(), ...allowanceMonth()];
    const twice = new Dec('0.868').times('0.85').times('0.85').toFixed();
    rows[3] = {
      ...rows[3],
      EffectiveUnitPrice: twice,
      BillingPreTaxTotal: total(twice, '345'),
      PricingPreTaxTotal: total(twice, '345'),
    };
    const { findings, summary } = await checkText(dailyCsv(rows));
    assert.deepEqual(findings.map((f) => [f.code, f.severity, f.line]).sort(), [
      ['eup-mismatch', 'error', 4],
      ['tiers-unverified', 'info', 5],
    ]);
    const error = findings.find((f) => f.code === 'eup-mismatch')!;
    assert.equal(summary.undercharge, error.impact);
  });

  it('a price below the flat band followed by a day back at the flat price is no tier effect', async () => {
    const rows = seedMonth();
    rows[2] = {
      ...rows[2],
      EffectiveUnitPrice: '0.7001',
      BillingPreTaxTotal: total('0.7001', rows[2].Quantity),
      PricingPreTaxTotal: total('0.7001', rows[2].Quantity),
    };
    const { findings } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity, f.line]),
      [['eup-mismatch', 'error', 3]],
    );
    assert.match(findings[0].message, /flat price again/);
  });
});

describe('real billing files: dates', () => {
  it('a date order setting that the file contradicts is reported once at file level, with the fix, and the rows are rated', async () => {
    const rows: Cells[] = seedMonth().map((r) => ({
      ...r,
      UsageDate: r.UsageDate.replace(/^2026-08-(\d+)$/, '08/$1/2026'),
      ChargeStartDate: '08/01/2026',
      ChargeEndDate: '08/31/2026',
    }));
    const { findings } = await checkText(dailyCsv(rows), { dateOrder: 'DMY' });
    assert.deepEqual(
      findings.map((f) => [f.code, f.line]),
      [['date-order', 0]],
    );
    assert.match(findings[0].message, /ChargeEndDate "08\/31\/2026" can only be month-first \(MDY\)/);
    rows[3] = {
      ...rows[3],
      EffectiveUnitPrice: '0.868',
      BillingPreTaxTotal: total('0.868', '345'),
      PricingPreTaxTotal: total('0.868', '345'),
    };
    const again = await checkText(dailyCsv(rows), { dateOrder: 'DMY' });
    assert.deepEqual(again.findings.map((f) => f.code).sort(), ['date-order', 'eup-mismatch']);
  });

  it('a UsageDate outside ChargeStartDate..ChargeEndDate is a finding on that cell', async () => {
    const rows = seedMonth();
    rows[3] = { ...rows[3], UsageDate: '2026-09-02' };
    const { findings } = await checkText(dailyCsv(rows));
    assert.deepEqual(
      findings.map((f) => [f.code, f.column, f.line]),
      [['usage-date-outside-period', 'UsageDate', 4]],
    );
  });
});

describe('real billing files: export variants', () => {
  it('a file exported through the API, with its column names, is checked like the CSV export', async () => {
    const csvText = dailyCsv(seedMonth(REAL_PEC));
    const api = csvText.replace(/^[^\r\n]*/, (h) =>
      h
        .replace('PartnerEarnedCreditPercentage', 'rateOfPartnerEarnedCredit')
        .replace('CreditPercentage', 'rateOfCredit')
        .replace('CreditType', 'creditType')
        .replace(',Unit,', ',unitOfMeasure,')
        .replace('Tier2MpnId', 'resellerMpnId')
        .replace('EffectiveUnitPrice', 'effectiveUnitPrice')
        .replace('PCToBCExchangeRate,', 'pcToBCExchangeRate,'),
    );
    assert.ok(api.startsWith('PartnerId') && api.includes('rateOfPartnerEarnedCredit'));
    const clean = await checkText(api);
    assert.equal(clean.summary.kind, 'daily-usage');
    assert.deepEqual(clean.findings, []);
    const wrong = api.replace(/\r\n([^\r\n]*)0\.737782122900436/, (_m, before: string) => `\r\n${before}0.868`);
    const { findings } = await checkText(wrong);
    assert.deepEqual(
      findings.map((f) => [f.code, f.column]),
      [['eup-mismatch', 'effectiveUnitPrice']],
    );
  });

  it('numbers guarded with a leading apostrophe and totals in scientific notation are read as numbers', async () => {
    const rows: Cells[] = seedMonth(REAL_PEC).map((r) => ({
      ...r,
      Quantity: `'${r.Quantity}`,
      UnitPrice: "'0.868000",
    }));
    rows[3] = { ...rows[3], BillingPreTaxTotal: new Dec(rows[3].BillingPreTaxTotal).toExponential(6).toUpperCase() };
    assert.match(rows[3].BillingPreTaxTotal, /^2\.545300E\+2$/);
    assert.deepEqual((await checkText(dailyCsv(rows))).findings, []);
    const zero: Cells[] = [
      {
        ...rows[0],
        EffectiveUnitPrice: '0.00',
        BillingPreTaxTotal: '0.00E+00',
        PricingPreTaxTotal: '7.10833E-05',
        CreditType: 'Azure Credit Applied',
        CreditPercentage: '100',
        PartnerEarnedCreditPercentage: '',
      },
    ];
    assert.deepEqual((await checkText(dailyCsv(zero))).findings, []);
  });

  it('a surcharge in PriceAdjustmentDescription raises the price; only discounts lower it', async () => {
    const eup = new Dec('0.868').times('0.85').times('1.02');
    const units = '555.950039';
    const subtotal = eup.times(units).toDecimalPlaces(2, Decimal.ROUND_FLOOR).toFixed(2);
    const line: Cells = {
      PriceAdjustmentDescription: '["15.0% Partner earned credit for services managed","2.0% Surcharge Applied"]',
      EffectiveUnitPrice: formatPrice(eup),
      BillableQuantity: units,
      Subtotal: subtotal,
      Total: subtotal,
    };
    const { findings } = await checkText(reconCsv([line]));
    assert.deepEqual(findings, []);
    // Read as a discount, the surcharge would make this price 4% too high; read as a fee it is 2% too high.
    const high = await checkText(
      reconCsv([{ ...line, EffectiveUnitPrice: formatPrice(new Dec('0.868').times('0.85').times('1.04')) }]),
    );
    assert.equal(high.findings[0]?.code, 'eup-mismatch');
    assert.match(high.findings[0].message, /should be 0\.752549636928796 .*15% partner earned credit and 2% surcharge/);
  });

  it('the legacy license-based reconciliation file is recognized and labelled', async () => {
    const header =
      'PartnerId,CustomerId,CustomerName,MpnId,Tier2MpnId,OrderId,SubscriptionId,SyndicationPartnerSubscriptionNumber,' +
      'OfferId,DurableOfferId,OfferName,SubscriptionStartDate,SubscriptionEndDate,ChargeStartDate,ChargeEndDate,ChargeType,' +
      'UnitPrice,Quantity,Amount,TotalOtherDiscount,Subtotal,Tax,TotalForCustomer,Currency,DomainName,SubscriptionName,' +
      'SubscriptionDescription,BillingCycleType';
    const row =
      'p,c,Contoso,1,,o,s,,O1,D1,Office 365 E3,1/1/2026,12/31/2026,7/1/2026,7/31/2026,Cycle fee,20,10,200,0,200,38,238,EUR,contoso,E3,,Monthly';
    const { findings, summary } = await checkText(`${header}\r\n${row}\r\n`);
    assert.equal(summary.kind, 'legacy-license');
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity]),
      [['legacy-format', 'info']],
    );
    assert.match(findings[0].message, /legacy license-based reconciliation/);
  });

  it('an unterminated quote in the header is reported as that, not as an empty file', async () => {
    const { findings } = await checkText('PartnerId,"CustomerId,CustomerName,UsageDate\r\np,c,n,2026-07-01\r\n');
    assert.deepEqual(
      findings.map((f) => [f.code, f.line, f.character]),
      [['invalid-csv', 0, 10]],
    );
    assert.match(findings[0].message, /quote at line 1, character 11 that is never closed/);
  });
});
