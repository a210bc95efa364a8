// Go to definition and the outline of rules files (src/server/rules/definition.ts, symbols.ts).
import { strict as assert } from 'node:assert';
import { Position } from 'vscode-languageserver';
import { parseRules } from '../../src/core/allocation/parseRules';
import { rulesDefinition } from '../../src/server/rules/definition';
import { rulesSymbols } from '../../src/server/rules/symbols';
import { RULES } from '../support/rulesFixtures';

describe('rules language: definition and outline', () => {
  it('goes from a target reference to its declaration', () => {
    const parsed = parseRules(RULES);
    const location = rulesDefinition('file:///r.chargeback.yaml', Position.create(9, 9), parsed);
    assert.deepEqual(location?.range, { start: { line: 5, character: 2 }, end: { line: 5, character: 6 } });
    assert.equal(rulesDefinition('file:///r.chargeback.yaml', Position.create(1, 2), parsed), null);
  });

  it('outlines targets and rules', () => {
    const symbols = rulesSymbols(parseRules(RULES));
    assert.deepEqual(
      symbols.map((s) => [s.name, s.children?.map((c) => c.name)]),
      [
        ['targets', ['web', 'data']],
        ['rules', ['Data subscriptions', 'Team tag', 'Networking']],
      ],
    );
  });
});
