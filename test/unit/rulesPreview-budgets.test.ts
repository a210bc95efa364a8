/**
 * Budgets and forecast in the rules editor: the preview the webview renders carries, per target with a `budget:`,
 * the very figures and words of the code lens and of `chargeback allocate` (text and JSON), on the sample month
 * as it is (whole, with a row dated in August), cut after day 20 (open: forecast over budget, with its method) and
 * kept to July's own days (whole: the mid-month forecast against the actual). Expected values come from the CLI.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../../src/cli/main';
import { runRules } from '../../src/core/allocation/rulesRun';
import { rulesCodeLenses } from '../../src/server/rules/codeLens';
import { buildRulesPreview } from '../../src/server/rules/rulesPreview';
import type { PreviewBudget, RulesPreview } from '../../src/shared/rulesPreview';
import { writeSampleMonth } from '../support/sampleMonth';

const SAMPLES = join(__dirname, '../../../samples');

async function cli(args: string[]): Promise<string> {
  let out = '';
  const code = await main(args, { write: (t) => void (out += t) }, { write: () => undefined });
  assert.equal(code, 0, out);
  return out;
}

/** The editor's preview of a rules file, the code lens titles and hovers of its targets, and the CLI's outputs. */
async function everywhere(rulesPath: string): Promise<{
  preview: RulesPreview;
  lenses: Map<string, { title: string; tooltip?: string }>;
  text: string;
  json: { budgets: Record<string, unknown>[] };
}> {
  const rulesText = readFileSync(rulesPath, 'utf8');
  const run = await runRules(rulesPath, rulesText, {});
  const preview = buildRulesPreview({
    uri: pathToFileURL(rulesPath).toString(),
    parsed: run.parsed,
    data: { result: run.result, harvest: run.harvest, problems: run.dataProblems, files: run.files },
    issues: run.issues,
  });
  const lenses = new Map<string, { title: string; tooltip?: string }>();
  const all = rulesCodeLenses(run.parsed, { result: run.result, problems: [], files: run.files });
  for (const t of run.parsed.model.targets) {
    const lens = all.find((l) => l.range.start.line === t.idRange.start.line)!;
    lenses.set(t.id, { title: lens.command!.title, tooltip: (lens.command as { tooltip?: string }).tooltip });
  }
  const text = await cli(['allocate', rulesPath]);
  const json = JSON.parse(await cli(['allocate', rulesPath, '--format', 'json'])) as {
    budgets: Record<string, unknown>[];
  };
  return { preview, lenses, text, json };
}

/** Every figure of a preview budget is the CLI's JSON figure, and its words are the lens's and the CLI text's. */
function sameAsCliAndLens(b: PreviewBudget, all: Awaited<ReturnType<typeof everywhere>>, currency: string): void {
  const fromCli = all.json.budgets.find((x) => x.target === b.target)!;
  assert.ok(fromCli, `the CLI has a budget for ${b.target}`);
  for (const key of Object.keys(fromCli))
    if (key !== 'forecastCheck') assert.deepEqual(b[key as keyof PreviewBudget], fromCli[key], `${b.target}.${key}`);
  const check = fromCli.forecastCheck as Record<string, unknown> | undefined;
  assert.equal(!!b.forecastCheck, !!check, `${b.target}: a forecast check in both or neither`);
  if (check && b.forecastCheck) {
    const { text, ...figures } = b.forecastCheck;
    assert.deepEqual(figures, check);
    assert.ok(all.text.includes(`\n    ${text}\n`), `the CLI prints the check's sentence: ${text}`);
  }
  const lens = all.lenses.get(b.target)!;
  assert.ok(lens.title.endsWith(` · ${b.lens}`), `${lens.title} ends with ${b.lens}`);
  assert.equal(lens.tooltip, b.tooltip);
  assert.ok(
    all.text.includes(
      `  ${b.target}: ${currency} ${b.actual} of ${currency} ${b.monthBudget} (${b.lens}; forecast method: ${b.forecastMethod})`,
    ),
    `the CLI's budget line of ${b.target}`,
  );
}

describe('budgets and forecast in the rules editor preview', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'chargeback-preview-budgets-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('on the sample month: the budgets of web and data, as the lens and the CLI show them, thresholds included', async () => {
    const all = await everywhere(join(SAMPLES, 'contoso.chargeback.yaml'));
    const budgets = all.preview.budgets!;
    assert.deepEqual(
      budgets.map((b) => [b.target, b.per, b.warnAt, b.forecastWarnAt]),
      [
        ['web', 'month', '80', '100'],
        ['data', 'quarter', '100', '100'],
      ],
    );
    for (const b of budgets) sameAsCliAndLens(b, all, 'EUR');
    // One row is dated 1 August: the data spans more than July, so there is no check of a July forecast.
    assert.ok(budgets.every((b) => b.daysCovered > b.daysInMonth && !b.forecastCheck));
  });

  it('a resold customer: the lens, the preview and the CLI show what it is charged, and the markup it includes', async () => {
    const all = await everywhere(join(SAMPLES, 'contoso.chargeback.yaml'));
    const fabrikam = all.preview.targets.find((t) => t.id === 'fabrikam')!;
    assert.notEqual(fabrikam.markup, '0.00', 'the sample charges Fabrikam a markup');
    const thousands = (a: string) => a.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    assert.equal(
      all.lenses.get('fabrikam')!.title,
      `charged EUR ${thousands(fabrikam.charged)} (incl. markup ${thousands(fabrikam.markup)})`,
    );
    assert.match(
      all.text,
      new RegExp(`\\nfabrikam +EUR ${fabrikam.charged}  Fabrikam Süd GmbH \\(incl\\. markup ${fabrikam.markup}\\)\\n`),
    );
    // A target without markup: the lens has no markup words.
    assert.match(all.lenses.get('workplace')!.title, /^charged EUR [\d,]+\.\d\d$/);
  });

  it('an open month: forecast with its method, over budget, the same in the lens and the CLI', async () => {
    const rules = writeSampleMonth(SAMPLES, dir, 'open', 20, {
      web: '{ monthly: 1000, warnAt: 80 }',
      data: '{ monthly: 3000, forecastWarnAt: 40 }',
    });
    const all = await everywhere(rules);
    const [web, data] = all.preview.budgets!;
    assert.equal(web.daysCovered, 20);
    assert.match(web.forecastMethod, /^linear fit over 20 days: actual \+ [\d.]+ a day x 11 days left$/);
    assert.equal(web.forecastStatus, 'over');
    assert.equal(data.forecastStatus, 'warning');
    assert.equal(data.forecastWarnAt, '40');
    assert.notEqual(web.forecast, web.actual);
    for (const b of all.preview.budgets!) sameAsCliAndLens(b, all, 'EUR');
    // The warning of the editor's Problems is the lens's: forecast over budget, with the method.
    assert.ok(
      all.preview.problems.some(
        (p) =>
          p.code === 'budget-forecast' &&
          p.message.includes(`EUR ${web.forecast}`) &&
          p.message.includes(web.forecastMethod),
      ),
    );
  });

  it('a whole month: its mid-month forecast against the actual, as the CLI prints it', async () => {
    const rules = writeSampleMonth(SAMPLES, dir, 'whole', 31, { web: '{ monthly: 1500 }', data: '{ yearly: 24000 }' });
    const all = await everywhere(rules);
    const [web, data] = all.preview.budgets!;
    assert.equal(web.daysCovered, 31);
    assert.equal(data.monthBudget, '2000.00');
    for (const b of [web, data]) {
      assert.ok(b.forecastCheck, `${b.target} has a forecast check`);
      assert.equal(b.forecastCheck.asOfDay, 15);
      assert.match(b.forecastCheck.errorPercent, /^[+-]\d+\.\d\d$/);
      sameAsCliAndLens(b, all, 'EUR');
    }
  });
});
