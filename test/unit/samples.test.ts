/**
 * The demo samples (samples/, written by scripts/generate-samples.ts): regenerated in memory they equal the committed
 * files byte for byte, so the generator stays deterministic and the samples never drift; and the files hold what the
 * generator promises, checked here from the file text alone with the project's formula module (not the checker):
 * the documented shape, the documented arithmetic on every row, and each planted defect where planted-defects.json
 * says it is.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type Decimal from 'decimal.js';
import {
  DAILY_COLUMNS,
  PRICE_LIST_COLUMNS,
  RECON_COLUMNS,
  SAMPLE_PATHS,
  generateSamples,
  type GeneratedSamples,
  type PlantedDefect,
} from '../../scripts/generate-samples';
import { Dec, ZERO, floorCents, formatPrice, parseDecimal, roundCents } from '../../src/core/money';
import {
  chargedFraction,
  grossPrice,
  rateCumulative,
  tiersFromRangeMins,
  type PriceTier,
} from '../../src/core/rating/formula';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

/** A CSV file as header + records, each record a map from column name to cell. */
interface Table {
  header: string[];
  rows: Record<string, string>[];
  raw: string[][];
}

function table(content: Buffer): Table {
  const raw = parse(content, { bom: true, relax_column_count: true }) as string[][];
  const [header, ...records] = raw;
  return {
    header,
    raw: records,
    rows: records.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]]))),
  };
}

const num = (text: string): Decimal => {
  const v = parseDecimal(text);
  if (!v) throw new Error(`not a number: "${text}"`);
  return v;
};
const cents = (x: Decimal): string => x.toFixed(2);
/** Day of the month of a US-style date with leading zeros (07/14/2026); August days follow July's (08/01 is 32). */
const usDay = (text: string): number => {
  const m = /^(0[78])\/(\d{2})\/2026$/.exec(text)!;
  return (m[1] === '08' ? 31 : 0) + Number(m[2]);
};
/** A percentage cell as real exports write it ("15", or empty for none), as a fraction. */
const pct = (text: string): Decimal => (text === '' ? ZERO : num(text).div(100));
/** EffectiveUnitPrice as the samples print it: a zero price as 0.00. */
const printedPrice = (x: Decimal): string => (x.isZero() ? '0.00' : formatPrice(x));

interface ListPrice {
  first: Decimal;
  tiers: PriceTier[];
}

function priceList(t: Table): { byMeter: Map<string, ListPrice>; byProductSku: Map<string, string> } {
  const bands = new Map<string, { min: Decimal; unitPrice: Decimal }[]>();
  const byProductSku = new Map<string, string>();
  for (const r of t.rows) {
    bands.set(r.MeterIds, [
      ...(bands.get(r.MeterIds) ?? []),
      { min: num(r.PricingTierRangeMin), unitPrice: num(r.UnitPrice) },
    ]);
    byProductSku.set(`${r.ProductId}|${r.SkuId}`, r.MeterIds);
  }
  const byMeter = new Map<string, ListPrice>();
  for (const [meter, rows] of bands) {
    const tiers = rows.length > 1 ? tiersFromRangeMins(rows) : [];
    // A free allowance (a first band at 0): the usage files' UnitPrice is the first paid band's.
    const paid = tiers.length > 1 && tiers[0].unitPrice.isZero() ? tiers[1] : tiers[0];
    byMeter.set(meter, { first: tiers.length > 0 ? paid.unitPrice : rows[0].unitPrice, tiers });
  }
  return { byMeter, byProductSku };
}

function isPlanted(defects: PlantedDefect[], file: string, line: number): boolean {
  return defects.some((d) => d.file === file && d.line === line);
}

describe('demo samples', () => {
  let gen: GeneratedSamples;
  let daily: Table;
  let recon: Table;
  let prices: ReturnType<typeof priceList>;

  before(function () {
    this.timeout(20000);
    gen = generateSamples();
    daily = table(gen.files.get(SAMPLE_PATHS.daily)!);
    recon = table(gen.files.get(SAMPLE_PATHS.recon)!);
    prices = priceList(table(gen.files.get(SAMPLE_PATHS.priceList)!));
  });

  it('regenerates every committed sample byte for byte (run `npm run samples` after changing the generator)', () => {
    const samples = join(repoRoot(), 'samples');
    for (const [rel, content] of gen.files) {
      const path = join(samples, rel);
      assert.ok(existsSync(path), `${rel} is not committed`);
      assert.ok(readFileSync(path).equals(content), `${rel} differs from what the generator writes`);
    }
  });

  it('generates the same bytes on every run', function () {
    this.timeout(20000);
    const again = generateSamples();
    for (const [rel, content] of gen.files)
      assert.ok(again.files.get(rel)!.equals(content), `${rel} changed between two runs`);
  });

  it('writes the CSV files as Partner Center does: UTF-8 with BOM, CRLF line ends, the documented header', () => {
    const expected: [string, readonly string[]][] = [
      [SAMPLE_PATHS.daily, DAILY_COLUMNS],
      [SAMPLE_PATHS.recon, RECON_COLUMNS],
      [SAMPLE_PATHS.priceList, PRICE_LIST_COLUMNS],
    ];
    for (const [rel, columns] of expected) {
      const bytes = gen.files.get(rel)!;
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], `${rel} has no UTF-8 BOM`);
      const text = bytes.toString('utf8').slice(1);
      assert.ok(!/[^\r]\n|\r[^\n]/.test(text), `${rel} has a line end that is not CRLF`);
      assert.ok(text.endsWith('\r\n'));
      assert.equal(text.slice(0, text.indexOf('\r\n')), columns.join(','));
    }
    assert.equal(DAILY_COLUMNS.length, 55);
    // A column order that differs from the documented one, as real billed exports do.
    assert.ok(DAILY_COLUMNS.indexOf('BenefitId') < DAILY_COLUMNS.indexOf('BenefitOrderId'));
    assert.equal(RECON_COLUMNS.length, 46);
  });

  it('has a realistic month of daily rows, every one with all 55 cells and on one line', () => {
    assert.ok(daily.rows.length >= 2000 && daily.rows.length <= 4000, `${daily.rows.length} rows`);
    for (const cells of [...daily.raw, ...recon.raw]) {
      assert.ok(
        cells.every((c) => !/[\r\n]/.test(c)),
        'a cell spans lines: record lines would not be row index + 2',
      );
    }
    daily.raw.forEach((cells, i) => assert.equal(cells.length, 55, `daily line ${i + 2}`));
    recon.raw.forEach((cells, i) => assert.equal(cells.length, 46, `recon line ${i + 2}`));
    assert.deepEqual(new Set(daily.rows.map((r) => r.InvoiceNumber)), new Set(['G045218973']));
    assert.deepEqual(
      new Set(daily.rows.map((r) => r.ChargeStartDate + '-' + r.ChargeEndDate)),
      new Set(['07/01/2026-07/31/2026']),
    );
    const days = new Set(
      daily.rows.filter((_r, i) => !isPlanted(gen.defects, SAMPLE_PATHS.daily, i + 2)).map((r) => r.UsageDate),
    );
    assert.equal(days.size, 31);
    assert.ok(
      [...days].every((d) => /^07\/\d{2}\/2026$/.test(d)),
      'MM/DD/YYYY with leading zeros',
    );
    assert.deepEqual(new Set(daily.rows.map((r) => r.PCToBCExchangeRate)), new Set(['0.921434']));
  });

  it('points every planted defect at the cell that holds the planted value', () => {
    const files: Record<string, Table> = { [SAMPLE_PATHS.daily]: daily, [SAMPLE_PATHS.recon]: recon };
    const committed = JSON.parse(gen.files.get(SAMPLE_PATHS.defects)!.toString('utf8')) as PlantedDefect[];
    assert.deepEqual(committed, gen.defects);
    assert.deepEqual(gen.defects.map((d) => d.code).sort(), [
      'credit-disagreement',
      'eup-mismatch',
      'eup-mismatch',
      'eup-mismatch',
      'eup-mismatch',
      'invalid-value',
      'invalid-value',
      'recon-daily-mismatch',
      'subtotal-mismatch',
      'total-mismatch',
      'total-mismatch',
      'unitprice-mismatch',
      'usage-date-outside-period',
    ]);
    for (const d of gen.defects) {
      const t = files[d.file];
      assert.ok(t, d.file);
      assert.equal(t.rows[d.line - 2][d.column], d.value, `${d.file}:${d.line} ${d.column}`);
    }
  });

  it('follows the documented cumulative rating on every daily row that carries no planted defect', () => {
    // Month-to-date units per rating group and day; rows whose quantity does not parse count for nothing.
    const key = (r: Record<string, string>) =>
      [r.CustomerId, r.SubscriptionId, r.MeterId, r.ChargeStartDate, pct(r.PartnerEarnedCreditPercentage).gt(0)].join(
        '|',
      );
    const perDay = new Map<string, Decimal[]>();
    for (const r of daily.rows) {
      const q = parseDecimal(r.Quantity);
      if (!q) continue;
      const days = perDay.get(key(r)) ?? Array.from({ length: 64 }, () => ZERO);
      days[usDay(r.UsageDate)] = days[usDay(r.UsageDate)].plus(q);
      perDay.set(key(r), days);
    }
    const bcu = (r: Record<string, string>): Decimal =>
      perDay
        .get(key(r))!
        .slice(1, usDay(r.UsageDate) + 1)
        .reduce((a, b) => a.plus(b), ZERO);
    const bcuBefore = (r: Record<string, string>): Decimal =>
      perDay
        .get(key(r))!
        .slice(1, usDay(r.UsageDate))
        .reduce((a, b) => a.plus(b), ZERO);
    let unrounded = 0;
    let scientific = 0;

    const wrong: string[] = [];
    daily.rows.forEach((r, i) => {
      const line = i + 2;
      const planted = isPlanted(gen.defects, SAMPLE_PATHS.daily, line);
      const list = prices.byMeter.get(r.MeterId);
      assert.ok(list, `meter ${r.MeterId} (${r.MeterName}) is not in the price list`);
      const q = parseDecimal(r.Quantity);
      const fx = num(r.PCToBCExchangeRate);
      const eup = num(r.EffectiveUnitPrice);
      const fraction = chargedFraction(pct(r.PartnerEarnedCreditPercentage));
      const expectedEup = r.BenefitId ? ZERO : rateCumulative(bcu(r), num(r.UnitPrice), fraction, list.tiers).eup;
      // A free allowance is billed as real billed exports show it: the price of the band the day's units fall in.
      const span = bcu(r).minus(bcuBefore(r));
      const allowance =
        list.tiers.length > 1 && list.tiers[0].unitPrice.isZero() && !r.BenefitId && span.gt(0)
          ? grossPrice(bcu(r), ZERO, list.tiers)
              .minus(grossPrice(bcuBefore(r), ZERO, list.tiers))
              .div(span)
              .times(fraction)
          : undefined;
      const billed = parseDecimal(r.BillingPreTaxTotal);
      const pricing = parseDecimal(r.PricingPreTaxTotal);
      // Real billed exports do not round totals to cents: the total is EUP x Quantity (x FX) as printed.
      const near = (a: Decimal | undefined, b: Decimal): boolean => !!a && a.minus(b).abs().lt('0.000001');
      if (billed && /\.\d{3,}/.test(r.BillingPreTaxTotal)) unrounded++;
      if (/E[+-]\d\d$/.test(r.BillingPreTaxTotal)) scientific++;
      const problems = [
        !num(r.UnitPrice).eq(list.first) && 'UnitPrice',
        r.EffectiveUnitPrice !== printedPrice(allowance ?? expectedEup) && 'EffectiveUnitPrice',
        (!q || !near(billed, eup.times(q).times(fx))) && (q ? 'BillingPreTaxTotal' : 'Quantity'),
        q && !near(pricing, eup.times(q)) && 'PricingPreTaxTotal',
        r.CreditPercentage !== r.PartnerEarnedCreditPercentage && 'CreditPercentage',
        !/^07\//.test(r.UsageDate) && 'UsageDate',
      ].filter(Boolean);
      if (planted) {
        const d = gen.defects.find((x) => x.file === SAMPLE_PATHS.daily && x.line === line)!;
        assert.ok(problems.includes(d.column), `planted ${d.code} on line ${line} is not wrong in ${d.column}`);
      } else if (problems.length > 0) {
        wrong.push(`line ${line} (${r.MeterName}, ${r.UsageDate}): ${problems.join(', ')}`);
      }
    });
    assert.deepEqual(wrong, []);
    assert.ok(unrounded > daily.rows.length / 2, `totals not rounded to cents (${unrounded} rows)`);
    assert.ok(scientific > 10, `tiny and zero totals in scientific notation (${scientific} rows)`);
    const zeroPriced = daily.rows.filter((r) => r.EffectiveUnitPrice === '0.00' && !r.BenefitId).length;
    assert.ok(zeroPriced >= 10, `free-allowance rows priced 0.00 (${zeroPriced})`);
  });

  it('gives PEC only where it can apply, and says so as real billed exports do (CreditPercentage = PEC, BenefitType Charge)', () => {
    daily.rows.forEach((r, i) => {
      const pec = pct(r.PartnerEarnedCreditPercentage);
      assert.ok(r.PartnerEarnedCreditPercentage === '' || r.PartnerEarnedCreditPercentage === '15');
      if (r.BenefitId || / Spot$/.test(r.MeterName) || r.PublisherName !== 'Microsoft')
        assert.ok(pec.eq(0), `${r.MeterName} earns PEC`);
      if (r.BenefitId) assert.equal(r.EffectiveUnitPrice, '0.00');
      assert.equal(r.BenefitType, r.BenefitId ? 'Reservation' : 'Charge');
      assert.equal(r.CreditType, pec.gt(0) ? 'Partner Earned Credit Applied' : 'Credit Not Applied');
      if (!isPlanted(gen.defects, SAMPLE_PATHS.daily, i + 2))
        assert.equal(r.CreditPercentage, r.PartnerEarnedCreditPercentage);
    });
    // Both cases exist: PEC on most rows, none on some, and a meter that has both in one Azure plan.
    const withPec = daily.rows.filter((r) => r.PartnerEarnedCreditPercentage === '15').length;
    assert.ok(withPec > daily.rows.length * 0.8 && withPec < daily.rows.length);
  });

  it('follows the documented reconciliation formulas on every line that carries no planted defect', () => {
    recon.rows.forEach((r, i) => {
      const line = i + 2;
      if (isPlanted(gen.defects, SAMPLE_PATHS.recon, line)) return;
      const fx = num(r.PCToBCExchangeRate);
      const eup = num(r.EffectiveUnitPrice);
      const bq = num(r.BillableQuantity);
      if (r.MeterDescription) {
        const meter = prices.byProductSku.get(`${r.ProductId}|${r.SkuId}`)!;
        const list = prices.byMeter.get(meter)!;
        const pec =
          r.PriceAdjustmentDescription === '["15.0% Partner earned credit for services managed"]'
            ? new Dec('0.15')
            : ZERO;
        if (!pec.gt(0)) assert.equal(r.PriceAdjustmentDescription, '');
        assert.equal(r.UnitPrice, list.first.toFixed(), `line ${line} UnitPrice`);
        assert.equal(
          r.EffectiveUnitPrice,
          formatPrice(rateCumulative(bq, list.first, chargedFraction(pec), list.tiers).eup),
          `line ${line} EUP`,
        );
        assert.equal(
          r.Subtotal,
          cents(floorCents(floorCents(eup.times(bq)).times(fx))),
          `line ${line} Subtotal (usage formula)`,
        );
      } else {
        assert.equal(r.EffectiveUnitPrice, r.UnitPrice, `line ${line}: no discount, so EUP = UnitPrice`);
        assert.equal(r.Subtotal, cents(floorCents(eup.times(fx)).times(bq)), `line ${line} Subtotal (seat formula)`);
      }
      assert.equal(r.TaxTotal, cents(roundCents(num(r.Subtotal).times('0.19'))), `line ${line} TaxTotal`);
      assert.equal(r.Total, cents(num(r.Subtotal).plus(num(r.TaxTotal))), `line ${line} Total`);
    });
    const types = new Set(recon.rows.map((r) => r.ChargeType));
    for (const t of ['new', 'cycleCharge', 'addQuantity', 'removeQuantity']) assert.ok(types.has(t), t);
    const refund = recon.rows.find((r) => r.ChargeType === 'removeQuantity')!;
    for (const c of ['Quantity', 'BillableQuantity', 'Subtotal', 'TaxTotal', 'Total'])
      assert.ok(num(refund[c]).lt(0), c);
    assert.ok(
      recon.rows.some(
        (r) => r.ReservationOrderId !== '' && daily.rows.some((d) => d.BenefitOrderId === r.ReservationOrderId),
      ),
    );
  });

  it('bills each meter of an Azure plan on at most two usage lines, which match the daily totals within a cent a row', () => {
    const lines = new Map<string, number>();
    for (const r of recon.rows.filter((x) => x.MeterDescription)) {
      const meter = prices.byProductSku.get(`${r.ProductId}|${r.SkuId}`)!;
      const pec = r.PriceAdjustmentDescription !== '';
      const planKey = `${r.CustomerId}|${r.SubscriptionId}|${meter}`;
      lines.set(planKey, (lines.get(planKey) ?? 0) + 1);
      // The daily rows this line bills: same plan, meter and PEC part; covered usage and unreadable rows excluded.
      const rows = daily.rows.filter(
        (d) =>
          d.CustomerId === r.CustomerId &&
          d.SubscriptionId === r.SubscriptionId &&
          d.MeterId === meter &&
          pct(d.PartnerEarnedCreditPercentage).gt(0) === pec &&
          !d.BenefitId &&
          parseDecimal(d.Quantity),
      );
      assert.ok(rows.length > 0);
      // The tie-out's planted line bills more than the daily rows hold, on purpose (planted-defects.json).
      if (
        gen.defects.some(
          (d) =>
            d.code === 'recon-daily-mismatch' && d.file === SAMPLE_PATHS.recon && d.line === recon.rows.indexOf(r) + 2,
        )
      )
        continue;
      assert.equal(
        rows.reduce((s, d) => s.plus(num(d.Quantity)), ZERO).toFixed(),
        num(r.BillableQuantity).toFixed(),
        `${r.SkuName} BillableQuantity`,
      );
      const dailySum = rows.reduce((s, d) => s.plus(parseDecimal(d.BillingPreTaxTotal) ?? ZERO), ZERO);
      const gap = dailySum.minus(num(r.Subtotal)).abs();
      assert.ok(
        gap.lte(new Dec('0.01').times(rows.length)),
        `${r.CustomerName} ${r.SkuName} (PEC ${pec}): daily ${dailySum} vs recon ${r.Subtotal} over ${rows.length} rows`,
      );
    }
    assert.ok([...lines.values()].every((n) => n <= 2));
    assert.ok(
      [...lines.values()].some((n) => n === 2),
      'no meter had PEC on part of the month',
    );
  });
});
