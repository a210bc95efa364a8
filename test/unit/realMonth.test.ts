/**
 * A real-looking billed month (about 45,000 rows: the sample month, which has every trait of a real billed export,
 * for 20 customers): without defects the checker reports no error or warning and re-rates every row; with the
 * planted defects it reports exactly those, each once, with their money.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync } from 'node:fs';
import { fileSource } from '../../src/core/billing/source';
import { tokenize } from '../../src/core/billing/csv';
import { loadPriceList } from '../../src/core/billing/priceList';
import { checkSource } from '../../src/core/rating/check';
import { defaultCheckOptions, type CheckOptions } from '../../src/core/rating/options';
import type { Finding } from '../../src/core/findings';
import { Dec } from '../../src/core/money';
import { writeBigMonth, type BigMonth } from '../support/bigMonth';

async function check(path: string, options: Partial<CheckOptions>) {
  const findings: Finding[] = [];
  const run = await checkSource(fileSource(path), defaultCheckOptions(options), (f) => findings.push(f));
  return { ...run, findings };
}

describe('a real-looking billed month of 45,000 rows', function () {
  this.timeout(300_000);
  let clean: BigMonth;
  let planted: BigMonth;
  before(() => {
    clean = writeBigMonth(20, false);
    planted = writeBigMonth(20, true);
  });
  after(() => {
    rmSync(clean.dir, { recursive: true, force: true });
    rmSync(planted.dir, { recursive: true, force: true });
  });

  it('without defects: no error or warning, and every row re-rated, with and without a price list', async () => {
    assert.ok(clean.rows > 40_000, `${clean.rows} rows`);
    const { priceList } = await loadPriceList(fileSource(clean.priceList));
    const listed = await check(clean.daily, { priceList });
    assert.equal(listed.summary.rows, clean.rows);
    assert.deepEqual(listed.findings.map((f) => `${f.line + 1} ${f.code}: ${f.message}`).slice(0, 5), []);
    // Every row is re-rated: each parses, and every row not covered by a reservation lies in its band.
    const { records } = tokenize(readFileSync(clean.daily, 'utf8').replace(/^\uFEFF/, ''));
    let rated = 0;
    for (const r of records.slice(1)) {
      const p = listed.daily!.parse(r);
      assert.ok(p.ok, `line ${r.index + 1} does not parse`);
      if (p.row.coveredByBenefit) continue;
      assert.ok(listed.daily!.explain(p.row).consistent, `line ${r.index + 1}`);
      rated++;
    }
    assert.ok(rated > clean.rows * 0.9, `${rated} rows re-rated`);
    // Without the price list: the free allowances and graduated meters are information, one per rating group.
    const flat = await check(clean.daily, {});
    const loud = flat.findings.filter((f) => f.severity !== 'info');
    assert.deepEqual(loud.map((f) => `${f.line + 1} ${f.code}: ${f.message}`).slice(0, 5), []);
    assert.ok(flat.findings.every((f) => f.code === 'tiers-unverified'));
    assert.equal(flat.findings.length, 20 * 5, 'five rating groups of tiered meters per customer');
    assert.equal(flat.summary.billedTotal, listed.summary.billedTotal);
  });

  it('with a date order setting the file contradicts: one file-level finding, the rows still rated', async () => {
    const { priceList } = await loadPriceList(fileSource(clean.priceList));
    const dmy = await check(clean.daily, { priceList, dateOrder: 'DMY' });
    assert.deepEqual(
      dmy.findings.map((f) => [f.code, f.line]),
      [['date-order', 0]],
    );
  });

  it('with planted defects: exactly those, each once, and the summary money is the sum of the row verdicts', async () => {
    const { priceList } = await loadPriceList(fileSource(planted.priceList));
    const { findings, summary } = await check(planted.daily, { priceList });
    const key = (line: number, column: string, code: string): string => `${line}:${column}:${code}`;
    assert.deepEqual(
      findings.map((f) => key(f.line + 1, f.column ?? '', f.code)).sort(),
      planted.defects.map((d) => key(d.line, d.column, d.code)).sort(),
    );
    assert.equal(findings.length, 20 * 9);
    const verdicts = findings.filter((f) => ['eup-mismatch', 'total-mismatch', 'unitprice-mismatch'].includes(f.code));
    const over = verdicts
      .map((f) => new Dec(f.impact!))
      .filter((x) => x.gt(0))
      .reduce((a, b) => a.plus(b), new Dec(0));
    const under = verdicts
      .map((f) => new Dec(f.impact!))
      .filter((x) => x.lt(0))
      .reduce((a, b) => a.plus(b), new Dec(0));
    assert.equal(summary.overcharge, over.toFixed(2));
    assert.equal(summary.undercharge, under.toFixed(2));
  });
});
