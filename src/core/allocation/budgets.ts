/**
 * Budgets and the month-end forecast per target: each target's allocated cost (markup excluded) against its
 * `budget:`, and a forecast of the month from the days of data present.
 *
 * Forecast method, stated with every figure: run-rate. The cost allocated so far is divided by the days the data
 * covers (first to last usage day) and multiplied by the days of the month. When the data covers the whole month,
 * the forecast is the actual cost. A quarterly budget is measured a third per month, a yearly one a twelfth.
 * Money stays exact: Decimals, rounded to cents only when shown.
 */
import type Decimal from 'decimal.js';
import { Dec, ZERO, formatCents } from '../money';
import type { BudgetDecl, RulesFile } from './model';
import type { Problem } from './problems';
import type { AllocationResult } from './result';

export interface TargetBudget {
  target: string;
  per: BudgetDecl['per'];
  /** The budget as written, and the part of it that applies to one month. */
  budget: string;
  monthBudget: string;
  actual: string;
  /** actual / monthBudget in percent, two decimals ("" for a zero budget). */
  usedPercent: string;
  forecast: string;
  forecastPercent: string;
  forecastMethod: string;
  daysCovered: number;
  daysInMonth: number;
  status: 'within' | 'warning' | 'over';
  forecastStatus: 'within' | 'warning' | 'over';
}

const DIVISOR: Record<BudgetDecl['per'], number> = { month: 1, quarter: 3, year: 12 };

function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000) + 1;
}

function daysInMonth(iso: string): number {
  const [y, m] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function pct(part: Decimal, whole: Decimal): string {
  return whole.isZero() ? '' : part.div(whole).times(100).toDecimalPlaces(2, Dec.ROUND_HALF_UP).toFixed(2);
}

function status(value: Decimal, budget: Decimal, warnAt: Decimal): TargetBudget['status'] {
  if (value.gt(budget)) return 'over';
  return value.gte(budget.times(warnAt).div(100)) ? 'warning' : 'within';
}

/** The budget figures of every target that has a `budget:`. */
export function targetBudgets(model: RulesFile, result: AllocationResult): TargetBudget[] {
  const out: TargetBudget[] = [];
  const start = result.period.start;
  const end = result.period.end ?? start;
  const covered = start && end ? Math.max(1, daysBetween(start, end)) : 0;
  const monthDays = start ? daysInMonth(start) : 0;
  for (const decl of model.targets) {
    const b = decl.budget;
    if (!b) continue;
    const allocated = result.targets.find((t) => t.id === decl.id)?.amount ?? ZERO;
    const monthBudget = b.amount.value.div(DIVISOR[b.per]);
    const complete = covered >= monthDays;
    const forecast = covered === 0 || complete ? allocated : allocated.div(covered).times(monthDays);
    const method =
      covered === 0
        ? 'no dated data: forecast = actual'
        : complete
          ? `the data covers the whole month (${monthDays} days): forecast = actual`
          : `run-rate: actual / ${covered} day${covered === 1 ? '' : 's'} of data x ${monthDays} days`;
    out.push({
      target: decl.id,
      per: b.per,
      budget: formatCents(b.amount.value),
      monthBudget: formatCents(monthBudget),
      actual: formatCents(allocated),
      usedPercent: pct(allocated, monthBudget),
      forecast: formatCents(forecast),
      forecastPercent: pct(forecast, monthBudget),
      forecastMethod: method,
      daysCovered: covered,
      daysInMonth: monthDays,
      status: status(allocated, monthBudget, b.warnAt?.value ?? new Dec(100)),
      forecastStatus: status(forecast, monthBudget, b.forecastWarnAt?.value ?? new Dec(100)),
    });
  }
  return out;
}

/** Warnings on the `budget:` of targets whose cost or forecast reached their threshold. */
export function budgetProblems(model: RulesFile, result: AllocationResult): Problem[] {
  const problems: Problem[] = [];
  const c = result.currency ? `${result.currency} ` : '';
  for (const b of targetBudgets(model, result)) {
    const decl = model.targets.find((t) => t.id === b.target)!;
    const per =
      b.per === 'month'
        ? 'monthly budget'
        : `month's share of the ${b.per === 'quarter' ? 'quarterly' : 'yearly'} budget`;
    if (b.status !== 'within') {
      problems.push({
        code: 'budget-reached',
        severity: 'warning',
        range: decl.budget!.range,
        message:
          `Target '${b.target}' has been allocated ${c}${b.actual}, ${b.usedPercent}% of its ${per} ` +
          `${c}${b.monthBudget}${b.status === 'over' ? ': over budget' : ''}.`,
      });
    }
    if (b.forecastStatus !== 'within' && b.forecast !== b.actual) {
      problems.push({
        code: 'budget-forecast',
        severity: 'warning',
        range: decl.budget!.range,
        message:
          `Target '${b.target}' is forecast at ${c}${b.forecast} for the month (${b.forecastMethod}), ` +
          `${b.forecastPercent}% of its ${per} ${c}${b.monthBudget}.`,
      });
    }
  }
  return problems;
}

/** The code lens text next to a target: allocated against budget, and the forecast while the month is open. */
export function budgetLensText(b: TargetBudget, currency: string): string {
  const c = currency ? `${currency} ` : '';
  const open =
    b.forecast !== b.actual
      ? ` · forecast ${c}${b.forecast} (${b.forecastPercent}%, run-rate of ${b.daysCovered} ` +
        `day${b.daysCovered === 1 ? '' : 's'})`
      : '';
  return (
    `budget ${c}${b.monthBudget}${b.per === 'month' ? '' : ` (of ${c}${b.budget} per ${b.per})`}: ` +
    `${b.usedPercent}% ` +
    `used${b.status === 'over' ? ', over' : b.status === 'warning' ? ', past its warning threshold' : ''}${open}`
  );
}
