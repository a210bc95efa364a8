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
 * Forecast check ("a month later, the forecast's error against the actual"): once the data covers a whole month, the
 * forecast the same method gives from that month's first 15 days (mid-month: the per-day series cut after day 15,
 * forecast as a run on those days would have been) is compared with the month's actual: error = (forecast - actual)
 * / actual. Under 12% is good (FinOps guidance). It needs the per-day series, so data too big to read twice has none.
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
  /** A whole month's mid-month forecast against its actual (see the module comment); absent while it is open. */
  forecastCheck?: ForecastCheck;
}

export interface ForecastCheck {
  /** The forecast is made from the month's days 1 to asOfDay. */
  asOfDay: number;
  forecast: string;
  method: string;
  actual: string;
  /** (forecast - actual) / actual in percent, signed, two decimals ("" when the actual is zero). */
  errorPercent: string;
  /** |error| under 12%. */
  good: boolean;
}

/** The day of a whole month whose forecast is checked against the month's actual: mid-month. */
export const FORECAST_CHECK_DAY = 15;
/** FinOps guidance: a month-end forecast within 12% of the actual is good. */
export const GOOD_FORECAST_ERROR_PERCENT = 12;

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

/** The forecast a run on the first FORECAST_CHECK_DAY days of a whole month would have made, against its actual. */
function forecastCheck(actual: Decimal, series: Map<string, Decimal>, monthDays: number, start: string): ForecastCheck {
  const asOfDay = Math.min(FORECAST_CHECK_DAY, monthDays - 1);
  const month = start.slice(0, 8);
  const cutoff = `${month}${String(asOfDay).padStart(2, '0')}`;
  const early = new Map([...series].filter(([d]) => d.startsWith(month) && d <= cutoff));
  const sofar = [...early.values()].reduce((a, v) => a.plus(v), ZERO);
  const f =
    early.size > 0
      ? forecastFromSeries(sofar, early, monthDays, start)
      : { forecast: ZERO, method: `no cost in days 1-${asOfDay}: forecast 0` };
  const error = actual.isZero() ? undefined : f.forecast.minus(actual).div(actual).times(100);
  const rounded = error?.toDecimalPlaces(2, Dec.ROUND_HALF_UP);
  return {
    asOfDay,
    forecast: formatCents(f.forecast),
    method: f.method,
    actual: formatCents(actual),
    errorPercent: rounded ? `${rounded.isNegative() ? '' : '+'}${rounded.toFixed(2)}` : '',
    good: error !== undefined ? error.abs().lt(GOOD_FORECAST_ERROR_PERCENT) : f.forecast.isZero(),
  };
}

/** How the mid-month forecast of a whole month compared with its actual, in one sentence. */
export function forecastCheckText(check: ForecastCheck, currency: string): string {
  const c = currency ? `${currency} ` : '';
  const verdict = check.good
    ? `good: under ${GOOD_FORECAST_ERROR_PERCENT}%`
    : `over the ${GOOD_FORECAST_ERROR_PERCENT}% that FinOps guidance calls good`;
  return (
    `forecast check: from days 1-${check.asOfDay} the month was forecast at ${c}${check.forecast} ` +
    `(${check.method}); the actual is ${c}${check.actual}` +
    (check.errorPercent !== '' ? `, an error of ${check.errorPercent}% (${verdict})` : '')
  );
}

/** The budget figures of every target that has a `budget:`; `daily` gives the per-day series when known. */
export function targetBudgets(model: RulesFile, result: AllocationResult, daily?: DailyCosts): TargetBudget[] {
  const out: TargetBudget[] = [];
  const start = result.period.start;
  const end = result.period.end ?? start;
  const covered = start && end ? Math.max(1, daysBetween(start, end)) : 0;
  const monthDays = start ? daysInMonth(start) : 0;
  // The check compares with one month's actual: data spanning more than that month has none.
  const wholeMonth =
    !!start && !!end && start.endsWith('-01') && end.slice(0, 7) === start.slice(0, 7) && covered >= monthDays;
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
      ...(wholeMonth && series ? { forecastCheck: forecastCheck(allocated, series, monthDays, start) } : {}),
    });
  }
  return out;
}

/**
 * Warnings on the `budget:` of targets whose cost or forecast reached their threshold: from the run's budgets
 * (forecast from the per-day series, as the code lens and `chargeback allocate` show it) when it has them.
 */
export function budgetProblems(model: RulesFile, result: AllocationResult): Problem[] {
  const problems: Problem[] = [];
  const c = result.currency ? `${result.currency} ` : '';
  for (const b of result.budgets ?? targetBudgets(model, result)) {
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

/**
 * The code lens text next to a target: allocated against budget, and the forecast while the month is open (or, for
 * a whole month, how far its mid-month forecast was from the actual).
 */
export function budgetLensText(b: TargetBudget, currency: string): string {
  const c = currency ? `${currency} ` : '';
  const check = b.forecastCheck;
  const open =
    b.forecast !== b.actual
      ? ` · forecast ${c}${b.forecast} (${b.forecastPercent}%, ${b.forecastMethod.split(':')[0]})`
      : check && check.errorPercent !== ''
        ? ` · day-${check.asOfDay} forecast off by ${check.errorPercent}% (${check.good ? 'good' : 'over 12%'})`
        : '';
  return (
    `budget ${c}${b.monthBudget}${b.per === 'month' ? '' : ` (of ${c}${b.budget} per ${b.per})`}: ` +
    `${b.usedPercent}% ` +
    `used${b.status === 'over' ? ', over' : b.status === 'warning' ? ', past its warning threshold' : ''}${open}`
  );
}

/** The code lens tooltip: the lens in full, with the forecast method and the forecast check in words. */
export function budgetLensTooltip(b: TargetBudget, currency: string): string {
  const c = currency ? `${currency} ` : '';
  const lines = [
    `Allocated ${c}${b.actual} of ${c}${b.monthBudget} this month (${b.usedPercent}%), ${b.daysCovered} of ` +
      `${b.daysInMonth} days of data.`,
    `Forecast ${c}${b.forecast} (${b.forecastMethod}).`,
  ];
  if (b.forecastCheck) lines.push(`${forecastCheckText(b.forecastCheck, currency)}.`);
  return lines.join('\n');
}
