// Code lenses of rules files (src/server/rules/codeLens.ts), without an LSP connection.
import { strict as assert } from 'node:assert';
import { parseRules } from '../../src/core/allocation/parseRules';
import { harvestLines } from '../../src/core/allocation/harvest';
import { allocateSync } from '../../src/core/allocation/engine';
import { rulesCodeLenses } from '../../src/server/rules/codeLens';
import { line } from '../fixtures/allocation/lines';
import { dataFor, LINES, RULES } from '../support/rulesFixtures';

describe('rules language: code lens', () => {
  it('puts each rule amount and line count in a code lens, and they add up to the total', async () => {
    const parsed = parseRules(RULES);
    const data = await dataFor(RULES);
    const lenses = rulesCodeLenses(parsed, data);
    const ruleLenses = lenses.filter((l) => [7, 10, 13].includes(l.range.start.line)).map((l) => l.command!.title);
    assert.deepEqual(ruleLenses, ['EUR 100.00 · 1 line', 'EUR 53.25 · 2 lines', 'EUR 10.01 · 1 line']);
    assert.ok(lenses.some((l) => l.command!.title === 'total EUR 163.26 = 3 rules EUR 163.26 · unallocated EUR 0.00'));
  });

  it('says what a rule takes and what it allocates when amortization moves money, and the lenses add up', async () => {
    const text = RULES.replace('unallocated: web', 'commitments: { amortize: true, unused: web }\nunallocated: web');
    const parsed = parseRules(text);
    const lines = [
      ...LINES,
      // A reservation bought for 30.00 and used by the data subscription's VM.
      line({
        sourceKind: 'reconciliation',
        reservationOrderId: 'ro-1',
        product: 'Reserved VM Instance',
        billed: '30.00',
      }),
      line({
        entitlementName: 'contoso-data-prod',
        meterCategory: 'Virtual Machines',
        benefitOrderId: 'ro-1',
        retail: '12.00',
        billed: '0',
      }),
    ];
    const result = allocateSync(parsed.model, lines);
    const lenses = rulesCodeLenses(parsed, { harvest: await harvestLines(lines), result, problems: [], files: [] });
    const titles = lenses.map((l) => l.command!.title);
    assert.ok(
      titles.includes('takes EUR 100.00 · allocates EUR 130.00 (+30.00 amortized) · 2 lines'),
      titles.join('\n'),
    );
    assert.equal(
      titles.find((t) => t.startsWith('total ')),
      'total EUR 193.26 = 3 rules EUR 193.26 · unallocated EUR 0.00',
    );
    const sum = result.rules.reduce((a, r) => a.plus(r.allocated), result.total.times(0));
    assert.equal(sum.toFixed(2), result.total.toFixed(2));
  });

  it('keeps the last good evaluation on screen, marked stale, while the rules have errors', async () => {
    const good = parseRules(RULES);
    const data = await dataFor(RULES);
    const broken = parseRules(RULES.replace('to: data', 'to: dta'));
    assert.equal(broken.hasErrors, true);
    const lenses = rulesCodeLenses(broken, { problems: [], files: [], stale: { parsed: good, result: data.result! } });
    const titles = lenses.map((l) => [l.range.start.line, l.command!.title]);
    assert.ok(
      titles.some(([at, t]) => at === 7 && t === '$(history) stale · EUR 100.00 · 1 line'),
      JSON.stringify(titles),
    );
    assert.ok(
      titles.some(([, t]) =>
        String(t).startsWith('$(history) stale: the rules have errors; last good evaluation · total EUR 163.26'),
      ),
    );
    assert.deepEqual(rulesCodeLenses(broken, { problems: [], files: [] }), []);
  });
});
