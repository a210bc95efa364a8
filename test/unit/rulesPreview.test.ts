/**
 * The rules editor's preview and drill-down on the sample month: the preview shows the allocation of the CLI's run
 * (`chargeback allocate`) cent for cent, conserves money, and the drill-down finds, per rule, exactly the billing
 * lines the engine counted for it. Expected numbers come from the engine, never from the sample's current values.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Decimal from 'decimal.js';
import { runRules } from '../../src/core/allocation/rulesRun';
import { parseRules } from '../../src/core/allocation/parseRules';
import { formatCents } from '../../src/core/money';
import { buildRulesPreview } from '../../src/server/rules/rulesPreview';
import { RulesLines } from '../../src/server/rules/rulesLines';
import { applySplices, planRulesEdit } from '../../src/core/allocation/rulesEdits';

const RULES = join(__dirname, '../../../samples/contoso.chargeback.yaml');
const TEXT = readFileSync(RULES, 'utf8');
const URI = pathToFileURL(RULES).toString();

describe('rules editor preview on the sample month', function () {
  this.timeout(60_000);

  it('shows the CLI allocation: same totals per target, unallocated and total, balanced to the cent', async () => {
    const editor = await runRules(RULES, TEXT, {});
    const cli = await runRules(RULES, TEXT, { harvest: 'rules' });
    assert.ok(cli.result?.ok);
    const preview = buildRulesPreview({
      uri: URI,
      parsed: editor.parsed,
      data: { result: editor.result, harvest: editor.harvest, problems: editor.dataProblems, files: editor.files },
      issues: editor.issues,
    });
    assert.equal(preview.status, 'ready');
    assert.deepEqual(
      preview.targets.map((t) => [t.id, t.amount, t.charged]),
      cli.result!.targets.map((t) => [t.id, formatCents(t.amount), formatCents(t.charged)]),
    );
    assert.equal(preview.conservation.total, formatCents(cli.result!.total));
    assert.equal(preview.unallocated.amount, formatCents(cli.result!.unallocated.amount));
    assert.ok(preview.conservation.balanced);
    const sum = preview.targets.reduce((s, t) => s.plus(t.amount), new Decimal(preview.unallocated.amount));
    assert.equal(sum.toFixed(2), preview.conservation.total);
    assert.deepEqual(
      preview.rules.map((r) => r.allocated),
      cli.result!.rules.map((r) => formatCents(r.allocated)),
    );
    assert.equal(preview.unallocated.catchAll, 'platform');
    assert.ok(preview.targets.find((t) => t.id === 'platform')!.catchAll);
    const split = preview.rules.find((r) => r.destination.kind === 'split' && r.destination.method === 'percent')!;
    assert.deepEqual(split.destination.kind === 'split' && split.destination.shares.map((s) => s.percent), [
      '60',
      '40',
    ]);
    // The sample's marketing tag names no target: the tag rule's card says so, with the engine's words.
    const tagRule = preview.rules.find((r) => r.destination.kind === 'tag')!;
    const tagWarning = editor.result!.warnings.find((w) => w.code === 'tag-value-no-target')!;
    assert.deepEqual(tagRule.warnings, [tagWarning.message]);
  });

  it('says the rules have errors instead of showing numbers of a half-understood file', async () => {
    const broken = TEXT.replace('to: fabrikam', 'to: nobody');
    const run = await runRules(RULES, broken, {});
    const preview = buildRulesPreview({
      uri: URI,
      parsed: run.parsed,
      data: { result: run.result, problems: run.dataProblems, files: run.files },
    });
    assert.equal(preview.status, 'rules-errors');
    const problem = preview.problems.find((p) => p.code === 'unknown-target')!;
    assert.equal(
      broken.split('\n')[problem.range!.start.line].slice(problem.range!.start.character, problem.range!.end.character),
      'nobody',
    );
  });

  it('drills down to exactly the lines the engine counted per rule, and pages them', async () => {
    const run = await runRules(RULES, TEXT, {});
    const lines = new RulesLines();
    const model = run.parsed.model;
    for (const rule of run.result!.rules) {
      const page = await lines.page(model, run.files, 'MDY', { kind: 'rule', index: rule.index }, 0, 5);
      assert.equal(page.total, rule.lines, rule.name);
      assert.ok(page.lines.every((l) => l.rule === rule.name));
      assert.equal(page.lines.length, Math.min(5, rule.lines));
    }
    const first = run.result!.rules.find((r) => r.lines > 3)!;
    const all = await lines.page(model, run.files, 'MDY', { kind: 'rule', index: first.index }, 0, 100000);
    const paged = await lines.page(model, run.files, 'MDY', { kind: 'rule', index: first.index }, 2, 1);
    assert.deepEqual(paged.lines[0], all.lines[2]);
    // The exact amounts of a rule's lines add up to what the engine says the rule matched.
    const matched = all.lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));
    assert.equal(matched.toFixed(), first.matched.toFixed());
    // The line numbers point at the record in its CSV file.
    const csv = readFileSync(all.lines[0].file, 'utf8').split(/\r?\n/);
    for (const l of all.lines.slice(0, 50)) {
      const record = csv[l.line - 1];
      for (const value of [l.resourceGroup, l.meterName, l.customer])
        if (value) assert.ok(record.includes(value), `${l.line}: ${value} in ${record}`);
    }
    // Unmatched: the lines no rule takes (as many as the engine says), and those whose tag names no target.
    const unmatched = await lines.page(model, run.files, 'MDY', { kind: 'unmatched' }, 0, 100000);
    const noRule = unmatched.lines.filter((l) => l.rule === '(no rule)');
    assert.equal(noRule.length, run.result!.unmatched.lines);
    assert.equal(
      noRule.reduce((s, l) => s.plus(l.amount), new Decimal(0)).toFixed(),
      run.result!.unmatched.amount.toFixed(),
    );
    const tagRules = new Set(model.rules.filter((r) => r.to?.kind === 'tag').map((r) => r.name));
    assert.ok(unmatched.lines.every((l) => l.rule === '(no rule)' || tagRules.has(l.rule)));
  });

  it('re-allocates kept lines after an edit with the harvest of the data kept too, to the same numbers', async () => {
    const first = await runRules(RULES, TEXT, { keepLines: 100000 });
    assert.ok(first.lines && first.lines.length > 0);
    const outcome = planRulesEdit(TEXT, { kind: 'setUnallocated', target: 'web' });
    assert.ok(outcome.ok);
    const text = applySplices(TEXT, outcome.splices);
    const cached = await runRules(RULES, text, {
      cachedLines: { key: first.dataKey, lines: first.lines!, harvest: first.harvest },
    });
    const fresh = await runRules(RULES, text, {});
    assert.equal(cached.harvest, first.harvest, 'the kept harvest is used, not made again');
    assert.deepEqual(
      cached.result!.targets.map((t) => [t.id, t.amount.toFixed()]),
      fresh.result!.targets.map((t) => [t.id, t.amount.toFixed()]),
    );
    assert.deepEqual(
      cached.dataProblems.map((p) => p.code),
      fresh.dataProblems.map((p) => p.code),
    );
  });

  it('re-routes the kept lines after an edit, without reading the files again', async () => {
    const run = await runRules(RULES, TEXT, {});
    const lines = new RulesLines();
    await lines.page(run.parsed.model, run.files, 'MDY', { kind: 'rule', index: 0 }, 0, 1);
    const outcome = planRulesEdit(TEXT, { kind: 'moveRule', from: run.parsed.model.rules.length - 1, to: 0 });
    assert.ok(outcome.ok);
    const edited = parseRules(applySplices(TEXT, outcome.splices)).model;
    const again = await runRules(RULES, applySplices(TEXT, outcome.splices), {});
    const page = await lines.page(edited, run.files, 'MDY', { kind: 'rule', index: 0 }, 0, 1);
    assert.equal(page.total, again.result!.rules[0].lines);
  });
});
