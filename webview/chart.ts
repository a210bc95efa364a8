/**
 * The targets bar chart as plain SVG built here (no chart library: they tend to need `unsafe-eval` or inline
 * styles, which the page's CSP forbids). Bars are sized with SVG attributes, coloured by classes of the style sheet
 * (theme variables), and labelled with text nodes; the chart has a text alternative for screen readers.
 * Each bar is what the target is charged, as `chargeback allocate` prints it: its allocated cost, plus the markup
 * of a resold customer as a segment of its own, labelled "incl. markup" in the CLI's words.
 */
import { money, svg } from './dom';

export interface Bar {
  label: string;
  /** Exact cents string: the allocated cost. */
  amount: string;
  /** Exact cents string: the markup on top of the cost (absent or "0.00": none). */
  markup?: string;
  /** Exact cents string: cost + markup, what the target is charged. */
  charged?: string;
  kind: 'target' | 'unallocated' | 'catch-all';
}

const ROW = 22;
const LABEL_W = 150;
const VALUE_W = 110;
/** Room for "(incl. markup 1,234.56)" after the value, when a target has a markup. */
const MARKUP_W = 170;
const PLOT_W = 380;

const hasMarkup = (b: Bar): boolean => !!b.markup && !/^-?0\.00$/.test(b.markup);

/** What the bar's value says: the CLI's "1,245.18 (incl. markup 92.24)" for a target with a markup. */
export function barValue(b: Bar): string {
  return hasMarkup(b) ? `${money(b.charged ?? b.amount)} (incl. markup ${money(b.markup!)})` : money(b.amount);
}

export function barChart(bars: Bar[], currency: string): SVGElement {
  const anyMarkup = bars.some(hasMarkup);
  const total = (b: Bar) => Math.abs(Number(hasMarkup(b) ? (b.charged ?? b.amount) : b.amount));
  const max = bars.reduce((m, b) => Math.max(m, total(b)), 0);
  const width = LABEL_W + PLOT_W + VALUE_W + (anyMarkup ? MARKUP_W : 0);
  const height = bars.length * ROW + 4;
  const summary = bars.map((b) => `${b.label} ${currency} ${barValue(b)}`).join('; ');
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `Charged per target: ${summary}`,
    class: 'chart',
  });
  // Display geometry only: the amounts shown are the exact strings.
  const scale = (amount: string) => (max > 0 ? (Math.abs(Number(amount)) / max) * PLOT_W : 0);
  bars.forEach((b, i) => {
    const y = i * ROW + 2;
    const w = Math.max(scale(b.amount), Number(b.amount) === 0 ? 0 : 1);
    chart.append(
      svg('text', { x: LABEL_W - 8, y: y + ROW / 2 + 4, 'text-anchor': 'end', class: 'chart-label' }, b.label),
      svg('rect', { x: LABEL_W, y: y + 3, width: w.toFixed(1), height: ROW - 6, rx: 2, class: `bar bar-${b.kind}` }),
    );
    if (hasMarkup(b))
      chart.append(
        svg('rect', {
          x: (LABEL_W + w).toFixed(1),
          y: y + 3,
          width: Math.max(scale(b.markup!), 1).toFixed(1),
          height: ROW - 6,
          rx: 2,
          class: 'bar bar-markup',
        }),
      );
    chart.append(
      svg(
        'text',
        { x: LABEL_W + PLOT_W + VALUE_W - 4, y: y + ROW / 2 + 4, 'text-anchor': 'end', class: 'chart-value' },
        hasMarkup(b) ? money(b.charged ?? b.amount) : money(b.amount),
      ),
    );
    if (hasMarkup(b))
      chart.append(
        svg(
          'text',
          { x: LABEL_W + PLOT_W + VALUE_W + 4, y: y + ROW / 2 + 4, class: 'chart-markup' },
          `(incl. markup ${money(b.markup!)})`,
        ),
      );
  });
  return chart;
}
