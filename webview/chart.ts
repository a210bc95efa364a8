/**
 * The targets bar chart as plain SVG built here (no chart library: they tend to need `unsafe-eval` or inline
 * styles, which the page's CSP forbids). Bars are sized with SVG attributes, coloured by classes of the style sheet
 * (theme variables), and labelled with text nodes; the chart has a text alternative for screen readers.
 */
import { money, svg } from './dom';

export interface Bar {
  label: string;
  /** Exact cents string. */
  amount: string;
  kind: 'target' | 'unallocated' | 'catch-all';
}

const ROW = 22;
const LABEL_W = 150;
const VALUE_W = 110;
const WIDTH = 640;

export function barChart(bars: Bar[], currency: string): SVGElement {
  const max = bars.reduce((m, b) => Math.max(m, Math.abs(Number(b.amount))), 0);
  const plot = WIDTH - LABEL_W - VALUE_W;
  const height = bars.length * ROW + 4;
  const summary = bars.map((b) => `${b.label} ${currency} ${money(b.amount)}`).join('; ');
  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: WIDTH,
    height,
    role: 'img',
    'aria-label': `Cost per target: ${summary}`,
    class: 'chart',
  });
  bars.forEach((b, i) => {
    const y = i * ROW + 2;
    // Display geometry only: the amounts shown are the exact strings.
    const w = max > 0 ? Math.max((Math.abs(Number(b.amount)) / max) * plot, Number(b.amount) === 0 ? 0 : 1) : 0;
    chart.append(
      svg('text', { x: LABEL_W - 8, y: y + ROW / 2 + 4, 'text-anchor': 'end', class: 'chart-label' }, b.label),
      svg('rect', { x: LABEL_W, y: y + 3, width: w.toFixed(1), height: ROW - 6, rx: 2, class: `bar bar-${b.kind}` }),
      svg('text', { x: WIDTH - 4, y: y + ROW / 2 + 4, 'text-anchor': 'end', class: 'chart-value' }, money(b.amount)),
    );
  });
  return chart;
}
