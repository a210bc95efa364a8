/**
 * The month-close tie-out on hand-computed months: one case per label, the derived rounding bound (a difference it
 * explains is not flagged, a cent beyond it is), PEC for part of the month (two reconciliation lines for one meter),
 * and the cross-file checks (currency, invoice number, usage dates, invoice total). Last, the samples' planted
 * discrepancy is found on its line.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dec } from '../../src/core/money';
import { fileSource, stringSource } from '../../src/core/billing/source';
import { priceBands, tieOutFiles, type TieOutMonth, type TieOutOptions } from '../../src/core/monthClose/tieOut';
import { dailyCsv, reconCsv, type Cells } from '../support/billingFixtures';

const PEC = '["15.0% Partner earned credit for services managed"]';
/** A flat meter at 0.10 USD, FX 0.9, billed at 0.085 with PEC (0.10 x 0.85) and 0.10 without. */
const DAILY: Cells = {
  UnitPrice: '0.10',
  PCToBCExchangeRate: '0.9',
  BillingCurrency: 'EUR',
  ChargeStartDate: '8/1/2026',
  ChargeEndDate: '8/31/2026',
};
const RECON: Cells = { UnitPrice: '0.10', PCToBCExchangeRate: '0.9', Currency: 'EUR', TaxTotal: '0.00' };

const pecDay = (day: number, quantity: string, total: string): Cells => ({
  ...DAILY,
  UsageDate: `8/${day}/2026`,
  Quantity: quantity,
  EffectiveUnitPrice: '0.085',
  BillingPreTaxTotal: total,
});
const plainDay = (day: number, quantity: string, total: string): Cells => ({
  ...pecDay(day, quantity, total),
  EffectiveUnitPrice: '0.1',
  PartnerEarnedCreditPercentage: '',
  CreditPercentage: '',
  CreditType: 'Credit Not Applied',
});
/**
 * PEC on 1-2 August, none on 3 August. Row totals are FLOOR(EUP x Quantity x FX, 2):
 *   0.085 x 10 x 0.9 = 0.765 -> 0.76;  0.085 x 10.5 x 0.9 = 0.80325 -> 0.80;  0.1 x 4 x 0.9 = 0.36.
 */
const PART_MONTH = [pecDay(1, '10', '0.76'), pecDay(2, '10.5', '0.80'), plainDay(3, '4', '0.36')];
/**
 * The PEC line: fromDaily = ROUNDDOWN(ROUNDDOWN(0.085 x 20.5, 2) x 0.9, 2) = ROUNDDOWN(1.74 x 0.9, 2) = 1.56.
 * Both files print prices with 3 decimals at most, so each price is within 0.0005 of the true one and the two may be
 * 0.001 apart: f(0.084) = ROUNDDOWN(1.72 x 0.9, 2) = 1.54, f(0.086) = ROUNDDOWN(1.76 x 0.9, 2) = 1.58: bound 0.02.
 */
const pecLine = (subtotal: string, extra: Cells = {}): Cells => ({
  ...RECON,
  EffectiveUnitPrice: '0.085',
  BillableQuantity: '20.5',
  Subtotal: subtotal,
  Total: subtotal,
  PriceAdjustmentDescription: PEC,
  ...extra,
});
/** The line without PEC: ROUNDDOWN(ROUNDDOWN(0.1 x 4, 2) x 0.9, 2) = 0.36. */
const plainLine = (subtotal = '0.36'): Cells => ({
  ...RECON,
  EffectiveUnitPrice: '0.1',
  BillableQuantity: '4',
  Subtotal: subtotal,
  Total: subtotal,
  PriceAdjustmentDescription: '',
});

async function tieOutText(
  daily: string | undefined,
  recon: string | undefined,
  options?: TieOutOptions,
): Promise<TieOutMonth[]> {
  const files = [];
  if (daily !== undefined) files.push({ path: 'daily.csv', source: stringSource('daily.csv', daily) });
  if (recon !== undefined) files.push({ path: 'recon.csv', source: stringSource('recon.csv', recon) });
  return (await tieOutFiles(files, options)).months;
}

const labels = (m: TieOutMonth) => m.lines.map((l) => [l.line + 1, l.label]);
const codes = (m: TieOutMonth) => m.findings.map((f) => [f.code, f.path, f.line + 1, f.severity]);

describe('month close: tie-out', () => {
  it('ties out a month where PEC applied for part of it: two lines for one meter, both explained', async () => {
    const [m] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.56'), plainLine()]));
    assert.equal(m.invoiceNumber, 'G000000001');
    assert.equal(m.period, '2026-08-01/2026-08-31');
    assert.equal(m.draft, false);
    assert.equal(m.status, 'ties-out');
    assert.deepEqual(labels(m), [
      [2, 'explained-rounding'],
      [3, 'explained-rounding'],
    ]);
    assert.deepEqual(m.findings, []);
    const [pec, plain] = m.lines;
    assert.deepEqual([pec.fromDaily, pec.bound, pec.dailyQuantity, pec.pec], ['1.56', '0.02', '20.5', true]);
    // 0.1 x 4 = 0.40 sits on a cent: a price 0.001 lower gives ROUNDDOWN(ROUNDDOWN(0.396, 2) x 0.9, 2) = 0.35.
    assert.deepEqual([plain.fromDaily, plain.bound, plain.dailyQuantity, plain.pec], ['0.36', '0.01', '4', false]);
    assert.equal(m.invoiceTotal, '1.92');
    assert.deepEqual(
      m.files.map((f) => f.kind),
      ['daily-usage', 'reconciliation'],
    );
  });

  it('leaves out a second copy of a file (renamed or saved twice), and keeps files of the same shape that differ', async () => {
    const daily = dailyCsv(PART_MONTH);
    const recon = reconCsv([pecLine('1.56'), plainLine()]);
    // The same rows with one amount changed: the same numbers of rows, groups and lines, other contents.
    const otherDaily = dailyCsv([pecDay(1, '10', '0.76'), pecDay(2, '10.5', '0.80'), plainDay(3, '4', '0.37')]);
    const otherRecon = reconCsv([pecLine('1.56'), plainLine('0.37')]);
    const source = (path: string, text: string) => ({ path, source: stringSource(path, text) });
    const r = await tieOutFiles([
      source('daily.csv', daily),
      source('recon.csv', recon),
      source('daily copy.csv', daily),
      source('recon copy.csv', recon),
    ]);
    assert.deepEqual(
      r.fileFindings.map((f) => [f.code, f.path, f.severity]),
      [
        ['duplicate-file', 'daily copy.csv', 'warning'],
        ['duplicate-file', 'recon copy.csv', 'warning'],
      ],
    );
    assert.match(r.fileFindings[0].message, /holds the same rows as daily\.csv/);
    assert.match(r.fileFindings[1].message, /holds the same rows as recon\.csv/);
    // Nothing counts twice: the month is the one of the two files alone.
    assert.deepEqual(r.months, await tieOutText(daily, recon));
    const differ = await tieOutFiles([
      source('daily.csv', daily),
      source('recon.csv', recon),
      source('daily 2.csv', otherDaily),
      source('recon 2.csv', otherRecon),
    ]);
    assert.deepEqual(differ.fileFindings, []);
    assert.deepEqual(
      differ.months[0].files.map((f) => f.path),
      ['daily.csv', 'daily 2.csv', 'recon.csv', 'recon 2.csv'],
    );
  });

  it('does not flag a difference the derived bound explains, and flags one a cent beyond it', async () => {
    const [inside] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.58'), plainLine()]));
    assert.equal(inside.lines[0].label, 'explained-rounding');
    assert.equal(inside.lines[0].difference, '0.02');
    assert.deepEqual(inside.findings, []);

    const [beyond] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.59'), plainLine()]));
    assert.equal(beyond.lines[0].label, 'mismatch');
    assert.equal(beyond.status, 'differences');
    const [f] = beyond.findings;
    assert.deepEqual(
      [f.code, f.label, f.path, f.line + 1, f.column, f.expected, f.actual, f.impact, f.severity],
      ['recon-daily-mismatch', 'mismatch', 'recon.csv', 2, 'Subtotal', '1.56', '1.59', '0.03', 'warning'],
    );
    // Related information: the two PEC rows of the daily file (lines 2 and 3), not the row without PEC.
    assert.deepEqual(
      f.related!.map((r) => [r.path, r.line + 1]),
      [
        ['daily.csv', 2],
        ['daily.csv', 3],
      ],
    );
    assert.equal(beyond.atStake, '0.03');
    // Below the interval too: 1.53 is a cent under f(0.084) = 1.54.
    const [below] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.53'), plainLine()]));
    assert.equal(below.findings[0].impact, '-0.03');
    const [atLow] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.54'), plainLine()]));
    assert.deepEqual(atLow.findings, []);
  });

  it('narrows the bound when the files print prices with more decimals', async () => {
    // Same month, one price printed with 6 decimals: t = 0.0000005 + 0.0000005; f(0.084999) = ROUNDDOWN(1.74 x 0.9, 2).
    const daily = PART_MONTH.map((r, i) => (i === 0 ? { ...r, EffectiveUnitPrice: '0.085000' } : r));
    const [m] = await tieOutText(
      dailyCsv(daily),
      reconCsv([pecLine('1.58', { EffectiveUnitPrice: '0.085000' }), plainLine()]),
    );
    assert.equal(m.lines[0].bound, '0.00');
    assert.equal(m.lines[0].label, 'mismatch');
  });

  it('points a quantity the daily file lacks at BillableQuantity, with the amount', async () => {
    // 48 units more at 0.085: ROUNDDOWN(ROUNDDOWN(0.085 x 68.5, 2) x 0.9, 2) = ROUNDDOWN(5.82 x 0.9, 2) = 5.23.
    const [m] = await tieOutText(
      dailyCsv(PART_MONTH),
      reconCsv([pecLine('5.23', { BillableQuantity: '68.5' }), plainLine()]),
    );
    const [f] = m.findings;
    assert.deepEqual(
      [f.code, f.column, f.expected, f.actual, f.impact, f.severity],
      ['recon-daily-mismatch', 'BillableQuantity', '1.56', '5.23', '3.67', 'error'],
    );
    assert.match(f.message, /BillableQuantity 68\.5 but the daily rows hold 20\.5/);
  });

  it("labels price drift: the rows priced at the day's month-to-date price add up to more, the Subtotal ties out", async () => {
    // Tiered meter: 1-100 at 1.00, above at 0.50, no PEC, FX 1. Day 1: 100 units at 1.0000 (row 100.00); day 2: the
    // month-to-date price of 200 units is 150 / 200 = 0.7500 (row 75.00). Rows: 175.00. Subtotal: 0.75 x 200 = 150.00.
    // drift = (0.75 - 1.00) x 100 = -25.00; rows and formula rounding: 2 cents + 0.01 + 0.01 + 2 x 0.0001 x 200 = 0.08.
    const row = (day: number, eup: string, total: string): Cells => ({
      UsageDate: `2026-08-0${day}`,
      Quantity: '100',
      UnitPrice: '1.00',
      EffectiveUnitPrice: eup,
      BillingPreTaxTotal: total,
      PartnerEarnedCreditPercentage: '0',
      CreditType: 'Credit Not Applied',
    });
    const line: Cells = {
      EffectiveUnitPrice: '0.7500',
      UnitPrice: '1.00',
      BillableQuantity: '200',
      Subtotal: '150.00',
      Total: '150.00',
      PriceAdjustmentDescription: '',
    };
    const [m] = await tieOutText(dailyCsv([row(1, '1.0000', '100.00'), row(2, '0.7500', '75.00')]), reconCsv([line]));
    const [l] = m.lines;
    assert.deepEqual(
      [l.label, l.fromDaily, l.bound, l.dailyBilled, l.drift, l.rowsBound],
      ['price-drift', '150.00', '0.02', '175', '-25.00', '0.08'],
    );
    assert.deepEqual(
      l.priceSteps!.map((s) => [s.eup, s.firstDay, s.quantity]),
      [
        ['1.0000', '2026-08-01', '100'],
        ['0.7500', '2026-08-02', '100'],
      ],
    );
    assert.deepEqual(
      m.findings.map((f) => [f.code, f.severity, f.label]),
      [['recon-daily-price-drift', 'info', 'price-drift']],
    );
    assert.equal(m.status, 'ties-out');
  });

  describe('meters billed in price bands', () => {
    // A meter with a free allowance, no PEC, FX 1, prices printed with 4 decimals in both files (t = 0.0001). Days
    // 1-3 use up the 5 free units at 0; days 4-5 bill 10 and 12 units at the tier price 0.05 (rows 0.50 and 0.60).
    //   rows' own amounts: 0.00 x 3 + 0.50 + 0.60 = 1.10
    //   month's last price: ROUNDDOWN(0.0500 x 27, 2) = 1.35; f(0.0499) = ROUNDDOWN(1.3473) = 1.34,
    //     f(0.0501) = ROUNDDOWN(1.3527) = 1.35: bound 0.01, interval [1.34, 1.35]
    //   rows' rounding: 5 rows in cents 0.05 + formula floors 0.01 x 1 + 0.01 + 2 x 0.0001 x 27 = 0.0754
    // So a Subtotal in [1.10 - 0.0754, 1.10 + 0.0754] = [1.0246, 1.1754] is what the rows bill; beyond it, neither
    // explains the Subtotal.
    const row = (day: number, quantity: string, eup: string, total: string): Cells => ({
      UsageDate: `2026-08-0${day}`,
      Quantity: quantity,
      UnitPrice: '0.05',
      EffectiveUnitPrice: eup,
      BillingPreTaxTotal: total,
      PartnerEarnedCreditPercentage: '0',
      CreditType: 'Credit Not Applied',
    });
    const FREE_ALLOWANCE = [
      row(1, '2', '0', '0'),
      row(2, '2', '0', '0'),
      row(3, '1', '0', '0'),
      row(4, '10', '0.0500', '0.50'),
      row(5, '12', '0.0500', '0.60'),
    ];
    const line = (quantity: string, subtotal: string, eup: string): Cells => ({
      EffectiveUnitPrice: eup,
      UnitPrice: '0.05',
      BillableQuantity: quantity,
      Subtotal: subtotal,
      Total: subtotal,
      PriceAdjustmentDescription: '',
    });

    it('labels a free allowance whose Subtotal is what the rows bill price-drift (info, not flagged)', async () => {
      for (const subtotal of ['1.10', '1.17', '1.03']) {
        const [m] = await tieOutText(dailyCsv(FREE_ALLOWANCE), reconCsv([line('27', subtotal, '0.0407')]));
        const [l] = m.lines;
        assert.deepEqual(
          [subtotal, l.label, l.fromDaily, l.bound, l.dailyBilled, l.rowsBound],
          [subtotal, 'price-drift', '1.35', '0.01', '1.1', '0.08'],
        );
        assert.deepEqual(
          m.findings.map((f) => [f.code, f.severity, f.label, f.impact]),
          [['recon-daily-price-drift', 'info', 'price-drift', '0.00']],
        );
        assert.match(m.findings[0].message, /agrees with the daily rows' own amounts \(1\.10/);
        assert.equal(m.status, 'ties-out');
        assert.equal(m.atStake, '0.00');
      }
    });

    it("flags the same meter when the Subtotal lies beyond the rows' rounding bound", async () => {
      // 1.18 is 0.08 from the rows (> 0.0754) and 0.16 below the last price's interval; 1.21 a few cents further.
      for (const [subtotal, impact] of [
        ['1.18', '-0.17'],
        ['1.21', '-0.14'],
        ['1.02', '-0.33'],
      ]) {
        const [m] = await tieOutText(dailyCsv(FREE_ALLOWANCE), reconCsv([line('27', subtotal, '0.0407')]));
        assert.equal(m.lines[0].label, 'mismatch', subtotal);
        const [f] = m.findings;
        assert.deepEqual(
          [f.code, f.label, f.expected, f.actual, f.impact],
          ['recon-daily-mismatch', 'mismatch', '1.35', subtotal, impact],
        );
        assert.equal(m.status, 'differences');
      }
    });

    it('still flags a flat meter with one low-priced row (a discount applied twice on one day)', async () => {
      // 0.0500 every day, 10 units a day on days 1-5 (0.50 each); on day 3 a second row of 10 units was priced at
      // 0.05 x 0.9 x 0.9 = 0.0405 (0.405, printed 0.40). Rows: 2.90. Last price: ROUNDDOWN(0.05 x 60, 2) = 3.00,
      // f(0.0499) = ROUNDDOWN(2.994) = 2.99, f(0.0501) = ROUNDDOWN(3.006) = 3.00: bound 0.01.
      const flat = [1, 2, 3, 4, 5].map((d) => row(d, '10', '0.0500', '0.50'));
      flat.splice(3, 0, row(3, '10', '0.0405', '0.40'));
      // The Subtotal billed the double discount too: it agrees with the rows but not with the meter's price.
      const [m] = await tieOutText(dailyCsv(flat), reconCsv([line('60', '2.90', '0.0483')]));
      assert.equal(m.lines[0].label, 'mismatch');
      assert.deepEqual(
        m.findings.map((f) => [f.code, f.expected, f.actual, f.impact]),
        [['recon-daily-mismatch', '3.00', '2.90', '-0.10']],
      );
      // Billed at the meter's price, the same line ties out; the rows' 0.10 less is the low row's drift
      // (0.05 - 0.0405) x 10 = 0.095, shown as information (the row itself is the check's to flag).
      const [ok] = await tieOutText(dailyCsv(flat), reconCsv([line('60', '3.00', '0.0500')]));
      assert.deepEqual(
        ok.findings.map((f) => [f.code, f.severity, ok.lines[0].drift]),
        [['recon-daily-price-drift', 'info', '0.10']],
      );
      assert.equal(ok.status, 'ties-out');
    });

    it('reads price bands only as runs of days one after another, a free allowance first', () => {
      const s = (eup: string, firstDay: string, lastDay: string) => ({ eup: new Dec(eup), firstDay, lastDay });
      // Free allowance, then two graduated tiers.
      assert.equal(priceBands([s('0', '01', '03'), s('0.05', '04', '20'), s('0.04', '21', '31')]), true);
      // One price printed two ways is one price: a flat meter.
      assert.equal(priceBands([s('0.05', '01', '15'), s('0.0500', '16', '31')]), false);
      // A price within 1% of the highest is the cumulative re-rating, not a band.
      assert.equal(priceBands([s('0.0500', '01', '15'), s('0.04996', '16', '31')]), false);
      // A lower price on a day inside another price's run.
      assert.equal(priceBands([s('0.05', '01', '31'), s('0.04', '12', '12')]), false);
      // Two prices on one crossing day are not told apart from a planted row: not bands.
      assert.equal(priceBands([s('0', '01', '04'), s('0.05', '04', '31')]), false);
      // A zero price after paid days is no free allowance.
      assert.equal(priceBands([s('0.05', '01', '10'), s('0', '11', '31')]), false);
    });
  });

  it('lists purchases the daily file never has as not-in-daily, without a finding', async () => {
    const seat: Cells = {
      ChargeType: 'cycleCharge',
      MeterDescription: '',
      ProductName: 'Microsoft 365 E3',
      SkuName: 'Microsoft 365 E3',
      ProductId: 'CFQ7',
      UnitPrice: '36',
      EffectiveUnitPrice: '36',
      BillableQuantity: '10',
      Subtotal: '324.00',
      Total: '324.00',
      PriceAdjustmentDescription: '',
      Currency: 'EUR',
      PCToBCExchangeRate: '0.9',
    };
    const reservation: Cells = {
      ...seat,
      ProductName: 'Reserved VM Instance',
      ReservationOrderId: 'ro-1',
      MeterDescription: 'Reserved VM Instance - EU West',
      Subtotal: '10.00',
      Total: '10.00',
    };
    const [m] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.56'), plainLine(), seat, reservation]));
    assert.deepEqual(labels(m), [
      [2, 'explained-rounding'],
      [3, 'explained-rounding'],
      [4, 'not-in-daily'],
      [5, 'not-in-daily'],
    ]);
    assert.deepEqual(m.findings, []);
    assert.equal(m.invoiceTotal, '335.92');
  });

  it('flags a usage line without daily rows (missing-in-daily) and daily rows without a line (missing-in-recon)', async () => {
    const other: Cells = { ...plainLine('2.50'), ProductId: 'OTHER', MeterDescription: 'Storage - Hot LRS' };
    const [m] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.56'), other]));
    assert.deepEqual(m.lines.map((l) => l.label).sort(), [
      'explained-rounding',
      'missing-in-daily',
      'missing-in-recon',
    ]);
    const byLabel = new Map(m.lines.map((l) => [l.label, l]));
    assert.equal(byLabel.get('missing-in-daily')!.path, 'recon.csv');
    assert.equal(byLabel.get('missing-in-recon')!.path, 'daily.csv');
    const missingDaily = m.findings.find((f) => f.code === 'missing-in-daily')!;
    assert.deepEqual(
      [missingDaily.path, missingDaily.line + 1, missingDaily.impact, missingDaily.severity],
      ['recon.csv', 3, '2.50', 'error'],
    );
    const missingRecon = m.findings.find((f) => f.code === 'missing-in-recon')!;
    // The row without PEC on 3 August (line 4 of the daily file) is billed by no line: 0.36 not invoiced.
    assert.deepEqual(
      [missingRecon.path, missingRecon.line + 1, missingRecon.expected, missingRecon.impact, missingRecon.label],
      ['daily.csv', 4, '0.36', '-0.36', 'missing-in-recon'],
    );
    assert.equal(m.atStake, '2.86');
  });

  it('warns when a meter and plan has more than two lines in a month', async () => {
    const [m] = await tieOutText(
      dailyCsv(PART_MONTH),
      reconCsv([
        pecLine('1.00', { BillableQuantity: '12' }),
        pecLine('0.56', { BillableQuantity: '8.5' }),
        plainLine(),
      ]),
    );
    const f = m.findings.filter((x) => x.code === 'too-many-recon-lines');
    assert.deepEqual(
      f.map((x) => [x.line + 1, x.severity]),
      [[3, 'warning']],
    );
    // The two PEC lines are tied out together: 1.00 + 0.56 = 1.56.
    assert.equal(m.lines[0].subtotal, '1.56');
    assert.equal(m.lines[0].label, 'explained-rounding');
  });

  it('reports currency and invoice-number disagreements and usage dated outside the charge period', async () => {
    const daily = dailyCsv([
      ...PART_MONTH.slice(0, 2).map((r) => ({ ...r, InvoiceNumber: 'G000000002', BillingCurrency: 'USD' })),
      { ...PART_MONTH[2], InvoiceNumber: 'G000000002', BillingCurrency: 'USD', UsageDate: '9/1/2026' },
    ]);
    const [m, ...rest] = await tieOutText(daily, reconCsv([pecLine('1.56'), plainLine()]));
    assert.equal(rest.length, 0, 'paired by period');
    assert.deepEqual(
      codes(m)
        .map((c) => c[0])
        .sort(),
      ['currency-mismatch', 'invoice-number-mismatch', 'usage-outside-period'],
    );
    const outside = m.findings.find((f) => f.code === 'usage-outside-period')!;
    assert.deepEqual(
      [outside.path, outside.line + 1, outside.column, outside.actual],
      ['daily.csv', 4, 'UsageDate', '2026-09-01'],
    );
  });

  it('reports a row dated outside its period in its own month only, when one daily file holds two invoices', async () => {
    const other = (r: Cells): Cells => ({ ...r, InvoiceNumber: 'G000000009', CustomerId: 'c-9' });
    const daily = dailyCsv([
      ...PART_MONTH,
      ...PART_MONTH.slice(0, 2).map(other),
      { ...other(PART_MONTH[2]), UsageDate: '9/2/2026' },
    ]);
    const recon = reconCsv([
      pecLine('1.56'),
      plainLine(),
      ...[pecLine('1.56'), plainLine()].map((l) => ({ ...l, InvoiceNumber: 'G000000009', CustomerId: 'c-9' })),
    ]);
    const months = await tieOutText(daily, recon);
    assert.deepEqual(
      months.map((m) => [m.invoiceNumber, m.findings.filter((f) => f.code === 'usage-outside-period').length]),
      [
        ['G000000001', 0],
        ['G000000009', 1],
      ],
    );
    const outside = months[1].findings.find((f) => f.code === 'usage-outside-period')!;
    assert.deepEqual([outside.line + 1, outside.actual], [7, '2026-09-02']);
  });

  it('says an unbilled daily file is a draft estimate', async () => {
    const [m] = await tieOutText(dailyCsv(PART_MONTH.map((r) => ({ ...r, InvoiceNumber: '' }))), undefined);
    assert.equal(m.draft, true);
    assert.equal(m.status, 'draft');
    assert.deepEqual(codes(m), [['draft-estimate', 'daily.csv', 2, 'info']]);
  });

  it('compares the reconciliation Totals with an invoice total entered by the user', async () => {
    const totals = new Map([['g000000001', new Dec('1.90')]]);
    const [m] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.56'), plainLine()]), {
      invoiceTotals: totals,
    });
    assert.deepEqual(
      m.findings.map((f) => [f.code, f.expected, f.actual, f.impact]),
      [['invoice-total-mismatch', '1.90', '1.92', '0.02']],
    );
    assert.equal(m.enteredInvoiceTotal, '1.90');
    const [ok] = await tieOutText(dailyCsv(PART_MONTH), reconCsv([pecLine('1.56'), plainLine()]), {
      invoiceTotals: new Map([['g000000001', new Dec('1.92')]]),
    });
    assert.deepEqual(ok.findings, []);
  });

  it('names a reconciliation line whose amounts cannot be read, and never counts it as zero', async () => {
    const [m] = await tieOutText(
      dailyCsv(PART_MONTH),
      reconCsv([pecLine('1.56'), { ...plainLine(), Subtotal: 'n/a', Total: 'n/a' }]),
    );
    const f = m.findings.find((x) => x.code === 'unreadable-line')!;
    assert.deepEqual([f.path, f.line + 1, f.severity], ['recon.csv', 3, 'error']);
    assert.match(f.message, /Subtotal, Total cannot be read as a number/);
    // Its daily rows are then billed by no readable line, and the invoice total is not claimed.
    assert.equal(m.invoiceTotal, undefined);
    assert.ok(m.findings.some((x) => x.code === 'missing-in-recon' && x.impact === '-0.36'));
  });

  it('gives the same months whichever reader reads the daily file', async function () {
    this.timeout(20000);
    const samples = join(__dirname, '..', '..', '..', 'samples');
    const files = () =>
      ['billing/2026-07/DailyRatedUsage_2026-07.csv', 'billing/2026-07/InvoiceReconciliation_2026-07.csv'].map((p) => ({
        path: p,
        source: fileSource(join(samples, p)),
      }));
    const fast = await tieOutFiles(files(), { reader: 'fast' });
    const reference = await tieOutFiles(files(), { reader: 'reference' });
    assert.deepEqual(fast, reference);
    const text = () => [
      { path: 'd.csv', source: stringSource('d.csv', dailyCsv([...PART_MONTH, { ...PART_MONTH[0], Quantity: 'x' }])) },
    ];
    assert.deepEqual(await tieOutFiles(text(), { reader: 'fast' }), await tieOutFiles(text(), { reader: 'reference' }));
    // A quoted line break makes the file irregular for the byte reader: the tokenizer reads it, with the same result.
    const broken = dailyCsv([{ ...PART_MONTH[0], Tags: 'a\nb' }, PART_MONTH[1]]);
    const months = await tieOutFiles([{ path: 'b.csv', source: stringSource('b.csv', broken) }], { reader: 'fast' });
    assert.deepEqual(
      months,
      await tieOutFiles([{ path: 'b.csv', source: stringSource('b.csv', broken) }], { reader: 'reference' }),
    );
  });

  it("finds the samples' planted discrepancy on its line, with the amount and its label", async function () {
    this.timeout(20000);
    const samples = join(__dirname, '..', '..', '..', 'samples');
    const files = [
      'billing/2026-07/DailyRatedUsage_2026-07.csv',
      'billing/2026-07/InvoiceReconciliation_2026-07.csv',
    ].map((p) => ({ path: p, source: fileSource(join(samples, p)) }));
    const { months } = await tieOutFiles(files);
    assert.equal(months.length, 1);
    const [m] = months;
    const planted = JSON.parse(readFileSync(join(samples, 'planted-defects.json'), 'utf8')) as {
      file: string;
      line: number;
      column: string;
      code: string;
    }[];
    const tieOut = planted.filter((p) => p.code === 'recon-daily-mismatch');
    assert.equal(tieOut.length, 1);
    const f = m.findings.find((x) => x.path === tieOut[0].file && x.line + 1 === tieOut[0].line)!;
    assert.deepEqual(
      [f.code, f.column, f.label, f.severity],
      ['recon-daily-mismatch', 'BillableQuantity', 'mismatch', 'error'],
    );
    // 48 hours at the line's price, ROUNDDOWN(ROUNDDOWN(0.163xxx x 1517.05, 2) x 0.921434, 2) less the daily's 220.90.
    assert.equal(f.expected, '220.90');
    assert.ok(new Dec(f.impact!).gt(7), f.impact);
    // The recon lines the single-file check flags on their own (Subtotal 1.00 low; PEC named, not applied) tie out
    // as mismatches too, and so does line 11, whose meter lost the daily row with the planted unreadable Quantity
    // (the finding says so); every other usage line is explained.
    assert.deepEqual(
      m.lines.filter((l) => l.label === 'mismatch').map((l) => l.line + 1),
      [11, 20, 32, 40],
    );
    const eleven = m.findings.find((x) => x.line + 1 === 11 && x.code === 'recon-daily-mismatch')!;
    assert.equal(eleven.severity, 'warning');
    assert.match(eleven.message, /1 daily row of this meter could not be read/);
    // Meters whose price moved through the month tie out as price drift: free allowances (0 on the free part of the
    // month, then the tier price) on the rows' own amounts; the same lines the single-file check calls tiers-unverified.
    assert.deepEqual(
      m.lines.filter((l) => l.label === 'price-drift').map((l) => l.line + 1),
      [3, 4, 12, 29, 34],
    );
    assert.ok(m.lines.filter((l) => l.label === 'not-in-daily').length >= 4);
  });
});
