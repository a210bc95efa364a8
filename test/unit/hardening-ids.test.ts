// Target ids: compared after NFKC, lookalikes refused; markups within -100 % .. 1000 %; undefined aliases named.
import { strict as assert } from 'node:assert';
import { parseRules } from '../../src/core/allocation/parseRules';
import { targetIdKey, targetIdSkeleton } from '../../src/core/allocation/targetIds';

function problemsOf(
  text: string,
): { code: string; severity: string; line: number; character: number; message: string }[] {
  return parseRules(text).problems.map((p) => ({
    code: p.code,
    severity: p.severity,
    line: p.range.start.line,
    character: p.range.start.character,
    message: p.message,
  }));
}

const rulesWith = (targets: string, to = 'web'): string =>
  `chargeback: 1\ntargets:\n${targets}\nrules:\n  - name: all\n    match: { customer: "*" }\n    to: ${to}\n`;

describe('target ids', () => {
  it('folds full-width letters and the Kelvin sign (NFKC): the second declaration is a duplicate', () => {
    for (const [a, b] of [
      ['key', '\u212Aey'],
      ['web', 'ｗｅｂ'],
      ['Web', 'WEB'],
    ]) {
      const problems = problemsOf(rulesWith(`  ${a}: {}\n  ${b}: {}`));
      const dup = problems.find((p) => p.code === 'duplicate-target');
      assert.ok(dup, `${a} / ${b}: ${JSON.stringify(problems)}`);
      assert.equal(dup.line, 3);
      assert.equal(dup.character, 2);
    }
    assert.equal(targetIdKey('\u212Aey'), 'key');
  });

  it('a reference in NFKC-equal form resolves to the declared id', () => {
    const problems = problemsOf(rulesWith('  key: {}', '"\u212Aey"'));
    assert.deepEqual(
      problems.filter((p) => p.severity === 'error' || p.code === 'unknown-target'),
      [],
    );
  });

  for (const [label, second, shown] of [
    ['a Cyrillic е', 'w\u0435b', 'U+0435 (е)'],
    ['a zero-width space', 'we\u200Bb', 'U+200B (invisible)'],
    ['Greek omicron and Cyrillic а', 'd\u0430t\u03bf', 'U+0430 (а)'],
  ] as const) {
    it(`an id that differs from an earlier one only by ${label} is a confusable-id error at the second id`, () => {
      const first = second.startsWith('d') ? 'dato' : 'web';
      const problems = problemsOf(rulesWith(`  ${first}: {}\n  "${second}": {}`, first));
      const c = problems.filter((p) => p.code === 'confusable-id');
      assert.equal(c.length, 1, JSON.stringify(problems));
      assert.equal(c[0].line, 3);
      assert.match(
        c[0].message,
        new RegExp(`looks like '${first}' \\(line 3\\) but is a different id \\(.*${shown.replace(/[()+]/g, '\\$&')}`),
      );
      assert.equal(parseRules(rulesWith(`  ${first}: {}\n  "${second}": {}`, first)).hasErrors, true);
    });
  }

  it('an id with an invisible character is an error even alone; distinct ordinary ids are fine', () => {
    const alone = problemsOf(rulesWith('  "te\u200Dam": {}', '"te\u200Dam"'));
    assert.ok(
      alone.some((p) => p.code === 'confusable-id' && /invisible character \(U\+200D/.test(p.message)),
      JSON.stringify(alone),
    );
    assert.deepEqual(
      problemsOf(rulesWith('  web: {}\n  data: {}\n  платформа: {}\n  cc-1001: {}')).filter(
        (p) => p.code === 'confusable-id',
      ),
      [],
    );
    assert.equal(targetIdSkeleton('wеb'), targetIdSkeleton('web'));
    assert.notEqual(targetIdSkeleton('web'), targetIdSkeleton('wed'));
  });
});

describe('markups', () => {
  for (const markup of ['-250', '1e300', '1000.01', '-100.5']) {
    it(`a markup of ${markup} % is an error at the value`, () => {
      const problems = problemsOf(rulesWith(`  web: { markup: ${markup} }`));
      const m = problems.find((p) => p.code === 'markup-out-of-range');
      assert.ok(m, JSON.stringify(problems));
      assert.equal(m.line, 2);
      assert.match(m.message, /a markup must be between -100 % and 1000 %/);
    });
  }
  for (const markup of ['-100', '0', '8', '1000']) {
    it(`a markup of ${markup} % is accepted`, () => {
      assert.deepEqual(
        problemsOf(rulesWith(`  web: { markup: ${markup} }`)).filter((p) => p.code === 'markup-out-of-range'),
        [],
      );
    });
  }
  it('the range applies to rule markups too', () => {
    const text =
      'chargeback: 1\ntargets: { web: {} }\nrules:\n  - name: all\n    match: { customer: "*" }\n    to: web\n    markup: 5000\n';
    assert.ok(problemsOf(text).some((p) => p.code === 'markup-out-of-range' && p.line === 6));
  });
});

describe('YAML aliases', () => {
  it('an alias to no anchor is named as such, at the alias', () => {
    const problems = problemsOf('chargeback: 1\nname: *missing\ntargets: { web: {} }\n');
    assert.equal(problems[0].code, 'undefined-alias');
    assert.match(problems[0].message, /The alias \*missing names no anchor/);
    assert.deepEqual([problems[0].line, problems[0].character], [1, 6]);
    assert.equal(
      problems.some((p) => p.code === 'too-many-aliases'),
      false,
    );
  });

  it('an alias used before its anchor is undefined too; a proper anchor still works', () => {
    assert.equal(problemsOf('chargeback: 1\nname: *n\nperiod: &n "2026-07"\n')[0].code, 'undefined-alias');
    assert.deepEqual(
      problemsOf('chargeback: 1\nperiod: &n "2026-07"\nname: *n\ntargets: { web: {} }\nrules: []\n').filter(
        (p) => p.code === 'undefined-alias',
      ),
      [],
    );
  });
});
