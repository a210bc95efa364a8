// A header that names a column twice: a finding on both cells, the column never read, the file not allocated
// when the run needs that column.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAILY_USAGE_COLUMNS } from '../../src/core/billing/fileKinds';
import { checkSource } from '../../src/core/rating/check';
import { defaultCheckOptions } from '../../src/core/rating/options';
import { fileSource, stringSource } from '../../src/core/billing/source';
import type { Finding } from '../../src/core/findings';
import { main } from '../../src/cli/main';
import { DAILY_DEFAULTS, csv } from '../support/billingFixtures';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** A daily usage file with `column` a second time at the end, holding `value` on every row. */
function withSecond(column: string, value: string, rows = 2): string {
  const body = csv(
    DAILY_USAGE_COLUMNS,
    DAILY_DEFAULTS,
    Array.from({ length: rows }, () => ({})),
    { eol: '\n' },
  );
  const lines = body.split('\n');
  return lines.map((l, i) => (l === '' ? l : i === 0 ? `${l},${column}` : `${l},${value}`)).join('\n');
}

describe('duplicate header names', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-dupcol-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const reader of ['fast', 'reference'] as const) {
    it(`check (${reader} reader): duplicate-column on both header cells; a needed column is not re-rated from either copy`, async () => {
      const text = withSecond('BillingPreTaxTotal', '10000');
      const path = join(dir, `dup-${reader}.csv`);
      writeFileSync(path, text);
      const findings: Finding[] = [];
      const { summary } = await checkSource(fileSource(path), defaultCheckOptions({}), (f) => void findings.push(f), {
        reader,
      });
      const dups = findings.filter((f) => f.code === 'duplicate-column');
      const header = text.slice(0, text.indexOf('\n'));
      const first = header.indexOf('BillingPreTaxTotal');
      const second = header.lastIndexOf('BillingPreTaxTotal');
      assert.deepEqual(
        dups.map((f) => [f.line, f.character, f.endCharacter]),
        [
          [0, first, first + 18],
          [0, second, second + 18],
        ],
      );
      const missing = findings.find((f) => f.code === 'missing-column');
      assert.ok(missing && /BillingPreTaxTotal more than once/.test(missing.message), JSON.stringify(findings));
      // Neither copy is summed: no 10,000.00, no 21.39 x 2 from the first copy either.
      assert.equal(summary.billedTotal, '0.00');
    });
  }

  it('check: a duplicated column the check does not need is a warning and the file is still checked', async () => {
    const findings: Finding[] = [];
    const { summary } = await checkSource(
      stringSource('x.csv', withSecond('ResourceGroup', 'rg-other')),
      defaultCheckOptions({}),
      (f) => void findings.push(f),
    );
    const notInfo = findings.filter((f) => f.severity !== 'info');
    assert.deepEqual(
      notInfo.map((f) => `${f.severity} ${f.code}`),
      ['warning duplicate-column', 'warning duplicate-column'],
    );
    assert.equal(summary.billedTotal, '42.78');
  });

  it('allocate: a duplicated amount column is an error, the file is not allocated, exit 1 (never 10,000.00)', async () => {
    writeFileSync(join(dir, 'usage.csv'), withSecond('BillingPreTaxTotal', '5000'));
    const rules = join(dir, 'r.chargeback.yaml');
    writeFileSync(
      rules,
      'chargeback: 1\ndata: [./usage.csv]\ntargets: { web: {} }\nrules:\n  - { name: all, match: { customer: "*" }, to: web }\n',
    );
    const r = await run(['allocate', rules]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /usage\.csv:1: error duplicate-column: The header has BillingPreTaxTotal more than once; .* not allocated/,
    );
    assert.doesNotMatch(r.stdout, /10,?000\.00|5,?000/);
  });

  it('allocate: a duplicated column the rules match on is an error; one they do not read is only said', async () => {
    writeFileSync(join(dir, 'rg.csv'), withSecond('ResourceGroup', 'rg-other'));
    const byGroup = join(dir, 'g.chargeback.yaml');
    writeFileSync(
      byGroup,
      'chargeback: 1\ndata: [./rg.csv]\ntargets: { web: {} }\nrules:\n  - { name: web, match: { resourceGroup: "rg-*" }, to: web }\n',
    );
    const r = await run(['allocate', byGroup, '--format', 'json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error duplicate-column: The header has ResourceGroup more than once/);
    const byCustomer = join(dir, 'c.chargeback.yaml');
    writeFileSync(
      byCustomer,
      'chargeback: 1\ndata: [./rg.csv]\ntargets: { web: {} }\nrules:\n  - { name: all, match: { customer: "*" }, to: web }\n',
    );
    const ok = await run(['allocate', byCustomer, '--format', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).total, '42.78');
    // Said once, by whichever reader read the file (the CLI's fast reader here).
    assert.equal(
      ok.stderr.match(
        /warning duplicate-column: The header has ResourceGroup more than once; that column is ambiguous and not read/g,
      )?.length,
      1,
      ok.stderr,
    );
  });
});
