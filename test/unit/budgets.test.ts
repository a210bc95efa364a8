/**
 * Budgets in the rules language: `budget:` per target parses (one period, amounts not negative), and a target's
 * allocated cost is measured against the month's budget with a run-rate forecast worked out by hand; a whole
 * month's mid-month forecast is checked against its actual.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRules } from '../../src/core/allocation/parseRules';
import { budgetLensText, budgetProblems, targetBudgets, type DailyCosts } from '../../src/core/allocation/budgets';
import { main } from '../../src/cli/main';
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

  /** August, every day: days 1-15 cost 10.00 each, days 16-31 `later` each. */
  function august(later: string): { series: DailyCosts; total: Dec } {
    const days = new Map<string, Dec>();
    let total = new Dec(0);
    for (let d = 1; d <= 31; d++) {
      const v = new Dec(d <= 15 ? '10' : later);
      days.set(`2026-08-${String(d).padStart(2, '0')}`, v);
      total = total.plus(v);
    }
    return { series: new Map([['web', days]]), total };
  }

  it("checks a whole month's mid-month forecast against its actual (under 12% is good)", () => {
    const { model } = parseRules(RULES);
    // Days 1-15: cumulative 10, 20, ..., 150, a straight line of slope 10: forecast 150 + 10 x 16 days = 310.00.
    // Days 16-31 at 12: actual 150 + 16 x 12 = 342; error (310 - 342) / 342 = -9.3567...% -> -9.36%, good.
    const near = august('12');
    const [web] = targetBudgets(model, result('2026-08-01', '2026-08-31', { web: near.total.toFixed() }), near.series);
    assert.equal(web.forecast, '342.00'); // the month is whole: its forecast is the actual
    assert.deepEqual(web.forecastCheck, {
      asOfDay: 15,
      forecast: '310.00',
      method: 'linear fit over 15 days: actual + 10.00 a day x 16 days left',
      actual: '342.00',
      errorPercent: '-9.36',
      good: true,
    });
    assert.equal(
      budgetLensText(web, 'EUR'),
      'budget EUR 100.00: 342.00% used, over · day-15 forecast off by -9.36% (good)',
    );
    // Days 16-31 at 15: actual 390; (310 - 390) / 390 = -20.5128...% -> -20.51%, over 12%.
    const far = august('15');
    const [web2] = targetBudgets(model, result('2026-08-01', '2026-08-31', { web: far.total.toFixed() }), far.series);
    assert.deepEqual([web2.forecastCheck?.errorPercent, web2.forecastCheck?.good], ['-20.51', false]);
    assert.match(budgetLensText(web2, 'EUR'), /day-15 forecast off by -20\.51% \(over 12%\)$/);
    // Forecast above the actual: days 16-31 at 8: actual 278; (310 - 278) / 278 = 11.5107...% -> +11.51%, good.
    const over = august('8');
    const [web3] = targetBudgets(model, result('2026-08-01', '2026-08-31', { web: over.total.toFixed() }), over.series);
    assert.deepEqual([web3.forecastCheck?.errorPercent, web3.forecastCheck?.good], ['+11.51', true]);
    // An open month has no check yet; neither has a whole month without a per-day series.
    const open = targetBudgets(model, result('2026-08-01', '2026-08-20', { web: '200' }), near.series);
    assert.equal(open[0].forecastCheck, undefined);
    assert.equal(targetBudgets(model, result('2026-08-01', '2026-08-31', { web: '342' }))[0].forecastCheck, undefined);
    // Data running into September: its actual is not August's, so there is no check.
    const spans = targetBudgets(model, result('2026-08-01', '2026-09-03', { web: '400' }), near.series);
    assert.equal(spans[0].forecastCheck, undefined);
  });

  it('shows the forecast check in allocate (text and JSON) and in the code lens and its hover', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'budgets-'));
    try {
      const rows = Array.from({ length: 31 }, (_, i) => ({
        UsageDate: `2026-08-${String(i + 1).padStart(2, '0')}`,
        BillingPreTaxTotal: i < 15 ? '10.00' : '12.00',
      }));
      writeFileSync(join(dir, 'usage.csv'), dailyCsv(rows));
      const text = `chargeback: 1\ndata: ./usage.csv\ntargets:\n  web: { budget: { monthly: 400 } }\nrules:\n  - name: all\n    match: { customer: "*" }\n    to: web\n`;
      const rulesPath = join(dir, 'x.chargeback.yaml');
      writeFileSync(rulesPath, text);
      const run = await runRules(rulesPath, text);
      const [b] = run.result!.budgets!;
      assert.deepEqual(
        [b.actual, b.forecastCheck?.forecast, b.forecastCheck?.errorPercent],
        ['342.00', '310.00', '-9.36'],
      );
      const lens = rulesCodeLenses(run.parsed, { result: run.result, problems: [], files: run.files }).find(
        (l) => l.range.start.line === 3,
      )!;
      assert.match(lens.command!.title, /budget USD 400\.00: 85\.50% used · day-15 forecast off by -9\.36% \(good\)$/);
      assert.match(
        lens.command!.tooltip!,
        /forecast check: from days 1-15 the month was forecast at USD 310\.00 \(linear fit over 15 days: actual \+ 10\.00 a day x 16 days left\); the actual is USD 342\.00, an error of -9\.36% \(good: under 12%\)/,
      );
      let out = '';
      const sink = { write: (t: string) => void (out += t) };
      assert.equal(await main(['allocate', rulesPath], sink, { write: () => undefined }), 0);
      assert.match(
        out,
        /\n {2}web: USD 342\.00 of USD 400\.00 .*\n {4}forecast check: from days 1-15 the month was forecast at USD 310\.00 .*; the actual is USD 342\.00, an error of -9\.36% \(good: under 12%\)\n/,
      );
      out = '';
      assert.equal(await main(['allocate', rulesPath, '--format', 'json'], sink, { write: () => undefined }), 0);
      const doc = JSON.parse(out);
      assert.deepEqual(doc.budgets[0].forecastCheck, {
        asOfDay: 15,
        forecast: '310.00',
        method: 'linear fit over 15 days: actual + 10.00 a day x 16 days left',
        actual: '342.00',
        errorPercent: '-9.36',
        good: true,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
