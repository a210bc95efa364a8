// Amounts of any size are exact or refused by name; overlong cells are invalid-csv where they start; memory stays
// flat whatever a cell holds.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MAX_CELL_CHARS, tokenize } from '../../src/core/billing/csv';
import { main } from '../../src/cli/main';
import { dailyCsv } from '../support/billingFixtures';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const RULES =
  'chargeback: 1\ndata: [./usage.csv]\ntargets: { web: { markup: 10 } }\nrules:\n  - { name: all, match: { customer: "*" }, to: web }\n';

describe('amounts of any size', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-amounts-'));
    writeFileSync(join(dir, 'r.chargeback.yaml'), RULES);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const huge of ['1e58', '1e300', '-2.5E+40', '0.0000000000000000000000000001']) {
    it(`refuses ${huge} with invalid-value naming the bound, exit 1 (no "Allocation lost money")`, async () => {
      writeFileSync(join(dir, 'usage.csv'), dailyCsv([{}, { BillingPreTaxTotal: huge, PricingPreTaxTotal: huge }]));
      const r = await run(['allocate', join(dir, 'r.chargeback.yaml')]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /error invalid-value: 1 cost line\(s\) have an amount beyond the range that is allocated exactly \(below 10\^24 in size, at most 24 decimals\)/,
      );
      assert.match(r.stdout, /usage\.csv:3/);
      assert.doesNotMatch(r.stdout + r.stderr, /lost money|internal error/);
    });
  }

  it('allocates amounts just inside the bound exactly to the cent, markup included', async () => {
    const big = '99999999999999999999999.99';
    writeFileSync(
      join(dir, 'usage.csv'),
      dailyCsv([{ BillingPreTaxTotal: big }, { BillingPreTaxTotal: '0.000000000000000000000001' }, {}]),
    );
    const r = await run(['allocate', join(dir, 'r.chargeback.yaml'), '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout);
    // 99,999,999,999,999,999,999,999.99 + 0.000...1 + 21.39, exactly.
    assert.equal(doc.sourceTotal, '100000000000000000000021.380000000000000000000001');
    assert.equal(doc.total, '100000000000000000000021.38');
    assert.equal(doc.targets[0].markup, '10000000000000000000002.14');
  });
});

describe('overlong cells', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-cells-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a cell one character over the limit is invalid-csv at its start; the row is not read, the next one is', () => {
    const long = 'x'.repeat(MAX_CELL_CHARS + 1);
    const { records, problems } = tokenize(`a,b\n1,"${long}"\n2,ok\n`);
    assert.deepEqual(
      problems.map((p) => [p.code, p.line, p.character]),
      [['cell-too-long', 1, 2]],
    );
    assert.equal(records[1].overlong, true);
    assert.equal(records[1].cells[1], '');
    assert.deepEqual(records[2].cells, ['2', 'ok']);
    const fits = tokenize(`a\n${'y'.repeat(MAX_CELL_CHARS)}\n`);
    assert.deepEqual(fits.problems, []);
    assert.equal(fits.records[1].cells[0].length, MAX_CELL_CHARS);
  });

  it('check reports the cell by position, exit 1; the allocation leaves the row out with a warning', async () => {
    const text = dailyCsv([{}, { AdditionalInfo: 'z'.repeat(MAX_CELL_CHARS + 10) }, {}], { eol: '\n' });
    writeFileSync(join(dir, 'usage.csv'), text);
    const r = await run(['check', join(dir, 'usage.csv')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /usage\.csv:3:\d+: error invalid-csv: This cell is longer than 8,388,608 characters/);
    assert.match(r.stdout, /daily-usage, 3 rows.*billed USD 42\.78/);
    writeFileSync(join(dir, 'r.chargeback.yaml'), RULES);
    const a = await run(['allocate', join(dir, 'r.chargeback.yaml'), '--format', 'json']);
    assert.equal(JSON.parse(a.stdout).total, '42.78');
    assert.match(a.stderr, /usage\.csv:3: warning file-problem: This cell is longer/);
  });

  it('memory stays flat on a 96 MB cell (the CLI, in a child process)', function () {
    this.timeout(60_000);
    const path = join(dir, 'big.csv');
    const [head, row] = dailyCsv([{ AdditionalInfo: 'PLACE' }], { eol: '\n' }).split('\n');
    const [before, after] = row.split('PLACE');
    const fd = openSync(path, 'w');
    writeSync(fd, `${head}\n${before}"`);
    const block = Buffer.alloc(1 << 20, 'q');
    for (let k = 0; k < 96; k++) writeSync(fd, block);
    writeSync(fd, `"${after}\n`);
    closeSync(fd);
    const cli = resolve(__dirname, '../../src/cli/main.js');
    const probe = `const { main } = require(${JSON.stringify(cli)}); let peak = 0;
      const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
      const base = process.memoryUsage().rss;
      main(['check', ${JSON.stringify(path)}], { write() {} }, { write() {} }).then((code) => {
        clearInterval(t); peak = Math.max(peak, process.memoryUsage().rss);
        process.stdout.write(JSON.stringify({ code, peak: Math.round(peak / 1048576), base: Math.round(base / 1048576) }));
      });`;
    const out = JSON.parse(execFileSync('timeout', ['50', process.execPath, '-e', probe], { encoding: 'utf8' }));
    assert.equal(out.code, 1);
    // The cell alone is 96 MB; reading it whole (as before) took three to four times that. What is left is the
    // garbage collector's slack, the same for a 300 MB cell.
    assert.ok(out.peak < 250, `memory peaked at ${out.peak} MB`);
  });
});
