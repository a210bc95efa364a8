/**
 * The allocation engine, one construct of the rules language per test, named as a FinOps engineer would say it.
 */
import assert from 'node:assert/strict';
import { allocate, allocateSync } from '../../src/core/allocation/engine';
import type { CostLine } from '../../src/core/allocation/costLine';
import type { AllocationResult, LineageEntry } from '../../src/core/allocation/result';
import { line, rules, yaml } from '../fixtures/allocation/lines';

const TARGETS = 'targets:\n  web: {}\n  data: {}\n  platform: {}\n';

function run(ruleLines: string, lines: CostLine[], extra = ''): AllocationResult {
  return allocateSync(rules(`chargeback: 1\n${TARGETS}${extra}rules:\n${ruleLines}`), lines);
}

/** Target amounts as "id=amount", plus "unallocated=amount". */
function amounts(r: AllocationResult): string[] {
  return [...r.targets.map((t) => `${t.id}=${t.amount.toFixed(2)}`), `unallocated=${r.unallocated.amount.toFixed(2)}`];
}

function assertConserved(r: AllocationResult): void {
  const sum = r.targets.reduce((a, t) => a.plus(t.amount), r.unallocated.amount);
  assert.equal(sum.toFixed(2), r.total.toFixed(2), 'targets + unallocated = total');
  assert.equal(r.total.toFixed(2), r.sourceTotal.toDecimalPlaces(2, 4).toFixed(2), 'total = source total to the cent');
}

describe('engine: matching', () => {
  it('gives a line to the first rule whose match holds, top to bottom', () => {
    const r = run(
      '  - name: first\n    match: { region: westeurope }\n    to: web\n  - name: second\n    match: { region: "*" }\n    to: data\n',
      [line({ billed: 10, region: 'westeurope' }), line({ billed: 5, region: 'northeurope' })],
    );
    assert.deepEqual(amounts(r), ['web=10.00', 'data=5.00', 'platform=0.00', 'unallocated=0.00']);
    assert.deepEqual(
      r.rules.map((x) => [x.name, x.lines, x.matched.toFixed()]),
      [
        ['first', 1, '10'],
        ['second', 1, '5'],
      ],
    );
  });

  it('requires every key of a match to hold (AND)', () => {
    const r = run('  - name: both\n    match: { region: westeurope, meterCategory: Storage }\n    to: web\n', [
      line({ billed: 1, region: 'westeurope', meterCategory: 'Storage' }),
      line({ billed: 2, region: 'westeurope', meterCategory: 'Bandwidth' }),
    ]);
    assert.deepEqual(amounts(r), ['web=1.00', 'data=0.00', 'platform=0.00', 'unallocated=2.00']);
  });

  it('holds a list of globs when any of them matches (OR)', () => {
    const r = run('  - name: net\n    match: { meterCategory: [Bandwidth, Virtual Network] }\n    to: web\n', [
      line({ billed: 1, meterCategory: 'Bandwidth' }),
      line({ billed: 2, meterCategory: 'Virtual Network' }),
      line({ billed: 4, meterCategory: 'Storage' }),
    ]);
    assert.deepEqual(amounts(r), ['web=3.00', 'data=0.00', 'platform=0.00', 'unallocated=4.00']);
  });

  it('matches globs case-insensitively, with * for any text and ? for one character', () => {
    const r = run(
      '  - name: g\n    match: { resourceGroup: "RG-web-?" }\n    to: web\n  - name: h\n    match: { entitlementName: "*-DATA*" }\n    to: data\n',
      [
        line({ billed: 1, resourceGroup: 'rg-WEB-1' }),
        line({ billed: 2, resourceGroup: 'rg-web-12' }),
        line({ billed: 4, entitlementName: 'contoso-data-prod' }),
      ],
    );
    assert.deepEqual(amounts(r), ['web=1.00', 'data=4.00', 'platform=0.00', 'unallocated=2.00']);
  });

  it('negates a map with not:', () => {
    const r = run('  - name: untagged\n    match: { not: { tag: { team: "*" } } }\n    to: platform\n', [
      line({ billed: 1, tags: { team: 'web' } }),
      line({ billed: 2, tags: {} }),
    ]);
    assert.deepEqual(amounts(r), ['web=0.00', 'data=0.00', 'platform=2.00', 'unallocated=1.00']);
  });

  it('matches a tag by key (case-insensitive) and value glob; a line without the tag does not match', () => {
    const r = run('  - name: t\n    match: { tag: { Team: "w*" } }\n    to: web\n', [
      line({ billed: 1, tags: { team: 'Web' } }),
      line({ billed: 2, tags: { team: 'data' } }),
      line({ billed: 4, tags: { owner: 'web' } }),
    ]);
    assert.deepEqual(amounts(r), ['web=1.00', 'data=0.00', 'platform=0.00', 'unallocated=6.00']);
  });

  it('matches customer on CustomerName or CustomerId', () => {
    const r = run('  - name: c\n    match: { customer: [Contoso*, 1234-*] }\n    to: web\n', [
      line({ billed: 1, customer: 'Contoso Ltd', customerId: 'aaaa' }),
      line({ billed: 2, customer: 'Fabrikam', customerId: '1234-5678' }),
      line({ billed: 4, customer: 'Fabrikam', customerId: '9999' }),
    ]);
    assert.deepEqual(amounts(r), ['web=3.00', 'data=0.00', 'platform=0.00', 'unallocated=4.00']);
  });

  it('reads every column key of the spec', () => {
    const keys = [
      'subscription',
      'entitlement',
      'entitlementName',
      'resourceGroup',
      'resource',
      'meterCategory',
      'meterSubCategory',
      'meterName',
      'meterId',
      'product',
      'sku',
      'region',
      'chargeType',
      'invoice',
    ] as const;
    for (const key of keys) {
      const r = run(`  - name: k\n    match: { ${key}: "x*" }\n    to: web\n`, [
        line({ billed: 1, [key]: 'xyz' }),
        line({ billed: 2, [key]: 'abc' }),
      ]);
      assert.deepEqual(amounts(r), ['web=1.00', 'data=0.00', 'platform=0.00', 'unallocated=2.00'], key);
    }
  });
});

describe('engine: destinations', () => {
  it('sends the cost of a to: rule to that target (direct cost)', () => {
    const r = run('  - name: d\n    match: { region: x }\n    to: data\n', [line({ billed: '12.34', region: 'x' })]);
    assert.deepEqual(amounts(r), ['web=0.00', 'data=12.34', 'platform=0.00', 'unallocated=0.00']);
    assert.equal(r.targets[1].direct.toFixed(2), '12.34');
    assert.deepEqual(
      r.targets[1].breakdown.map((b) => [b.rule, b.amount.toFixed(2)]),
      [['d', '12.34']],
    );
  });

  it('sends the cost of to: { tag: team } to the target named by the tag value, case-insensitively', () => {
    const r = run('  - name: Team tag\n    match: { tag: { team: "*" } }\n    to: { tag: team }\n', [
      line({ billed: 1, tags: { team: 'WEB' } }),
      line({ billed: 2, tags: { team: 'data' } }),
    ]);
    assert.deepEqual(amounts(r), ['web=1.00', 'data=2.00', 'platform=0.00', 'unallocated=0.00']);
    assert.deepEqual(r.warnings, []);
  });

  it('sends a tag value that names no target to unallocated, with a warning naming the value and the money', () => {
    const r = run('  - name: Team tag\n    match: { tag: { team: "*" } }\n    to: { tag: team }\n', [
      line({ billed: '5.50', tags: { team: 'marketing' } }),
      line({ billed: '1.25', tags: { team: 'marketing' } }),
      line({ billed: 2, tags: { team: 'web' } }),
    ]);
    assert.deepEqual(amounts(r), ['web=2.00', 'data=0.00', 'platform=0.00', 'unallocated=6.75']);
    const w = r.warnings.find((x) => x.code === 'tag-value-no-target')!;
    assert.match(w.message, /'marketing'/);
    assert.match(w.message, /6\.75 EUR/);
    assert.equal(w.amount?.toFixed(2), '6.75');
    assert.equal(w.ruleIndex, 0);
    assert.deepEqual(
      r.unallocated.breakdown.map((b) => b.rule),
      ['Team tag'],
    );
  });

  it('sends lines no rule matched to the unallocated: target when it names one', () => {
    const r = run(
      '  - name: d\n    match: { region: x }\n    to: data\n',
      [line({ billed: 1, region: 'x' }), line({ billed: '2.22' })],
      'unallocated: platform\n',
    );
    assert.deepEqual(amounts(r), ['web=0.00', 'data=1.00', 'platform=2.22', 'unallocated=0.00']);
    assert.deepEqual(
      r.targets[2].breakdown.map((b) => [b.rule, b.amount.toFixed(2)]),
      [['(unmatched)', '2.22']],
    );
  });

  it('keeps lines no rule matched visible as unallocated when unallocated: is omitted', () => {
    const r = run('  - name: d\n    match: { region: x }\n    to: data\n', [line({ billed: '2.22' })]);
    assert.equal(r.unallocated.amount.toFixed(2), '2.22');
    assert.equal(r.unmatched.lines, 1);
  });
});

describe('engine: splits', () => {
  it('divides a pool evenly', () => {
    const r = run('  - name: s\n    match: { region: x }\n    split: { evenly: [web, data] }\n', [
      line({ billed: 3, region: 'x' }),
      line({ billed: 1, region: 'x' }),
    ]);
    assert.deepEqual(amounts(r), ['web=2.00', 'data=2.00', 'platform=0.00', 'unallocated=0.00']);
  });

  it('gives the odd cent of an even split by largest remainder, ties in declaration order', () => {
    const r = run('  - name: s\n    match: { region: x }\n    split: { evenly: [platform, data, web] }\n', [
      line({ billed: 1, region: 'x' }),
    ]);
    // Each share is 0.333...; the tie goes to the first declared target (web), not the first listed.
    assert.deepEqual(amounts(r), ['web=0.34', 'data=0.33', 'platform=0.33', 'unallocated=0.00']);
  });

  it('divides a pool by percentages', () => {
    const r = run('  - name: s\n    match: { region: x }\n    split: { percent: { web: 60, data: 40 } }\n', [
      line({ billed: '10.01', region: 'x' }),
    ]);
    assert.deepEqual(amounts(r), ['web=6.01', 'data=4.00', 'platform=0.00', 'unallocated=0.00']);
    assertConserved(r);
  });

  it('divides a pool in proportion to direct cost (to: rules only)', () => {
    const r = run(
      '  - name: shared\n    match: { resourceGroup: rg-platform }\n    split: { proportional: [web, data], basis: direct }\n' +
        '  - name: web\n    match: { tag: { team: web } }\n    to: web\n  - name: data\n    match: { tag: { team: data } }\n    to: data\n',
      [
        line({ billed: 30, resourceGroup: 'rg-platform' }),
        line({ billed: 100, tags: { team: 'web' } }),
        line({ billed: 200, tags: { team: 'data' } }),
      ],
    );
    // The split rule is above the direct rules: pools are divided after ALL direct allocation.
    assert.deepEqual(amounts(r), ['web=110.00', 'data=220.00', 'platform=0.00', 'unallocated=0.00']);
  });

  it('does not count split or unallocated cost as direct cost', () => {
    const r = run(
      '  - name: even\n    match: { region: a }\n    split: { evenly: [web, data] }\n' +
        '  - name: prop\n    match: { region: b }\n    split: { proportional: [web, data] }\n  - name: web\n    match: { region: c }\n    to: web\n',
      [line({ billed: 100, region: 'a' }), line({ billed: 10, region: 'b' }), line({ billed: 1, region: 'c' })],
      'unallocated: data\n',
    );
    // data got 50 from the even split and nothing direct: the proportional pool goes entirely to web.
    assert.deepEqual(amounts(r), ['web=61.00', 'data=50.00', 'platform=0.00', 'unallocated=0.00']);
  });

  it('weighs proportional splits by compute, storage or network cost (meter-category families)', () => {
    const direct =
      '  - name: web\n    match: { tag: { team: web } }\n    to: web\n  - name: data\n    match: { tag: { team: data } }\n    to: data\n';
    const lines = (): CostLine[] => [
      line({ billed: 30, tags: { team: 'web' }, meterCategory: 'Virtual Machines' }),
      line({ billed: 10, tags: { team: 'data' }, meterCategory: 'Virtual Machines' }),
      line({ billed: 5, tags: { team: 'web' }, meterCategory: 'Storage' }),
      line({ billed: 15, tags: { team: 'data' }, meterCategory: 'Storage' }),
      line({ billed: 1, tags: { team: 'data' }, meterCategory: 'Bandwidth' }),
      line({ billed: 8, region: 'shared' }),
    ];
    const shared = (basis: string): string =>
      `  - name: shared\n    match: { region: shared }\n    split: { proportional: [web, data], basis: ${basis} }\n`;
    const share = (basis: string): string[] =>
      run(direct + shared(basis), lines())
        .targets.slice(0, 2)
        .map((t) => t.breakdown.find((b) => b.rule === 'shared')?.amount.toFixed(2) ?? '0.00');
    assert.deepEqual(share('compute'), ['6.00', '2.00']);
    assert.deepEqual(share('storage'), ['2.00', '6.00']);
    assert.deepEqual(share('network'), ['0.00', '8.00']);
    assert.deepEqual(share('direct'), ['4.59', '3.41']);
  });

  it('splits evenly and warns when all proportional weights are zero', () => {
    const r = run('  - name: shared\n    match: { region: x }\n    split: { proportional: [web, data] }\n', [
      line({ billed: 10, region: 'x' }),
    ]);
    assert.deepEqual(amounts(r), ['web=5.00', 'data=5.00', 'platform=0.00', 'unallocated=0.00']);
    const w = r.warnings.find((x) => x.code === 'weights-all-zero')!;
    assert.match(w.message, /split evenly/);
    assert.equal(w.severity, 'warning');
  });
});

describe('engine: amounts and currencies', () => {
  it('allocates the billed amount by default', () => {
    const r = run('  - name: a\n    match: { region: "*" }\n    to: web\n', [line({ billed: '1.23', retail: '2.00' })]);
    assert.equal(r.total.toFixed(2), '1.23');
    assert.equal(r.amountKind, 'billed');
  });

  it('allocates the retail amount with amount: retail, and says when a line had none', () => {
    const r = run(
      '  - name: a\n    match: { region: "*" }\n    to: web\n',
      [line({ billed: '1.23', retail: '2.001' }), line({ billed: '1.00' })],
      'amount: retail\n',
    );
    assert.equal(r.sourceTotal.toFixed(), '3.001');
    assert.equal(r.total.toFixed(2), '3.00');
    assert.equal(r.warnings.find((w) => w.code === 'amount-fallback')?.amount?.toFixed(2), '1.00');
  });

  it('allocates the effective (amortized) amount with amount: effective', () => {
    const r = run(
      '  - name: a\n    match: { region: "*" }\n    to: web\n',
      [line({ billed: '0', effective: '4.56' })],
      'amount: effective\n',
    );
    assert.equal(r.total.toFixed(2), '4.56');
  });

  it('keeps only lines in the currency of currency:, and says what it left out', () => {
    const r = run(
      '  - name: a\n    match: { region: "*" }\n    to: web\n',
      [line({ billed: 1, currency: 'EUR' }), line({ billed: 7, currency: 'usd' })],
      'currency: EUR\n',
    );
    assert.equal(r.ok, true);
    assert.equal(r.total.toFixed(2), '1.00');
    assert.match(r.warnings.find((w) => w.code === 'currency-filtered')!.message, /USD/);
  });

  it('refuses data in several currencies without currency:, naming the currencies found', () => {
    const r = run('  - name: a\n    match: { region: "*" }\n    to: web\n', [
      line({ billed: 1, currency: 'EUR' }),
      line({ billed: 7, currency: 'USD' }),
    ]);
    assert.equal(r.ok, false);
    assert.equal(r.errors[0].code, 'currency-mix');
    assert.match(r.errors[0].message, /EUR/);
    assert.match(r.errors[0].message, /USD/);
  });
});

describe('engine: rounding and conservation', () => {
  it('rounds only each target total, so targets + unallocated equal the source total to the cent', () => {
    const lines = Array.from({ length: 7 }, () => line({ billed: '0.01', region: 'x' }));
    const r = run('  - name: s\n    match: { region: x }\n    split: { evenly: [web, data, platform] }\n', lines);
    // 0.07 / 3 = 0.02333..: each line's third would round to 0.00; the totals do not.
    assert.deepEqual(amounts(r), ['web=0.03', 'data=0.02', 'platform=0.02', 'unallocated=0.00']);
    assertConserved(r);
  });

  it('puts unallocated last when remainders tie', () => {
    const r = run(
      '  - name: s\n    match: { region: x }\n    split: { evenly: [web] }\n',
      [line({ billed: '0.005', region: 'x' }), line({ billed: '0.005' })],
      'amount: retail\n',
    );
    // With amount: retail and no retail value, billed is used; 0.01 total, 0.005 each: web wins the tie.
    assert.deepEqual(amounts(r), ['web=0.01', 'data=0.00', 'platform=0.00', 'unallocated=0.00']);
  });

  it('reports per rule the money it carried, rounded so that rules and channels add up to the total', () => {
    const r = run(
      '  - name: a\n    match: { region: a }\n    to: web\n  - name: b\n    match: { region: b }\n    to: data\n',
      [line({ billed: '1.005', region: 'a' }), line({ billed: '1.005', region: 'b' }), line({ billed: '1.005' })],
      'amount: retail\n',
    );
    const sum = r.rules.reduce(
      (a, x) => a.plus(x.allocated),
      r.channels.reduce((a, c) => a.plus(c.allocated), r.total.minus(r.total)),
    );
    assert.equal(sum.toFixed(2), r.total.toFixed(2));
    assert.equal(r.total.toFixed(2), '3.02');
  });

  it('adds up the breakdown of each target to its amount', () => {
    const r = run(
      '  - name: s1\n    match: { region: a }\n    split: { evenly: [web, data, platform] }\n  - name: s2\n    match: { region: b }\n    split: { evenly: [web, data, platform] }\n',
      [line({ billed: 1, region: 'a' }), line({ billed: 1, region: 'b' })],
    );
    for (const t of r.targets)
      assert.equal(
        t.breakdown.reduce((a, b) => a.plus(b.amount), t.amount.minus(t.amount)).toFixed(2),
        t.amount.toFixed(2),
        t.id,
      );
    assertConserved(r);
  });
});

describe('engine: lineage and diagnostics', () => {
  it('keeps the first lines each rule took, and streams full lineage to a callback', () => {
    const entries: LineageEntry[] = [];
    const lines = [
      line({ billed: 1, region: 'x', file: '/a.csv', line: 2 }),
      line({ billed: 2, file: '/a.csv', line: 3 }),
    ];
    const r = allocateSync(
      rules(
        `chargeback: 1\n${TARGETS}rules:\n  - name: r\n    match: { region: x }\n    split: { evenly: [web, data] }\n`,
      ),
      lines,
      {
        onLine: (e) => entries.push(e),
        lineageSample: 1,
      },
    );
    assert.deepEqual(r.rules[0].sample, [{ file: '/a.csv', line: 2 }]);
    assert.deepEqual(r.unmatched.sample, [{ file: '/a.csv', line: 3 }]);
    assert.deepEqual(
      entries.map((e) => [e.line, e.rule, e.destination, e.amount.toFixed()]),
      [
        [2, 'r', "split pool of 'r'", '1'],
        [3, '(unmatched)', 'unallocated', '2'],
      ],
    );
  });

  it('says which earlier rule takes all the lines of a rule that never wins', () => {
    const r = run(
      '  - name: broad\n    match: { region: "*" }\n    to: web\n  - name: narrow\n    match: { region: westeurope }\n    to: data\n  - name: never\n    match: { region: mars }\n    to: data\n',
      [line({ billed: 1, region: 'westeurope' })],
    );
    assert.equal(r.rules[1].lines, 0);
    assert.equal(r.rules[1].shadowedBy, 0);
    assert.equal(r.rules[2].matchedAnyLine, false);
    assert.equal(r.rules[2].shadowedBy, undefined);
  });

  it('takes lines from an async stream as well', async () => {
    async function* stream(): AsyncGenerator<CostLine> {
      yield line({ billed: 1, region: 'x' });
      yield line({ billed: 2, region: 'x' });
    }
    const r = await allocate(
      rules(`chargeback: 1\n${TARGETS}rules:\n  - name: r\n    match: { region: x }\n    to: web\n`),
      stream(),
    );
    assert.equal(r.targets[0].amount.toFixed(2), '3.00');
  });

  it('takes the period from the dates of the lines, or from period:', () => {
    const lines = [line({ billed: 1, date: '2026-07-01' }), line({ billed: 1, date: '2026-07-31' })];
    assert.equal(run('  - name: r\n    match: { region: x }\n    to: web\n', lines).period.label, '2026-07');
    assert.equal(
      run('  - name: r\n    match: { region: x }\n    to: web\n', lines, 'period: July\n').period.label,
      'July',
    );
  });

  it('refuses to evaluate a rules file with errors', () => {
    assert.throws(() => allocateSync({ ...rules('chargeback: 1\n'), valid: false }, []), /errors/);
  });
});

describe('engine: beyond the v1 core', () => {
  it('adds a target markup on top of the cost, shown separately so the cost still adds up', () => {
    const text = yaml`
      chargeback: 1
      targets:
        web: { markup: 10 }
        data: {}
      rules:
        - name: web
          match: { region: a }
          to: web
        - name: data
          match: { region: b }
          to: data
          markup: 5
    `;
    const r = allocateSync(rules(text), [
      line({ billed: '10.05', region: 'a' }),
      line({ billed: '20.00', region: 'b' }),
    ]);
    assert.deepEqual(
      r.targets.map((t) => [t.id, t.amount.toFixed(2), t.markup.toFixed(2), t.charged.toFixed(2)]),
      [
        ['web', '10.05', '1.01', '11.06'],
        ['data', '20.00', '1.00', '21.00'],
      ],
    );
    assertConserved(r);
  });

  it('lets a rule markup win over the target markup', () => {
    const text =
      'chargeback: 1\ntargets:\n  web: { markup: 10 }\nrules:\n  - name: r\n    match: { region: a }\n    to: web\n    markup: 0\n';
    assert.equal(allocateSync(rules(text), [line({ billed: 10, region: 'a' })]).targets[0].markup.toFixed(2), '0.00');
  });

  it('passes partner earned credit through by default (teams pay what was billed)', () => {
    const text = `chargeback: 1\n${TARGETS}rules:\n  - name: r\n    match: { region: "*" }\n    to: web\n`;
    const r = allocateSync(rules(text), [line({ billed: '85.00', pec: '0.15' })]);
    assert.equal(r.targets[0].amount.toFixed(2), '85.00');
  });

  it('with pec: keep, charges teams before PEC and gives the credit to a target, conserving the bill', () => {
    const text = `chargeback: 1\n${TARGETS}pec: { mode: keep, to: platform }\nrules:\n  - name: r\n    match: { region: "*" }\n    to: web\n`;
    const r = allocateSync(rules(text), [line({ billed: '85.00', pec: '15' }), line({ billed: '10.00' })]);
    assert.deepEqual(amounts(r), ['web=110.00', 'data=0.00', 'platform=-15.00', 'unallocated=0.00']);
    assert.deepEqual(
      r.targets[2].breakdown.map((b) => b.rule),
      ['(partner earned credit)'],
    );
    assertConserved(r);
  });

  it('amortizes a reservation purchase over the usage it covered, by retail value', () => {
    const text = `chargeback: 1\n${TARGETS}commitments: { amortize: true, unused: platform }\nrules:\n  - name: teams\n    match: { tag: { team: "*" } }\n    to: { tag: team }\n  - name: purchases\n    match: { chargeType: "*" }\n    to: platform\n`;
    const r = allocateSync(rules(text), [
      line({ billed: '300.00', chargeType: 'new', reservationOrderId: 'ORDER-1', sourceKind: 'reconciliation' }),
      line({ billed: '0', retail: '100', tags: { team: 'web' }, benefitOrderId: 'order-1' }),
      line({
        billed: '0',
        retail: '50',
        tags: { team: 'data' },
        benefitId: '/providers/Microsoft.Capacity/reservationOrders/ORDER-1/reservations/r1',
      }),
      line({ billed: '30.00', chargeType: 'new', reservationOrderId: 'ORDER-2' }),
    ]);
    assert.deepEqual(amounts(r), ['web=200.00', 'data=100.00', 'platform=30.00', 'unallocated=0.00']);
    assert.equal(r.targets[2].breakdown[0].rule, '(unused commitment)');
    assertConserved(r);
  });

  it('allocates an unused purchase by the rules when no unused: target is named', () => {
    const text = `chargeback: 1\n${TARGETS}commitments: { amortize: true }\nrules:\n  - name: purchases\n    match: { chargeType: "*" }\n    to: data\n`;
    const r = allocateSync(rules(text), [line({ billed: '30.00', chargeType: 'new', reservationOrderId: 'ORDER-2' })]);
    assert.deepEqual(amounts(r), ['web=0.00', 'data=30.00', 'platform=0.00', 'unallocated=0.00']);
    assert.equal(r.warnings[0].code, 'commitment-unused');
  });
});
