/**
 * Repeated defects, grouped: PEC not applied on every row of a meter is one line of CLI text with the row count and
 * the money (every row with --all), JSON keeps every row and adds the groups, the editor adds one diagnostic per
 * (meter, code) next to its capped row diagnostics.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { main } from '../../src/cli/main';
import { Dec } from '../../src/core/money';
import { FindingGrouper, REPEATED_DEFECT_MIN_ROWS } from '../../src/core/findingGroups';
import { FindingBlockWriter, copyBlockText, type FindingBlockSlice } from '../../src/core/findingBlock';
import { FindingJsonWriter } from '../../src/core/findingRender';
import type { Finding, FindingCode, Severity } from '../../src/core/findings';
import { seededRandom } from '../fixtures/allocation/lines';
import { DiagnosticCollector } from '../../src/server/billing/diagnostics';
import { dailyCsv, type Cells } from '../support/billingFixtures';
import { checkText } from '../support/check';

async function run(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: () => undefined });
  return { code, stdout };
}

/** 200 rows of meter m-1 over the month, each billed at UnitPrice (PEC in its column, not applied), and one other meter's wrong total. */
function pecNeverApplied(): Cells[] {
  const rows: Cells[] = [];
  for (let i = 0; i < 200; i++) {
    const day = `2026-08-${String(1 + (i % 28)).padStart(2, '0')}`;
    rows.push({
      UsageDate: day,
      Quantity: '2',
      EffectiveUnitPrice: '0.868',
      BillingPreTaxTotal: '1.73',
      PricingPreTaxTotal: '1.73',
    });
  }
  rows.push({
    MeterId: 'm-2',
    Quantity: '10',
    EffectiveUnitPrice: '0.7378',
    BillingPreTaxTotal: '9.99',
    PricingPreTaxTotal: '9.99',
  });
  return rows;
}

describe('repeated defects, grouped', () => {
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-groups-'));
    path = join(dir, 'pec-never-applied.csv');
    writeFileSync(path, dailyCsv(pecNeverApplied()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('PEC not applied on every row of a meter is one line of CLI text with the row count and the money', async () => {
    const { findings, summary } = await checkText(dailyCsv(pecNeverApplied()));
    const pec = findings.filter((f) => f.code === 'eup-mismatch');
    assert.equal(pec.length, 200);
    const sum = pec.reduce((a, f) => a.plus(f.impact!), new Dec(0)).toFixed(2);
    const r = await run(['check', path]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3, r.stdout);
    assert.match(
      lines[0],
      new RegExp(
        `:2:\\d+: error eup-mismatch: 200 rows of meter m-1 have eup-mismatch; overcharged USD ${sum} in all\\.`,
      ),
    );
    assert.match(lines[0], /\(--all prints every row\)$/);
    assert.match(lines[1], /:202:\d+: error total-mismatch: BillingPreTaxTotal 9\.99/);
    // The summary's overcharge is the sum of the row verdicts: the same money as the group line.
    assert.equal(
      new Dec(summary.overcharge).minus(sum).toFixed(2),
      new Dec(findings.find((f) => f.code === 'total-mismatch')!.impact!).toFixed(2),
    );
    assert.match(lines[2], new RegExp(`overcharged USD ${summary.overcharge}$`));
  });

  it('--all prints every row; JSON keeps every row and adds the groups', async () => {
    const all = await run(['check', path, '--all']);
    assert.equal(all.stdout.trim().split('\n').length, 202);
    const json = JSON.parse((await run(['check', path, '--format', 'json'])).stdout) as {
      files: {
        findings: unknown[];
        groups: { meter: string; code: string; rows: number; impact: string; line: number }[];
      }[];
    };
    assert.equal(json.files[0].findings.length, 201);
    assert.deepEqual(
      json.files[0].groups.map((g) => [g.meter, g.code, g.rows, g.line]),
      [['m-1', 'eup-mismatch', 200, 2]],
    );
    const money = new Dec('1.73').minus(new Dec('0.737586206896552').times(2).toDecimalPlaces(2, Decimal.ROUND_FLOOR));
    assert.ok(
      new Dec(json.files[0].groups[0].impact).gte(money.times(200).minus(10)),
      'the group carries the money of its rows',
    );
  });

  it('the editor shows one diagnostic per (meter, code) with the count and the money, next to the capped rows', async () => {
    const collector = new DiagnosticCollector(50);
    const { findings } = await checkText(dailyCsv(pecNeverApplied()));
    for (const f of findings) collector.add(f);
    const ds = collector.diagnostics(10);
    const grouped = ds.filter((d) => (d.data as { group?: boolean } | undefined)?.group);
    assert.equal(grouped.length, 1);
    assert.equal(grouped[0].range.start.line, 1);
    assert.match(
      String(grouped[0].message),
      /^200 rows of meter m-1 have eup-mismatch; overcharged USD \d+\.\d\d in all/,
    );
    assert.equal(
      ds.filter((d) => d.range.start.line > 0 && !(d.data as { group?: boolean }).group).length,
      50,
      'row diagnostics up to the cap',
    );
  });

  it('the editor and the CLI group a defect from the same number of rows of a meter', async () => {
    // Meters with one row fewer than a repeated defect, exactly as many, and one more, each billed at UnitPrice.
    const sizes = { 'm-few': REPEATED_DEFECT_MIN_ROWS - 1, 'm-at': REPEATED_DEFECT_MIN_ROWS, 'm-more': 6 };
    const rows: Cells[] = [];
    for (const [meter, n] of Object.entries(sizes))
      for (let i = 0; i < n; i++)
        rows.push({
          MeterId: meter,
          UsageDate: `2026-08-${String(1 + i).padStart(2, '0')}`,
          Quantity: '2',
          EffectiveUnitPrice: '0.868',
          BillingPreTaxTotal: '1.73',
          PricingPreTaxTotal: '1.73',
        });
    const file = join(dir, 'threshold.csv');
    writeFileSync(file, dailyCsv(rows));
    const repeated = ['m-at', 'm-more'];

    const collector = new DiagnosticCollector(1000);
    for (const f of (await checkText(dailyCsv(rows))).findings) collector.add(f);
    const editorGroups = collector
      .diagnostics(10)
      .filter((d) => (d.data as { group?: boolean } | undefined)?.group)
      .map((d) => /meter (\S+) have/.exec(String(d.message))![1]);
    assert.deepEqual(editorGroups.sort(), [...repeated].sort());

    const text = (await run(['check', file])).stdout;
    const grouped = [...text.matchAll(/(\d+) rows of meter (\S+) have eup-mismatch/g)].map((m) => [m[2], Number(m[1])]);
    assert.deepEqual(grouped, [
      ['m-at', REPEATED_DEFECT_MIN_ROWS],
      ['m-more', 6],
    ]);
    // The smaller group is printed row by row: every one of its rows, none of it as a group.
    assert.equal(text.match(/error eup-mismatch: (?!\d+ rows of meter)/g)?.length, REPEATED_DEFECT_MIN_ROWS - 1);

    const json = JSON.parse((await run(['check', file, '--format', 'json'])).stdout) as {
      files: { groups: { meter: string; rows: number }[] }[];
    };
    assert.deepEqual(
      json.files[0].groups.map((g) => g.meter),
      repeated,
    );
  });

  it("groups a worker's block of findings as add groups them one by one, its first findings read back from their file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeback-block-'));
    try {
      const rnd = seededRandom(20261204);
      // Meters past ASCII and with quotes, messages with line breaks and quotes: the first findings' JSON must give
      // them back exactly; a few meters only in late segments, so that the consumer reads their first findings.
      const meters = ['m-1', 'Zähler "7"', 'm-3', 'компьютер', 'm-5', 'm-6'];
      const codes: FindingCode[] = ['eup-mismatch', 'total-mismatch'];
      const severities: Severity[] = ['error', 'warning', 'info'];
      const findings: Finding[] = [];
      for (let i = 0; i < 3000; i++) {
        const late = i > 2500 && rnd() < 0.3;
        const meter = late ? `late-${Math.floor(rnd() * 5)}` : meters[Math.floor(rnd() * meters.length)];
        const cents = Math.floor(rnd() * 2000) - 500;
        findings.push({
          code: codes[Math.floor(rnd() * codes.length)],
          severity: severities[Math.floor(rnd() * severities.length)],
          message: `row ${i} of "${meter}"\nsays ${cents}`,
          column: 'EffectiveUnitPrice',
          actual: String(i),
          expected: String(i + 1),
          // Whole cents most of the time; a few impacts the block keeps as text.
          impact: rnd() < 0.05 ? `${(cents / 1000).toFixed(3)}` : new Dec(cents).div(100).toFixed(2),
          currency: rnd() < 0.9 ? 'EUR' : 'USD',
          record: rnd() < 0.95 ? i + 1 : undefined,
          meter: rnd() < 0.97 ? meter : undefined,
          line: i + 1,
          character: 10,
          endLine: i + 1,
          endCharacter: 14,
        });
      }
      const file = join(dir, 'findings.bin');
      const writer = new FindingBlockWriter({ format: 'json' }, file);
      const cuts = [0, 700, 1400, 2100, 2600, 3000];
      const slices: Omit<FindingBlockSlice, 'block'>[] = [];
      for (let k = 0; k + 1 < cuts.length; k++) {
        writer.segment();
        const from = writer.count;
        const bytesFrom = writer.bytes;
        for (let i = cuts[k]; i < cuts[k + 1]; i++) writer.add(findings[i]);
        slices.push({ from, to: writer.count, bytesFrom, bytesTo: writer.bytes });
      }
      const block = writer.finish();

      const one = new FindingGrouper();
      for (const f of findings) one.add(f);
      const fromBlock = new FindingGrouper();
      const json = new FindingJsonWriter();
      let text = '';
      for (const s of slices) {
        const slice = { block, ...s };
        fromBlock.addBlock(slice);
        copyBlockText(slice, (bytes) => void (text += Buffer.from(bytes).toString('utf8')));
      }
      assert.deepEqual(fromBlock.all(), one.all());
      assert.ok(one.all().some((g) => g.meter.startsWith('late-')));
      assert.equal(text, findings.map((f) => ',' + json.json(f)).join(''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
