/**
 * Problems found in a rules file: values, never exceptions. Every problem carries the exact range of the key or
 * value it is about (0-based line and character, as the language server needs them), a stable code that tests
 * and quick fixes can rely on, and a message written for the FinOps engineer who wrote the file.
 */

export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based character (UTF-16 code unit) within the line. */
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export type ProblemCode =
  // text and YAML
  | 'yaml-syntax'
  | 'yaml-warning'
  | 'too-large'
  | 'too-deep'
  | 'too-many-aliases'
  | 'too-many-nodes'
  | 'merge-key'
  // structure
  | 'version-missing'
  | 'version-unsupported'
  | 'unknown-key'
  | 'wrong-type'
  | 'missing-key'
  | 'empty-value'
  // targets and references
  | 'unknown-target'
  | 'duplicate-target'
  | 'duplicate-reference'
  // rules
  | 'duplicate-rule-name'
  | 'rule-without-name'
  | 'empty-match'
  | 'empty-glob-list'
  | 'to-and-split'
  | 'no-destination'
  | 'split-method'
  | 'percent-sum'
  | 'percent-negative'
  | 'basis-without-proportional'
  | 'invalid-glob'
  | 'literal-glob-character'
  // hardening: where data may come from, what ids and markups may be
  | 'data-outside-folder'
  | 'data-not-regular-file'
  | 'data-entry-skipped'
  | 'confusable-id'
  | 'markup-out-of-range'
  | 'undefined-alias'
  | 'invalid-value'
  | 'invalid-enum'
  | 'invalid-number'
  | 'reserved-section'
  | 'setting-ignored'
  // data-dependent (validateAgainstData)
  | 'data-glob-no-file'
  | 'unknown-subscription'
  | 'rule-matches-nothing'
  | 'rule-shadowed'
  | 'glob-matches-no-value'
  | 'currency-mix'
  | 'currency-no-lines'
  | 'tag-value-no-target'
  | 'tag-missing'
  | 'target-receives-nothing'
  | 'weights-all-zero'
  | 'weights-negative'
  | 'amount-fallback'
  | 'commitment-unused'
  | 'commitment-usage-without-retail'
  | 'currency-filtered'
  | 'no-lines'
  | 'tag-key-not-in-data'
  | 'budget-period'
  | 'budget-reached'
  | 'budget-forecast';

export interface Problem {
  code: ProblemCode;
  severity: Severity;
  message: string;
  range: Range;
}

export const ZERO_RANGE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Orders problems as an editor lists them: by position, then errors before warnings before infos. */
export function sortProblems(problems: Problem[]): Problem[] {
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return [...problems].sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      rank[a.severity] - rank[b.severity],
  );
}

/** Formats a problem as `file:line:col: severity: message (code)` with 1-based line and column, as compilers do. */
export function formatProblem(file: string, p: Problem): string {
  return `${file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity}: ${p.message} (${p.code})`;
}
