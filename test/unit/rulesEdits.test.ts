/**
 * The visual editor's edits of a rules file: each one changes only the text that says it (comments, alignment,
 * quoting and key order elsewhere survive byte for byte), the result parses to what was asked, and an edit that
 * cannot be made leaves the text alone with a reason.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRules } from '../../src/core/allocation/parseRules';
import { applySplices, planRulesEdit, scalarText, type RulesEdit } from '../../src/core/allocation/rulesEdits';

const SAMPLE = readFileSync(join(__dirname, '../../../samples/contoso.chargeback.yaml'), 'utf8');

const BLOCK = `# Team chargeback
chargeback: 1
targets:
  web:  { name: Web shop }     # aligned on purpose
  data:
    name: Data platform
    costCenter: CC-2
rules:
  # VMs go to web
  - name: Virtual machines
    match:
      meterCategory: Virtual Machines
    to: web
  - name: Shared
    match: { resourceGroup: rg-shared }
    split:
      percent:
        web: 70
        data: 30
  - name: Rest
    match: { customer: "*" }
    to: data
unallocated: web   # leftovers
`;

function edit(text: string, e: RulesEdit): string {
  const outcome = planRulesEdit(text, e);
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  return applySplices(text, outcome.splices);
}

/** The lines that differ, as [before, after] (common head and tail removed). */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

function valid(text: string) {
  const parsed = parseRules(text);
  assert.deepEqual(
    parsed.problems.filter((p) => p.severity === 'error').map((p) => p.message),
    [],
  );
  return parsed.model;
}

describe('rules edits from the visual editor', () => {
  it('edits a percentage in place: one number on one line changes, the comments stay', () => {
    const rule = parseRules(SAMPLE).model.rules.findIndex((r) => r.split?.method === 'percent');
    const after = edit(SAMPLE, { kind: 'setPercent', rule, target: 'web', percent: '55' });
    const diff = changedLines(SAMPLE, after);
    assert.deepEqual(diff.removed, ['    split: { percent: { web: 60, data: 40 } }']);
    assert.deepEqual(diff.added, ['    split: { percent: { web: 55, data: 40 } }']);
    assert.equal(after.split('#').length, SAMPLE.split('#').length);
    // Now 55 + 40: the parser says so, on the percent map.
    assert.ok(parseRules(after).problems.some((p) => p.code === 'percent-sum'));
  });

  it('edits a percentage of a block-style split, and adds a share that is missing', () => {
    const after = edit(BLOCK, { kind: 'setPercent', rule: 1, target: 'data', percent: '30.5' });
    assert.deepEqual(changedLines(BLOCK, after), { removed: ['        data: 30'], added: ['        data: 30.5'] });
    const two = edit(BLOCK, { kind: 'setPercent', rule: 1, target: 'web', percent: '100' });
    assert.match(two, /web: 100\n {8}data: 30/);
  });

  it('refuses a percentage that is not one, and leaves the text alone', () => {
    for (const percent of ['abc', '-5', '101', '1e2', '']) {
      const outcome = planRulesEdit(BLOCK, { kind: 'setPercent', rule: 1, target: 'web', percent });
      assert.equal(outcome.ok, false, percent);
    }
    assert.equal(planRulesEdit(BLOCK, { kind: 'setPercent', rule: 0, target: 'web', percent: '5' }).ok, false);
  });

  it('switches the split method, keeping the targets, and percentages add up to 100', () => {
    const model = parseRules(SAMPLE).model;
    const rule = model.rules.findIndex((r) => r.name === 'Personal sandboxes');
    const after = edit(SAMPLE, { kind: 'setSplitMethod', rule, method: 'percent' });
    assert.deepEqual(changedLines(SAMPLE, after).added, ['    split: { percent: { web: 50, data: 50 } }']);
    valid(after);
    const three = edit(
      BLOCK.replace('web: 70\n        data: 30', 'web: 70\n        data: 30').replace(
        'percent:\n        web: 70\n        data: 30',
        'evenly: [web, data, web2]',
      ),
      { kind: 'setSplitMethod', rule: 1, method: 'percent' },
    );
    assert.match(three, /percent: \{ web: 33\.34, data: 33\.33, web2: 33\.33 \}/);
  });

  it('drops `basis:` when a proportional split becomes an even one, and adds it back the other way', () => {
    const rule = parseRules(SAMPLE).model.rules.findIndex((r) => r.name === 'Shared networking');
    const even = edit(SAMPLE, { kind: 'setSplitMethod', rule, method: 'evenly' });
    assert.deepEqual(changedLines(SAMPLE, even).added, ['    split: { evenly: [web, data] }']);
    valid(even);
    const back = edit(even, { kind: 'setSplitMethod', rule, method: 'proportional' });
    assert.deepEqual(changedLines(SAMPLE, back).added, ['    split: { proportional: [web, data], basis: direct }']);
    valid(back);
    const block = edit(BLOCK, { kind: 'setSplitMethod', rule: 1, method: 'evenly' });
    assert.match(block, /split:\n {6}evenly: \[web, data\]\n {2}- name: Rest/);
    valid(block);
  });

  it('turns `to:` into a split and back', () => {
    const split = edit(BLOCK, { kind: 'setSplitMethod', rule: 0, method: 'evenly' });
    assert.deepEqual(changedLines(BLOCK, split), {
      removed: ['    to: web'],
      added: ['    split: { evenly: [web, data] }'],
    });
    const to = edit(BLOCK, { kind: 'setTo', rule: 1, target: 'data' });
    assert.match(to, /match: \{ resourceGroup: rg-shared \}\n {4}to: data\n {2}- name: Rest/);
    valid(to);
    assert.equal(planRulesEdit(BLOCK, { kind: 'setTo', rule: 0, target: 'nobody' }).ok, false);
  });

  it('changes a match pattern in flow and block maps, quoting what must be quoted, and adds a condition', () => {
    const a = edit(BLOCK, { kind: 'setMatch', rule: 0, field: 'meterCategory', pattern: 'Storage' });
    assert.deepEqual(changedLines(BLOCK, a), {
      removed: ['      meterCategory: Virtual Machines'],
      added: ['      meterCategory: Storage'],
    });
    const b = edit(BLOCK, { kind: 'setMatch', rule: 1, field: 'resourceGroup', pattern: '*-shared' });
    assert.deepEqual(changedLines(BLOCK, b).added, ['    match: { resourceGroup: "*-shared" }']);
    assert.equal(parseRules(b).model.rules[1].match!.conditions[0].kind, 'field');
    const c = edit(BLOCK, { kind: 'setMatch', rule: 1, field: 'region', pattern: 'westeurope' });
    assert.deepEqual(changedLines(BLOCK, c).added, ['    match: { resourceGroup: rg-shared, region: westeurope }']);
    const d = edit(BLOCK, { kind: 'setMatch', rule: 0, field: 'region', pattern: 'a, b: {c}' });
    assert.match(d, /meterCategory: Virtual Machines\n {6}region: "a, b: \{c\}"\n/);
    const model = valid(d);
    const region = model.rules[0].match!.conditions.find((x) => x.kind === 'field' && x.field === 'region');
    assert.equal(region && region.kind === 'field' ? region.globs[0].value : '', 'a, b: {c}');
  });

  it('adds a rule at the end, in the style of the others (blank lines between rules in the sample)', () => {
    const after = edit(SAMPLE, {
      kind: 'addRule',
      name: 'Backups',
      field: 'meterCategory',
      pattern: 'Backup',
      to: 'platform',
    });
    assert.deepEqual(changedLines(SAMPLE, after).removed, []);
    assert.equal(
      after.length,
      SAMPLE.length + '\n  - name: Backups\n    match: { meterCategory: Backup }\n    to: platform\n'.length,
    );
    assert.match(
      after,
      /evenly: \[web, data\] \}\n\n {2}- name: Backups\n {4}match: \{ meterCategory: Backup \}\n {4}to: platform\n\nunallocated/,
    );
    const model = valid(after);
    assert.equal(model.rules[model.rules.length - 1].name, 'Backups');
    const tight = edit(BLOCK, {
      kind: 'addRule',
      name: 'Disks: premium',
      field: 'meterSubCategory',
      pattern: '*SSD*',
      to: 'web',
    });
    assert.match(
      tight,
      /to: data\n {2}- name: "Disks: premium"\n {4}match: \{ meterSubCategory: "\*SSD\*" \}\n {4}to: web\nunallocated/,
    );
    valid(tight);
  });

  it('deletes a rule with the comment above it, keeping the spacing of the rest', () => {
    const after = edit(BLOCK, { kind: 'deleteRule', index: 0 });
    assert.deepEqual(changedLines(BLOCK, after).removed, [
      '  # VMs go to web',
      '  - name: Virtual machines',
      '    match:',
      '      meterCategory: Virtual Machines',
      '    to: web',
    ]);
    assert.deepEqual(
      valid(after).rules.map((r) => r.name),
      ['Shared', 'Rest'],
    );
    const n = parseRules(SAMPLE).model.rules.length;
    const sample = edit(SAMPLE, { kind: 'deleteRule', index: 2 });
    assert.equal(valid(sample).rules.length, n - 1);
    assert.ok(!/\n\n\n/.test(sample), 'no double blank line left behind');
    const last = edit(SAMPLE, { kind: 'deleteRule', index: n - 1 });
    assert.ok(!/\n\n\nunallocated/.test(last) && /\n\nunallocated/.test(last), last.slice(-400));
  });

  it('moves a rule: the blocks change places, the blank lines between them stay put', () => {
    const after = edit(BLOCK, { kind: 'moveRule', from: 2, to: 0 });
    assert.deepEqual(
      valid(after).rules.map((r) => r.name),
      ['Rest', 'Virtual machines', 'Shared'],
    );
    assert.match(
      after,
      /rules:\n {2}- name: Rest\n {4}match: \{ customer: "\*" \}\n {4}to: data\n {2}# VMs go to web\n/,
    );
    const sample = edit(SAMPLE, { kind: 'moveRule', from: 0, to: 1 });
    const names = parseRules(SAMPLE).model.rules.map((r) => r.name);
    assert.deepEqual(
      valid(sample).rules.map((r) => r.name),
      [names[1], names[0], ...names.slice(2)],
    );
    assert.equal(sample.length, SAMPLE.length);
    assert.equal(edit(sample, { kind: 'moveRule', from: 1, to: 0 }), SAMPLE);
  });

  it('adds a target after the others, and refuses a duplicate or an unusable id', () => {
    const after = edit(SAMPLE, { kind: 'addTarget', id: 'marketing', name: 'Marketing' });
    const diff = changedLines(SAMPLE, after);
    assert.deepEqual(diff, { removed: [], added: ['  marketing: { name: Marketing }'] });
    assert.ok(valid(after).targets.some((t) => t.id === 'marketing'));
    const block = edit(BLOCK, { kind: 'addTarget', id: 'ops', name: '' });
    assert.match(block, /costCenter: CC-2\n {2}ops: \{\}\nrules:/);
    assert.equal(planRulesEdit(SAMPLE, { kind: 'addTarget', id: 'WEB', name: '' }).ok, false);
    assert.equal(planRulesEdit(SAMPLE, { kind: 'addTarget', id: 'a b', name: '' }).ok, false);
  });

  it('renames a target everywhere it is named, and nowhere else', () => {
    const after = edit(SAMPLE, { kind: 'renameTarget', from: 'platform', to: 'infra' });
    assert.ok(!/\bplatform:|: platform\b|\[platform|platform\]/.test(after.replace(/#.*$/gm, '')));
    const model = valid(after);
    assert.equal(model.unallocated?.value, 'infra');
    assert.equal(model.commitments?.unused?.value, 'infra');
    // Comments and names that merely contain the word are not references.
    assert.match(after, /name: Platform team/);
    assert.match(after, /unused: infra\n/);
    const web = edit(SAMPLE, { kind: 'renameTarget', from: 'web', to: 'shop' });
    const m = valid(web);
    assert.deepEqual(
      m.rules.filter((r) => r.split).map((r) => r.split!.shares.map((s) => s.target.value)),
      [
        ['shop', 'data'],
        ['shop', 'data'],
        ['shop', 'data'],
        ['shop', 'data'],
      ],
    );
    assert.equal(
      web.length,
      SAMPLE.length + (parseRules(SAMPLE).model.targetReferences.filter((r) => r.id === 'web').length + 1),
    );
    assert.equal(planRulesEdit(SAMPLE, { kind: 'renameTarget', from: 'web', to: 'data' }).ok, false);
  });

  it('sets, changes and removes `unallocated:`', () => {
    const changed = edit(BLOCK, { kind: 'setUnallocated', target: 'data' });
    assert.deepEqual(changedLines(BLOCK, changed), {
      removed: ['unallocated: web   # leftovers'],
      added: ['unallocated: data   # leftovers'],
    });
    const removed = edit(BLOCK, { kind: 'setUnallocated', target: null });
    assert.equal(valid(removed).unallocated, undefined);
    assert.ok(removed.endsWith('    to: data\n'));
    const added = edit(removed, { kind: 'setUnallocated', target: 'web' });
    assert.equal(added, removed + 'unallocated: web\n');
  });

  it('refuses to edit text that is not valid YAML', () => {
    const outcome = planRulesEdit('rules: [\n', { kind: 'setUnallocated', target: 'web' });
    assert.equal(outcome.ok, false);
  });

  it('writes scalars plain only when YAML reads them back as the same string', () => {
    assert.equal(scalarText('Virtual Machines'), 'Virtual Machines');
    assert.equal(scalarText('*'), '"*"');
    assert.equal(scalarText('true'), '"true"');
    assert.equal(scalarText('6420'), '"6420"');
    assert.equal(scalarText('a: b'), '"a: b"');
    assert.equal(scalarText('x # y'), '"x # y"');
    assert.equal(scalarText('Süd "GmbH"'), '"Süd \\"GmbH\\""');
  });
});
