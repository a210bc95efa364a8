/**
 * The rules editor's message protocol and view state: the extension takes only messages of a known shape from the
 * webview (anything else is dropped, however close), the webview's saved state always restores to a usable view,
 * and the drill-down renders only the rows in view.
 */
import { strict as assert } from 'node:assert';
import {
  INITIAL_VIEW_STATE,
  parseFromWebview,
  parseToWebview,
  restoreViewState,
  visibleRows,
} from '../../src/shared/webviewProtocol';

describe('rules editor webview protocol', () => {
  it('accepts every well-formed message from the webview', () => {
    const good: unknown[] = [
      { type: 'ready' },
      { type: 'openText' },
      { type: 'edit', edit: { kind: 'setPercent', rule: 6, target: 'web', percent: '55' } },
      { type: 'edit', edit: { kind: 'setUnallocated', target: null } },
      { type: 'edit', edit: { kind: 'moveRule', from: 2, to: 0 } },
      { type: 'edit', edit: { kind: 'addRule', name: 'x', field: 'region', pattern: '*', to: 'web' } },
      { type: 'edit', edit: { kind: 'setSplitMethod', rule: 1, method: 'evenly' } },
      { type: 'lines', seq: 3, of: { kind: 'target', id: 'web' }, offset: 200, count: 200 },
      { type: 'lines', seq: 4, of: { kind: 'unmatched' }, offset: 0, count: 10 },
      { type: 'revealRules', range: { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } } },
      { type: 'revealLine', file: '/data/usage.csv', line: 12 },
      { type: 'checkFile', file: '/data/usage.csv' },
      {
        type: 'snapshotReply',
        id: 1,
        snapshot: {
          status: 'ready',
          tab: 'targets',
          total: '1.00',
          balanced: true,
          targets: { web: '1.00' },
          unallocated: '0.00',
          chart: { web: '1.00' },
          budgets: { web: { budget: '10.00', actual: '1.00', used: '10.00 %' } },
          rules: {},
          percents: {},
          errors: [],
        },
      },
    ];
    for (const m of good) assert.deepEqual(parseFromWebview(m), m, JSON.stringify(m));
  });

  it('drops anything else: unknown types, extra or missing fields, wrong types, out-of-range numbers', () => {
    const bad: unknown[] = [
      null,
      'ready',
      [],
      { type: 'eval', code: '1' },
      { type: 'ready', extra: 1 },
      { type: 'edit' },
      { type: 'edit', edit: { kind: 'setPercent', rule: 6, target: 'web' } },
      { type: 'edit', edit: { kind: 'setPercent', rule: '6', target: 'web', percent: '55' } },
      { type: 'edit', edit: { kind: 'setPercent', rule: -1, target: 'web', percent: '55' } },
      { type: 'edit', edit: { kind: 'setPercent', rule: 1.5, target: 'web', percent: '55' } },
      { type: 'edit', edit: { kind: 'setPercent', rule: 6, target: 'web', percent: '55', __proto__x: 1 } },
      { type: 'edit', edit: { kind: 'toString' } },
      { type: 'edit', edit: { kind: 'setSplitMethod', rule: 1, method: 'randomly' } },
      { type: 'edit', edit: { kind: 'addTarget', id: 'a', name: 'x'.repeat(5000) } },
      { type: 'lines', seq: 1, of: { kind: 'target' }, offset: 0, count: 10 },
      { type: 'lines', seq: 1, of: { kind: 'file', path: '/etc/passwd' }, offset: 0, count: 10 },
      { type: 'lines', seq: 1, of: { kind: 'unmatched' }, offset: 0, count: 1e9 },
      { type: 'revealRules', range: { start: { line: 1 }, end: { line: 1, character: 5 } } },
      { type: 'revealLine', file: '/data/usage.csv', line: 0 },
      { type: 'snapshotReply', id: 1, snapshot: { status: 'ready' } },
      {
        type: 'snapshotReply',
        id: 1,
        snapshot: {
          status: 'ready',
          tab: 'targets',
          total: '1.00',
          balanced: true,
          targets: {},
          unallocated: '0.00',
          chart: {},
          budgets: { web: { actual: 1 } },
          rules: {},
          percents: {},
          errors: [],
        },
      },
    ];
    for (const m of bad) assert.equal(parseFromWebview(m), undefined, JSON.stringify(m));
  });

  it('checks the messages the webview receives too', () => {
    assert.ok(parseToWebview({ type: 'preview', version: 3, preview: null }));
    assert.ok(parseToWebview({ type: 'preview', version: 3, preview: { targets: [], rules: [] } }));
    assert.ok(parseToWebview({ type: 'lines', seq: 1, result: { total: 0, offset: 0, lines: [] } }));
    assert.equal(parseToWebview({ type: 'preview', version: 3, preview: { targets: 'x' } }), undefined);
    assert.equal(parseToWebview({ type: 'lines', seq: 1, result: { total: '1', lines: [] } }), undefined);
    assert.equal(parseToWebview({ type: 'html', html: '<b>' }), undefined);
  });
});

describe('rules editor view state', () => {
  it('restores a saved state as it was', () => {
    const saved = { tab: 'rules', drill: { kind: 'rule', index: 3 }, drillScroll: 480 };
    assert.deepEqual(restoreViewState(saved), saved);
    assert.deepEqual(restoreViewState(JSON.parse(JSON.stringify({ tab: 'problems', drillScroll: 0 }))), {
      tab: 'problems',
      drill: undefined,
      drillScroll: 0,
    });
  });

  it('turns a missing, older or damaged state into a usable one', () => {
    assert.deepEqual(restoreViewState(undefined), INITIAL_VIEW_STATE);
    assert.deepEqual(restoreViewState('x'), INITIAL_VIEW_STATE);
    assert.deepEqual(restoreViewState({ tab: 'budgets', drill: { kind: 'rule', index: -1 }, drillScroll: 50 }), {
      tab: 'targets',
      drill: undefined,
      drillScroll: 0,
    });
    assert.deepEqual(
      restoreViewState({ tab: 'targets', drill: { kind: 'target', id: 'web' }, drillScroll: Number.NaN }),
      { tab: 'targets', drill: { kind: 'target', id: 'web' }, drillScroll: 0 },
    );
  });

  it('renders only the rows in view of a 100 000-line drill-down, plus a margin', () => {
    assert.deepEqual(visibleRows(0, 320, 24, 100_000), { first: 0, last: 24 });
    const deep = visibleRows(24 * 50_000, 320, 24, 100_000);
    assert.deepEqual(deep, { first: 49_990, last: 50_024 });
    assert.ok(deep.last - deep.first < 40);
    assert.deepEqual(visibleRows(24 * 100_000, 320, 24, 100_000), { first: 99_990, last: 100_000 });
    assert.deepEqual(visibleRows(0, 320, 24, 0), { first: 0, last: 0 });
  });
});
