/**
 * Abusive YAML is refused quickly with a clear message, never a hang or a crash: alias bombs, deep nesting,
 * huge input. And globs cannot be made to backtrack exponentially.
 */
import assert from 'node:assert/strict';
import { compileGlob } from '../../src/core/allocation/glob';
import { parseRules } from '../../src/core/allocation/parseRules';
import { MAX_RULES_TEXT_CHARS } from '../../src/core/allocation/yamlLimits';

describe('rules file: abusive YAML', () => {
  it('refuses an alias bomb ("billion laughs") fast', () => {
    let text = 'chargeback: 1\nx-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let prev = 'a';
    for (let i = 0; i < 12; i++) {
      text += `x-b${i}: &b${i} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
      prev = `b${i}`;
    }
    // Expanded, this document would hold 9^13 strings: it can only end within the runner's hang guard if the
    // parser refuses it before expanding.
    const value = parseRules(text);
    const p = value.problems.find((x) => x.code === 'too-many-aliases');
    assert.ok(p, JSON.stringify(value.problems));
    assert.equal(p.severity, 'error');
    assert.match(p.message, /alias/);
  });

  it('refuses aliases expanded through the rules themselves', () => {
    let text = 'chargeback: 1\ntargets: { web: {} }\nx-m: &m { region: x }\nrules:\n';
    for (let i = 0; i < 150; i++) text += `  - { name: r${i}, match: *m, to: web }\n`;
    const value = parseRules(text);
    assert.ok(value.problems.some((x) => x.code === 'too-many-aliases'));
  });

  it('accepts a few aliases (anchors are a fair way to share a match)', () => {
    const text =
      'chargeback: 1\ntargets: { web: {}, data: {} }\nx-shared: &shared { resourceGroup: "rg-shared-*" }\nrules:\n  - name: a\n    match: *shared\n    to: web\n';
    assert.deepEqual(parseRules(text).problems, []);
  });

  it('refuses deeply nested flow collections without handing them to the YAML parser', () => {
    const text = 'chargeback: 1\nx-deep: ' + '['.repeat(300_000) + ']'.repeat(300_000) + '\n';
    // Expanded, this document would hold 9^13 strings: it can only end within the runner's hang guard if the
    // parser refuses it before expanding.
    const value = parseRules(text);
    assert.equal(value.problems[0].code, 'too-deep');
    assert.deepEqual(value.problems[0].range.start, { line: 1, character: 8 + 63 });
  });

  it('refuses deeply nested block collections', () => {
    const text =
      'chargeback: 1\nx-deep:\n' +
      Array.from({ length: 200 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n') +
      '\n';
    assert.equal(parseRules(text).problems[0].code, 'too-deep');
    assert.equal(parseRules('chargeback: 1\nx-list:\n' + '- '.repeat(100) + 'x\n').problems[0].code, 'too-deep');
  });

  it('is not fooled by brackets inside quotes and comments', () => {
    const text =
      'chargeback: 1\nname: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\nx-note: |\n  [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n';
    assert.deepEqual(parseRules(text).problems, []);
  });

  it('refuses very large input with a clear message', () => {
    const text = 'chargeback: 1\n# ' + 'x'.repeat(MAX_RULES_TEXT_CHARS) + '\n';
    const value = parseRules(text);
    assert.equal(value.problems.length, 1, 'refused before anything is parsed');
    assert.equal(value.problems[0].code, 'too-large');
    assert.match(value.problems[0].message, /at most/);
  });
});

describe('globs', () => {
  it('matches * and ? case-insensitively over the whole value', () => {
    const g = compileGlob('rg-*-p?od');
    assert.equal(g.matches('RG-web-PROD'), true);
    assert.equal(g.matches('rg-web-prod-2'), false);
    assert.equal(compileGlob('*').matches(''), true);
    assert.equal(compileGlob('').matches(''), true);
    assert.equal(compileGlob('').matches('x'), false);
    assert.equal(compileGlob('a\\*b').matches('a*b'), true);
    assert.equal(compileGlob('a\\*b').matches('axb'), false);
  });

  it('cannot be made to backtrack exponentially', () => {
    const g = compileGlob('*a*a*a*a*a*a*a*a*a*a*a*a*b');
    // Backtracking would try about 5000^12 ways: only a linear matcher ends within the runner's hang guard.
    assert.equal(g.matches('a'.repeat(5000)), false);
  });
});
