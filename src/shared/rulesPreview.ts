/**
 * What the rules editor asks the language server: the preview of a rules file on its billing data (where every
 * cent goes, per target and per rule, what stays unallocated and why, the conservation check, the problems) and
 * pages of the billing lines behind one target or rule. Imported by the server, the extension and the webview, so
 * the three agree on every field. Amounts are strings of whole cents ("1234.56"), exactly as the engine rounded
 * them: nothing on the way re-computes money with floats.
 */
import { RequestType } from 'vscode-jsonrpc';

export interface RulesPreviewParams {
  uri: string;
  /** The text changed by an edit in the visual editor (not typing): analyse at once, without the typing pause. */
  immediate?: boolean;
}

/** 0-based line and UTF-16 character, as LSP and VS Code count. */
export interface PreviewRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface PreviewTarget {
  id: string;
  name?: string;
  costCenter?: string;
  /** Cost charged to the target. */
  amount: string;
  markup: string;
  /** amount + markup. */
  charged: string;
  /** Where the id is declared in the rules file. */
  range: PreviewRange;
  /** The catch-all of `unallocated:`. */
  catchAll: boolean;
}

/**
 * A target's budget and month-end forecast: the figures of core/allocation/budgets, which the code lens and
 * `chargeback allocate` print, plus the lens's own text, so the webview shows them word for word.
 */
export interface PreviewBudget {
  target: string;
  per: 'month' | 'quarter' | 'year';
  /** The budget as written, and the part of it that applies to one month (a third of a quarter, a twelfth of a year). */
  budget: string;
  monthBudget: string;
  /** Allocated cost, before markup: the budget measures cost. */
  actual: string;
  usedPercent: string;
  /** The thresholds in percent of the month's budget, on the actual and on the forecast (100 when none is set). */
  warnAt: string;
  forecastWarnAt: string;
  forecast: string;
  forecastPercent: string;
  /** How the forecast was made, in words ("linear fit over 12 days: ..."). */
  forecastMethod: string;
  daysCovered: number;
  daysInMonth: number;
  status: 'within' | 'warning' | 'over';
  forecastStatus: 'within' | 'warning' | 'over';
  /** A whole month: its mid-month forecast against its actual; `text` is the CLI's sentence. */
  forecastCheck?: {
    asOfDay: number;
    forecast: string;
    method: string;
    actual: string;
    errorPercent: string;
    good: boolean;
    text: string;
  };
  /** The code lens next to the target in the text, and its hover. */
  lens: string;
  tooltip: string;
}

export type PreviewDestination =
  | { kind: 'to'; target: string }
  | { kind: 'tag'; tagKey: string }
  | {
      kind: 'split';
      method: 'evenly' | 'percent' | 'proportional';
      shares: { target: string; percent?: string }[];
      basis?: string;
    }
  | { kind: 'none' };

export interface PreviewCondition {
  /** The match key as written (`resourceGroup`, `tag`, `not`). */
  key: string;
  /** The condition as the rules file writes it, for display. */
  text: string;
  /** Patterns of a field condition with one pattern: the visual editor can change it in place. */
  pattern?: string;
}

export interface PreviewRule {
  index: number;
  name: string;
  range: PreviewRange;
  conditions: PreviewCondition[];
  destination: PreviewDestination;
  /** Lines whose first matching rule this is (absent until the data has been read). */
  lines?: number;
  /** Money the rule carried, whole cents. */
  allocated?: string;
  /** The rule takes no line although some matched it: the earlier rule (0-based) that took them. */
  shadowedBy?: number;
  /** No line of the data matches the rule at all. */
  matchesNothing?: boolean;
  /** What the allocation says about this rule (a tag value that names no target, weights that are all zero...). */
  warnings?: string[];
}

export interface PreviewProblem {
  severity: 'error' | 'warning' | 'info';
  code?: string;
  message: string;
  /** Where in the rules file (rules and data-dependent problems). */
  range?: PreviewRange;
  /** Where in a billing file (problems reading the data): absolute path and 1-based line. */
  file?: string;
  line?: number;
}

/** A billing line as the drill-down shows it. */
export interface PreviewLine {
  file: string;
  /** 1-based line of the record in its file. */
  line: number;
  date: string;
  customer: string;
  subscription: string;
  resourceGroup: string;
  meterCategory: string;
  meterName: string;
  /** The line's amount as the rules allocate it (the `amount:` kind), exact as in the file. */
  amount: string;
  /** The rule that takes the line, or "(no rule)". */
  rule: string;
}

export interface RulesPreview {
  uri: string;
  /**
   * ready: allocated. rules-errors: the rules have errors, nothing is evaluated (the rule outline still comes).
   * no-data: `data:` names no readable billing line. not-allocatable: the data cannot be allocated as a whole
   * (`problems` says why). not-on-disk: an unsaved file has no folder for `data:`.
   */
  status: 'ready' | 'rules-errors' | 'no-data' | 'not-allocatable' | 'not-on-disk';
  name?: string;
  currency: string;
  amountKind: string;
  period: string;
  /** Billing lines read (rows of the files), and the files with their lines. */
  lineCount: number;
  files: { path: string; lines: number }[];
  targets: PreviewTarget[];
  rules: PreviewRule[];
  /** Budget and forecast of each target that has a `budget:`, in the order of `targets`. */
  budgets?: PreviewBudget[];
  /** Money no target took. `catchAll` names the `unallocated:` target that took unmatched money instead. */
  unallocated: { amount: string; catchAll?: string; lines: number; byRule: { rule: string; amount: string }[] };
  /** Money no rule took (before `unallocated:` catches it), the lines, and what they have in common. */
  unmatched: { amount: string; lines: number };
  /** targets + unallocated = total, to the cent. */
  conservation: { targets: string; unallocated: string; total: string; balanced: boolean };
  problems: PreviewProblem[];
  /** Milliseconds the server spent on the analysis that this preview shows. */
  analysisMs?: number;
  /**
   * Open for later additions (per-target budgets, month-close state, ...): the webview shows what it knows and
   * ignores fields it does not.
   */
  extensions?: Record<string, unknown>;
}

export type LinesOf = { kind: 'target'; id: string } | { kind: 'rule'; index: number } | { kind: 'unmatched' };

export interface RulesLinesParams {
  uri: string;
  of: LinesOf;
  offset: number;
  count: number;
}

export interface RulesLinesResult {
  /** All lines of the selection (the table's height), and the page asked for. */
  total: number;
  offset: number;
  lines: PreviewLine[];
  /** Why there are none or what they are (for example: amounts are the lines' own, before splits divide them). */
  note?: string;
}

/** Client -> server request: the preview of an open rules document, once the pending analysis has finished. */
export const RulesPreviewRequest = new RequestType<RulesPreviewParams, RulesPreview | null, void>(
  'chargeback/rulesPreview',
);
/** Client -> server request: one page of the billing lines of a target, a rule or the unmatched money. */
export const RulesLinesRequest = new RequestType<RulesLinesParams, RulesLinesResult, void>('chargeback/rulesLines');
