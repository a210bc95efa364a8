// Completion in rules files (src/server/rules/completion.ts), without an LSP connection.
import { strict as assert } from 'node:assert';
import { parseRules } from '../../src/core/allocation/parseRules';
import { harvestLines } from '../../src/core/allocation/harvest';
import { allocateSync } from '../../src/core/allocation/engine';
import { rulesCompletion } from '../../src/server/rules/completion';
import type { RulesData } from '../../src/server/rules/rulesData';
import { line } from '../fixtures/allocation/lines';
import { at, dataFor, LINES, RULES } from '../support/rulesFixtures';

describe('rules language: completion', () => {
  it('offers the keys of a rule that are not there yet, with their documentation', async () => {
    const { text, position } = at(RULES, 10, '    |');
    const labels = rulesCompletion(text, position, parseRules(text), await dataFor(RULES)).map((i) => i.label);
    assert.ok(labels.includes('split'));
    assert.ok(labels.includes('description') || labels.includes('markup'));
    assert.ok(
      !labels.includes('name') && !labels.includes('match') && !labels.includes('to'),
      `siblings are not offered again: ${labels}`,
    );
  });

  it('offers the top-level keys at the top level', async () => {
    const { text, position } = at(RULES, 1, 'cur|');
    const items = rulesCompletion(text, position, parseRules(text), await dataFor(RULES));
    const currency = items.find((i) => i.label === 'currency');
    assert.ok(currency, 'currency is offered');
    assert.deepEqual(currency.textEdit, {
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } },
      newText: 'currency: ',
    });
  });

  it('offers meter categories harvested from the billing data, with their money', async () => {
    const { text, position } = at(RULES, 16, '    match: { meterCategory: |');
    const items = rulesCompletion(text, position, parseRules(text), await dataFor(RULES));
    assert.deepEqual(
      items.map((i) => i.label),
      ['Storage', 'Virtual Machines', 'Bandwidth'],
    );
    assert.equal(items[2].detail, '2 lines · EUR 13.01');
  });

  it('quotes a harvested value when YAML needs it, and not when the user opened a quote', async () => {
    const odd = [...LINES, line({ resourceGroup: '*weird: rg', billed: '1' })];
    const parsed = parseRules(RULES);
    const data: RulesData = {
      harvest: await harvestLines(odd),
      result: allocateSync(parsed.model, odd),
      problems: [],
      files: [],
    };
    const plain = at(RULES, 16, '    match: { resourceGroup: |');
    const item = rulesCompletion(plain.text, plain.position, parseRules(plain.text), data).find(
      (i) => i.label === '*weird: rg',
    )!;
    assert.equal((item.textEdit as { newText: string }).newText, '"*weird: rg"');
    const quoted = at(RULES, 16, '    match: { resourceGroup: "|');
    const inQuotes = rulesCompletion(quoted.text, quoted.position, parseRules(quoted.text), data).find(
      (i) => i.label === '*weird: rg',
    )!;
    assert.equal((inQuotes.textEdit as { newText: string }).newText, '*weird: rg');
  });

  it('offers tag keys and then their values from the data', async () => {
    const keys = at(RULES, 16, '    match: { tag: { |');
    assert.deepEqual(
      rulesCompletion(keys.text, keys.position, parseRules(keys.text), await dataFor(RULES)).map((i) => i.label),
      ['team'],
    );
    const values = at(RULES, 16, '    match: { tag: { team: |');
    assert.deepEqual(
      rulesCompletion(values.text, values.position, parseRules(values.text), await dataFor(RULES))
        .map((i) => i.label)
        .sort(),
      ['data', 'web'],
    );
  });

  it('offers target ids where a target is named, and enum values where the language has them', async () => {
    const to = at(RULES, 10, '    to: |');
    const labels = rulesCompletion(to.text, to.position, parseRules(to.text), await dataFor(RULES)).map((i) => i.label);
    assert.deepEqual(labels, ['web', 'data', '{ tag: … }']);
    const enumLine = at(RULES.replace('amount: billed\n', ''), 2, 'amount: |');
    assert.deepEqual(
      rulesCompletion(enumLine.text, enumLine.position, parseRules(enumLine.text)).map((i) => i.label),
      ['billed', 'retail', 'effective'],
    );
    const split = at(RULES, 16, '    split: { percent: { web: 50, |');
    assert.deepEqual(
      rulesCompletion(split.text, split.position, parseRules(split.text)).map((i) => i.label),
      ['data'],
    );
  });

  it('offers data files under data:', async () => {
    const { text, position } = at(RULES, 2, 'data:\n  - |');
    const items = rulesCompletion(text, position, parseRules(text), await dataFor(RULES));
    assert.deepEqual(
      items.map((i) => i.label),
      ['./billing/2026-07/*.csv'],
    );
  });
});
