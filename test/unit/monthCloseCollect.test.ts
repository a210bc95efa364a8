/**
 * The tie-out's byte reader against its reference reader on fuzzed months: daily files of many groups, days and
 * prices, in no particular order, with the rows the byte reader must hand to the general code (another price on a
 * group's day, unreadable or scientific amounts, dates outside the period or not dates at all, more distinct date
 * texts than a slot key holds, benefit-covered rows, padded prices). Each month is read three ways: from a file with
 * the WebAssembly grouping lane, from a file while the lane is taken (the byte-key table groups), and from bytes in
 * memory. Every reading must give exactly the reference's summary and the same tie-out.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupLane, fileScanner } from '../../src/core/fast/byteCsv';
import { fileSource, stringSource } from '../../src/core/billing/source';
import { collectFile, type CollectedFile } from '../../src/core/monthClose/collect';
import { tieOutFiles } from '../../src/core/monthClose/tieOut';
import { dailyCsv, reconCsv, type Cells } from '../support/billingFixtures';
import { seededRandom } from '../fixtures/allocation/lines';

const PEC = '["15.0% Partner earned credit for services managed"]';

interface Month {
  daily: string;
  recon: string;
}

/** A fuzzed month: groups of (customer, plan, product, SKU, meter, PEC), a price per group-day, odd rows planted. */
function fuzzedMonth(seed: number, opts: { manyDateTexts?: boolean; rows?: number } = {}): Month {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const groups = Array.from({ length: 3 + int(40) }, (_, i) => ({
    customer: `c-${int(4)}`,
    plan: `s-${int(3)}`,
    product: `P${int(3)}`,
    sku: `000${int(2)}`,
    meter: `m-${i % 7}`,
    pec: random() < 0.6,
    covered: random() < 0.1,
    invoice: random() < 0.9 ? 'G000000001' : '',
    price: (0.01 + int(100_000) / 1000).toFixed(3),
  }));
  const rows: Cells[] = [];
  const count = opts.rows ?? 300 + int(700);
  /** The price a group's day shows (its month-to-date price: the same on every row of that day). */
  const dayPrice = (gi: number, day: number) => {
    const p = Number(groups[gi].price) * (1 - 0.0007 * day);
    return day % 3 === 0 ? p.toFixed(15) : p.toFixed(2 + ((gi + day) % 5));
  };
  for (let i = 0; i < count; i++) {
    const gi = int(groups.length);
    const g = groups[gi];
    const day = 1 + int(31);
    const r = random();
    const q = (int(200_000) / 1000) * (random() < 0.05 ? -1 : 1);
    let quantity = String(q);
    let eup = g.covered ? '0' : dayPrice(gi, day);
    let usageDate = `2026-08-${String(day).padStart(2, '0')}`;
    if (opts.manyDateTexts) usageDate = [usageDate, `8/${day}/2026`, `08/${String(day).padStart(2, '0')}/2026`][int(3)];
    let billed = (Math.round(q * Number(eup) * 100) / 100).toFixed(2);
    if (r < 0.02)
      eup = (Number(eup) * 1.01).toFixed(6); // another price on the group's day
    else if (r < 0.03) billed = 'n/a';
    else if (r < 0.04) quantity = 'x';
    else if (r < 0.05) usageDate = 'not a date';
    else if (r < 0.06)
      usageDate = '2026-09-02'; // outside the charge period
    else if (r < 0.08) billed = (q * Number(eup)).toExponential(4).replace('e', 'E');
    else if (r < 0.1) billed = (q * Number(eup)).toFixed(8);
    else if (r < 0.11) billed = `'${billed}`;
    else if (r < 0.12) eup = ` ${eup}`;
    else if (r < 0.13) quantity = '1.5E+02';
    rows.push({
      CustomerId: g.customer,
      SubscriptionId: g.plan,
      ProductId: g.product,
      SkuId: g.sku,
      MeterId: g.meter,
      // Names past ASCII and with a quoted line break: the groups' values and the rows' places are decoded.
      MeterName: g.meter === 'm-3' ? 'Zähler m-3' : g.meter === 'm-5' ? 'meter\nm-5' : `meter ${g.meter}`,
      CustomerName: g.customer === 'c-1' ? 'Société Générale' : `customer ${g.customer}`,
      InvoiceNumber: g.invoice,
      UsageDate: usageDate,
      Quantity: quantity,
      EffectiveUnitPrice: eup,
      BillingPreTaxTotal: billed,
      PCToBCExchangeRate: '1',
      PartnerEarnedCreditPercentage: g.pec ? '0.15' : '0',
      CreditType: g.pec ? 'Partner Earned Credit Applied' : '',
      BenefitId: g.covered ? 'b-1' : '',
      BenefitOrderId: g.covered ? 'bo-1' : '',
      BenefitType: g.covered ? 'Reservation' : '',
      Tags: random() < 0.1 ? '{"team":"a, ""b"""}' : '{"team":"web"}',
    });
  }
  // One reconciliation line per group that is billed, most of them a cent or more off: the tie-out has work to do.
  const lines: Cells[] = groups
    .filter((g) => g.invoice !== '' && random() < 0.8)
    .map((g) => ({
      CustomerId: g.customer,
      SubscriptionId: g.plan,
      ProductId: g.product,
      SkuId: g.sku,
      EffectiveUnitPrice: g.price,
      BillableQuantity: String(int(10_000)),
      Subtotal: (int(1_000_000) / 100).toFixed(2),
      Total: '1.00',
      PCToBCExchangeRate: '1',
      PriceAdjustmentDescription: g.pec ? PEC : '',
    }));
  return { daily: dailyCsv(rows, { eol: random() < 0.5 ? '\n' : '\r\n' }), recon: reconCsv(lines) };
}

describe('month close: the byte reader against the reference reader on fuzzed months', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'chargeback-collect-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function readings(month: Month, name: string) {
    const path = join(dir, `${name}.csv`);
    writeFileSync(path, month.daily);
    const reference = await collectFile(path, fileSource(path), undefined, false);
    const lane = await collectFile(path, fileSource(path), undefined, true);
    // While another reader holds the lane, this one groups by its own byte-key table.
    const taken = GroupLane.acquire({ width: 1, keyColumns: [0], sumColumn: 0, dateColumn: -1, checkColumns: [] });
    let table;
    try {
      table = await collectFile(path, fileSource(path), undefined, true);
    } finally {
      taken?.release();
    }
    const memory = await collectFile(path, stringSource(path, month.daily), undefined, true);
    return {
      reference: plain(reference),
      lane: plain(lane),
      table: plain(table),
      memory: plain(memory),
      lanePossible: taken !== null,
    };
  }

  /** A reading with each group's price steps and rows as objects (each reader keeps them in columns of its own). */
  function plain(c: CollectedFile) {
    if (c.kind !== 'daily-usage') return c;
    return {
      ...c,
      daily: {
        ...c.daily,
        groups: c.daily.groups.map((g) => ({ ...g, steps: g.steps.list(), places: g.places.list() })),
      },
    };
  }

  it('uses the WebAssembly scanner for files in this test run (else the lane is not under test)', () => {
    assert.equal(fileScanner(), 'wasm');
  });

  for (let seed = 1; seed <= 40; seed++) {
    it(`gives the reference's summary, seed ${seed}`, async () => {
      const month = fuzzedMonth(seed, { manyDateTexts: seed % 8 === 0 });
      const r = await readings(month, `m${seed}`);
      assert.equal(r.reference.kind, 'daily-usage');
      assert.ok(r.lanePossible);
      assert.deepStrictEqual(r.lane, r.reference);
      assert.deepStrictEqual(r.table, r.reference);
      assert.deepStrictEqual(r.memory, r.reference);
    });
  }

  it('sums a month of many rows per group and day exactly as the reference does', async () => {
    const r = await readings(fuzzedMonth(99, { rows: 20_000 }), 'big');
    assert.deepStrictEqual(r.lane, r.reference);
    assert.deepStrictEqual(r.table, r.reference);
  });

  it('sums a group whose rows move between prices in no order into one step per price, as the reference does', async () => {
    // Rows of one group, shuffled: two prices on the same day, prices coming back after others, and a price first
    // seen padded (a row the byte reader hands to the general code) before its plain rows.
    const prices = ['0.5', '0.25', ' 0.125', '0.5', '0.125', '0.25', '0.125', '0.5', '0.25', '0.5'];
    const rows: Cells[] = prices.map((eup, i) => ({
      CustomerId: 'c-1',
      SubscriptionId: 's-1',
      ProductId: 'P1',
      SkuId: '0001',
      MeterId: 'm-1',
      MeterName: 'meter m-1',
      InvoiceNumber: 'G000000001',
      UsageDate: `2026-08-${String([5, 5, 9, 2, 30, 1, 3, 5, 17, 2][i]).padStart(2, '0')}`,
      Quantity: String(i + 1),
      EffectiveUnitPrice: eup,
      BillingPreTaxTotal: ((i + 1) * Number(eup)).toFixed(2),
      PCToBCExchangeRate: '1',
      PartnerEarnedCreditPercentage: '0',
    }));
    const r = await readings({ daily: dailyCsv(rows), recon: '' }, 'moving-prices');
    assert.deepStrictEqual(r.lane, r.reference);
    assert.deepStrictEqual(r.table, r.reference);
    assert.deepStrictEqual(r.memory, r.reference);
    assert.ok(r.lane.kind === 'daily-usage');
    const [g] = r.lane.daily.groups;
    const steps = g.steps.map((s) => [s.eupText, s.rows, s.quantity.toString(), s.firstDay, s.lastDay]);
    assert.deepStrictEqual(steps, [
      ['0.5', 4, '23', '2026-08-02', '2026-08-05'],
      ['0.25', 3, '17', '2026-08-01', '2026-08-17'],
      ['0.125', 3, '15', '2026-08-03', '2026-08-30'],
    ]);
    assert.equal(g.quantity.toString(), '55');
  });

  it('ties out the same, whichever reader reads the daily file', async () => {
    for (const seed of [3, 7, 16]) {
      const month = fuzzedMonth(seed, { manyDateTexts: seed === 16 });
      const daily = join(dir, `t${seed}.csv`);
      const recon = join(dir, `t${seed}-recon.csv`);
      writeFileSync(daily, month.daily);
      writeFileSync(recon, month.recon);
      const files = () => [
        { path: daily, source: fileSource(daily) },
        { path: recon, source: fileSource(recon) },
      ];
      const fast = await tieOutFiles(files(), { reader: 'fast' });
      const reference = await tieOutFiles(files(), { reader: 'reference' });
      assert.ok(reference.months.some((m) => m.lines.length > 0 && m.findings.length > 0));
      assert.deepStrictEqual(fast, reference);
    }
  });
});
