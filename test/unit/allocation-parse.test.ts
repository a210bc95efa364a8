/**
 * The rules file reader: every construct of the language becomes the typed model, and every mistake a problem
 * with the exact range of the key or value it is about.
 */
import assert from 'node:assert/strict';
import { parseRules } from '../../src/core/allocation/parseRules';
import type { Problem } from '../../src/core/allocation/problems';
import { yaml } from '../fixtures/allocation/lines';

/** "line:char-line:char" of a problem, 0-based, to compare ranges compactly. */
function at(p: Problem): string {
  return `${p.range.start.line}:${p.range.start.character}-${p.range.end.line}:${p.range.end.character}`;
}

function problemsOf(text: string): Problem[] {
  return parseRules(text).problems;
}

function only(text: string, code: string): Problem {
  const found = problemsOf(text).filter((p) => p.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(problemsOf(text), null, 1)}`);
  return found[0];
}

const HEADER = 'chargeback: 1\ntargets:\n  web: { name: Web shop, costCenter: CC-1001, account: "6420" }\n  data: {}\n';

describe('rules file: reading the spec example', () => {
  const example = yaml`
    chargeback: 1                      # language version (required)
    name: Contoso - July 2026
    data:
      - ./billing/2026-07/*.csv
    amount: billed
    currency: EUR
    targets:
      web:      { name: Web shop, costCenter: CC-1001, account: "6420" }
      data:     { name: Data platform, costCenter: CC-1002 }
      platform: { name: Platform team, costCenter: CC-1003 }
    rules:
      - name: Data subscriptions
        match: { entitlementName: "*-data*" }
        to: data
      - name: Team tag
        match: { tag: { team: "*" } }
        to: { tag: team }
      - name: Shared networking
        match: { meterCategory: [Bandwidth, Virtual Network] }
        split: { evenly: [web, data] }
      - name: Shared monitoring
        match: { resourceGroup: "rg-shared-*" }
        split: { percent: { web: 60, data: 40 } }
      - name: Shared platform
        match: { resourceGroup: rg-platform }
        split: { proportional: [web, data, platform], basis: direct }
    unallocated: platform
  `;

  it('reads the example of the spec without any problem', () => {
    const { model, problems, hasErrors } = parseRules(example);
    assert.deepEqual(problems, []);
    assert.equal(hasErrors, false);
    assert.equal(model.valid, true);
    assert.equal(model.version?.value, 1);
    assert.equal(model.name?.value, 'Contoso - July 2026');
    assert.deepEqual(
      model.data.map((d) => d.value),
      ['./billing/2026-07/*.csv'],
    );
    assert.equal(model.amount, 'billed');
    assert.equal(model.currency?.value, 'EUR');
    assert.deepEqual(
      model.targets.map((t) => [t.id, t.name?.value, t.costCenter?.value, t.account?.value]),
      [
        ['web', 'Web shop', 'CC-1001', '6420'],
        ['data', 'Data platform', 'CC-1002', undefined],
        ['platform', 'Platform team', 'CC-1003', undefined],
      ],
    );
    assert.deepEqual(
      model.rules.map((r) => r.name),
      ['Data subscriptions', 'Team tag', 'Shared networking', 'Shared monitoring', 'Shared platform'],
    );
    assert.equal(model.unallocated?.value, 'platform');
  });

  it('keeps the range of every key and value (0-based line and character)', () => {
    const { model } = parseRules(example);
    const web = model.targets[0];
    assert.deepEqual(web.idRange, { start: { line: 7, character: 2 }, end: { line: 7, character: 5 } });
    assert.deepEqual(web.account?.range, { start: { line: 7, character: 60 }, end: { line: 7, character: 66 } });
    const rule = model.rules[0];
    assert.deepEqual(rule.nameRange, { start: { line: 11, character: 10 }, end: { line: 11, character: 28 } });
    const cond = rule.match!.conditions[0];
    assert.equal(cond.kind, 'field');
    if (cond.kind === 'field') {
      assert.equal(cond.field, 'entitlementName');
      assert.deepEqual(cond.globs[0].range, { start: { line: 12, character: 30 }, end: { line: 12, character: 39 } });
    }
    assert.equal(rule.to?.kind, 'target');
    assert.deepEqual(model.keyRanges['rules'], { start: { line: 10, character: 0 }, end: { line: 10, character: 5 } });
  });

  it('reads `to: { tag: team }` as a destination by tag', () => {
    const to = parseRules(example).model.rules[1].to;
    assert.equal(to?.kind, 'tag');
    if (to?.kind === 'tag') assert.equal(to.tagKey.value, 'team');
  });

  it('reads evenly, percent and proportional splits with their basis', () => {
    const [, , evenly, percent, proportional] = parseRules(example).model.rules;
    assert.equal(evenly.split?.method, 'evenly');
    assert.deepEqual(
      evenly.split?.shares.map((s) => s.target.value),
      ['web', 'data'],
    );
    assert.equal(percent.split?.method, 'percent');
    assert.deepEqual(
      percent.split?.shares.map((s) => [s.target.value, s.percent?.value.toFixed()]),
      [
        ['web', '60'],
        ['data', '40'],
      ],
    );
    assert.equal(proportional.split?.basis?.value, 'direct');
  });

  it('lists every target reference for go to definition', () => {
    const refs = parseRules(example).model.targetReferences.map((r) => `${r.context}:${r.id}`);
    assert.deepEqual(refs, [
      'to:data',
      'split:web',
      'split:data',
      'split:web',
      'split:data',
      'split:web',
      'split:data',
      'split:platform',
      'unallocated:platform',
    ]);
  });
});

describe('rules file: problems', () => {
  it('reports a YAML syntax error at the position yaml reports', () => {
    const p = problemsOf('chargeback: 1\nrules:\n  - name: x\n    match: { a: [b, c }\n').filter(
      (x) => x.code === 'yaml-syntax',
    );
    assert.ok(p.length >= 1);
    assert.equal(p[0].range.start.line, 3);
    assert.equal(p[0].severity, 'error');
    assert.ok(!/at line/.test(p[0].message), 'the position is in the range, not repeated in the message');
  });

  it('requires the language version `chargeback: 1`', () => {
    const p = only('targets: {}\n', 'version-missing');
    assert.equal(at(p), '0:0-0:11');
    assert.equal(p.severity, 'error');
    assert.equal(only('', 'version-missing').severity, 'error');
  });

  it('refuses an unsupported version on its value', () => {
    const p = only('chargeback: 2\n', 'version-unsupported');
    assert.equal(at(p), '0:12-0:13');
    assert.match(p.message, /version 1/);
  });

  it('names the allowed keys of an unknown key, with a did-you-mean when close', () => {
    const p = only('chargeback: 1\namout: billed\n', 'unknown-key');
    assert.equal(at(p), '1:0-1:5');
    assert.match(p.message, /Did you mean 'amount'\?/);
    assert.match(p.message, /Allowed: chargeback, name, data, amount, currency/);
    const far = only('chargeback: 1\nfoo: 1\n', 'unknown-key');
    assert.doesNotMatch(far.message, /Did you mean/);
  });

  it('checks keys inside targets, rules, match and split', () => {
    const text = HEADER + 'rules:\n  - name: r\n    mtch: {}\n    to: web\n';
    const p = problemsOf(text).find((x) => x.code === 'unknown-key')!;
    assert.equal(at(p), '6:4-6:8');
    assert.match(p.message, /Did you mean 'match'/);
    const m = only(HEADER + 'rules:\n  - name: r\n    match: { meterCategori: x }\n    to: web\n', 'unknown-key');
    assert.match(m.message, /Did you mean 'meterCategory'/);
    const t = only('chargeback: 1\ntargets:\n  web: { costCentre: x }\n', 'unknown-key');
    assert.match(t.message, /Did you mean 'costCenter'/);
  });

  it('accepts keys starting with x- as user extensions', () => {
    assert.deepEqual(problemsOf('chargeback: 1\nx-defaults: &d { a: 1 }\ntargets:\n  web: {}\n'), []);
  });

  it('reports wrong types on the value', () => {
    const p = only(HEADER + 'rules:\n  - name: r\n    match: [a]\n    to: web\n', 'wrong-type');
    assert.equal(at(p), '6:11-6:14');
    assert.match(p.message, /must be a map/);
    const q = only(HEADER + 'rules: { a: 1 }\n', 'wrong-type');
    assert.match(q.message, /list of rules/);
  });

  it('reports a target id that no target declares, with a did-you-mean', () => {
    const p = only(HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    to: webb\n', 'unknown-target');
    assert.equal(at(p), '7:8-7:12');
    assert.match(p.message, /Unknown target 'webb'\. Did you mean 'web'\?/);
  });

  it('checks target ids in split and unallocated too', () => {
    const p = problemsOf(
      HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    split: { evenly: [web, nope] }\nunallocated: gone\n',
    );
    assert.deepEqual(p.filter((x) => x.code === 'unknown-target').map(at), ['7:27-7:31', '8:13-8:17']);
  });

  it('resolves target references case-insensitively, as tag values are', () => {
    assert.deepEqual(problemsOf(HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    to: WEB\n'), []);
  });

  it('refuses two targets whose ids differ only in case', () => {
    const p = only('chargeback: 1\ntargets:\n  web: {}\n  Web: {}\n', 'duplicate-target');
    assert.equal(at(p), '3:2-3:5');
  });

  it('reports percentages that do not sum to 100 on the percent map', () => {
    const p = only(
      HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    split: { percent: { web: 60, data: 30 } }\n',
      'percent-sum',
    );
    assert.equal(at(p), '7:22-7:43');
    assert.match(p.message, /add up to 90, not 100/);
  });

  it('adds percentages exactly (33.33 + 33.33 + 33.34 is 100)', () => {
    const text =
      'chargeback: 1\ntargets: { a: {}, b: {}, c: {} }\nrules:\n  - name: r\n    match: { region: x }\n    split: { percent: { a: 33.33, b: 33.33, c: 33.34 } }\n';
    assert.deepEqual(problemsOf(text), []);
  });

  it('refuses a negative percentage', () => {
    only(
      HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    split: { percent: { web: 110, data: -10 } }\n',
      'percent-negative',
    );
  });

  it('refuses duplicate rule names on the second name', () => {
    const p = only(
      HEADER +
        'rules:\n  - name: Shared\n    match: { region: x }\n    to: web\n  - name: shared\n    match: { region: y }\n    to: web\n',
      'duplicate-rule-name',
    );
    assert.equal(at(p), '8:10-8:16');
    assert.match(p.message, /rule 1/);
  });

  it('warns that an empty match takes every remaining line', () => {
    const p = only(HEADER + 'rules:\n  - name: r\n    match: {}\n    to: web\n', 'empty-match');
    assert.equal(p.severity, 'warning');
    assert.equal(at(p), '6:11-6:13');
  });

  it('requires a match', () => {
    const p = only(HEADER + 'rules:\n  - name: r\n    to: web\n', 'missing-key');
    assert.match(p.message, /needs `match:`/);
  });

  it('refuses a rule with both to and split', () => {
    const p = only(
      HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    to: web\n    split: { evenly: [web, data] }\n',
      'to-and-split',
    );
    assert.equal(at(p), '8:4-8:9');
  });

  it('refuses a rule with neither to nor split, on its name', () => {
    const p = only(HEADER + 'rules:\n  - name: r\n    match: { region: x }\n', 'no-destination');
    assert.equal(at(p), '5:10-5:11');
  });

  it('refuses invalid globs on the glob', () => {
    const p = only(
      HEADER + 'rules:\n  - name: r\n    match: { resourceGroup: "rg-\\\\" }\n    to: web\n',
      'invalid-glob',
    );
    assert.equal(at(p), '6:28-6:35');
  });

  it('refuses an empty glob list (it would match nothing)', () => {
    only(HEADER + 'rules:\n  - name: r\n    match: { meterCategory: [] }\n    to: web\n', 'empty-glob-list');
  });

  it('accepts only billed, retail or effective as amount', () => {
    const p = only('chargeback: 1\namount: listed\n', 'invalid-enum');
    assert.equal(at(p), '1:8-1:14');
    assert.match(p.message, /Allowed: billed, retail, effective/);
    for (const a of ['billed', 'retail', 'effective'])
      assert.equal(parseRules(`chargeback: 1\namount: ${a}\n`).model.amount, a);
  });

  it('accepts only direct, compute, storage or network as basis, with a did-you-mean', () => {
    const p = only(
      HEADER +
        'rules:\n  - name: r\n    match: { region: x }\n    split: { proportional: [web, data], basis: compte }\n',
      'invalid-enum',
    );
    assert.match(p.message, /Did you mean 'compute'\?/);
    assert.match(p.message, /Allowed: direct, compute, storage, network/);
  });

  it('refuses basis on a split that is not proportional', () => {
    only(
      HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    split: { evenly: [web, data], basis: direct }\n',
      'basis-without-proportional',
    );
  });

  it('refuses a split with no method or with two', () => {
    only(HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    split: {}\n', 'split-method');
    only(
      HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    split: { evenly: [web], proportional: [data] }\n',
      'split-method',
    );
  });

  it('refuses a target listed twice in one split', () => {
    only(
      HEADER + 'rules:\n  - name: r\n    match: { region: x }\n    split: { evenly: [web, Web] }\n',
      'duplicate-reference',
    );
  });

  it('reads numbers as written where text is expected (account 0420 stays "0420")', () => {
    const { model } = parseRules('chargeback: 1\ntargets:\n  web: { account: 0420, costCenter: 1001 }\n');
    assert.equal(model.targets[0].account?.value, '0420');
    assert.equal(model.targets[0].costCenter?.value, '1001');
  });

  it('reads invoicing: as the customer invoicing section, whose keys are checked like the others', () => {
    const p = only('chargeback: 1\ninvoicing: { perSubscription: true }\n', 'unknown-key');
    assert.equal(p.severity, 'error');
    assert.equal(
      parseRules('chargeback: 1\ninvoicing: { grouping: per-subscription }\n').model.invoicing?.grouping?.value,
      'per-subscription',
    );
  });

  it('warns about a rule without a name and calls it Rule <n>', () => {
    const { model, problems } = parseRules(HEADER + 'rules:\n  - match: { region: x }\n    to: web\n');
    assert.equal(model.rules[0].name, 'Rule 1');
    assert.equal(problems[0].code, 'rule-without-name');
    assert.equal(problems[0].severity, 'warning');
  });

  it('refuses merge keys, which YAML 1.2 does not have', () => {
    only('chargeback: 1\n<<: { name: x }\n', 'merge-key');
  });
});

describe('rules file: beyond the v1 core', () => {
  it('reads markups on targets and rules', () => {
    const { model, problems } = parseRules(
      'chargeback: 1\ntargets:\n  web: { markup: 5 }\nrules:\n  - name: r\n    match: { region: x }\n    to: web\n    markup: 2.5\n',
    );
    assert.deepEqual(problems, []);
    assert.equal(model.targets[0].markup?.value.toFixed(), '5');
    assert.equal(model.rules[0].markup?.value.toFixed(), '2.5');
  });

  it('reads pec: passThrough and pec: { mode: keep, to: target }', () => {
    assert.equal(parseRules('chargeback: 1\npec: passThrough\n').model.pec?.mode.value, 'passThrough');
    const keep = parseRules('chargeback: 1\ntargets: { csp: {} }\npec: { mode: keep, to: csp }\n');
    assert.deepEqual(keep.problems, []);
    assert.equal(keep.model.pec?.to?.value, 'csp');
  });

  it('requires a target for pec mode keep', () => {
    only('chargeback: 1\npec: keep\n', 'missing-key');
  });

  it('reads commitments: amortize and unused target', () => {
    const { model, problems } = parseRules(
      'chargeback: 1\ntargets: { central: {} }\ncommitments: { amortize: true, unused: central }\n',
    );
    assert.deepEqual(problems, []);
    assert.equal(model.commitments?.amortize?.value, true);
    assert.equal(model.commitments?.unused?.value, 'central');
  });

  it('reads journal settings', () => {
    const { model } = parseRules('chargeback: 1\njournal: { clearingAccount: 1990, reference: CB-7 }\n');
    assert.equal(model.journal?.clearingAccount?.value, '1990');
    assert.equal(model.journal?.reference?.value, 'CB-7');
  });
});

describe('rules file: user extension keys', () => {
  it('refuses x- keys inside match, where ignoring them would change what matches', () => {
    const p = parseRules(
      'chargeback: 1\ntargets: { web: {} }\nrules:\n  - name: r\n    match: { x-region: west }\n    to: web\n',
    ).problems;
    assert.equal(p[0].code, 'unknown-key');
  });

  it('accepts a target given by its id alone', () => {
    const { model, problems } = parseRules('chargeback: 1\ntargets:\n  web:\n  data:\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(
      model.targets.map((t) => t.id),
      ['web', 'data'],
    );
  });
});
