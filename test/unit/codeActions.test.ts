/**
 * Quick fixes of rules files: each one applied to the text must leave a file without the problem it fixes.
 */
import { strict as assert } from 'node:assert';
import type { Diagnostic, TextEdit } from 'vscode-languageserver';
import { parseRules } from '../../src/core/allocation/parseRules';
import { rulesCodeActions } from '../../src/server/rules/codeActions';
import { rulesDiagnostics } from '../../src/server/rules/diagnostics';

const URI = 'file:///r.chargeback.yaml';

const RULES = `chargeback: 1
targets:
  web: { name: Web shop }
  data:
    name: Data platform
rules:
  - name: Web
    match: { resourceGroup: rg-web }
    to: wbe
  - name: Shared
    match: { resourceGroup: "rg-shared-*" }
    split: { percent: { web: 60, data: 30 } }
  - name: Ops
    match: { resourceGroup: rg-ops }
    to: ops
    descripton: blue
`;

/** Applies edits (non-overlapping) to a text. */
function apply(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) =>
    lines.slice(0, p.line).reduce((a, l) => a + l.length + 1, 0) + p.character;
  return [...edits]
    .sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

function fixesFor(text: string, code: string): { title: string; fixed: string; diagnostics: Diagnostic[] }[] {
  const parsed = parseRules(text);
  const diagnostics = rulesDiagnostics(parsed).filter((d) => d.code === code);
  assert.ok(diagnostics.length > 0, `a ${code} diagnostic`);
  return rulesCodeActions(URI, parsed, diagnostics).map((a) => {
    const fixed = apply(text, a.edit!.changes![URI]);
    return { title: a.title, fixed, diagnostics: rulesDiagnostics(parseRules(fixed)) };
  });
}

describe('rules language: quick fixes', () => {
  it('takes the did-you-mean of an unknown target', () => {
    const fix = fixesFor(RULES, 'unknown-target').find((f) => f.title === "Change to 'web'")!;
    assert.ok(fix, 'a did-you-mean fix');
    assert.match(fix.fixed, /to: web\n/);
    assert.ok(!fix.diagnostics.some((d) => d.code === 'unknown-target' && /wbe/.test(String(d.message))));
  });

  it('creates an unknown target in the style of the others', () => {
    const fix = fixesFor(RULES, 'unknown-target').find((f) => f.title === "Create target 'ops'")!;
    assert.ok(fix, 'a create-target fix');
    assert.match(fix.fixed, /\n {4}name: Data platform\n {2}ops: \{ name: ops \}\nrules:/);
    assert.ok(!fix.diagnostics.some((d) => d.code === 'unknown-target' && /'ops'/.test(String(d.message))));
    const flow =
      'chargeback: 1\ntargets: { web: {} }\nrules:\n  - name: A\n    match: { customer: "*" }\n    to: ops\n';
    const flowFix = fixesFor(flow, 'unknown-target').find((f) => f.title === "Create target 'ops'")!;
    assert.equal(flowFix.diagnostics.filter((d) => d.severity === 1).length, 0, flowFix.fixed);
  });

  it('makes the percentages of a split add up to 100', () => {
    const [fix] = fixesFor(RULES, 'percent-sum');
    assert.equal(fix.title, 'Make the percentages add up to 100 (data: 40)');
    assert.match(fix.fixed, /percent: \{ web: 60, data: 40 \}/);
    assert.ok(!fix.diagnostics.some((d) => d.code === 'percent-sum'));
  });

  it('takes the did-you-mean of an unknown key', () => {
    const fix = fixesFor(RULES, 'unknown-key').find((f) => f.title.startsWith('Change to'))!;
    assert.ok(fix, 'a did-you-mean fix for descripton');
    assert.ok(!fix.diagnostics.some((d) => d.code === 'unknown-key' && /descripton/.test(String(d.message))));
  });
});
