/**
 * Budgets in the rules language: `budget:` per target parses (one period, amounts not negative), and a target's
 * allocated cost is measured against the month's budget with a run-rate forecast worked out by hand.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRules } from '../../src/core/allocation/parseRules';
import { budgetLensText, budgetProblems, targetBudgets } from '../../src/core/allocation/budgets';
import { runRules } from '../../src/core/allocation/rulesRun';
import { rulesCodeLenses } from '../../src/server/rules/codeLens';
import { Dec } from '../../src/core/money';
import type { AllocationResult } from '../../src/core/allocation/result';
import { dailyCsv } from '../support/billingFixtures';

const RULES = `chargeback: 1
targets:
  web: { name: Web, budget: { monthly: 100, warnAt: 80 } }
  data: { budget: { quarterly: 300, forecastWarnAt: 90 } }
  ops: {}
rules:
  - name: all
    match: { customer: "*" }
    to: web
`;

/** Just the fields budgets read: the period and each target's amount. */
function result(start: string, end: string, amounts: Record<string, string>): AllocationResult {
  return {
    ok: true,
    currency: 'EUR',
    period: { start, end, label: '' },
    targets: Object.entries(amounts).map(([id, a]) => ({ id, amount: new Dec(a) })),
  } as unknown as AllocationResult;
}

describe('budgets', () => {
  it('reads budget: per target, with its thresholds', () => {
    const { model, problems } = parseRules(RULES);
    assert.deepEqual(problems, []);
    const [web, data, ops] = model.targets;
    assert.equal(web.budget?.per, 'month');
    assert.equal(web.budget?.amount.value.toFixed(), '100');
    assert.equal(web.budget?.warnAt?.value.toFixed(), '80');
    assert.equal(data.budget?.per, 'quarter');
    assert.equal(data.budget?.forecastWarnAt?.value.toFixed(), '90');
    assert.equal(ops.budget, undefined);
  });

  it('says what is wrong with a budget, on its place', () => {
    const two = parseRules(RULES.replace('monthly: 100', 'monthly: 100, yearly: 1200'));
    const p = two.problems.find((x) => x.code === 'budget-period')!;
    assert.match(p.message, /exactly one of `monthly:`, `quarterly:` or `yearly:`, not monthly and yearly/);
    assert.equal(p.range.start.line, 2);
    assert.equal(parseRules(RULES.replace('monthly: 100', 'monthly: -5')).problems[0].code, 'invalid-number');
    assert.equal(
      parseRules(RULES.replace('monthly: 100', 'montly: 100')).problems.some((x) => x.code === 'unknown-key'),
      true,
    );
    assert.equal(parseRules(RULES.replace('monthly: 100', 'monthly: lots')).problems[0].code, 'invalid-number');
  });

  it("measures the cost against the month's budget and forecasts by run-rate while the month is open", () => {
    const { model } = parseRules(RULES);
    // 10 of 31 July days: web 40.00 -> 40 / 10 x 31 = 124.00 (124% of 100); data 25.00 against 300 / 3 = 100.
    const [web, data] = targetBudgets(model, result('2026-07-01', '2026-07-10', { web: '40', data: '25' }));
    assert.deepEqual(
      [web.monthBudget, web.actual, web.usedPercent, web.forecast, web.forecastPercent, web.status, web.forecastStatus],
      ['100.00', '40.00', '40.00', '124.00', '124.00', 'within', 'over'],
    );
    assert.equal(web.forecastMethod, 'run-rate: actual / 10 days of data x 31 days');
    // data: 25 / 10 x 31 = 77.50, 77.5% of 100: below forecastWarnAt 90.
    assert.deepEqual([data.monthBudget, data.forecast, data.forecastStatus], ['100.00', '77.50', 'within']);
    const problems = budgetProblems(model, result('2026-07-01', '2026-07-10', { web: '40', data: '25' }));
    assert.deepEqual(
      problems.map((p) => [p.code, p.range.start.line]),
      [['budget-forecast', 2]],
    );
    assert.match(
      problems[0].message,
      /forecast at EUR 124\.00 for the month \(run-rate: actual \/ 10 days of data x 31 days\), 124\.00% of its monthly budget EUR 100\.00/,
    );
    assert.equal(
      budgetLensText(web, 'EUR'),
      'budget EUR 100.00: 40.00% used · forecast EUR 124.00 (124.00%, run-rate)',
    );
  });

  it('takes the actual as the forecast once the month is complete, and warns at the threshold on actual cost', () => {
    const { model } = parseRules(RULES);
    const [web] = targetBudgets(model, result('2026-07-01', '2026-07-31', { web: '85', data: '0' }));
    assert.deepEqual([web.forecast, web.status, web.forecastStatus], ['85.00', 'warning', 'within']);
    assert.match(web.forecastMethod, /whole month \(31 days\)/);
    const problems = budgetProblems(model, result('2026-07-01', '2026-07-31', { web: '100.01', data: '0' }));
    assert.deepEqual(
      problems.map((p) => p.code),
      ['budget-reached'],
    );
    assert.match(problems[0].message, /100\.01% of its monthly budget EUR 100\.00: over budget/);
  });

  it('shows allocated against budget in the code lens of the target, from a real allocation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'budgets-'));
    try {
      // One day (3 August) of 21.39 USD: the run-rate of that day for the 28 days left, 21.39 + 21.39 x 28 = 620.31.
      writeFileSync(join(dir, 'usage.csv'), dailyCsv([{}]));
      const text = `chargeback: 1\ndata: ./usage.csv\ntargets:\n  web: { budget: { monthly: 500 } }\nrules:\n  - name: all\n    match: { customer: "*" }\n    to: web\n`;
      const run = await runRules(join(dir, 'x.chargeback.yaml'), text);
      assert.equal(run.result?.budgets?.[0].forecast, '620.31');
      const lenses = rulesCodeLenses(run.parsed, { result: run.result, problems: [], files: run.files });
      const lens = lenses.find((l) => l.range.start.line === 3)!;
      assert.match(
        lens.command!.title,
        /budget USD 500\.00: 4\.28% used · forecast USD 620\.31 \(124\.06%, run-rate of the last 1 day\)/,
      );
      assert.ok(run.dataProblems.some((p) => p.code === 'budget-forecast'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fits a line through the cumulative cost once 10 days of data exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'budgets-'));
    try {
      // Days 1..10 of August cost 1..10: cumulative 1, 3, 6, ..., 55. Least squares: x mean 5.5, sum (x - 5.5)^2 =
      // 82.5, sum (x - 5.5)(y - 22) = 495, slope 6 a day; forecast 55 + 6 x 21 days left = 181.00.
      const rows = Array.from({ length: 10 }, (_, i) => ({
        UsageDate: `2026-08-${String(i + 1).padStart(2, '0')}`,
        BillingPreTaxTotal: `${i + 1}.00`,
      }));
      writeFileSync(join(dir, 'usage.csv'), dailyCsv(rows));
      const text = `chargeback: 1\ndata: ./usage.csv\ntargets:\n  web: { budget: { monthly: 150 } }\nrules:\n  - name: all\n    match: { customer: "*" }\n    to: web\n`;
      const run = await runRules(join(dir, 'x.chargeback.yaml'), text);
      const [b] = run.result!.budgets!;
      assert.deepEqual(
        [b.actual, b.forecast, b.forecastPercent, b.forecastStatus],
        ['55.00', '181.00', '120.67', 'over'],
      );
      assert.equal(b.forecastMethod, 'linear fit over 10 days: actual + 6.00 a day x 21 days left');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
