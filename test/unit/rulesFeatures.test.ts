import { strict as assert } from 'node:assert';
import { Position } from 'vscode-languageserver';
import { parseRules } from '../../src/core/allocation/parseRules';
import { harvestLines } from '../../src/core/allocation/harvest';
import { allocateSync } from '../../src/core/allocation/engine';
import { cursorContext } from '../../src/server/rules/cursorContext';
import {
  rulesCodeLenses,
  rulesCompletion,
  rulesDefinition,
  rulesDiagnostics,
  rulesHover,
  rulesSymbols,
  type RulesData,
} from '../../src/server/rules/rulesFeatures';
import { line } from '../fixtures/allocation/lines';

const RULES = `chargeback: 1
name: Contoso
amount: billed
targets:
  web: { name: Web shop, costCenter: CC-1001 }
  data: { name: Data platform, costCenter: CC-1002 }
rules:
  - name: Data subscriptions
    match: { entitlementName: "*-data*" }
    to: data
  - name: Team tag
    match: { tag: { team: "*" } }
    to: { tag: team }
  - name: Networking
    match: { meterCategory: [Bandwidth] }
    split: { evenly: [web, data] }
unallocated: web
`;

const LINES = [
  line({ entitlementName: 'contoso-data-prod', meterCategory: 'Storage', billed: '100.00' }),
  line({ entitlementName: 'contoso-web', meterCategory: 'Virtual Machines', tags: { team: 'web' }, billed: '50.25' }),
  line({ entitlementName: 'contoso-web', meterCategory: 'Bandwidth', billed: '10.01' }),
  line({ entitlementName: 'contoso-web', meterCategory: 'Bandwidth', tags: { team: 'data' }, billed: '3.00' }),
];

async function dataFor(text: string): Promise<RulesData> {
  const parsed = parseRules(text);
  return { harvest: await harvestLines(LINES), result: allocateSync(parsed.model, LINES), problems: [], files: ['/data/usage.csv'], candidates: ['./billing/2026-07/*.csv'] };
}

/** Cursor at the `|` of a line template: returns the text with the line inserted and the position. */
function at(text: string, lineNo: number, lineWithCursor: string): { text: string; position: Position } {
  const lines = text.split('\n');
  const character = lineWithCursor.indexOf('|');
  lines.splice(lineNo, 0, lineWithCursor.replace('|', ''));
  return { text: lines.join('\n'), position: Position.create(lineNo, character) };
}

describe('rules language: cursor context', () => {
  it('knows the path and whether a key or a value is typed, in block and flow style', () => {
    const lines = RULES.split('\n');
    const ctx = (l: number, c: number) => cursorContext(RULES, l, c);
    assert.deepEqual(ctx(9, lines[9].length), { path: ['rules', 0], kind: 'value', key: 'to', prefix: 'data', prefixStart: 8, siblings: [] });
    const flow = ctx(14, lines[14].indexOf('Bandwidth') + 4);
    assert.deepEqual([flow.path, flow.kind, flow.key, flow.prefix], [['rules', 2, 'match'], 'value', 'meterCategory', 'Band']);
    const split = ctx(15, lines[15].indexOf('evenly') + 3);
    assert.deepEqual([split.path, split.kind, split.prefix], [['rules', 2, 'split'], 'key', 'eve']);
  });
});

describe('rules language: completion', () => {
  it('offers the keys of a rule that are not there yet, with their documentation', async () => {
    const { text, position } = at(RULES, 10, '    |');
    const labels = rulesCompletion(text, position, parseRules(text), await dataFor(RULES)).map((i) => i.label);
    assert.ok(labels.includes('split'));
    assert.ok(labels.includes('description') || labels.includes('markup'));
    assert.ok(!labels.includes('name') && !labels.includes('match') && !labels.includes('to'), `siblings are not offered again: ${labels}`);
  });

  it('offers the top-level keys at the top level', async () => {
    const { text, position } = at(RULES, 1, 'cur|');
    const items = rulesCompletion(text, position, parseRules(text), await dataFor(RULES));
    const currency = items.find((i) => i.label === 'currency');
    assert.ok(currency, 'currency is offered');
    assert.deepEqual(currency.textEdit, { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } }, newText: 'currency: ' });
  });

  it('offers meter categories harvested from the billing data, with their money', async () => {
    const { text, position } = at(RULES, 16, '    match: { meterCategory: |');
    const items = rulesCompletion(text, position, parseRules(text), await dataFor(RULES));
    assert.deepEqual(items.map((i) => i.label), ['Storage', 'Virtual Machines', 'Bandwidth']);
    assert.equal(items[2].detail, '2 lines · EUR 13.01');
  });

  it('quotes a harvested value when YAML needs it, and not when the user opened a quote', async () => {
    const odd = [...LINES, line({ resourceGroup: '*weird: rg', billed: '1' })];
    const parsed = parseRules(RULES);
    const data: RulesData = { harvest: await harvestLines(odd), result: allocateSync(parsed.model, odd), problems: [], files: [] };
    const plain = at(RULES, 16, '    match: { resourceGroup: |');
    const item = rulesCompletion(plain.text, plain.position, parseRules(plain.text), data).find((i) => i.label === '*weird: rg')!;
    assert.equal((item.textEdit as { newText: string }).newText, '"*weird: rg"');
    const quoted = at(RULES, 16, '    match: { resourceGroup: "|');
    const inQuotes = rulesCompletion(quoted.text, quoted.position, parseRules(quoted.text), data).find((i) => i.label === '*weird: rg')!;
    assert.equal((inQuotes.textEdit as { newText: string }).newText, '*weird: rg');
  });

  it('offers tag keys and then their values from the data', async () => {
    const keys = at(RULES, 16, '    match: { tag: { |');
    assert.deepEqual(rulesCompletion(keys.text, keys.position, parseRules(keys.text), await dataFor(RULES)).map((i) => i.label), ['team']);
    const values = at(RULES, 16, '    match: { tag: { team: |');
    assert.deepEqual(rulesCompletion(values.text, values.position, parseRules(values.text), await dataFor(RULES)).map((i) => i.label).sort(), ['data', 'web']);
  });

  it('offers target ids where a target is named, and enum values where the language has them', async () => {
    const to = at(RULES, 10, '    to: |');
    const labels = rulesCompletion(to.text, to.position, parseRules(to.text), await dataFor(RULES)).map((i) => i.label);
    assert.deepEqual(labels, ['web', 'data', '{ tag: … }']);
    const enumLine = at(RULES.replace('amount: billed\n', ''), 2, 'amount: |');
    assert.deepEqual(rulesCompletion(enumLine.text, enumLine.position, parseRules(enumLine.text)).map((i) => i.label), ['billed', 'retail', 'effective']);
    const split = at(RULES, 16, '    split: { percent: { web: 50, |');
    assert.deepEqual(rulesCompletion(split.text, split.position, parseRules(split.text)).map((i) => i.label), ['data']);
  });

  it('offers data files under data:', async () => {
    const { text, position } = at(RULES, 2, 'data:\n  - |');
    const items = rulesCompletion(text, position, parseRules(text), await dataFor(RULES));
    assert.deepEqual(items.map((i) => i.label), ['./billing/2026-07/*.csv']);
  });
});

describe('rules language: hover, definition, outline, code lens, diagnostics', () => {
  it('hovers a key with its documentation', () => {
    const parsed = parseRules(RULES);
    const hover = rulesHover(RULES, Position.create(15, 6), parsed);
    assert.ok(hover);
    assert.match((hover.contents as { value: string }).value, /^\*\*split\*\*/);
  });

  it('hovers a rule name with the money it takes', async () => {
    const parsed = parseRules(RULES);
    const hover = rulesHover(RULES, Position.create(7, 14), parsed, await dataFor(RULES));
    assert.match((hover!.contents as { value: string }).value, /Takes \*\*1\*\* line worth \*\*EUR 100\.00\*\*/);
  });

  it('hovers a target reference with what the target is charged', async () => {
    const parsed = parseRules(RULES);
    const hover = rulesHover(RULES, Position.create(9, 9), parsed, await dataFor(RULES));
    const text = (hover!.contents as { value: string }).value;
    assert.match(text, /Target `data`\*\* · Data platform/);
    // data: 100.00 (Data subscriptions) + 3.00 (Team tag) + half of 10.01 (Networking: the odd cent goes to web,
    // first in declaration order).
    assert.match(text, /Charged \*\*EUR 108\.00\*\*/);
    assert.match(text, /- Networking: EUR 5\.00/);
  });

  it('goes from a target reference to its declaration', () => {
    const parsed = parseRules(RULES);
    const location = rulesDefinition('file:///r.chargeback.yaml', Position.create(9, 9), parsed);
    assert.deepEqual(location?.range, { start: { line: 5, character: 2 }, end: { line: 5, character: 6 } });
    assert.equal(rulesDefinition('file:///r.chargeback.yaml', Position.create(1, 2), parsed), null);
  });

  it('outlines targets and rules', () => {
    const symbols = rulesSymbols(parseRules(RULES));
    assert.deepEqual(symbols.map((s) => [s.name, s.children?.map((c) => c.name)]), [
      ['targets', ['web', 'data']],
      ['rules', ['Data subscriptions', 'Team tag', 'Networking']],
    ]);
  });

  it('puts each rule amount and line count in a code lens, and they add up to the total', async () => {
    const parsed = parseRules(RULES);
    const data = await dataFor(RULES);
    const lenses = rulesCodeLenses(parsed, data);
    const ruleLenses = lenses.filter((l) => [7, 10, 13].includes(l.range.start.line)).map((l) => l.command!.title);
    assert.deepEqual(ruleLenses, ['EUR 100.00 · 1 line', 'EUR 53.25 · 2 lines', 'EUR 10.01 · 1 line']);
    assert.ok(lenses.some((l) => l.command!.title === 'total EUR 163.26 = 3 rules EUR 163.26 · unallocated EUR 0.00'));
  });

  it('says what a rule takes and what it allocates when amortization moves money, and the lenses add up', async () => {
    const text = RULES.replace('unallocated: web', 'commitments: { amortize: true, unused: web }\nunallocated: web');
    const parsed = parseRules(text);
    const lines = [
      ...LINES,
      // A reservation bought for 30.00 and used by the data subscription's VM.
      line({ sourceKind: 'reconciliation', reservationOrderId: 'ro-1', product: 'Reserved VM Instance', billed: '30.00' }),
      line({ entitlementName: 'contoso-data-prod', meterCategory: 'Virtual Machines', benefitOrderId: 'ro-1', retail: '12.00', billed: '0' }),
    ];
    const result = allocateSync(parsed.model, lines);
    const lenses = rulesCodeLenses(parsed, { harvest: await harvestLines(lines), result, problems: [], files: [] });
    const titles = lenses.map((l) => l.command!.title);
    assert.ok(titles.includes('takes EUR 100.00 · allocates EUR 130.00 (+30.00 amortized) · 2 lines'), titles.join('\n'));
    const total = titles.find((t) => t.startsWith('total '))!;
    assert.equal(total, `total EUR 193.26 = 3 rules EUR 193.26 · unallocated EUR 0.00`);
    const sum = result.rules.reduce((a, r) => a.plus(r.allocated), result.total.times(0));
    assert.equal(sum.toFixed(2), result.total.toFixed(2));
  });

  it('keeps the last good evaluation on screen, marked stale, while the rules have errors', async () => {
    const good = parseRules(RULES);
    const data = await dataFor(RULES);
    const broken = parseRules(RULES.replace('to: data', 'to: dta'));
    assert.equal(broken.hasErrors, true);
    const lenses = rulesCodeLenses(broken, { problems: [], files: [], stale: { parsed: good, result: data.result! } });
    const titles = lenses.map((l) => [l.range.start.line, l.command!.title]);
    assert.ok(titles.some(([line, t]) => line === 7 && t === '$(history) stale · EUR 100.00 · 1 line'), JSON.stringify(titles));
    assert.ok(titles.some(([, t]) => String(t).startsWith('$(history) stale: the rules have errors; last good evaluation · total EUR 163.26')));
    assert.deepEqual(rulesCodeLenses(broken, { problems: [], files: [] }), []);
  });

  it('turns parse problems into diagnostics on the exact range', () => {
    const broken = RULES.replace('to: data', 'to: dta');
    const diagnostics = rulesDiagnostics(parseRules(broken));
    const unknown = diagnostics.find((d) => d.code === 'unknown-target')!;
    assert.deepEqual(unknown.range, { start: { line: 9, character: 8 }, end: { line: 9, character: 11 } });
    assert.match(String(unknown.message), /dta/);
  });
});
