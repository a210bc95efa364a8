// Code lenses of rules files (src/server/rules/codeLens.ts), without an LSP connection.
import { strict as assert } from 'node:assert';
import { parseRules } from '../../src/core/allocation/parseRules';
import { rulesCodeLenses } from '../../src/server/rules/codeLens';
import { dataFor, RULES } from '../support/rulesFixtures';

describe('rules language: code lens', () => {
  it('puts each rule amount and line count in a code lens, and they add up to the total', async () => {
    const parsed = parseRules(RULES);
    const data = await dataFor(RULES);
    const lenses = rulesCodeLenses(parsed, data);
    const ruleLenses = lenses.filter((l) => [7, 10, 13].includes(l.range.start.line)).map((l) => l.command!.title);
    assert.deepEqual(ruleLenses, ['EUR 100.00 · 1 line', 'EUR 53.25 · 2 lines', 'EUR 10.01 · 1 line']);
    assert.ok(lenses.some((l) => l.command!.title === 'total EUR 163.26 · unallocated EUR 0.00'));
  });
});
