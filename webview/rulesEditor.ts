/**
 * The rules editor's webview: renders the language server's preview of a rules file (who pays how much, what stays
 * unallocated and why, what each rule moved, the conservation check, the problems) and turns the user's changes
 * into edit requests; the extension edits the YAML text and the new preview comes back. It keeps no model of its
 * own beyond the last preview: the text document is the model. Its view state (tab, drill-down, scroll) and the last
 * preview are saved with setState, so that a reloaded window shows the same view at once.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { LinesOf, PreviewLine, PreviewProblem, PreviewRule, RulesPreview } from '../src/shared/rulesPreview';
import {
  parseToWebview,
  restoreViewState,
  type FromWebview,
  type RulesEdit,
  type ViewState,
  type WebviewSnapshot,
} from '../src/shared/webviewProtocol';
import { budgetsSection } from './budgets';
import { barChart, type Bar } from './chart';
import { count, h, money, share } from './dom';
import { DrillTable } from './drillTable';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const TABS: ViewState['tab'][] = ['targets', 'rules', 'problems'];
const MATCH_FIELDS = [
  'resourceGroup',
  'entitlementName',
  'subscription',
  'customer',
  'meterCategory',
  'meterSubCategory',
  'meterName',
  'product',
  'sku',
  'region',
  'resource',
  'chargeType',
  'meterId',
  'entitlement',
  'invoice',
];

const saved = vscode.getState() as { view?: unknown; preview?: unknown } | undefined;
let view: ViewState = restoreViewState(saved?.view);
/** The preview on screen; restored from the saved state until the server's first answer. */
let preview: RulesPreview | null = isPreview(saved?.preview) ? saved.preview : null;
/** The last preview whose rules could be evaluated: shown (dimmed) while the text has errors. */
let lastGood: RulesPreview | null = preview?.status === 'ready' ? preview : null;
let pending = true;
let restored = !!preview;
let message = '';
let linesSeq = 0;
const linesGeneration = new Map<number, number>();

const app = document.getElementById('app')!;
const drill = new DrillTable(
  (generation, offset, n) => {
    const seq = ++linesSeq;
    linesGeneration.set(seq, generation);
    if (view.drill) vscode.postMessage({ type: 'lines', seq, of: view.drill, offset, count: n });
  },
  (line) => vscode.postMessage({ type: 'revealLine', file: line.file, line: line.line }),
  (scrollTop) => saveState({ ...view, drillScroll: scrollTop }),
);

function isPreview(v: unknown): v is RulesPreview {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as RulesPreview).targets) &&
    Array.isArray((v as RulesPreview).rules)
  );
}

function saveState(next: ViewState): void {
  view = next;
  vscode.setState({ view, preview });
}

function send(edit: RulesEdit): void {
  message = '';
  vscode.postMessage({ type: 'edit', edit });
}

// --- rendering ------------------------------------------------------------------------------------------------

function render(): void {
  // Keep the keyboard where it was: the element with the same focus key gets the focus back after the re-render.
  const focusKey = (document.activeElement as HTMLElement | null)
    ?.closest?.('[data-focus-key]')
    ?.getAttribute('data-focus-key');
  const shown = preview?.status === 'ready' ? preview : (lastGood ?? preview);
  app.replaceChildren(
    ...(shown ? page(shown) : [h('p', { class: 'note' }, 'Reading the rules and their billing data…')]),
  );
  if (focusKey) (app.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`) as HTMLElement | null)?.focus();
}

function page(p: RulesPreview): Node[] {
  const stale = p !== preview;
  const c = p.conservation;
  const header = h(
    'header',
    { class: 'top' },
    h(
      'div',
      { class: 'title' },
      h('h1', {}, p.name || 'Chargeback rules'),
      h(
        'p',
        { class: 'subtitle' },
        [
          p.period,
          p.currency,
          `${p.amountKind} amounts`,
          `${count(p.lineCount)} billing lines in ${count(p.files.length)} file${p.files.length === 1 ? '' : 's'}`,
        ]
          .filter(Boolean)
          .join(' · '),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'span',
        {
          class: `badge ${c.balanced ? 'ok' : 'bad'}`,
          'data-snapshot': 'balance',
          title: 'Targets + unallocated = billing total, to the cent (the same numbers as chargeback allocate)',
        },
        c.balanced ? '✓ Balanced: ' : '✗ Not balanced: ',
        `${money(c.targets)} + ${money(c.unallocated)} unallocated = ${money(c.total)} ${p.currency}`,
      ),
      button('Open as text', () => vscode.postMessage({ type: 'openText' }), 'open-text', true),
    ),
  );
  const banners: Node[] = [];
  if (restored) banners.push(h('p', { class: 'banner info' }, 'Restored view; refreshing from the billing data…'));
  if (stale && preview) banners.push(statusBanner(preview));
  else if (p.status !== 'ready') banners.push(statusBanner(p));
  if (message) banners.push(h('p', { class: 'banner error', role: 'alert' }, message));

  const tabs = h('vscode-tabs', { 'selected-index': TABS.indexOf(view.tab), class: stale ? 'stale' : undefined });
  tabs.addEventListener('vsc-tabs-select', (e) => {
    const i = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
    if (TABS[i] && TABS[i] !== view.tab) saveState({ ...view, tab: TABS[i] });
  });
  const problems = preview?.problems ?? p.problems;
  tabs.append(
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'targets' }, 'Targets'),
    h('vscode-tab-panel', {}, targetsPanel(p)),
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'rules' }, 'Rules'),
    h('vscode-tab-panel', {}, rulesPanel(p)),
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'problems' }, `Problems (${problems.length})`),
    h('vscode-tab-panel', {}, problemsPanel(problems)),
  );
  return [
    header,
    ...banners,
    tabs,
    view.drill
      ? drill.element
      : h('p', { class: 'note drill-hint' }, 'Choose a target or a rule (Lines) to see its billing lines.'),
  ];
}

function statusBanner(p: RulesPreview): Node {
  const text: Record<RulesPreview['status'], string> = {
    ready: '',
    'rules-errors': 'The rules have errors (see Problems): the numbers below are from the last version without errors.',
    'no-data': '`data:` names no billing line yet: the rules cannot be tried on data.',
    'not-allocatable': 'The billing data cannot be allocated as a whole: see Problems.',
    'not-on-disk': 'Save the rules file first: `data:` paths are relative to its folder.',
  };
  const errors = p.problems.filter((x) => x.severity === 'error').slice(0, 5);
  return h(
    'div',
    { class: 'banner error', role: 'alert', 'data-snapshot': 'errors' },
    h('p', {}, text[p.status]),
    ...errors.map((e) => problemLink(e)),
  );
}

function button(
  label: string,
  onClick: () => void,
  focusKey: string,
  secondary = false,
  disabled = false,
): HTMLElement {
  const b = h('vscode-button', { 'data-focus-key': focusKey, secondary, disabled });
  b.textContent = label;
  b.addEventListener('click', () => {
    if (!disabled) onClick();
  });
  return b;
}

function textfield(
  value: string,
  focusKey: string,
  label: string,
  onChange: (v: string) => void,
  cls = '',
): HTMLElement {
  const f = h('vscode-textfield', { 'data-focus-key': focusKey, 'aria-label': label, class: cls }) as HTMLElement & {
    value: string;
  };
  f.value = value;
  f.addEventListener('change', () => {
    if (f.value !== value) onChange(f.value);
  });
  return f;
}

function select(
  options: { value: string; label: string }[],
  value: string,
  focusKey: string,
  label: string,
  onChange: (v: string) => void,
): HTMLElement {
  const s = h('vscode-single-select', { 'data-focus-key': focusKey, 'aria-label': label }) as HTMLElement & {
    value: string;
  };
  for (const o of options) {
    const opt = h('vscode-option', { value: o.value, selected: o.value === value });
    opt.textContent = o.label;
    s.append(opt);
  }
  s.addEventListener('change', () => {
    if (s.value !== value) onChange(s.value);
  });
  return s;
}

function openDrill(of: LinesOf, title: string): void {
  saveState({ ...view, drill: of, drillScroll: 0 });
  drill.open(title);
  render();
  drill.element.scrollIntoView({ block: 'nearest' });
}

function drillTitle(of: LinesOf, p: RulesPreview): string {
  if (of.kind === 'target') return `Lines of target ${of.id}`;
  if (of.kind === 'rule') return `Lines of rule ${of.index + 1}: ${p.rules[of.index]?.name ?? ''}`;
  return 'Lines no rule gives a target';
}

function targetsPanel(p: RulesPreview): Node {
  const bars: Bar[] = p.targets.map((t) => ({
    label: t.id,
    amount: t.amount,
    markup: t.markup,
    charged: t.charged,
    kind: t.catchAll ? 'catch-all' : 'target',
  }));
  bars.push({ label: 'unallocated', amount: p.unallocated.amount, kind: 'unallocated' });
  const rows = p.targets.map((t) => {
    const row = h(
      'tr',
      {
        tabindex: 0,
        'data-target-id': t.id,
        'data-focus-key': `target-${t.id}`,
        class: 'clickable',
        title: 'Show the billing lines of this target',
      },
      h('td', { class: 'c-id' }, t.id, t.catchAll ? h('span', { class: 'tag' }, 'unallocated') : null),
      h('td', { class: 'c-text' }, t.name ?? ''),
      h('td', { class: 'c-text' }, t.costCenter ?? ''),
      h('td', { class: 'c-num amount' }, money(t.amount)),
      h('td', { class: 'c-num' }, money(t.markup)),
      h('td', { class: 'c-num' }, money(t.charged)),
      h('td', { class: 'c-num' }, `${share(t.amount, p.conservation.total)} %`),
    );
    const go = () => openDrill({ kind: 'target', id: t.id }, `Lines of target ${t.id}`);
    row.addEventListener('click', go);
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        go();
      }
    });
    return row;
  });
  const unallocatedZero = /^-?0\.00$/.test(p.unallocated.amount);
  const unallocatedRow = h(
    'tr',
    { class: `unallocated${unallocatedZero ? '' : ' warn'}`, 'data-unallocated': '' },
    h('td', { class: 'c-id' }, 'unallocated'),
    h(
      'td',
      { class: 'c-text', colspan: 2 },
      unallocatedZero ? 'nothing' : p.unallocated.byRule.map((b) => `${b.rule}: ${money(b.amount)}`).join(', '),
    ),
    h('td', { class: 'c-num amount' }, money(p.unallocated.amount)),
    h('td', { class: 'c-num' }, ''),
    h('td', { class: 'c-num' }, money(p.unallocated.amount)),
    h('td', { class: 'c-num' }, `${share(p.unallocated.amount, p.conservation.total)} %`),
  );
  const table = h(
    'table',
    { class: 'targets' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Target', 'Name', 'Cost center', `Cost ${p.currency}`, 'Markup', 'Charged', 'Share'].map((l, i) =>
          h('th', { class: i >= 3 ? 'c-num' : 'c-text', scope: 'col' }, l),
        ),
      ),
    ),
    h('tbody', {}, ...rows, unallocatedRow),
    h(
      'tfoot',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'c-id', scope: 'row' }, 'total'),
        h('td', { colspan: 2 }),
        h('td', { class: 'c-num', 'data-snapshot': 'total' }, money(p.conservation.total)),
        h('td', { colspan: 3 }),
      ),
    ),
  );
  // What no rule took (before `unallocated:` catches it): the lines causing it, one click away.
  const unmatched = h(
    'div',
    { class: 'unmatched' },
    h(
      'p',
      {},
      p.unmatched.lines > 0 || p.unallocated.catchAll
        ? `${count(p.unmatched.lines)} line${p.unmatched.lines === 1 ? '' : 's'} (${money(p.unmatched.amount)} ${p.currency}) match no rule${p.unallocated.catchAll ? `; unallocated: ${p.unallocated.catchAll} takes them and tag values that name no target.` : '.'}`
        : 'Every line matches a rule.',
    ),
    button(
      'Show lines no rule gives a target',
      () => openDrill({ kind: 'unmatched' }, 'Lines no rule gives a target'),
      'drill-unmatched',
      true,
    ),
  );
  const targetOptions = p.targets.map((t) => ({ value: t.id, label: t.id }));
  let newId = '';
  let newName = '';
  let renameFrom = p.targets[0]?.id ?? '';
  let renameTo = '';
  const forms = h(
    'div',
    { class: 'forms' },
    h(
      'div',
      { class: 'form-row' },
      h('label', {}, 'Unallocated money goes to'),
      select(
        [{ value: '', label: '(stays unallocated)' }, ...targetOptions],
        p.unallocated.catchAll ?? '',
        'unallocated-select',
        'Unallocated money goes to',
        (v) => send({ kind: 'setUnallocated', target: v || null }),
      ),
    ),
    h(
      'div',
      { class: 'form-row' },
      h('label', {}, 'New target'),
      textfield('', 'new-target-id', 'New target id', (v) => (newId = v), 'short'),
      textfield('', 'new-target-name', 'New target name', (v) => (newName = v)),
      button('Add target', () => send({ kind: 'addTarget', id: newId.trim(), name: newName }), 'add-target'),
    ),
    h(
      'div',
      { class: 'form-row' },
      h('label', {}, 'Rename target'),
      select(targetOptions, renameFrom, 'rename-from', 'Target to rename', (v) => (renameFrom = v)),
      textfield('', 'rename-to', 'New id', (v) => (renameTo = v), 'short'),
      button(
        'Rename everywhere',
        () => send({ kind: 'renameTarget', from: renameFrom, to: renameTo.trim() }),
        'rename-target',
        true,
      ),
    ),
  );
  const marked = p.targets.filter((t) => !/^-?0\.00$/.test(t.markup));
  // A resold customer is charged more than the cost allocated to it: say which figure each place shows.
  const caption = h(
    'p',
    { class: 'note chart-caption' },
    marked.length > 0
      ? `Bars: what each target is charged, as chargeback allocate prints it; the markup of ${marked.map((t) => t.id).join(', ')} is the lighter part. ` +
          'The table has the allocated cost (before markup) and the markup apart; targets + unallocated = billing total counts the cost.'
      : 'Bars: the cost allocated to each target.',
  );
  return h(
    'div',
    { class: 'panel' },
    barChart(bars, p.currency),
    caption,
    h('div', { class: 'table-scroll' }, table),
    p.budgets && p.budgets.length > 0 ? budgetsSection(p.budgets, p.currency) : null,
    unmatched,
    forms,
  );
}

function destinationEditor(rule: PreviewRule, p: RulesPreview): Node {
  const d = rule.destination;
  const targetOptions = p.targets.map((t) => ({ value: `to:${t.id}`, label: `to ${t.id}` }));
  const methods = [
    { value: 'split:evenly', label: 'split evenly' },
    { value: 'split:percent', label: 'split by percent' },
    { value: 'split:proportional', label: 'split in proportion' },
  ];
  if (d.kind === 'tag') return h('span', { class: 'dest' }, `to the target named by tag ${d.tagKey}`);
  const current = d.kind === 'to' ? `to:${d.target}` : d.kind === 'split' ? `split:${d.method}` : '';
  const chooser = select(
    [...targetOptions, ...methods],
    current,
    `dest-${rule.index}`,
    `Destination of ${rule.name}`,
    (v) => {
      const [kind, arg] = v.split(':');
      if (kind === 'to') send({ kind: 'setTo', rule: rule.index, target: arg });
      else send({ kind: 'setSplitMethod', rule: rule.index, method: arg as 'evenly' | 'percent' | 'proportional' });
    },
  );
  if (d.kind !== 'split') return h('span', { class: 'dest' }, chooser);
  const shares =
    d.method === 'percent'
      ? d.shares.map((s) =>
          h(
            'span',
            { class: 'share' },
            h('span', { class: 'share-target' }, s.target),
            textfield(
              s.percent ?? '',
              `percent-${rule.index}-${s.target}`,
              `Percent of ${s.target} in ${rule.name}`,
              (v) => send({ kind: 'setPercent', rule: rule.index, target: s.target, percent: v.trim() }),
              'percent',
            ),
            '%',
          ),
        )
      : [
          h(
            'span',
            { class: 'share-list' },
            `between ${d.shares.map((s) => s.target).join(', ')}${d.basis ? ` by ${d.basis}` : ''}`,
          ),
        ];
  return h('span', { class: 'dest' }, chooser, ...shares);
}

function rulesPanel(p: RulesPreview): Node {
  const n = p.rules.length;
  const cards = p.rules.map((rule) => {
    const warnings: string[] = [];
    if (rule.shadowedBy !== undefined)
      warnings.push(
        `Takes nothing: rule ${rule.shadowedBy + 1} (${p.rules[rule.shadowedBy]?.name ?? ''}) takes its lines first.`,
      );
    else if (rule.matchesNothing) warnings.push('Matches no billing line.');
    warnings.push(...(rule.warnings ?? []));
    const conditions = rule.conditions.map((c, i) =>
      c.pattern !== undefined
        ? h(
            'span',
            { class: 'cond' },
            h('span', { class: 'cond-key' }, `${c.key}:`),
            textfield(c.pattern, `match-${rule.index}-${i}`, `${c.key} pattern of ${rule.name}`, (v) =>
              send({ kind: 'setMatch', rule: rule.index, field: c.key, pattern: v }),
            ),
          )
        : h('span', { class: 'cond readonly', title: 'Edit this condition in the text' }, c.text),
    );
    return h(
      'article',
      { class: `rule${warnings.length ? ' warn' : ''}`, 'data-rule-index': rule.index, 'data-rule-name': rule.name },
      h(
        'div',
        { class: 'rule-head' },
        h('span', { class: 'rule-no' }, `${rule.index + 1}`),
        h(
          'a',
          {
            href: '#',
            class: 'rule-name',
            onclick: ((e: Event) => {
              e.preventDefault();
              vscode.postMessage({ type: 'revealRules', range: rule.range });
            }) as EventListener,
          },
          rule.name,
        ),
        h('span', { class: 'rule-money amount' }, rule.allocated !== undefined ? money(rule.allocated) : '–'),
        h('span', { class: 'rule-lines' }, rule.lines !== undefined ? `${count(rule.lines)} lines` : ''),
        h(
          'span',
          { class: 'rule-tools' },
          button(
            '↑',
            () => send({ kind: 'moveRule', from: rule.index, to: rule.index - 1 }),
            `up-${rule.index}`,
            true,
            rule.index === 0,
          ),
          button(
            '↓',
            () => send({ kind: 'moveRule', from: rule.index, to: rule.index + 1 }),
            `down-${rule.index}`,
            true,
            rule.index === n - 1,
          ),
          button(
            'Lines',
            () => openDrill({ kind: 'rule', index: rule.index }, drillTitle({ kind: 'rule', index: rule.index }, p)),
            `lines-${rule.index}`,
            true,
          ),
          button(
            'Delete',
            () => send({ kind: 'deleteRule', index: rule.index }),
            `delete-${rule.index}`,
            true,
            n === 1,
          ),
        ),
      ),
      h(
        'div',
        { class: 'rule-body' },
        h('span', { class: 'label' }, 'match'),
        ...conditions,
        h('span', { class: 'label' }, 'then'),
        destinationEditor(rule, p),
      ),
      ...warnings.map((w) => h('p', { class: 'rule-warning' }, w)),
    );
  });
  let name = '';
  let field = 'resourceGroup';
  let pattern = '';
  let to = p.targets[0]?.id ?? '';
  const add = h(
    'div',
    { class: 'form-row add-rule' },
    h('label', {}, 'New rule'),
    textfield('', 'new-rule-name', 'New rule name', (v) => (name = v)),
    select(
      MATCH_FIELDS.map((f) => ({ value: f, label: f })),
      field,
      'new-rule-field',
      'Match field',
      (v) => (field = v),
    ),
    textfield('', 'new-rule-pattern', 'Pattern', (v) => (pattern = v), 'short'),
    select(
      p.targets.map((t) => ({ value: t.id, label: `to ${t.id}` })),
      to,
      'new-rule-to',
      'Target',
      (v) => (to = v),
    ),
    button('Add rule', () => send({ kind: 'addRule', name, field, pattern, to }), 'add-rule'),
  );
  return h(
    'div',
    { class: 'panel' },
    h('p', { class: 'note' }, 'The first rule that matches a line takes it. Ctrl+Z undoes an edit, as in the text.'),
    ...cards,
    add,
  );
}

function problemLink(p: PreviewProblem): Node {
  const where = p.range
    ? `line ${p.range.start.line + 1}`
    : p.file
      ? `${p.file.split(/[\\/]/).pop()}:${p.line ?? ''}`
      : '';
  const link = where
    ? h(
        'a',
        {
          href: '#',
          class: 'where',
          onclick: ((e: Event) => {
            e.preventDefault();
            if (p.range) vscode.postMessage({ type: 'revealRules', range: p.range });
            else if (p.file && p.line) vscode.postMessage({ type: 'revealLine', file: p.file, line: p.line });
          }) as EventListener,
        },
        where,
      )
    : null;
  return h(
    'li',
    { class: `problem ${p.severity}` },
    h('span', { class: 'sev' }, p.severity),
    link,
    h('span', { class: 'msg' }, p.message),
  );
}

function problemsPanel(problems: PreviewProblem[]): Node {
  const files = preview?.files ?? [];
  return h(
    'div',
    { class: 'panel' },
    problems.length
      ? h('ul', { class: 'problems' }, ...problems.map(problemLink))
      : h('p', { class: 'note' }, 'No problems.'),
    h('h3', {}, 'Billing files'),
    h(
      'ul',
      { class: 'files' },
      ...files.map((f) =>
        h(
          'li',
          {},
          h('span', { class: 'c-text' }, f.path),
          ` ${count(f.lines)} lines `,
          button('Check file', () => vscode.postMessage({ type: 'checkFile', file: f.path }), `check-${f.path}`, true),
        ),
      ),
    ),
  );
}

// --- snapshot (what is on screen, read from the DOM) ------------------------------------------------------------

function snapshot(): WebviewSnapshot {
  const text = (el: Element | null) => (el?.textContent ?? '').trim();
  const targets: Record<string, string> = {};
  for (const row of app.querySelectorAll('tr[data-target-id]'))
    targets[row.getAttribute('data-target-id')!] = text(row.querySelector('.amount'));
  const rules: Record<string, string> = {};
  for (const card of app.querySelectorAll('article[data-rule-name]'))
    rules[card.getAttribute('data-rule-name')!] = text(card.querySelector('.amount'));
  const percents: Record<string, string> = {};
  for (const f of app.querySelectorAll('vscode-textfield[data-focus-key^="percent-"]')) {
    percents[f.getAttribute('data-focus-key')!.slice('percent-'.length).replace('-', '/')] = (
      f as HTMLElement & { value: string }
    ).value;
  }
  const charts = [...app.querySelectorAll('svg.chart text.chart-label')].map((l) => text(l));
  const values = [...app.querySelectorAll('svg.chart text.chart-value')].map((v) => text(v));
  const markups = new Map(
    [...app.querySelectorAll('svg.chart text.chart-markup')].map((m) => [Number(m.getAttribute('y')), text(m)]),
  );
  // The chart as read: label -> value, with the markup it includes ("1,245.18 (incl. markup 92.24)").
  const shownChart: Record<string, string> = {};
  [...app.querySelectorAll('svg.chart text.chart-value')].forEach((v, i) => {
    const markup = markups.get(Number(v.getAttribute('y')));
    shownChart[charts[i]] = markup ? `${values[i]} ${markup}` : values[i];
  });
  const budgets: Record<string, Record<string, string>> = {};
  for (const row of app.querySelectorAll('tr[data-budget-target]')) {
    const fields: Record<string, string> = {};
    const detail = row.nextElementSibling;
    for (const el of [
      ...row.querySelectorAll('[data-budget-field]'),
      ...(detail?.querySelectorAll('[data-budget-field]') ?? []),
    ])
      fields[el.getAttribute('data-budget-field')!] = text(el);
    const warning = [...app.querySelectorAll('[data-budget-warning]')]
      .filter((w) => w.getAttribute('data-budget-warning') === row.getAttribute('data-budget-target'))
      .map((w) => text(w));
    if (warning.length > 0) fields.warning = warning.join(' ');
    budgets[row.getAttribute('data-budget-target')!] = fields;
  }
  return {
    status: pending ? 'pending' : (preview?.status ?? 'none'),
    tab: view.tab,
    total: text(app.querySelector('[data-snapshot="total"]')),
    balanced: text(app.querySelector('[data-snapshot="balance"]')).startsWith('✓'),
    targets,
    unallocated: text(app.querySelector('tr[data-unallocated] .amount')),
    chart: shownChart,
    budgets,
    rules,
    percents,
    drill: view.drill
      ? { title: drill.title, total: drill.lineTotal, rows: drill.renderedRows(), first: drill.firstRendered() }
      : undefined,
    errors: [...app.querySelectorAll('[data-snapshot="errors"] li .msg')].map((e) => text(e)),
  };
}

// --- messages -------------------------------------------------------------------------------------------------

window.addEventListener('message', (event) => {
  const m = parseToWebview(event.data);
  if (!m) return;
  switch (m.type) {
    case 'pending':
      pending = true;
      return;
    case 'preview': {
      const first = restored || !preview;
      pending = false;
      restored = false;
      preview = m.preview;
      if (preview?.status === 'ready') lastGood = preview;
      vscode.setState({ view, preview });
      if (view.drill && (first || preview?.status === 'ready'))
        drill.open(drillTitle(view.drill, preview ?? lastGood!), first ? view.drillScroll : 0);
      render();
      return;
    }
    case 'lines': {
      const generation = linesGeneration.get(m.seq);
      linesGeneration.delete(m.seq);
      if (generation !== undefined) drill.receive(generation, m.result);
      return;
    }
    case 'editRefused':
      message = m.message;
      render();
      return;
    case 'snapshot':
      vscode.postMessage({ type: 'snapshotReply', id: m.id, snapshot: snapshot() });
      return;
  }
});

render();
vscode.postMessage({ type: 'ready' });

export type { PreviewLine };
