/**
 * Budgets and the month-end forecast per target: each target's allocated cost (markup excluded) against its
 * `budget:`, and a forecast of the month from the days of data present.
 *
 * Forecast method, stated with every figure. With a per-day series of the target's allocated cost (each day's lines
 * allocated on their own, see rulesRun): from 10 days on, a least-squares line through the cumulative cost by day,
 * whose daily rate carries the actual cost to the month's end; before that, the run-rate of the last (up to 7) days
 * for the days left. Without a series (data too big to read twice): the run-rate of all days covered. When the data
 * covers the whole month the forecast is the actual cost. A quarterly budget is measured a third per month, a yearly
 * one a twelfth.
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

/** Days of the series used by the run-rate before a line can be fitted, and the days a fit needs. */
const RUN_RATE_DAYS = 7;
const FIT_FROM_DAYS = 10;

/** Each target's allocated cost per usage day (target id -> ISO date -> amount). */
export type DailyCosts = Map<string, Map<string, Decimal>>;

function forecastFromSeries(
  actual: Decimal,
  days: Map<string, Decimal>,
  monthDays: number,
  start: string,
): { forecast: Decimal; method: string } {
  const first = Date.parse(`${start.slice(0, 8)}01T00:00:00Z`);
  const points = [...days.entries()]
    .map(([d, v]) => ({ x: Math.round((Date.parse(`${d}T00:00:00Z`) - first) / 86_400_000) + 1, v }))
    .sort((a, b) => a.x - b.x);
  const lastDay = points.length > 0 ? points[points.length - 1].x : 0;
  const left = Math.max(0, monthDays - lastDay);
  if (points.length >= FIT_FROM_DAYS) {
    // Least squares through (day, cumulative cost), exact in Decimals; its slope is the fitted daily rate.
    let cum = ZERO;
    const xy = points.map((p) => ({ x: new Dec(p.x), y: (cum = cum.plus(p.v)) }));
    const n = new Dec(xy.length);
    const mx = xy.reduce((s, p) => s.plus(p.x), ZERO).div(n);
    const my = xy.reduce((s, p) => s.plus(p.y), ZERO).div(n);
    const sxx = xy.reduce((s, p) => s.plus(p.x.minus(mx).pow(2)), ZERO);
    const sxy = xy.reduce((s, p) => s.plus(p.x.minus(mx).times(p.y.minus(my))), ZERO);
    const slope = sxx.isZero() ? ZERO : sxy.div(sxx);
    return {
      forecast: actual.plus(slope.times(left)),
      method: `linear fit over ${points.length} days: actual + ${formatCents(slope)} a day x ${left} days left`,
    };
  }
  const recent = points.slice(-RUN_RATE_DAYS);
  const span = recent.length > 0 ? recent[recent.length - 1].x - recent[0].x + 1 : 1;
  const rate = recent.reduce((s, p) => s.plus(p.v), ZERO).div(span);
  return {
    forecast: actual.plus(rate.times(left)),
    method: `run-rate of the last ${span} day${span === 1 ? '' : 's'}: actual + ${formatCents(rate)} a day x ${left} days left`,
  };
}

/** The budget figures of every target that has a `budget:`; `daily` gives the per-day series when known. */
export function targetBudgets(model: RulesFile, result: AllocationResult, daily?: DailyCosts): TargetBudget[] {
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
    const series = daily?.get(decl.id);
    const fromSeries =
      !complete && covered > 0 && series && start ? forecastFromSeries(allocated, series, monthDays, start) : undefined;
    const forecast = fromSeries
      ? fromSeries.forecast
      : covered === 0 || complete
        ? allocated
        : allocated.div(covered).times(monthDays);
    const method = fromSeries
      ? fromSeries.method
      : covered === 0
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
      ? ` · forecast ${c}${b.forecast} (${b.forecastPercent}%, ${b.forecastMethod.split(':')[0]})`
      : '';
  return (
    `budget ${c}${b.monthBudget}${b.per === 'month' ? '' : ` (of ${c}${b.budget} per ${b.per})`}: ` +
    `${b.usedPercent}% ` +
    `used${b.status === 'over' ? ', over' : b.status === 'warning' ? ', past its warning threshold' : ''}${open}`
  );
}
