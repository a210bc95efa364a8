/**
 * Every message between the rules editor's webview and the extension, in one typed protocol that both sides import,
 * with the checks each side runs on what it receives: a message of an unknown shape is dropped, never half-used (a
 * webview is a web page; the extension treats what comes from it as untrusted input). Also the webview's saved view
 * state (tab, drill-down, scroll), restored after a window reload without keeping the webview alive when hidden.
 */
import type { RulesEdit } from '../core/allocation/rulesEdits';
import type { LinesOf, PreviewRange, RulesLinesResult, RulesPreview } from './rulesPreview';

export type { RulesEdit } from '../core/allocation/rulesEdits';

export type FromWebview =
  | { type: 'ready' }
  | { type: 'edit'; edit: RulesEdit }
  | { type: 'lines'; seq: number; of: LinesOf; offset: number; count: number }
  | { type: 'revealRules'; range: PreviewRange }
  | { type: 'revealLine'; file: string; line: number }
  | { type: 'openText' }
  | { type: 'checkFile'; file: string }
  | { type: 'snapshotReply'; id: number; snapshot: WebviewSnapshot };

export type ToWebview =
  | { type: 'preview'; version: number; preview: RulesPreview | null }
  | { type: 'pending'; version: number }
  | { type: 'lines'; seq: number; result: RulesLinesResult }
  | { type: 'editRefused'; message: string }
  | { type: 'snapshot'; id: number };

/** What the webview shows, read back from its DOM (integration tests ask for it; it reveals nothing new). */
export interface WebviewSnapshot {
  status: string;
  tab: string;
  total: string;
  balanced: boolean;
  /** Target id -> amount text as rendered. */
  targets: Record<string, string>;
  unallocated: string;
  /** Chart bar label -> its value as rendered ("1,245.18 (incl. markup 92.24)" for a target with a markup). */
  chart: Record<string, string>;
  /** Target id -> the budget section's fields as rendered (budget, actual, used, forecast, method, check...). */
  budgets: Record<string, Record<string, string>>;
  /** Rule name -> amount text as rendered. */
  rules: Record<string, string>;
  /** Percent fields as rendered: "<rule index>/<target>" -> value. */
  percents: Record<string, string>;
  /** The drill-down: its title, all its lines, the rows in the DOM, and where the first row is (file:line). */
  drill?: { title: string; total: number; rows: number; first?: string };
  errors: string[];
}

/** The webview's own state, kept by VS Code across reloads (getState / setState). */
export interface ViewState {
  tab: 'targets' | 'rules' | 'problems';
  drill?: LinesOf;
  drillScroll: number;
}

export const INITIAL_VIEW_STATE: ViewState = { tab: 'targets', drillScroll: 0 };

// --- checks --------------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 10_000): v is string => typeof v === 'string' && v.length <= max;
const isInt = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const hasOnly = (o: Obj, keys: string[]): boolean => Object.keys(o).every((k) => keys.includes(k));

function isPosition(v: unknown): boolean {
  return isObj(v) && isInt(v.line) && isInt(v.character) && hasOnly(v, ['line', 'character']);
}

export function isRange(v: unknown): v is PreviewRange {
  return isObj(v) && isPosition(v.start) && isPosition(v.end) && hasOnly(v, ['start', 'end']);
}

export function isLinesOf(v: unknown): v is LinesOf {
  if (!isObj(v)) return false;
  if (v.kind === 'target') return isStr(v.id, 200) && hasOnly(v, ['kind', 'id']);
  if (v.kind === 'rule') return isInt(v.index, 0, 100_000) && hasOnly(v, ['kind', 'index']);
  if (v.kind === 'unmatched') return hasOnly(v, ['kind']);
  return false;
}

const EDIT_FIELDS: Record<RulesEdit['kind'], Record<string, 'string' | 'int' | 'target?'>> = {
  addRule: { name: 'string', field: 'string', pattern: 'string', to: 'string' },
  moveRule: { from: 'int', to: 'int' },
  deleteRule: { index: 'int' },
  setMatch: { rule: 'int', field: 'string', pattern: 'string' },
  setTo: { rule: 'int', target: 'string' },
  setSplitMethod: { rule: 'int', method: 'string' },
  setPercent: { rule: 'int', target: 'string', percent: 'string' },
  addTarget: { id: 'string', name: 'string' },
  renameTarget: { from: 'string', to: 'string' },
  setUnallocated: { target: 'target?' },
};

export function isRulesEdit(v: unknown): v is RulesEdit {
  if (!isObj(v) || typeof v.kind !== 'string' || !Object.hasOwn(EDIT_FIELDS, v.kind)) return false;
  const fields = EDIT_FIELDS[v.kind as RulesEdit['kind']];
  if (!hasOnly(v, ['kind', ...Object.keys(fields)])) return false;
  for (const [name, kind] of Object.entries(fields)) {
    const value = v[name];
    if (kind === 'string' && !isStr(value, 1000)) return false;
    if (kind === 'int' && !isInt(value, 0, 100_000)) return false;
    if (kind === 'target?' && value !== null && !isStr(value, 200)) return false;
  }
  if (v.kind === 'setSplitMethod' && !['evenly', 'percent', 'proportional'].includes(v.method as string)) return false;
  return true;
}

function isSnapshot(v: unknown): v is WebviewSnapshot {
  const strMap = (m: unknown) => isObj(m) && Object.values(m).every((x) => isStr(x, 100));
  return (
    isObj(v) &&
    isStr(v.status, 100) &&
    isStr(v.tab, 100) &&
    isStr(v.total, 100) &&
    typeof v.balanced === 'boolean' &&
    strMap(v.targets) &&
    isStr(v.unallocated, 100) &&
    strMap(v.chart) &&
    isObj(v.budgets) &&
    Object.values(v.budgets).every((b) => isObj(b) && Object.values(b).every((x) => isStr(x, 2000))) &&
    strMap(v.rules) &&
    strMap(v.percents) &&
    Array.isArray(v.errors) &&
    v.errors.every((e) => isStr(e, 2000))
  );
}

/** The extension's check of a message from the webview: the message, or undefined for anything else. */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  if (!isObj(raw) || typeof raw.type !== 'string') return undefined;
  const m = raw;
  switch (m.type) {
    case 'ready':
    case 'openText':
      return hasOnly(m, ['type']) ? (m as FromWebview) : undefined;
    case 'edit':
      return hasOnly(m, ['type', 'edit']) && isRulesEdit(m.edit) ? (m as FromWebview) : undefined;
    case 'lines':
      return hasOnly(m, ['type', 'seq', 'of', 'offset', 'count']) &&
        isInt(m.seq) &&
        isLinesOf(m.of) &&
        isInt(m.offset) &&
        isInt(m.count, 0, 10_000)
        ? (m as FromWebview)
        : undefined;
    case 'revealRules':
      return hasOnly(m, ['type', 'range']) && isRange(m.range) ? (m as FromWebview) : undefined;
    case 'revealLine':
      return hasOnly(m, ['type', 'file', 'line']) && isStr(m.file, 4096) && isInt(m.line, 1)
        ? (m as FromWebview)
        : undefined;
    case 'checkFile':
      return hasOnly(m, ['type', 'file']) && isStr(m.file, 4096) ? (m as FromWebview) : undefined;
    case 'snapshotReply':
      return hasOnly(m, ['type', 'id', 'snapshot']) && isInt(m.id) && isSnapshot(m.snapshot)
        ? (m as FromWebview)
        : undefined;
    default:
      return undefined;
  }
}

/** The webview's check of a message from the extension (the preview's inner shape is the server's, typed). */
export function parseToWebview(raw: unknown): ToWebview | undefined {
  if (!isObj(raw) || typeof raw.type !== 'string') return undefined;
  const m = raw;
  switch (m.type) {
    case 'preview':
      return isInt(m.version) &&
        (m.preview === null || (isObj(m.preview) && Array.isArray(m.preview.targets) && Array.isArray(m.preview.rules)))
        ? (m as ToWebview)
        : undefined;
    case 'pending':
      return isInt(m.version) ? (m as ToWebview) : undefined;
    case 'lines':
      return isInt(m.seq) && isObj(m.result) && isInt(m.result.total) && Array.isArray(m.result.lines)
        ? (m as ToWebview)
        : undefined;
    case 'editRefused':
      return isStr(m.message) ? (m as ToWebview) : undefined;
    case 'snapshot':
      return isInt(m.id) ? (m as ToWebview) : undefined;
    default:
      return undefined;
  }
}

/** The saved state as VS Code hands it back (it may be from an older version, or nothing): always a usable state. */
export function restoreViewState(raw: unknown): ViewState {
  if (!isObj(raw)) return { ...INITIAL_VIEW_STATE };
  const tab = raw.tab === 'rules' || raw.tab === 'problems' || raw.tab === 'targets' ? raw.tab : INITIAL_VIEW_STATE.tab;
  const drill = isLinesOf(raw.drill) ? raw.drill : undefined;
  const drillScroll =
    typeof raw.drillScroll === 'number' && Number.isFinite(raw.drillScroll) && raw.drillScroll >= 0
      ? raw.drillScroll
      : 0;
  return { tab, drill, drillScroll: drill ? drillScroll : 0 };
}

/** Rows of the drill-down table to render for a scroll position: only the visible ones, plus a margin. */
export function visibleRows(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  total: number,
  margin = 10,
): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - margin);
  const last = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + margin);
  return { first, last: Math.max(first, last) };
}
