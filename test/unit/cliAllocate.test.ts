import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { main } from '../../src/cli/main';
import { dailyCsv } from '../support/billingFixtures';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const RULES = `chargeback: 1
name: Test month
data:
  - ./usage.csv
targets:
  web: { name: Web shop, costCenter: CC-1, account: "6420" }
  data: { name: Data, costCenter: CC-2 }
rules:
  - name: Data
    match: { entitlementName: "*-data*" }
    to: data
  - name: Shared
    match: { resourceGroup: rg-shared }
    split: { percent: { web: 60, data: 40 } }
unallocated: web
journal:
  clearingAccount: "1990"
`;

describe('chargeback allocate and export (CLI)', () => {
  let dir: string;
  let rulesPath: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-alloc-'));
    rulesPath = join(dir, 'test.chargeback.yaml');
    writeFileSync(rulesPath, RULES);
    writeFileSync(
      join(dir, 'usage.csv'),
      dailyCsv([
        {
          EntitlementDescription: 'contoso-data',
          BillingPreTaxTotal: '10.00',
          EffectiveUnitPrice: '0.1',
          Quantity: '100',
          PricingPreTaxTotal: '10.00',
        },
        {
          ResourceGroup: 'rg-shared',
          BillingPreTaxTotal: '0.01',
          EffectiveUnitPrice: '0.0001',
          Quantity: '100',
          PricingPreTaxTotal: '0.01',
        },
        {
          ResourceGroup: 'rg-other',
          BillingPreTaxTotal: '5.55',
          EffectiveUnitPrice: '0.0555',
          Quantity: '100',
          PricingPreTaxTotal: '5.55',
        },
      ]),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints who pays what, adding up to the billing total to the cent (JSON)', async () => {
    const r = await run(['allocate', rulesPath, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.currency, 'USD');
    assert.equal(doc.total, '15.56');
    const byId = Object.fromEntries(doc.targets.map((t: { id: string; amount: string }) => [t.id, t.amount]));
    // 0.01 split 60/40: web gets the cent (largest remainder); web also gets the unmatched 5.55.
    assert.deepEqual(byId, { web: '5.56', data: '10.00' });
    assert.equal(doc.unallocated, '0.00');
    const sum = doc.targets.reduce(
      (s: Decimal, t: { amount: string }) => s.plus(t.amount),
      new Decimal(doc.unallocated),
    );
    assert.equal(sum.toFixed(2), doc.total);
    assert.deepEqual(
      doc.rules.map((x: { name: string }) => x.name),
      ['Data', 'Shared'],
    );
  });

  it('never evaluates a rules file with errors halfway: prints every error with its position and exits 1', async () => {
    const broken = join(dir, 'broken.chargeback.yaml');
    writeFileSync(broken, RULES.replace('to: data', 'to: dta').replace('web: 60', 'web: 70'));
    const r = await run(['allocate', broken]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /broken\.chargeback\.yaml:11:9: error unknown-target: .*dta/);
    assert.match(r.stdout, /broken\.chargeback\.yaml:14:\d+: error percent-sum: /);
    assert.doesNotMatch(r.stdout, /total/);
  });

  it('writes each export atomically and refuses to replace a file without --force', async () => {
    for (const to of ['report', 'journal', 'focus', 'json']) {
      const out = join(dir, `out.${to}`);
      const r = await run(['export', rulesPath, '--to', to, '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(readFileSync(out, 'utf8').length > 0);
    }
    const journal = readFileSync(join(dir, 'out.journal'), 'utf8');
    assert.match(journal, /1990/);
    const again = await run(['export', rulesPath, '--to', 'report', '--out', join(dir, 'out.report')]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists \(use --force to replace it\)/);
    assert.equal(
      (await run(['export', rulesPath, '--to', 'report', '--out', join(dir, 'out.report'), '--force'])).code,
      0,
    );
  });

  it('the FOCUS export carries every line with its target and rule, and sums to the total', async () => {
    const focus = readFileSync(join(dir, 'out.focus'), 'utf8').trim().split(/\r?\n/);
    const header = focus[0].split(',');
    const billed = header.indexOf('BilledCost');
    const target = header.indexOf('x_ChargebackTarget');
    assert.ok(billed >= 0 && target >= 0 && header.includes('x_ChargebackRule'));
    const total = focus.slice(1).reduce((s, l) => s.plus(l.split(',')[billed]), new Decimal(0));
    assert.equal(total.toFixed(2), '15.56');
  });

  it('exits 2 for usage errors', async () => {
    assert.equal((await run(['allocate'])).code, 2);
    assert.equal((await run(['allocate', join(dir, 'missing.yaml')])).code, 2);
    assert.equal((await run(['export', rulesPath, '--to', 'pdf', '--out', join(dir, 'x')])).code, 2);
    assert.equal((await run(['export', rulesPath, '--to', 'report'])).code, 2);
    assert.ok(!existsSync(join(dir, 'x')));
  });
});
