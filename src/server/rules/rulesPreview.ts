/**
 * The rules editor's preview, made from what the rules service already knows after an analysis (the parse, the
 * allocation result, the data problems): nothing is allocated again here, so the preview shows the very numbers
 * the code lenses, the exports and `chargeback allocate` show. A plain function of its inputs, unit-tested as such.
 */
import Decimal from 'decimal.js';
import type { ParsedRules } from '../../core/allocation/parseRules';
import type { CostLineIssue } from '../../core/allocation/costLines';
import type { MatchCondition, MatchMap, RuleDecl } from '../../core/allocation/model';
import { formatCents } from '../../core/money';
import { budgetLensText, budgetLensTooltip, forecastCheckText } from '../../core/allocation/budgets';
import type { AllocationResult } from '../../core/allocation/result';
import type {
  PreviewBudget,
  PreviewCondition,
  PreviewDestination,
  PreviewProblem,
  PreviewRule,
  RulesPreview,
} from '../../shared/rulesPreview';
import type { RulesData } from './rulesData';

/** Problems listed at most (the Problems panel and `chargeback allocate` have them all). */
const MAX_PROBLEMS = 200;

export interface PreviewInput {
  uri: string;
  parsed: ParsedRules;
  data?: RulesData;
  issues?: CostLineIssue[];
  analysisMs?: number;
}

function conditionText(c: MatchCondition): string {
  if (c.kind === 'field') return `${c.field}: ${c.globs.map((g) => g.value).join(' | ')}`;
  if (c.kind === 'tag') return `tag ${c.tagKey}: ${c.globs.map((g) => g.value).join(' | ')}`;
  return `not (${mapText(c.map)})`;
}

function mapText(map: MatchMap): string {
  return map.conditions.map(conditionText).join(', ');
}

function conditions(rule: RuleDecl): PreviewCondition[] {
  return (rule.match?.conditions ?? []).map((c) => ({
    key: c.kind === 'field' ? c.field : c.kind,
    text: conditionText(c),
    pattern: c.kind === 'field' && c.globs.length === 1 ? c.globs[0].value : undefined,
  }));
}

function destination(rule: RuleDecl): PreviewDestination {
  if (rule.to?.kind === 'target') return { kind: 'to', target: rule.to.target.value };
  if (rule.to?.kind === 'tag') return { kind: 'tag', tagKey: rule.to.tagKey.value };
  if (rule.split) {
    return {
      kind: 'split',
      method: rule.split.method,
      shares: rule.split.shares.map((s) => ({
        target: s.target.value,
        percent: s.percent ? s.percent.value.toFixed() : undefined,
      })),
      basis: rule.split.basis?.value,
    };
  }
  return { kind: 'none' };
}

/** Each budget as the code lens and `chargeback allocate` show it, with the thresholds the rules set. */
function budgets(model: ParsedRules['model'], result: AllocationResult): PreviewBudget[] {
  const currency = result.currency;
  return (result.budgets ?? []).map((b) => {
    const decl = model.targets.find((t) => t.id === b.target)?.budget;
    const check = b.forecastCheck;
    return {
      target: b.target,
      per: b.per,
      budget: b.budget,
      monthBudget: b.monthBudget,
      actual: b.actual,
      usedPercent: b.usedPercent,
      warnAt: decl?.warnAt?.value.toFixed() ?? '100',
      forecastWarnAt: decl?.forecastWarnAt?.value.toFixed() ?? '100',
      forecast: b.forecast,
      forecastPercent: b.forecastPercent,
      forecastMethod: b.forecastMethod,
      daysCovered: b.daysCovered,
      daysInMonth: b.daysInMonth,
      status: b.status,
      forecastStatus: b.forecastStatus,
      ...(check ? { forecastCheck: { ...check, text: forecastCheckText(check, currency) } } : {}),
      lens: budgetLensText(b, currency),
      tooltip: budgetLensTooltip(b, currency),
    };
  });
}

export function buildRulesPreview(input: PreviewInput): RulesPreview {
  const { parsed, data } = input;
  const model = parsed.model;
  const result = data?.result;
  const currency = result?.currency ?? model.currency?.value ?? '';
  const catchAll = model.unallocated?.value;
  const byId = new Map((result?.targets ?? []).map((t) => [t.id.toLowerCase(), t]));
  const targets = model.targets.map((t) => {
    const r = byId.get(t.id.toLowerCase());
    return {
      id: t.id,
      name: t.name?.value,
      costCenter: t.costCenter?.value,
      amount: r ? formatCents(r.amount) : '0.00',
      markup: r ? formatCents(r.markup) : '0.00',
      charged: r ? formatCents(r.charged) : '0.00',
      range: t.idRange,
      catchAll: !!catchAll && catchAll.toLowerCase() === t.id.toLowerCase(),
    };
  });
  const rules: PreviewRule[] = model.rules.map((rule) => {
    const r = result?.rules[rule.index];
    return {
      index: rule.index,
      name: rule.name,
      range: rule.nameRange ?? rule.range,
      conditions: conditions(rule),
      destination: destination(rule),
      lines: r?.lines,
      allocated: r ? formatCents(r.allocated) : undefined,
      shadowedBy: r?.shadowedBy,
      matchesNothing: r ? !r.matchedAnyLine : undefined,
      warnings: (result?.warnings ?? [])
        .filter((w) => w.ruleIndex === rule.index && w.severity !== 'info')
        .map((w) => w.message),
    };
  });

  const problems: PreviewProblem[] = [];
  for (const p of [...parsed.problems, ...(data?.problems ?? [])]) {
    problems.push({ severity: p.severity, code: p.code, message: p.message, range: p.range });
  }
  for (const i of [...(result?.errors ?? []), ...(result?.warnings ?? [])]) {
    problems.push({
      severity: i.severity,
      code: i.code,
      message: i.message,
      range: i.range,
      file: i.source?.file,
      line: i.source?.line,
    });
  }
  for (const i of input.issues ?? []) {
    if (i.severity === 'info') continue;
    problems.push({ severity: i.severity, code: i.code, message: i.message, file: i.file, line: i.line });
  }
  const rank = { error: 0, warning: 1, info: 2 } as const;
  problems.sort((a, b) => rank[a.severity] - rank[b.severity]);

  const zero = new Decimal(0);
  const targetSum = (result?.targets ?? []).reduce((s, t) => s.plus(t.amount), zero);
  const unallocated = result?.unallocated.amount ?? zero;
  const total = result?.total ?? zero;
  const status: RulesPreview['status'] = !input.uri.startsWith('file:')
    ? 'not-on-disk'
    : parsed.hasErrors
      ? 'rules-errors'
      : !result || result.lineCount === 0
        ? 'no-data'
        : !result.ok
          ? 'not-allocatable'
          : 'ready';
  return {
    uri: input.uri,
    status,
    name: model.name?.value,
    currency,
    amountKind: model.amount,
    period: result?.period.label ?? model.period?.value ?? '',
    lineCount: result?.lineCount ?? data?.harvest?.lines ?? 0,
    files: (data?.harvest?.files ?? data?.files.map((f) => ({ file: f, lines: 0 })) ?? []).map((f) => ({
      path: f.file,
      lines: f.lines,
    })),
    targets,
    rules,
    ...(result?.budgets && result.budgets.length > 0 ? { budgets: budgets(model, result) } : {}),
    unallocated: {
      amount: formatCents(unallocated),
      catchAll,
      lines: result?.unmatched.lines ?? 0,
      byRule: (result?.unallocated.breakdown ?? []).map((b) => ({ rule: b.rule, amount: formatCents(b.amount) })),
    },
    unmatched: { amount: formatCents(result?.unmatched.amount ?? zero), lines: result?.unmatched.lines ?? 0 },
    conservation: {
      targets: formatCents(targetSum),
      unallocated: formatCents(unallocated),
      total: formatCents(total),
      balanced: targetSum.plus(unallocated).eq(total),
    },
    problems: problems.slice(0, MAX_PROBLEMS),
    analysisMs: input.analysisMs,
  };
}
