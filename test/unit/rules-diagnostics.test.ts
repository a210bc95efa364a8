// Diagnostics of rules files (src/server/rules/diagnostics.ts), without an LSP connection.
import { strict as assert } from 'node:assert';
import { parseRules } from '../../src/core/allocation/parseRules';
import { rulesDiagnostics } from '../../src/server/rules/diagnostics';
import { RULES } from '../support/rulesFixtures';

describe('rules language: diagnostics', () => {
  it('turns parse problems into diagnostics on the exact range', () => {
    const broken = RULES.replace('to: data', 'to: dta');
    const diagnostics = rulesDiagnostics(parseRules(broken));
    const unknown = diagnostics.find((d) => d.code === 'unknown-target')!;
    assert.deepEqual(unknown.range, { start: { line: 9, character: 8 }, end: { line: 9, character: 11 } });
    assert.match(String(unknown.message), /dta/);
  });
});
