/**
 * The `invoicing:` section in the editor, through the language server's rules features: completion of its keys and
 * enum values (nested customers and subscriptions too), hover documentation from the vocabulary, and diagnostics on
 * the exact value of an unknown subscription status.
 */
import { strict as assert } from 'node:assert';
import type { CompletionItem, MarkupContent } from 'vscode-languageserver';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRules } from '../../src/core/allocation/parseRules';
import { runRules } from '../../src/core/allocation/rulesRun';
import { dailyCsv } from '../support/billingFixtures';
import { rulesCompletion } from '../../src/server/rules/completion';
import { rulesDiagnostics } from '../../src/server/rules/diagnostics';
import { rulesHover } from '../../src/server/rules/hover';

/** The text with `|` removed and the position where it was. */
function cursor(withBar: string): { text: string; position: { line: number; character: number } } {
  const lines = withBar.split('\n');
  const line = lines.findIndex((l) => l.includes('|'));
  const character = lines[line].indexOf('|');
  return { text: withBar.replace('|', ''), position: { line, character } };
}

const labels = (items: CompletionItem[]): string[] => items.map((i) => i.label);

describe('invoicing: in the editor', () => {
  it('completes the keys of invoicing:', () => {
    const { text, position } = cursor('chargeback: 1\ninvoicing:\n  |\n');
    const got = labels(rulesCompletion(text, position, parseRules(text)));
    for (const k of [
      'grouping',
      'paymentModel',
      'draft',
      'final',
      'subscriptionOrder',
      'pec',
      'fx',
      'prices',
      'customers',
      'reservations',
    ]) {
      assert.ok(got.includes(k), `${k} in ${got.join(', ')}`);
    }
  });

  it('completes the statuses of a subscription under a customer', () => {
    const { text, position } = cursor(
      'chargeback: 1\ninvoicing:\n  customers:\n    c-1:\n      subscriptions:\n        s-1:\n          status: |\n',
    );
    assert.deepEqual(labels(rulesCompletion(text, position, parseRules(text))), [
      'Active',
      'Suspended',
      'Disabled',
      'Expired',
      'Deleted',
    ]);
  });

  it('completes the charge classes of prices:', () => {
    const { text, position } = cursor('chargeback: 1\ninvoicing:\n  prices:\n    |\n');
    assert.deepEqual(labels(rulesCompletion(text, position, parseRules(text))).sort(), [
      'consumption',
      'marketplace',
      'reservation',
      'savingsPlan',
      'seats',
    ]);
  });

  it('documents a key on hover', () => {
    const text = 'chargeback: 1\ninvoicing:\n  subscriptionOrder: listed\n';
    const hover = rulesHover(text, { line: 2, character: 5 }, parseRules(text));
    assert.ok(hover);
    assert.match((hover.contents as MarkupContent).value, /shared reservation/);
  });

  it('puts an unknown subscription status on its value, as an error', () => {
    const text =
      'chargeback: 1\ninvoicing:\n  customers:\n    c-1:\n      subscriptions:\n        s-1: { status: Gone }\n';
    const d = rulesDiagnostics(parseRules(text)).find((x) => x.code === 'invalid-enum');
    assert.ok(d);
    assert.equal(d.severity, 1);
    assert.deepEqual(d.range, { start: { line: 5, character: 23 }, end: { line: 5, character: 27 } });
  });

  it('warns, on every run of the rules, about invoicing patterns without files and scopes to unknown subscriptions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeback-invoicing-editor-'));
    try {
      writeFileSync(join(dir, 'daily.csv'), dailyCsv([{}]));
      const text = [
        'chargeback: 1',
        'data: [./daily.csv]',
        'invoicing:',
        '  draft: ./unbilled/*.csv',
        '  customers:',
        '    c-1: { commonSubscription: e-1, subscriptions: { e-listed: {} } }',
        '  reservations:',
        '    ro-1: { scope: e-nowhere }',
        '    ro-2: { scope: e-listed }',
        '    ro-3: { scope: shared }',
        '',
      ].join('\n');
      const run = await runRules(join(dir, 'r.chargeback.yaml'), text);
      const got = run.dataProblems.map((p) => [
        p.code,
        p.range.start.line,
        text.split('\n')[p.range.start.line].slice(p.range.start.character, p.range.end.character),
      ]);
      assert.deepEqual(got, [
        ['data-glob-no-file', 3, './unbilled/*.csv'],
        ['unknown-subscription', 7, 'e-nowhere'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
