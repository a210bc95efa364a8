/**
 * The whole allocation result as JSON, for `chargeback allocate --format json` and the JSON export. The names
 * `currency`, `total`, `targets[].id`, `targets[].amount`, `unallocated`, `rules[].name`, `rules[].amount` and
 * `warnings` are a contract (issue 3); everything else may grow. Amounts are decimal strings with two decimals
 * (exact sums keep all their decimals), so no consumer ever parses money as a float.
 */
import type Decimal from 'decimal.js';
import type { TargetBudget } from '../allocation/budgets';
import type { AllocationIssue, AllocationResult, RuleShare } from '../allocation/result';

function c(x: Decimal): string {
  const s = x.toDecimalPlaces(2).toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

function shares(list: RuleShare[]): { rule: string; amount: string; markup?: string }[] {
  return list.map((b) =>
    b.markup.isZero()
      ? { rule: b.rule, amount: c(b.amount) }
      : { rule: b.rule, amount: c(b.amount), markup: c(b.markup) },
  );
}

function issue(i: AllocationIssue): Record<string, unknown> {
  const out: Record<string, unknown> = { code: i.code, severity: i.severity, message: i.message };
  if (i.ruleIndex !== undefined) out['rule'] = i.ruleIndex;
  if (i.source) {
    out['file'] = i.source.file;
    out['line'] = i.source.line;
  }
  if (i.amount) out['amount'] = c(i.amount);
  if (i.range) out['position'] = { line: i.range.start.line + 1, column: i.range.start.character + 1 };
  return out;
}

export interface ResultJson {
  name?: string;
  currency: string;
  amountKind: string;
  period: string;
  total: string;
  sourceTotal: string;
  lines: number;
  targets: {
    id: string;
    name?: string;
    costCenter?: string;
    account?: string;
    amount: string;
    markup: string;
    charged: string;
    rules: { rule: string; amount: string; markup?: string }[];
  }[];
  unallocated: string;
  unallocatedRules: { rule: string; amount: string }[];
  rules: { name: string; amount: string; matched: string; lines: number; shadowedBy?: string }[];
  channels: { name: string; amount: string; lines: number }[];
  warnings: Record<string, unknown>[];
  errors: Record<string, unknown>[];
  /** Budget and forecast per target with a `budget:` (decimal strings). */
  budgets?: TargetBudget[];
}

export function resultToJson(result: AllocationResult): ResultJson {
  return {
    ...(result.name !== undefined ? { name: result.name } : {}),
    currency: result.currency,
    amountKind: result.amountKind,
    period: result.period.label,
    total: c(result.total),
    sourceTotal: result.sourceTotal.toFixed(),
    lines: result.lineCount,
    targets: result.targets.map((t) => ({
      id: t.id,
      ...(t.name !== undefined ? { name: t.name } : {}),
      ...(t.costCenter !== undefined ? { costCenter: t.costCenter } : {}),
      ...(t.account !== undefined ? { account: t.account } : {}),
      amount: c(t.amount),
      markup: c(t.markup),
      charged: c(t.charged),
      rules: shares(t.breakdown),
    })),
    unallocated: c(result.unallocated.amount),
    unallocatedRules: shares(result.unallocated.breakdown),
    rules: result.rules.map((r) => ({
      name: r.name,
      amount: c(r.allocated),
      matched: r.matched.toFixed(),
      lines: r.lines,
      ...(r.shadowedBy !== undefined ? { shadowedBy: result.rules[r.shadowedBy].name } : {}),
    })),
    channels: result.channels.map((ch) => ({ name: ch.label, amount: c(ch.allocated), lines: ch.lines })),
    warnings: result.warnings.map(issue),
    errors: result.errors.map(issue),
    ...(result.budgets && result.budgets.length > 0 ? { budgets: result.budgets } : {}),
  };
}

/** Pretty-printed JSON text with a final newline. */
export function resultJsonText(result: AllocationResult): string {
  return JSON.stringify(resultToJson(result), null, 2) + '\n';
}
