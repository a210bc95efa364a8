/**
 * The fast path of the daily check against the reference path: the same findings (word for word, same ranges, same
 * order) and the same summary, on the sample month, with a price list, and on hundreds of mutated months whose
 * mutations aim at the fast path's edges (prices a digit off, totals on the cent boundary, numbers it does not read,
 * quoted cells, covered usage, Spot with PEC, tiny slices).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringSource, fileSource, type TextSource } from '../../src/core/billing/source';
import { tokenize } from '../../src/core/billing/csv';
import { loadPriceList } from '../../src/core/billing/priceList';
import { checkSource } from '../../src/core/rating/check';
import { fewGroups } from '../../src/core/rating/fastDaily';
import { bandInDoubles, flatThresholds, fractionOf } from '../../src/core/rating/fastBand';
import { Dec } from '../../src/core/money';
import type Decimal from 'decimal.js';
import { withFastPathTesting, type FastCheckStats, type FastPathTesting } from '../../src/core/fast/fastPathTesting';
import { parallelism } from '../../src/core/parallel/pool';
import { defaultCheckOptions, type CheckOptions } from '../../src/core/rating/options';
import type { Finding } from '../../src/core/findings';
import { seededRandom } from '../fixtures/allocation/lines';
import { writeBigMonth } from '../support/bigMonth';
import { runCheck, type CheckArgs } from '../../src/cli/check';
import type { Output } from '../../src/cli/output';

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

const root = join(__dirname, '..', '..', '..');
const dailyPath = join(root, 'samples', 'billing', '2026-07', 'DailyRatedUsage_2026-07.csv');

type Stats = FastCheckStats;

async function both(
  source: () => TextSource,
  options: CheckOptions,
  sliceBytes?: number,
  laneGroups?: number,
  testing: Partial<FastPathTesting> = {},
): Promise<Stats> {
  const run = async (reader: 'fast' | 'reference') => {
    const findings: Finding[] = [];
    const stats: Stats = { fast: false };
    const r = await withFastPathTesting(
      { ...testing, laneGroups: laneGroups ?? Infinity, onCheck: (s) => Object.assign(stats, s) },
      () => checkSource(source(), options, (f) => findings.push(f), { reader, sliceBytes }),
    );
    return { findings, summary: r.summary, stats };
  };
  const fast = await run('fast');
  const reference = await run('reference');
  assert.deepEqual(fast.summary, reference.summary, 'summary');
  assert.equal(fast.findings.length, reference.findings.length, 'number of findings');
  for (let i = 0; i < fast.findings.length; i++)
    assert.deepEqual(fast.findings[i], reference.findings[i], `finding ${i}`);
  return fast.stats;
}

/** A plain decimal written exactly in scientific notation, as real exports print tiny amounts (0.0071 -> 7.1E-03). */
function exponent(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return text;
  const int = m[2].replace(/^0+/, '');
  const frac = m[3] ?? '';
  let exp: number;
  let significant: string;
  if (int !== '') {
    exp = int.length - 1;
    significant = int + frac;
  } else {
    const lead = frac.search(/[1-9]/);
    if (lead < 0) return `${m[1]}0.${frac || '00'}E+00`;
    exp = -(lead + 1);
    significant = frac.slice(lead);
  }
  const mantissa = significant.length > 1 ? `${significant[0]}.${significant.slice(1)}` : significant;
  return `${m[1]}${mantissa}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function csvLine(cells: string[]): string {
  return cells.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

describe('fast daily check against the reference path', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fc-fastcheck-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const text = readFileSync(dailyPath, 'utf8');
  const { records } = tokenize(text.replace(/^\uFEFF/, ''));
  const header = records[0].cells;
  const col = (name: string): number => header.indexOf(name);

  it('finds exactly what the reference finds on the sample month, with and without the price list', async function () {
    this.timeout(20_000);
    const without = await both(() => fileSource(dailyPath), defaultCheckOptions());
    assert.equal(without.fast, true);
    assert.ok(
      without.laneGroups! > 20 && without.tableGroups === 0,
      `a file on disk: rating groups found by the WebAssembly lane (${without.laneGroups})`,
    );
    const priceList = await loadPriceList(
      fileSource(join(root, 'samples', 'price-list', 'AzurePlanPriceList_2026-07.csv')),
    );
    const withList = await both(() => fileSource(dailyPath), defaultCheckOptions({ priceList: priceList.priceList }));
    assert.equal(withList.fast, true);
    // Totals in scientific notation (tiny and zero amounts, as real billed exports print them) are read exactly:
    // only rows with a planted defect, or a cell the fast path cannot read, take the reference path.
    const scientific = records.slice(1).filter((r) => /E[+-]\d+$/.test(r.cells[col('BillingPreTaxTotal')])).length;
    assert.ok(scientific >= 50, `${scientific} totals in scientific notation`);
    assert.ok(
      withList.referenceRows![0] < 10 && withList.referenceRows![1] < 20,
      `rows proved clean without the reference (${withList.referenceRows})`,
    );
  });

  it('finds exactly what the reference finds on 40 mutated months, read in slices as small as 4 KB', async function () {
    // Eighty full checks of the sample month: about 40 s, more on a loaded machine.
    this.timeout(180_000);
    const rnd = seededRandom(4242);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const eup = col('EffectiveUnitPrice');
    const total = col('BillingPreTaxTotal');
    const pricing = col('PricingPreTaxTotal');
    const quantity = col('Quantity');
    const mutations: ((cells: string[]) => void)[] = [
      (c) => (c[eup] = c[eup].replace(/\d$/, (d) => String((Number(d) + 1) % 10))),
      (c) => (c[eup] = c[eup].slice(0, Math.max(3, c[eup].length - 1 - Math.floor(rnd() * 10)))),
      (c) => (c[eup] = c[eup] + '0000'),
      (c) =>
        (c[total] = (Math.round(Number(c[total]) * 100) / 100 + pick([0.01, -0.01, 0.02, 0.005])).toFixed(
          pick([2, 3]),
        )),
      (c) => (c[pricing] = (Number(c[pricing]) + pick([0.01, -0.011, 0.1])).toFixed(2)),
      (c) => (c[quantity] = '-' + c[quantity]),
      (c) => (c[quantity] = pick(['', 'abc', '1e3', ' 5', '0'])),
      (c) => (c[col('UnitPrice')] = pick(['', '1,5', '0.0000000000000001', '12345678901234567'])),
      (c) => (c[col('UsageDate')] = pick(['13/45/2026', '', '7/32/2026', '2026-07-05'])),
      (c) => (c[col('PartnerEarnedCreditPercentage')] = pick(['15', '0.15', '', '150', 'x'])),
      (c) => {
        c[col('MeterName')] = 'D2s v5 Spot';
        c[col('PartnerEarnedCreditPercentage')] = '0.15';
      },
      (c) => {
        c[col('BenefitId')] = 'b-1';
        c[col('BenefitType')] = 'Reservation';
      },
      (c) => (c[col('CustomerName')] = 'Contoso, "The" Ltd\nSecond line'),
      (c) => (c[col('PublisherName')] = pick(['Contoso Marketplace', ' Microsoft', 'microsoft'])),
      (c) => (c[col('PCToBCExchangeRate')] = pick(['0.9234', '1.0000000001', '2'])),
      (c) => (c[col('CustomerId')] = c[col('CustomerId')].toUpperCase()),
      // The readings of real exports: benefit types, credits counted once or disagreeing, unreadable totals, dates
      // outside the period, zero and below-band prices billed from themselves, un-rounded and scientific totals.
      (c) => (c[col('BenefitType')] = pick(['Charge', 'charge', 'SavingsPlan', 'Reservation'])),
      (c) => {
        c[col('CreditPercentage')] = c[col('PartnerEarnedCreditPercentage')];
        c[col('CreditType')] = 'Partner Earned Credit Applied';
      },
      (c) => {
        c[col('CreditPercentage')] = pick(['10', '0.1', '15']);
        c[col('CreditType')] = pick([
          'Partner Earned Credit Applied',
          'Azure Credit Applied',
          'Credit Not Applied',
          '',
        ]);
      },
      (c) => (c[total] = pick(['n/a', '', '1.2.3'])),
      (c) => (c[col('UsageDate')] = pick(['8/2/2026', '6/30/2026'])),
      (c) => {
        c[eup] = '0.00';
        c[total] = '0.00';
        c[pricing] = '0.00';
      },
      (c) => {
        const low = (Number(c[eup]) * 0.85).toFixed(8);
        c[eup] = low;
        c[total] = (Number(low) * Number(c[quantity]) * Number(c[col('PCToBCExchangeRate')])).toFixed(8);
        c[pricing] = (Number(low) * Number(c[quantity])).toFixed(8);
      },
      (c) =>
        (c[total] = (Number(c[eup]) * Number(c[quantity]) * Number(c[col('PCToBCExchangeRate')])).toExponential(6)),
      (c) => (c[eup] = pick(["'0.5", '7.10833E-05', '0.00E+00'])),
      // Numbers as real exports print them, in every cell the fast path reads: apostrophe-guarded, scientific, and
      // forms the reference reads or rejects that the fast path leaves to it.
      (c) => {
        const cell = pick([eup, total, pricing, quantity, col('UnitPrice'), col('PCToBCExchangeRate')]);
        c[cell] = pick([`'${c[cell]}`, exponent(c[cell]), `'${exponent(c[cell])}`, `${c[cell]}E+00`, `${c[cell]}e0`]);
      },
      (c) => {
        const cell = pick([eup, total, pricing, quantity, col('UnitPrice'), col('PCToBCExchangeRate')]);
        c[cell] = pick([
          "'",
          "''1",
          "' 1",
          '1E+999',
          '1e-20',
          '-0.00E+00',
          '5.E1',
          '.5E1',
          '1.5E+15',
          `${c[cell]}E`,
          '+1E2',
        ]);
      },
    ];
    let fastRuns = 0;
    for (let variant = 0; variant < 40; variant++) {
      const lines = [csvLine(header)];
      for (let r = 1; r < records.length; r++) {
        const cells = [...records[r].cells];
        if (rnd() < 0.06) pick(mutations)(cells);
        lines.push(csvLine(cells));
      }
      const eol = rnd() < 0.5 ? '\r\n' : '\n';
      const variantText = (rnd() < 0.5 ? '\uFEFF' : '') + lines.join(eol) + (rnd() < 0.8 ? eol : '');
      // Even variants in memory: one in two scanned by scanOne where they are (groups in the JavaScript table), the
      // others copied into the WebAssembly scanner's windows as an editor's document is (groups in the lane). Odd
      // ones from files (groups in the lane; one in two of those lets the lane hold only 7 groups, the table taking
      // the rest).
      const slice = variant % 3 === 0 ? 4096 : undefined;
      let stats: Stats;
      if (variant % 2 === 0) {
        const js = variant % 4 === 0;
        stats = await both(
          () => stringSource(`variant-${variant}.csv`, variantText),
          defaultCheckOptions(),
          slice,
          undefined,
          { jsScannerInMemory: js },
        );
        if (js) assert.equal(stats.laneGroups, 0, 'bytes in memory, scanOne: no lane');
        else
          assert.ok(
            stats.tableGroups === 0 && stats.laneGroups! > 20,
            `variant ${variant}, bytes in memory in windows: lane ${stats.laneGroups}, table ${stats.tableGroups}`,
          );
      } else {
        const path = join(dir, `variant-${variant}.csv`);
        writeFileSync(path, variantText);
        const mixed = variant % 4 === 1;
        stats = await both(() => fileSource(path), defaultCheckOptions(), slice, mixed ? 7 : undefined);
        assert.equal(
          stats.laneGroups,
          mixed ? 7 : stats.laneGroups! + stats.tableGroups!,
          `variant ${variant}: groups in the lane`,
        );
        assert.ok(
          mixed ? stats.tableGroups! > 0 : stats.laneGroups! > 20,
          `variant ${variant}: lane ${stats.laneGroups}, table ${stats.tableGroups}`,
        );
      }
      if (stats.fast) fastRuns++;
    }
    assert.equal(fastRuns, 40, 'every variant is regular CSV, so the fast path reads it');
  });

  it('finds exactly what the reference finds on the sample month written as a real billed export', async function () {
    // BenefitType Charge and CreditPercentage = PEC on every row, then a few rows changed as real files differ.
    this.timeout(60_000);
    const rnd = seededRandom(99);
    const lines = [csvLine(header)];
    for (let r = 1; r < records.length; r++) {
      const cells = [...records[r].cells];
      cells[col('BenefitType')] = 'Charge';
      const pec = cells[col('PartnerEarnedCreditPercentage')];
      const has = pec !== '' && Number(pec) > 0;
      cells[col('CreditPercentage')] = has ? pec : '';
      cells[col('CreditType')] = has ? 'Partner Earned Credit Applied' : 'Credit Not Applied';
      if (rnd() < 0.02) cells[col('CreditPercentage')] = '10';
      if (rnd() < 0.02) cells[col('BillingPreTaxTotal')] = 'x';
      lines.push(csvLine(cells));
    }
    const path = join(dir, 'real-traits.csv');
    writeFileSync(path, lines.join('\r\n') + '\r\n');
    const stats = await both(() => fileSource(path), defaultCheckOptions());
    assert.equal(stats.fast, true);
    await both(() => stringSource('real-traits.csv', lines.join('\r\n')), defaultCheckOptions({ dateOrder: 'DMY' }));
  });

  it('finds exactly what the reference finds where free-allowance rows (priced 0) mix with paid and lower-priced rows', async function () {
    // Real exports bill a meter's free monthly allowance as rows at EffectiveUnitPrice 0 with totals 0; some other
    // rows of the same meters are priced below the flat price (graduated prices, or a discount applied twice).
    this.timeout(60_000);
    const rnd = seededRandom(4242);
    const lines = [csvLine(header)];
    let free = 0;
    let lower = 0;
    for (let r = 1; r < records.length; r++) {
      const cells = [...records[r].cells];
      const form = rnd();
      if (form < 0.25) {
        cells[col('EffectiveUnitPrice')] = '0';
        cells[col('BillingPreTaxTotal')] = rnd() < 0.5 ? '0' : '0.00';
        if (cells[col('PricingPreTaxTotal')] !== '') cells[col('PricingPreTaxTotal')] = '0';
        free++;
      } else if (form < 0.3) {
        const eup = Number(cells[col('EffectiveUnitPrice')]) * 0.85;
        const billed = eup * Number(cells[col('Quantity')]) * Number(cells[col('PCToBCExchangeRate')] || '1');
        cells[col('EffectiveUnitPrice')] = eup.toFixed(6);
        cells[col('BillingPreTaxTotal')] = (Math.floor(billed * 100) / 100).toFixed(2);
        if (cells[col('PricingPreTaxTotal')] !== '')
          cells[col('PricingPreTaxTotal')] = cells[col('BillingPreTaxTotal')];
        lower++;
      }
      lines.push(csvLine(cells));
    }
    assert.ok(free > 50 && lower > 10, `${free} free rows, ${lower} rows priced lower`);
    const path = join(dir, 'free-allowance.csv');
    writeFileSync(path, lines.join('\r\n') + '\r\n');
    const findings: Finding[] = [];
    await checkSource(fileSource(path), defaultCheckOptions(), (f) => findings.push(f), { reader: 'reference' });
    assert.ok(
      findings.some((f) => f.code === 'tiers-unverified' && / at 0\)/.test(f.message)),
      'without a price list the free rows are noted per rating group',
    );
    const without = await both(() => fileSource(path), defaultCheckOptions());
    assert.equal(without.fast, true);
    const priceList = await loadPriceList(
      fileSource(join(root, 'samples', 'price-list', 'AzurePlanPriceList_2026-07.csv')),
    );
    const withList = await both(() => fileSource(path), defaultCheckOptions({ priceList: priceList.priceList }));
    assert.equal(withList.fast, true);
  });

  describe('rows priced below the flat band, kept per rating group as the reference keeps them', () => {
    // Rating groups written beside the sample month, each a meter of its own: the free part of a monthly allowance
    // (priced 0), lower prices after it, and the cases the fast path must hand to the reference: a later day back
    // at the flat price, a discount applied twice (PEC, a further credit, a 15% PEC the row does not name), a sum at
    // the flat price exactly half a cent, a row of the group it cannot read, totals off by more than a cent.
    const template = records[1].cells;
    const fxText = template[col('PCToBCExchangeRate')];
    type Row = { cells: string[]; reference: boolean };
    const day = (d: number): string => `07/${String(d).padStart(2, '0')}/2026`;
    const printTotal = (x: Decimal, form: number): string =>
      form === 0
        ? x.toDecimalPlaces(8).toFixed(8)
        : form === 1
          ? exponent(x.toDecimalPlaces(8).toFixed())
          : x.toDecimalPlaces(10).toFixed();

    function groups(rnd: () => number): Row[] {
      const out: Row[] = [];
      let meter = 0;
      const quantity = (): Dec => new Dec(Math.floor(1 + rnd() * 400_000_000)).div(1_000_000);
      const add = (
        g: { customer: string; meter: string; price: string; pec?: string; credit?: string; creditType?: string },
        d: number,
        eup: string,
        o: { q?: Decimal; billed?: string; fx?: string; reference: boolean },
      ): void => {
        const c = [...template];
        const q = o.q ?? quantity();
        const rate = new Dec(o.fx ?? fxText);
        c[col('CustomerId')] = g.customer;
        c[col('MeterId')] = g.meter;
        c[col('MeterName')] = `Allowance meter ${g.meter.slice(-4)}`;
        c[col('UsageDate')] = day(d);
        c[col('UnitPrice')] = g.price;
        c[col('Quantity')] = q.toFixed();
        c[col('EffectiveUnitPrice')] = eup;
        c[col('PCToBCExchangeRate')] = rate.toFixed();
        const pec = g.pec ?? '15';
        c[col('PartnerEarnedCreditPercentage')] = pec;
        c[col('CreditPercentage')] = g.credit ?? pec;
        c[col('CreditType')] = g.creditType ?? (pec === '' ? 'Credit Not Applied' : 'Partner Earned Credit Applied');
        const form = Math.floor(rnd() * 3);
        const billed = new Dec(eup).times(q).times(rate);
        c[col('BillingPreTaxTotal')] =
          o.billed ?? (billed.isZero() ? ['0', '0.00', '0.00E+00'][form] : printTotal(billed, form));
        c[col('PricingPreTaxTotal')] = billed.isZero() ? '0' : printTotal(new Dec(eup).times(q), form);
        out.push({ cells: c, reference: o.reference });
      };
      const group = (price: string, extra: { pec?: string; credit?: string; creditType?: string } = {}) => ({
        customer: 'c0ffee00-0000-4000-8000-000000000001',
        meter: `a11a0000-0000-4000-8000-${String(++meter).padStart(12, '0')}`,
        price,
        ...extra,
      });
      const net = (price: string, f = '0.85'): string => new Dec(price).times(f).toFixed();

      // Kept by the fast path: every day at 0 (totals printed 0, 0.00, 0.00E+00), a few rows a day, some returns.
      const free = group('2.649607');
      for (let d = 1; d <= 12; d++)
        for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++)
          add(free, d, rnd() < 0.5 ? '0' : '0.00', {
            // A small return now and then, the month to date staying positive (else the reference decides).
            q: d > 2 && rnd() < 0.1 ? quantity().div(-1000) : undefined,
            reference: false,
          });
      // The same rating group in capitals: other cells, one group.
      add({ ...free, customer: free.customer.toUpperCase() }, 13, '0', { reference: false });
      // 0 on the first days, a lower price after them, then a day at the flat price: the rows at 0 explain it.
      const mixed = group('3.256808');
      for (let d = 1; d <= 6; d++) add(mixed, d, '0', { reference: false });
      for (let d = 7; d <= 12; d++) add(mixed, d, '1.2', { reference: false });
      add(mixed, 14, net('3.256808'), { reference: false });
      // Tiny lower prices whose totals print in scientific notation.
      const tiny = group('0.002');
      for (let d = 1; d <= 8; d++) add(tiny, d, '0.0001', { q: new Dec('71.08'), reference: false });

      // Lower prices, none at 0, and a later day at the flat price: no tier explains them (the reference's errors).
      const backUp = group('2.870408');
      for (let d = 1; d <= 5; d++) add(backUp, d, '1.5', { reference: true });
      add(backUp, 9, net('2.870408'), { reference: false });
      // PEC applied twice beside rows at 0.
      const twice = group('2.4');
      for (let d = 1; d <= 4; d++) add(twice, d, '0', { reference: true });
      add(twice, 5, net(net('2.4')), { reference: true });
      add(twice, 6, '0', { reference: true });
      // A further credit applied twice, and a 15% PEC the row does not name.
      const credit = group('2.5', { credit: '10', creditType: 'Azure Credit Applied' });
      add(credit, 3, new Dec('2.5').times('0.85').times('0.9').times('0.9').toFixed(), { reference: true });
      const unnamed = group('2.0', { pec: '' });
      add(unnamed, 4, net('2.0'), { reference: true });
      // At the flat price the group bills exactly EUR 0.505: half a cent, rounded by the reference's decimals.
      const half = group('1', { pec: '' });
      add(half, 2, '0', { q: new Dec('0.25'), fx: '1.01', reference: true });
      add(half, 2, '0', { q: new Dec('0.25'), fx: '1.01', reference: true });
      // A row of the group the reference checks (its CreditPercentage disagrees with its PEC): the group is its.
      const disagree = group('2.787602');
      for (let d = 1; d <= 6; d++) add(d === 4 ? { ...disagree, credit: '10' } : disagree, d, '0', { reference: true });
      // A total a cent and more off at 0: that row is an error of its own, its group still kept.
      const off = group('2.484006');
      for (let d = 1; d <= 4; d++) add(off, d, '0', { billed: d === 2 ? '0.011' : undefined, reference: d === 2 });
      return out;
    }

    /** The sample month and the groups above; `unreadable`: one row of a kept group has a price only the reference reads. */
    function month(
      name: string,
      shuffle: boolean,
      seed: number,
      unreadable = false,
    ): { path: string; text: string; expected: number } {
      const rnd = seededRandom(seed);
      const rows = groups(rnd);
      if (unreadable) rows[3].cells[col('EffectiveUnitPrice')] = ' 0';
      const sampleLines = text
        .replace(/^\uFEFF/, '')
        .replace(/\r\n$/, '')
        .split('\r\n');
      const lines = [...sampleLines.slice(1), ...rows.map((r) => csvLine(r.cells))];
      if (shuffle)
        for (let i = lines.length - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
      const body = [sampleLines[0], ...lines].join('\r\n') + '\r\n';
      const path = join(dir, name);
      writeFileSync(path, body);
      return { path, text: body, expected: rows.filter((r) => r.reference).length };
    }

    it('keeps the free-allowance and lower-priced rows of a month without the reference, and hands back what it must', async function () {
      this.timeout(120_000);
      const sample = await both(() => fileSource(dailyPath), defaultCheckOptions());
      for (const [shuffle, seed] of [
        [false, 5],
        [true, 6],
      ] as const) {
        const m = month(`below-band-${seed}.csv`, shuffle, seed);
        const findings: Finding[] = [];
        await checkSource(fileSource(m.path), defaultCheckOptions(), (f) => findings.push(f), { reader: 'reference' });
        const notes = findings.filter((f) => f.code === 'tiers-unverified' && /Allowance meter/.test(f.message));
        assert.ok(notes.length >= 5, `${notes.length} notes of the meters written here`);
        assert.ok(
          findings.some((f) => f.code === 'eup-mismatch' && /applied twice/.test(f.message)) &&
            findings.some((f) => f.code === 'eup-mismatch' && /flat price again/.test(f.message)) &&
            notes.some((f) => /EUR 0\.51 at the flat price/.test(f.message)),
          'the cases handed back are the ones the reference decides otherwise',
        );
        for (const [source, laneGroups, slice] of [
          [() => fileSource(m.path), undefined, undefined],
          [() => fileSource(m.path), 7, 4096],
          [() => stringSource('below-band.csv', m.text), undefined, undefined],
        ] as const) {
          const stats = await both(source, defaultCheckOptions(), slice, laneGroups);
          assert.equal(stats.fast, true);
          // Each row written to be handed back is checked by the reference once, no other row of these groups.
          assert.equal(
            stats.referenceRows![1],
            sample.referenceRows![1] + m.expected,
            `shuffled ${shuffle}: rows checked by the reference (${stats.referenceRows}, the sample alone ${sample.referenceRows})`,
          );
        }
        const priceList = await loadPriceList(
          fileSource(join(root, 'samples', 'price-list', 'AzurePlanPriceList_2026-07.csv')),
        );
        await both(() => fileSource(m.path), defaultCheckOptions({ priceList: priceList.priceList }));
      }
    });

    it('hands a group back when one of its rows is read by the reference from the first pass on', async function () {
      // The month-to-date sums are then the checker's decimals; the group's kept rows go back to it after the last row.
      this.timeout(60_000);
      for (const shuffle of [false, true]) {
        const m = month(`below-band-unreadable-${shuffle}.csv`, shuffle, 7, true);
        const stats = await both(() => fileSource(m.path), defaultCheckOptions());
        assert.equal(stats.fast, true);
        assert.ok(
          stats.referenceRows![0] >= 1,
          `the unreadable row is summed by the reference (${stats.referenceRows})`,
        );
        await both(() => stringSource('below-band-unreadable.csv', m.text), defaultCheckOptions(), 4096);
      }
    });
  });

  it('proves rows with scientific-notation and apostrophe-guarded numbers clean without the reference', async function () {
    // The sample month without its planted defects, every number cell printed as some real export prints it.
    this.timeout(60_000);
    const month = writeBigMonth(1, false);
    try {
      const clean = tokenize(readFileSync(month.daily, 'utf8').replace(/^\uFEFF/, '')).records;
      const rnd = seededRandom(71083);
      const cells = [
        'EffectiveUnitPrice',
        'BillingPreTaxTotal',
        'PricingPreTaxTotal',
        'Quantity',
        'UnitPrice',
        'PCToBCExchangeRate',
      ];
      let changed = 0;
      const lines = [csvLine(clean[0].cells)];
      for (const r of clean.slice(1)) {
        const out = [...r.cells];
        for (const name of cells) {
          const c = clean[0].cells.indexOf(name);
          const form = rnd();
          if (form < 0.2) out[c] = exponent(out[c]);
          else if (form < 0.3) out[c] = `'${out[c]}`;
          if (out[c] !== r.cells[c]) changed++;
        }
        lines.push(csvLine(out));
      }
      assert.ok(changed > 3000, `${changed} cells printed another way`);
      writeFileSync(month.daily, lines.join('\r\n') + '\r\n');
      const priceList = await loadPriceList(fileSource(month.priceList));
      const stats = await both(() => fileSource(month.daily), defaultCheckOptions({ priceList: priceList.priceList }));
      assert.equal(stats.fast, true);
      assert.deepEqual(stats.referenceRows, [0, 0], 'every row proved clean by the fast path');
    } finally {
      rmSync(month.dir, { recursive: true, force: true });
    }
  });

  it('gives rows proved wrong their finding from integers, word for word, on months where PEC was not applied', async function () {
    // The defect that repeats on most rows: the retail price billed while the row says PEC 15, its totals billed
    // from that price. Around it, the cases where the fast verdict must step aside or be exact: credits, prices a
    // hair above the band (the price tolerance's edge), totals in cents and un-rounded and scientific, prices below
    // the band (graduated or free, decided per group by the reference), quoted, non-ASCII and multi-line cells
    // before the price, printings the fast verdict does not reproduce.
    this.timeout(180_000);
    const rnd = seededRandom(160016);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const [eup, total, pricing, quantity, unitPrice, fx, pec] = [
      'EffectiveUnitPrice',
      'BillingPreTaxTotal',
      'PricingPreTaxTotal',
      'Quantity',
      'UnitPrice',
      'PCToBCExchangeRate',
      'PartnerEarnedCreditPercentage',
    ].map(col);
    const totals = (c: string[], price: Dec, form: string): void => {
      const billed = price.times(c[quantity]).times(c[fx]);
      const inPricing = price.times(c[quantity]);
      if (form === 'cents') {
        c[total] = billed.toDecimalPlaces(2, Dec.ROUND_FLOOR).toFixed(2);
        c[pricing] = inPricing.toDecimalPlaces(2, Dec.ROUND_FLOOR).toFixed(2);
      } else if (form === 'exponent') {
        c[total] = exponent(billed.toDecimalPlaces(8).toFixed());
        c[pricing] = inPricing.toDecimalPlaces(8).toFixed();
      } else {
        c[total] = billed.toDecimalPlaces(8).toFixed(8);
        c[pricing] = inPricing.toDecimalPlaces(8).toFixed(8);
      }
    };
    const retail: ((c: string[]) => void)[] = [
      // The retail price, as UnitPrice prints it or with more decimals.
      (c) => {
        c[eup] = pick([c[unitPrice], new Dec(c[unitPrice]).toFixed(9), new Dec(c[unitPrice]).toFixed(15)]);
        totals(c, new Dec(c[eup]), pick(['cents', 'plain', 'plain', 'exponent']));
      },
      // A price just above the band: 1.001 x (the upper end) and a hair around it, where the severity turns.
      (c) => {
        const upper = new Dec(c[unitPrice]).times(0.85);
        const price = upper.times(pick(['1.001', '1.0009999', '1.0010001', '1.0000001', '1.01']));
        c[eup] = price.toDecimalPlaces(pick([9, 12, 15])).toFixed();
        totals(c, new Dec(c[eup]), pick(['cents', 'plain']));
      },
      // A further credit on the row (the charged fraction 0.85 x 0.9), and PEC written as a fraction.
      (c) => {
        c[col('CreditPercentage')] = '10';
        c[col('CreditType')] = 'Azure Credit Applied';
        c[eup] = c[unitPrice];
        totals(c, new Dec(c[eup]), 'plain');
      },
      (c) => {
        c[pec] = '0.15';
        c[eup] = c[unitPrice];
        totals(c, new Dec(c[eup]), 'cents');
      },
      // Prices below the band billed from themselves: decided per rating group at the end, by the reference.
      (c) => {
        c[eup] = pick(['0', '0.00', new Dec(c[unitPrice]).times(0.5).toFixed(9)]);
        totals(c, new Dec(c[eup]), 'plain');
      },
      // The retail price, but the totals billed at the right price (no money at stake) or at neither.
      (c) => {
        c[eup] = c[unitPrice];
        totals(c, new Dec(c[unitPrice]).times(pick(['0.85', '0.8'])), 'plain');
      },
      // Printings the verdict leaves to the reference, and cells before the price it must count characters over.
      (c) => {
        c[eup] = pick([exponent(c[unitPrice]), `'${c[unitPrice]}`, `0${c[unitPrice]}`]);
        totals(c, new Dec(c[unitPrice]), 'plain');
      },
      (c) => {
        c[col('CustomerName')] = pick(['Müller Straße GmbH', 'Contoso, "The" Ltd\nSecond line', '株式会社']);
        c[eup] = c[unitPrice];
        totals(c, new Dec(c[eup]), 'plain');
      },
    ];
    let verdicts = 0;
    for (let variant = 0; variant < 6; variant++) {
      const lines = [csvLine(header)];
      for (let r = 1; r < records.length; r++) {
        let cells = [...records[r].cells];
        if (cells[pec] === '15' && rnd() < 0.8) {
          const changed = [...cells];
          try {
            pick(retail)(changed);
            cells = changed;
          } catch {
            // A row whose numbers are planted unreadable (the sample has a few) stays as it is.
          }
        }
        let line = csvLine(cells);
        // A quoted price cell: the finding's range covers its quotes, as the reference's does.
        if (rnd() < 0.1) line = line.replace(`,${cells[eup]},`, `,"${cells[eup]}",`);
        lines.push(line);
      }
      const path = join(dir, `pec-missing-${variant}.csv`);
      writeFileSync(path, lines.join(variant % 2 ? '\n' : '\r\n') + '\r\n');
      const options =
        variant === 4
          ? defaultCheckOptions({ priceTolerance: new Dec('0.05'), errorThreshold: new Dec('0.10') })
          : defaultCheckOptions({ dateOrder: 'MDY' });
      const stats = await both(
        () => (variant === 5 ? stringSource('pec-missing.csv', lines.join('\r\n')) : fileSource(path)),
        options,
        variant === 3 ? 4096 : undefined,
      );
      assert.equal(stats.fast, true);
      verdicts += stats.verdictRows ?? 0;
      assert.ok(
        stats.verdictRows! > 400,
        `variant ${variant}: ${stats.verdictRows} findings made by the fast verdict, ${stats.referenceRows} reference rows`,
      );
    }
    assert.ok(verdicts > 2500, `${verdicts} fast verdicts`);
  });

  it('leaves an irregular file (a ragged row, broken quoting) to the reference reader, with the same result', async function () {
    // Six full checks of the sample month (both readers, three files): about a second, more on a loaded machine.
    this.timeout(20_000);
    const lines = text.replace(/^\uFEFF/, '').split('\r\n');
    const ragged = [...lines];
    ragged[100] = ragged[100] + ',extra';
    const r1 = await both(() => stringSource('ragged.csv', ragged.join('\r\n')), defaultCheckOptions());
    assert.equal(r1.fast, false);
    const broken = [...lines];
    broken[50] = broken[50].replace(',', ',"x"y');
    const r2 = await both(() => stringSource('broken.csv', broken.join('\r\n')), defaultCheckOptions());
    assert.equal(r2.fast, false);
    const trailing = lines.map((l, i) => (i > 0 && l !== '' ? l + ',' : l));
    const r3 = await both(() => stringSource('trailing.csv', trailing.join('\r\n')), defaultCheckOptions());
    assert.equal(r3.fast, true, 'an empty cell after the last column is tolerated, as the reference tolerates it');
  });

  it('leaves a file with a row longer than the read window (where the lane cannot see) to the reference reader', async function () {
    this.timeout(20_000);
    const lines = text.replace(/^\uFEFF/, '').split('\r\n');
    const cells = tokenize(lines[200]).records[0].cells;
    cells[col('CustomerName')] = 'x'.repeat(5 << 20);
    lines[200] = csvLine(cells);
    const path = join(dir, 'long-row.csv');
    writeFileSync(path, lines.join('\r\n'));
    const r = await both(() => fileSource(path), defaultCheckOptions());
    assert.equal(r.fast, false);
  });

  it('finds exactly what the reference finds on shuffled months of many rating groups, group-days past every table growth', async function () {
    // Six copies of the sample month (about 13,700 rows, 7,000 group-days: past the group-day table's first two
    // sizes), rows in a seeded random order, so that neighbouring rows rarely share a group-day; with and without
    // planted defects (with them, some rows are summed by the reference in the first pass, so the month-to-date sums
    // are the checker's decimals), with and without the price list (graduated tiers), the lane holding every group or
    // only 7 of them.
    this.timeout(180_000);
    for (const withDefects of [false, true]) {
      const month = writeBigMonth(6, withDefects);
      try {
        const text = readFileSync(month.daily, 'utf8')
          .replace(/^\uFEFF/, '')
          .replace(/\r\n$/, '');
        const [head, ...rows] = text.split('\r\n');
        const rnd = seededRandom(16016);
        for (let i = rows.length - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [rows[i], rows[j]] = [rows[j], rows[i]];
        }
        writeFileSync(month.daily, [head, ...rows].join('\n') + '\n');
        const priceList = await loadPriceList(fileSource(month.priceList));
        for (const [options, laneGroups] of [
          [defaultCheckOptions(), undefined],
          [defaultCheckOptions(), 7],
          [defaultCheckOptions({ priceList: priceList.priceList }), undefined],
        ] as const) {
          const stats = await both(() => fileSource(month.daily), options, undefined, laneGroups);
          const what = `${withDefects ? 'with' : 'without'} defects, lane ${laneGroups ?? 'full'}`;
          assert.equal(stats.fast, true);
          assert.ok(
            stats.laneGroups! + stats.tableGroups! > 200,
            `${what}: ${stats.laneGroups} + ${stats.tableGroups}`,
          );
          assert.equal(stats.referenceRows![0] === 0, !withDefects, `${what}: first pass ${stats.referenceRows}`);
          // Without a price list, the meters priced below the flat price (graduated or free) are the reference's.
          assert.ok(stats.referenceRows![1] < rows.length / 5, `${what}: proved clean (${stats.referenceRows})`);
        }
      } finally {
        rmSync(month.dir, { recursive: true, force: true });
      }
    }
  });
});

describe('two threads (chunks claimed from both ends of the file, in both passes)', () => {
  const checkWorker = join(root, 'out', 'src', 'core', 'rating', 'checkWorker.js');
  /** Worker threads as this machine has them (FINOPS_CHARGEBACK_WORKERS, which forces them, unset). */
  const withOwnChoiceOfThreads = async (body: (threads: number) => Promise<void>): Promise<void> => {
    const before = process.env.FINOPS_CHARGEBACK_WORKERS;
    delete process.env.FINOPS_CHARGEBACK_WORKERS;
    try {
      await body(Math.min(2, parallelism(checkWorker)));
    } finally {
      if (before !== undefined) process.env.FINOPS_CHARGEBACK_WORKERS = before;
    }
  };
  /**
   * Any file is big enough for two threads, cut into chunks of 64 KiB (a six-copy month: about 150 of them), and
   * the worker has claimed one before this thread goes on past its first window.
   */
  const TWO_THREADS: Partial<FastPathTesting> = { parallelBytes: 1, chunkBytes: 64 << 10, workerClaimsFirst: true };
  const months: string[] = [];
  after(() => months.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /**
   * Six copies of the sample month with its planted defects (each copy's customers its own, so that the last
   * copies' rating groups are met only by the worker, which reads from the end), rows changed by `change`, in file
   * order or shuffled.
   */
  function month(
    seed: number,
    change: (cells: string[], col: (name: string) => number, row: number, rows: number) => void,
    shuffle = false,
    withDefects = true,
  ): string {
    const big = writeBigMonth(6, withDefects);
    months.push(big.dir);
    const [head, ...lines] = readFileSync(big.daily, 'utf8')
      .replace(/^\uFEFF/, '')
      .replace(/\r\n$/, '')
      .split('\r\n');
    const header = tokenize(head).records[0].cells;
    const col = (name: string): number => header.indexOf(name);
    const rows = lines.map((line, i) => {
      const cells = tokenize(line).records[0].cells;
      change(cells, col, i, lines.length);
      return csvLine(cells);
    });
    const rnd = seededRandom(seed);
    if (shuffle)
      for (let i = rows.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [rows[i], rows[j]] = [rows[j], rows[i]];
      }
    writeFileSync(big.daily, [csvLine(header), ...rows].join('\r\n') + '\r\n');
    return big.daily;
  }

  it('finds exactly what one thread finds on a grouped month, with reference rows, covered usage and keys met only by the worker', async function () {
    this.timeout(180_000);
    const rnd = seededRandom(77);
    // Rows the reference sums in the first pass (on both threads' sides), covered usage, dates outside the period,
    // prices a digit off, scientific totals: each thread meets all of them.
    const path = month(77, (c, col) => {
      const x = rnd();
      if (x < 0.01) c[col('Quantity')] = 'abc';
      else if (x < 0.02) c[col('UsageDate')] = '8/2/2026';
      else if (x < 0.03) {
        c[col('BenefitId')] = 'b-1';
        c[col('BenefitType')] = 'Reservation';
      } else if (x < 0.04) c[col('EffectiveUnitPrice')] = c[col('EffectiveUnitPrice')].replace(/\d$/, '9');
      else if (x < 0.045) c[col('BillingPreTaxTotal')] = exponent(c[col('BillingPreTaxTotal')]);
    });
    await withOwnChoiceOfThreads(async (threads) => {
      for (const laneGroups of [undefined, 7]) {
        const stats = await both(() => fileSource(path), defaultCheckOptions(), undefined, laneGroups, TWO_THREADS);
        const what = `lane ${laneGroups ?? 'full'}`;
        assert.equal(stats.fast, true);
        assert.equal(stats.ranges, threads, `${what}: threads whose chunks were merged`);
        assert.equal(stats.readAgain, false, what);
        assert.ok(stats.referenceRows![0] > 100, `${what}: rows the reference summed (${stats.referenceRows})`);
      }
      // Read in one thread, the same month says the same (the case both compares with is the reference reader).
      const alone = await both(() => fileSource(path), defaultCheckOptions(), undefined, undefined, {
        parallelBytes: Infinity,
      });
      assert.equal(alone.ranges, 1);
    });
  });

  it('reads the month again in one thread when the chunks do not join: a cut inside a quoted line break, a key not valid', async function () {
    this.timeout(180_000);
    // Every row's CustomerName on two lines: about half the cuts (each just after a line break) fall inside one.
    const quoted = month(78, (c, col) => (c[col('CustomerName')] = `${c[col('CustomerName')]}\nsecond line`));
    // A PartnerEarnedCreditPercentage no reading takes, on rows of the last copy (read by the worker): their key
    // is not valid, which the worker, deciding no group, leaves to this thread.
    const badKey = month(79, (c, col, row) => {
      if (row > 13_000 && row % 7 === 0) c[col('PartnerEarnedCreditPercentage')] = 'x';
    });
    await withOwnChoiceOfThreads(async (threads) => {
      for (const path of [quoted, badKey]) {
        const stats = await both(() => fileSource(path), defaultCheckOptions(), undefined, undefined, TWO_THREADS);
        assert.equal(stats.fast, true, path);
        assert.equal(stats.ranges, 1, `${path}: read in one thread`);
        assert.equal(stats.readAgain, threads > 1, `${path}: read again`);
      }
    });
  });

  /** What `chargeback check` prints for the file (args beyond the path as given), with the fast path's switches. */
  const cliOutput = async (
    path: string,
    args: Partial<CheckArgs>,
    testing: Partial<FastPathTesting>,
  ): Promise<{ text: string; exit: number; stats: Stats }> => {
    const pieces: Buffer[] = [];
    const out: Output = {
      write: (t) => void pieces.push(Buffer.from(t, 'utf8')),
      writeAscii: (t) => void pieces.push(Buffer.from(t, 'latin1')),
      writeBytes: (b) => void pieces.push(Buffer.from(b)),
    };
    const stats: Stats = { fast: false };
    const exit = await withFastPathTesting({ ...testing, onCheck: (x) => Object.assign(stats, x) }, () =>
      runCheck({ files: [path], format: 'text', ...args }, out),
    );
    return { text: Buffer.concat(pieces).toString('utf8'), exit, stats };
  };

  it('writes in two threads byte for byte what one thread writes, the worker writing the findings of its rows', async function () {
    this.timeout(300_000);
    // A month where PEC was not applied on most rows of some meters (findings the worker words and writes itself),
    // among rows it hands back (totals off by more than a cent, prices below the band kept per rating group),
    // non-ASCII and quoted cells before the price, a meter id past ASCII, and defects of one meter on both threads'
    // rows (the groups' counts, money and first rows).
    const rnd = seededRandom(4242);
    const retailMeters = new Set<string>();
    let few: string | undefined;
    const fewCopies = new Set<number>();
    /** The row priced `price` (by default its retail price: PEC not applied), its totals billed from that price. */
    const billAt = (c: string[], col: (name: string) => number, price = c[col('UnitPrice')]): void => {
      const [quantity, fx] = [col('Quantity'), col('PCToBCExchangeRate')];
      c[col('EffectiveUnitPrice')] = price;
      c[col('BillingPreTaxTotal')] = new Dec(price).times(c[quantity]).times(c[fx]).toDecimalPlaces(8).toFixed(8);
      c[col('PricingPreTaxTotal')] = new Dec(price).times(c[quantity]).toDecimalPlaces(8).toFixed(8);
    };
    const path = month(
      4242,
      (c, col) => {
        const meter = c[col('MeterId')];
        const pec15 = c[col('PartnerEarnedCreditPercentage')] === '15';
        if (retailMeters.size < 12 && pec15) retailMeters.add(meter);
        else if (few === undefined && pec15 && !retailMeters.has(meter)) few = meter;
        // The copy of the sample month the row is of (each copy's customer ids end in its number, the first's not).
        const k = parseInt(c[col('CustomerId')].slice(-4), 16);
        const copy = k >= 1 && k <= 5 ? k : 0;
        if (meter === few) {
          // One meter's defect on three rows, two of them in the last copies (the worker's): printed row by row.
          if ([0, 4, 5].includes(copy) && !fewCopies.has(copy) && pec15) {
            fewCopies.add(copy);
            billAt(c, col);
          }
          return;
        }
        const x = rnd();
        if (retailMeters.has(meter) && pec15 && x < 0.9) {
          billAt(c, col);
          if (x < 0.05) c[col('CustomerName')] = pick(rnd, ['Müller Straße GmbH', 'Contoso, "The" Ltd', '株式会社']);
          // A meter named past ASCII: its findings' JSON is UTF-8, not one byte per character.
          else if (x < 0.1 && meter.endsWith('1')) c[col('MeterId')] = `${meter}-zähler`;
        } else if (x < 0.01) {
          const total = col('BillingPreTaxTotal');
          c[total] = new Dec(c[total]).plus('0.5').toFixed(2);
        } else if (x < 0.02 && pec15) billAt(c, col, new Dec(c[col('UnitPrice')]).times(0.5).toFixed(9));
      },
      false,
      false,
    );
    // The same month with PEC not applied only on rows of its last tenth (the worker's): the worker's findings are
    // the file's first.
    const lateMeters = new Set<string>();
    const late = month(
      4343,
      (c, col, row, rows) => {
        const meter = c[col('MeterId')];
        if (c[col('PartnerEarnedCreditPercentage')] !== '15') return;
        if (lateMeters.size < 8) lateMeters.add(meter);
        // The last tenth of the file: the worker's first chunks in both passes.
        if (row > 0.9 * rows && lateMeters.has(meter)) billAt(c, col);
      },
      false,
      false,
    );
    assert.equal(fewCopies.size, 3);
    await withOwnChoiceOfThreads(async (threads) => {
      for (const [file, isLate] of [
        [path, false],
        [late, true],
      ] as const)
        for (const args of [{ format: 'json' as const }, { format: 'text' as const }, { all: true }]) {
          const what = `${isLate ? 'late' : 'month'} ${JSON.stringify(args)}`;
          const one = await cliOutput(file, args, { parallelBytes: Infinity });
          const two = await cliOutput(file, args, { ...TWO_THREADS, workerProvesEveryChunk: isLate });
          assert.equal(one.stats.provedChunks, 0, what);
          assert.ok(one.stats.verdictRows! > (isLate ? 200 : 5000), `${what}: ${one.stats.verdictRows} fast verdicts`);
          if (threads > 1) {
            assert.equal(two.stats.ranges, 2, what);
            assert.ok(two.stats.provedChunks! >= 1, `${what}: ${two.stats.provedChunks} chunks proved by the worker`);
          }
          assert.equal(two.exit, one.exit, what);
          assert.equal(two.text, one.text, what);
          // The JSON names each finding's meter, the text each repeated defect's (row lines, --all, do not).
          if (!isLate && !('all' in args)) assert.ok(one.text.includes('-zähler'), what);
          if (args.format === 'json') {
            const doc = JSON.parse(two.text) as { files: { findings: unknown[]; summary: { findings: number } }[] };
            assert.equal(doc.files[0].findings.length, doc.files[0].summary.findings, what);
          }
          // The worker out of memory, or handing back more rows than it keeps: this thread checks the worker's rows.
          for (const fallback of [{ proveHeapMb: 1 }, { maxDeferred: 0 }]) {
            const again = await cliOutput(file, args, { ...TWO_THREADS, ...fallback });
            assert.equal(again.stats.provedChunks, 0, `${what} ${JSON.stringify(fallback)}`);
            assert.equal(again.text, one.text, `${what} ${JSON.stringify(fallback)}`);
          }
        }
    });
  });

  it('tells a month in no order with few rating groups from one with many, by the first windows', () => {
    // The bench's months at their first two probe windows (4 MiB, 16 MiB): rows, and groups met by then.
    const at4 = (rows: number, groups: number) => ({ rows, groups });
    assert.equal(fewGroups(at4(4902, 3934), at4(19599, 9177)), true, 'a defect on most rows: 11k groups');
    assert.equal(fewGroups(at4(4875, 4499), at4(19509, 14434)), false, '32k groups');
    assert.equal(fewGroups(at4(4815, 4692), at4(19280, 17630)), false, '100k groups');
    // Every row of the last window a new group, or no rows read in it (a file too small for two windows).
    assert.equal(fewGroups(at4(1000, 900), at4(2000, 1900)), false);
    assert.equal(fewGroups(at4(1000, 900), at4(1000, 900)), false);
  });

  it('reads a month of rows in no order in one thread, as its first window says', async function () {
    this.timeout(120_000);
    // A rating group per two or three rows (each meter id shared by a few rows), in no order: every chunk would
    // hold most groups, so a second thread would hold them all again.
    const shuffled = month(
      80,
      (c, col, row) => (c[col('MeterId')] = c[col('MeterId')].slice(0, -6) + String(row % 5000).padStart(6, '0')),
      true,
    );
    await withOwnChoiceOfThreads(async () => {
      const stats = await both(() => fileSource(shuffled), defaultCheckOptions(), undefined, undefined, TWO_THREADS);
      assert.equal(stats.fast, true);
      assert.equal(stats.ranges, 1, 'one thread');
      assert.equal(stats.readAgain, false, 'no worker started');
    });
  });
});

describe('band test in doubles against the exact integer thresholds', () => {
  const fractions = ['1', '0.85', '0.765', '0.9', '0.5', '0.85085', '0'].map((f) => new Dec(f));
  const limbs = new Float64Array(32);
  const verdictOf = (P: bigint, p: number, fraction: Decimal, hi: number, lo: number, E: bigint, d: number): number => {
    const tenD = 10n ** BigInt(d);
    const uf = (Number(P) / 10 ** p) * fraction.toNumber();
    return bandInDoubles(Number(E / tenD), Number(E % tenD), d, uf, hi, lo, limbs);
  };

  it('decides as the exact thresholds do wherever it decides, on and next to both bounds', () => {
    const rnd = seededRandom(2053);
    const int = (n: number): number => Math.floor(rnd() * n);
    let decided = 0;
    let cases = 0;
    for (let n = 0; n < 20_000; n++) {
      const p = int(7);
      const P = BigInt(1 + int(rnd() < 0.1 ? 10 : 5_000_000)) * (rnd() < 0.05 ? 0n : 1n);
      const fraction = fractions[int(fractions.length)];
      // Month-to-date units: whole hours, fractions of GB, tiny, zero, negative (returns), and large.
      const form = int(6);
      const hi = form === 0 ? int(800) : form === 1 ? int(5) : form === 2 ? 0 : form === 3 ? -1 - int(3) : int(1e9);
      const lo = form === 0 ? 0 : form === 2 && rnd() < 0.3 ? 0 : int(1e15);
      const Q = BigInt(hi) * 10n ** 15n + BigInt(lo);
      const d = int(16);
      const t = flatThresholds(P, p, fractionOf(fraction), Q, d);
      if (!t) continue;
      const tenD = 10n ** BigInt(d);
      const low = BigInt(t[0]) * tenD + BigInt(t[1]);
      const high = BigInt(t[2]) * tenD + BigInt(t[3]);
      const picks = [low - 1n, low, low + 1n, high - 1n, high, high + 1n];
      picks.push(low + ((high - low) * BigInt(int(1000))) / 1000n);
      for (const E of picks) {
        if (E < 0n) continue;
        const verdict = verdictOf(P, p, fraction, hi, lo, E, d);
        cases++;
        if (verdict === 0) continue;
        decided++;
        assert.equal(verdict === 1, E >= low && E <= high, `P ${P} / 10^${p}, F ${fraction}, Q ${Q}, E ${E} / 10^${d}`);
      }
    }
    // Prices one unit of their last decimal from a bound are often beyond what doubles tell apart: the integers decide.
    assert.ok(decided > cases / 2, `${decided} of ${cases} prices decided in doubles`);
  });

  it('proves the price a billed export prints (BC / BCU to 15 decimals, or UnitPrice x fraction) without the integers', () => {
    const rnd = seededRandom(977);
    const int = (n: number): number => Math.floor(rnd() * n);
    let decided = 0;
    let cases = 0;
    for (let n = 0; n < 20_000; n++) {
      const p = 4 + int(3);
      const P = BigInt(1 + int(2_000_000));
      const fraction = fractions[int(fractions.length - 1)];
      const F = fractionOf(fraction);
      const hi = int(rnd() < 0.5 ? 50 : 5000);
      const lo = int(1e15);
      const Q = BigInt(hi) * 10n ** 15n + BigInt(lo);
      if (Q === 0n) continue;
      const bcCents = (P * Q * F.n * 100n) / (10n ** BigInt(p) * 10n ** 15n * F.d);
      // BC / BCU rounded half up to 15 decimals, as billed exports print EffectiveUnitPrice; or the net price itself.
      const printed = rnd() < 0.8;
      const d = printed ? 15 : p + F.d.toString().length - 1;
      const E = printed
        ? (bcCents * 10n ** 30n * 2n + 100n * Q) / (200n * Q)
        : (P * F.n * 10n ** BigInt(d)) / (10n ** BigInt(p) * F.d);
      const t = flatThresholds(P, p, F, Q, d)!;
      const tenD = 10n ** BigInt(d);
      assert.ok(E >= BigInt(t[0]) * tenD + BigInt(t[1]) && E <= BigInt(t[2]) * tenD + BigInt(t[3]), 'inside the band');
      const verdict = verdictOf(P, p, fraction, hi, lo, E, d);
      cases++;
      if (verdict !== 0) decided++;
      assert.notEqual(verdict, -1, `P ${P} / 10^${p}, F ${fraction}, Q ${Q}, E ${E} / 10^${d}`);
    }
    assert.ok(decided > cases * 0.99, `${decided} of ${cases} printed prices proved in doubles`);
  });
});
