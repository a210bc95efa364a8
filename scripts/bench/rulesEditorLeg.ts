/**
 * The bench's rules-editor leg: what a user waits for between changing a rule in the visual editor and seeing the
 * new numbers. The language server's own RulesService opens the rules file (its billing data read once and kept),
 * then takes a series of edits made as the visual editor makes them (rulesEdits splices); each is analysed without
 * the typing pause, as the server does for an edit from the visual editor, and timed from the new text to the
 * finished preview (buildRulesPreview). Also times the drill-down: the first page (reads the lines once) and a page
 * after an edit (re-routes the kept classes only).
 *
 *   node rules-editor-leg.js RULES.yaml   -> one JSON object on stdout
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { RulesService } from '../../src/server/rules/rulesService';
import { buildRulesPreview } from '../../src/server/rules/rulesPreview';
import { RulesLines } from '../../src/server/rules/rulesLines';
import { applySplices, planRulesEdit, type RulesEdit } from '../../src/core/allocation/rulesEdits';

const EDITS = 9;

async function main(): Promise<void> {
  const rulesPath = process.argv[2];
  let text = readFileSync(rulesPath, 'utf8');
  const uri = pathToFileURL(rulesPath).toString();
  const service = new RulesService({
    publish: () => undefined,
    dataChanged: () => undefined,
    dateOrder: async () => 'MDY',
    log: () => undefined,
  });
  const preview = () => {
    const analysis = service.analysis(uri);
    return buildRulesPreview({ uri, parsed: service.parsed(uri)!, data: service.data(uri), issues: analysis?.issues });
  };
  const opened = performance.now();
  service.update(uri, text, 0);
  await service.settledLatest(uri);
  const first = preview();
  const openMs = performance.now() - opened;
  if (first.status !== 'ready')
    throw new Error(`the bench rules do not allocate: ${first.status} ${JSON.stringify(first.problems.slice(0, 3))}`);

  const lines = new RulesLines();
  const model = () => service.parsed(uri)!.model;
  const files = () => service.data(uri)!.files;
  let t = performance.now();
  const firstPage = await lines.page(model(), files(), 'MDY', { kind: 'target', id: 'web' }, 0, 200);
  const drillFirstMs = performance.now() - t;

  const percentRule = model().rules.findIndex((r) => r.split?.method === 'percent');
  const editMs: number[] = [];
  let last = first;
  for (let i = 0; i < EDITS; i++) {
    // Moves ten points between two shares and back: a percentage edit, the visual editor's most common one.
    const web = i % 2 === 0 ? '40' : '50';
    const dataShare = i % 2 === 0 ? '40' : '30';
    const edits: RulesEdit[] = [
      { kind: 'setPercent', rule: percentRule, target: 'web', percent: web },
      { kind: 'setPercent', rule: percentRule, target: 'data', percent: dataShare },
    ];
    let next = text;
    for (const e of edits) {
      const outcome = planRulesEdit(next, e);
      if (!outcome.ok) throw new Error(outcome.message);
      next = applySplices(next, outcome.splices);
    }
    text = next;
    const started = performance.now();
    service.update(uri, text);
    service.flush(uri);
    await service.settledLatest(uri);
    last = preview();
    editMs.push(performance.now() - started);
    if (last.status !== 'ready' || !last.conservation.balanced)
      throw new Error(`edit ${i + 1} did not give a balanced preview`);
  }
  t = performance.now();
  const pageAfterEdit = await lines.page(model(), files(), 'MDY', { kind: 'target', id: 'web' }, 0, 200);
  const drillAfterEditMs = performance.now() - t;
  const sorted = [...editMs].sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      openMs: Math.round(openMs),
      editMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)]),
      editMaxMs: Math.round(sorted[sorted.length - 1]),
      editMs: editMs.map((x) => Math.round(x)),
      lines: last.lineCount,
      total: last.conservation.total,
      drillFirstMs: Math.round(drillFirstMs),
      drillAfterEditMs: Math.round(drillAfterEditMs),
      drillLines: [firstPage.total, pageAfterEdit.total],
    }) + '\n',
  );
}

void main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
