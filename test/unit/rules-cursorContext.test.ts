// Where the cursor is in a rules file (path, key or value), which completion and hover build on.
import { strict as assert } from 'node:assert';
import { cursorContext } from '../../src/server/rules/cursorContext';
import { RULES } from '../support/rulesFixtures';

describe('rules language: cursor context', () => {
  it('knows the path and whether a key or a value is typed, in block and flow style', () => {
    const lines = RULES.split('\n');
    const ctx = (l: number, c: number) => cursorContext(RULES, l, c);
    assert.deepEqual(ctx(9, lines[9].length), {
      path: ['rules', 0],
      kind: 'value',
      key: 'to',
      prefix: 'data',
      prefixStart: 8,
      siblings: [],
    });
    const flow = ctx(14, lines[14].indexOf('Bandwidth') + 4);
    assert.deepEqual(
      [flow.path, flow.kind, flow.key, flow.prefix],
      [['rules', 2, 'match'], 'value', 'meterCategory', 'Band'],
    );
    const split = ctx(15, lines[15].indexOf('evenly') + 3);
    assert.deepEqual([split.path, split.kind, split.prefix], [['rules', 2, 'split'], 'key', 'eve']);
  });
});
