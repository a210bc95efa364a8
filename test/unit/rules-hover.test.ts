// Hover in rules files (src/server/rules/hover.ts), without an LSP connection.
import { strict as assert } from 'node:assert';
import { Position } from 'vscode-languageserver';
import { parseRules } from '../../src/core/allocation/parseRules';
import { rulesHover } from '../../src/server/rules/hover';
import { dataFor, RULES } from '../support/rulesFixtures';

describe('rules language: hover', () => {
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
});
