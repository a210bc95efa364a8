/**
 * Diagnostics of a rules file: its parse and structure problems, then (after the billing data was read) the
 * data-dependent problems and the issues reading the data, which sit on `data:`.
 */
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { ParsedRules } from '../../core/allocation/parseRules';
import { toRange } from './ranges';
import type { RulesData } from './rulesData';

/** The `source` of every rules diagnostic. */
export const RULES_SOURCE = 'chargeback-rules';

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
} as const;

/** At most this many data-reading issues become diagnostics; the CLI lists them all. */
const MAX_ISSUE_DIAGNOSTICS = 20;

export function rulesDiagnostics(parsed: ParsedRules, data?: RulesData): Diagnostic[] {
  const problems = [...parsed.problems, ...(data?.problems ?? [])];
  const diagnostics: Diagnostic[] = problems.map((p) => ({
    range: toRange(p.range),
    severity: SEVERITY[p.severity],
    code: p.code,
    source: RULES_SOURCE,
    message: p.message,
  }));
  const issues = data?.issues ?? [];
  const at = parsed.model.keyRanges['data'];
  if (at && issues.length > 0) {
    for (const issue of issues.slice(0, MAX_ISSUE_DIAGNOSTICS)) {
      diagnostics.push({
        range: toRange(at),
        severity: SEVERITY[issue.severity],
        code: 'data-issue',
        source: RULES_SOURCE,
        message: issue.message,
      });
    }
    if (issues.length > MAX_ISSUE_DIAGNOSTICS) {
      diagnostics.push({
        range: toRange(at),
        severity: DiagnosticSeverity.Information,
        code: 'data-issue',
        source: RULES_SOURCE,
        message: `${issues.length - MAX_ISSUE_DIAGNOSTICS} more issues reading the billing data: \`chargeback allocate\` lists them all.`,
      });
    }
  }
  return diagnostics;
}
