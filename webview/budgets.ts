/**
 * The budgets section of the rules editor's Targets tab: each target's allocated cost against its `budget:` for the
 * month, the thresholds on the cost and on the forecast, the month-end forecast with the method that made it, a
 * warning for a target forecast over its budget, and, for a whole month, how far its mid-month forecast was from
 * the actual. Every figure is the server's string (core/allocation/budgets, the code lens's and `chargeback
 * allocate`'s): nothing here computes money. The gauges are SVG geometry only, their numbers are the text beside.
 */
import type { PreviewBudget } from '../src/shared/rulesPreview';
import { h, money, svg } from './dom';

const GAUGE_W = 100;
const GAUGE_H = 12;

/** "a monthly budget", "the month's share of a quarterly budget": the words of the code lens's warnings. */
function budgetWords(b: PreviewBudget): string {
  return b.per === 'month'
    ? 'monthly budget'
    : `month's share of the ${b.per === 'quarter' ? 'quarterly' : 'yearly'} budget`;
}

function statusText(status: PreviewBudget['status'], warnAt: string): string {
  if (status === 'over') return 'over budget';
  if (status === 'warning') return `past ${warnAt} %`;
  return 'within';
}

/** Cost and forecast against the budget: the budget is the 100 % mark, the threshold on the cost a tick. */
function gauge(b: PreviewBudget): SVGElement {
  const used = Number(b.usedPercent || '0');
  const forecast = Number(b.forecastPercent || '0');
  const scale = Math.max(100, used, forecast, Number(b.warnAt));
  const x = (percent: number) => ((Math.max(0, percent) / scale) * GAUGE_W).toFixed(1);
  return svg(
    'svg',
    {
      class: 'gauge',
      width: GAUGE_W,
      height: GAUGE_H,
      viewBox: `0 0 ${GAUGE_W} ${GAUGE_H}`,
      'aria-hidden': 'true',
    },
    svg('rect', { x: 0, y: 2, width: GAUGE_W, height: GAUGE_H - 4, class: 'gauge-track' }),
    svg('rect', { x: 0, y: 2, width: x(forecast), height: GAUGE_H - 4, class: `gauge-forecast ${b.forecastStatus}` }),
    svg('rect', { x: 0, y: 2, width: x(used), height: GAUGE_H - 4, class: `gauge-actual ${b.status}` }),
    svg('rect', { x: x(Number(b.warnAt)), y: 0, width: 1, height: GAUGE_H, class: 'gauge-warn' }),
    svg('rect', { x: Math.min(GAUGE_W - 1, Number(x(100))), y: 0, width: 1.5, height: GAUGE_H, class: 'gauge-budget' }),
  );
}

/** The warnings of the section: forecast over budget (or past its threshold), cost over budget. */
function warnings(b: PreviewBudget, c: string): string[] {
  const out: string[] = [];
  const of = `of its ${budgetWords(b)} ${c}${money(b.monthBudget)}`;
  if (b.status === 'over')
    out.push(`${b.target} is over budget: allocated ${c}${money(b.actual)}, ${b.usedPercent} % ${of}.`);
  if (b.forecast !== b.actual && b.forecastStatus === 'over')
    out.push(
      `${b.target} is forecast over budget: ${c}${money(b.forecast)} at month end, ${b.forecastPercent} % ${of} (${b.forecastMethod}).`,
    );
  else if (b.forecast !== b.actual && b.forecastStatus === 'warning')
    out.push(
      `${b.target} is forecast past its ${b.forecastWarnAt} % threshold: ${c}${money(b.forecast)} at month end, ${b.forecastPercent} % ${of} (${b.forecastMethod}).`,
    );
  return out;
}

/** Why a whole month has no forecast check, when it has none. */
function noCheckReason(b: PreviewBudget): string | undefined {
  if (b.forecastCheck || b.daysCovered < b.daysInMonth) return undefined;
  if (b.daysCovered > b.daysInMonth)
    return (
      `No forecast check: the data's dates span ${b.daysCovered} days, more than the month's ${b.daysInMonth} ` +
      '(a check compares one whole month with its own mid-month forecast).'
    );
  return 'No forecast check: the data is too big to read a second time for its per-day series.';
}

export function budgetsSection(budgets: PreviewBudget[], currency: string): Node {
  const c = currency ? `${currency} ` : '';
  const alerts = budgets.flatMap((b) =>
    warnings(b, c).map((w) =>
      h('p', { class: 'banner warn budget-warning', role: 'alert', 'data-budget-warning': b.target }, `⚠ ${w}`),
    ),
  );
  const rows = budgets.flatMap((b) => {
    const field = (name: string, text: string, cls = 'c-num') =>
      h('td', { class: cls, 'data-budget-field': name }, text);
    const main = h(
      'tr',
      { 'data-budget-target': b.target, class: `budget ${b.status}`, title: b.tooltip },
      h('td', { class: 'c-id' }, b.target),
      h(
        'td',
        { class: 'c-num', 'data-budget-field': 'budget' },
        money(b.monthBudget),
        b.per === 'month' ? null : h('span', { class: 'per' }, ` of ${money(b.budget)} a ${b.per}`),
      ),
      field('actual', money(b.actual)),
      h('td', { class: 'c-gauge' }, gauge(b), h('span', { 'data-budget-field': 'used' }, `${b.usedPercent} %`)),
      field('forecast', money(b.forecast)),
      field('forecastPercent', `${b.forecastPercent} %`),
      field(
        'status',
        statusText(b.status, b.warnAt) +
          (b.forecast !== b.actual && b.forecastStatus !== 'within'
            ? `; forecast ${statusText(b.forecastStatus, b.forecastWarnAt)}`
            : ''),
        `c-text status ${b.status === 'within' && b.forecast !== b.actual ? b.forecastStatus : b.status}`,
      ),
    );
    const check = b.forecastCheck;
    const detail = h(
      'tr',
      { class: 'budget-detail' },
      h(
        'td',
        { colspan: 7 },
        h(
          'p',
          {},
          'Forecast: ',
          h('span', { 'data-budget-field': 'method' }, b.forecastMethod),
          `. Warns at ${b.warnAt} % of the budget on the cost, ${b.forecastWarnAt} % on the forecast` +
            (b.daysCovered <= b.daysInMonth ? `; ${b.daysCovered} of ${b.daysInMonth} days of data.` : '.'),
        ),
        check
          ? h(
              'p',
              { class: `forecast-check ${check.good ? 'good' : 'bad'}`, 'data-budget-field': 'check' },
              `${check.good ? '✓' : '✗'} ${check.text[0].toUpperCase()}${check.text.slice(1)}.`,
            )
          : noCheckReason(b)
            ? h('p', { class: 'note' }, noCheckReason(b))
            : null,
      ),
    );
    return [main, detail];
  });
  return h(
    'section',
    { class: 'budgets', 'aria-label': 'Budgets and forecast' },
    h('h3', {}, 'Budgets and forecast'),
    h(
      'p',
      { class: 'note' },
      `Allocated cost (before markup) against each target's budget for the month, and the month-end forecast: ` +
        'the figures of the code lens and of chargeback allocate.',
    ),
    ...alerts,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'targets budgets' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'Target',
              `Budget ${currency} (month)`,
              'Allocated cost',
              'Used',
              'Forecast',
              'Forecast %',
              'Status',
            ].map((l, i) => h('th', { class: i === 0 || i === 6 ? 'c-text' : 'c-num', scope: 'col' }, l)),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}
