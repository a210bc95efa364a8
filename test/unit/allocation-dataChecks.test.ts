/**
 * Checks of a rules file against the billing data, as problems on the exact text of the rules file: what the
 * language server shows after reading the data.
 */
import assert from 'node:assert/strict';
import { allocateSync } from '../../src/core/allocation/engine';
import { DataHarvester } from '../../src/core/allocation/harvest';
import { parseRules } from '../../src/core/allocation/parseRules';
import type { Problem } from '../../src/core/allocation/problems';
import { validateAgainstData } from '../../src/core/allocation/validateAgainstData';
import type { CostLine } from '../../src/core/allocation/costLine';
import { line } from '../fixtures/allocation/lines';

function check(text: string, lines: CostLine[]): Problem[] {
  const { model, hasErrors } = parseRules(text);
  assert.equal(hasErrors, false);
  const harvest = new DataHarvester();
  const result = allocateSync(model, lines, { harvest });
  return validateAgainstData(model, { result, harvest: harvest.result() });
}

const at = (p: Problem): string => `${p.range.start.line}:${p.range.start.character}`;
const HEAD = 'chargeback: 1\ntargets: { web: {}, data: {} }\nrules:\n';

describe('rules against the data', () => {
  it('warns on a rule that an earlier rule shadows, naming that rule', () => {
    const problems = check(
      HEAD +
        '  - name: all\n    match: { region: "*" }\n    to: web\n  - name: west\n    match: { region: westeurope }\n    to: data\n',
      [line({ billed: 1, region: 'westeurope' })],
    );
    const p = problems.find((x) => x.code === 'rule-shadowed')!;
    assert.equal(at(p), '6:10');
    assert.match(p.message, /taken first by rule 'all' \(line 4\)/);
  });

  it('warns on a rule that matches no line at all', () => {
    const problems = check(HEAD + '  - name: mars\n    match: { region: mars }\n    to: web\n', [
      line({ billed: 1, region: 'westeurope' }),
    ]);
    assert.ok(problems.some((x) => x.code === 'rule-matches-nothing'));
  });

  it('warns on a match value that no line has, with a did-you-mean from the data', () => {
    const problems = check(HEAD + '  - name: net\n    match: { meterCategory: Bandwith }\n    to: web\n', [
      line({ billed: 1, meterCategory: 'Bandwidth' }),
    ]);
    const p = problems.find((x) => x.code === 'glob-matches-no-value')!;
    assert.equal(at(p), '4:28');
    assert.match(p.message, /Did you mean 'Bandwidth'\?/);
  });

  it('warns on a tag key that no line has', () => {
    const problems = check(HEAD + '  - name: t\n    match: { tag: { teem: "*" } }\n    to: web\n', [
      line({ billed: 1, tags: { team: 'web' } }),
    ]);
    const p = problems.find((x) => x.code === 'tag-key-not-in-data')!;
    assert.match(p.message, /Did you mean 'team'\?/);
  });

  it('puts a tag value that names no target on the to: of its rule', () => {
    const problems = check(HEAD + '  - name: t\n    match: { tag: { team: "*" } }\n    to: { tag: team }\n', [
      line({ billed: 2, tags: { team: 'sales' } }),
    ]);
    const p = problems.find((x) => x.code === 'tag-value-no-target')!;
    assert.equal(at(p), '5:8');
    assert.match(p.message, /'sales'/);
  });

  it('reports a currency mix as an error on data:', () => {
    const problems = check('chargeback: 1\ndata: ./x/*.csv\ntargets: { web: {} }\n', [
      line({ billed: 1, currency: 'EUR' }),
      line({ billed: 1, currency: 'USD' }),
    ]);
    const p = problems.find((x) => x.code === 'currency-mix')!;
    assert.equal(p.severity, 'error');
    assert.equal(at(p), '1:0');
  });

  it('warns on a data glob that matches no file', () => {
    const { model } = parseRules('chargeback: 1\ndata: [./billing/*.csv]\n');
    const problems = validateAgainstData(model, { dataFiles: [{ pattern: model.data[0], files: [] }] });
    assert.equal(problems[0].code, 'data-glob-no-file');
    assert.equal(at(problems[0]), '1:7');
  });
});
