/**
 * The drill-down table: the billing lines of a target or a rule, virtualized so that it stays smooth with hundreds
 * of thousands of lines. Only the rows in view (and a margin) exist in the DOM; pages of lines come from the
 * language server as the user scrolls, and rows not yet there show a placeholder of the same height (fixed row
 * height and column widths: nothing jumps when a page arrives). Keyboard: arrows, Page Up/Down, Home/End move the
 * current line, Enter reveals it in its CSV file.
 */
import { visibleRows } from '../src/shared/webviewProtocol';
import type { PreviewLine, RulesLinesResult } from '../src/shared/rulesPreview';
import { count, h } from './dom';

export const ROW_HEIGHT = 24;
const PAGE = 200;
const COLUMNS: { key: keyof PreviewLine; label: string; cls: string }[] = [
  { key: 'date', label: 'Date', cls: 'c-date' },
  { key: 'customer', label: 'Customer', cls: 'c-text' },
  { key: 'subscription', label: 'Subscription', cls: 'c-text' },
  { key: 'resourceGroup', label: 'Resource group', cls: 'c-text' },
  { key: 'meterCategory', label: 'Meter category', cls: 'c-text' },
  { key: 'meterName', label: 'Meter', cls: 'c-text' },
  { key: 'amount', label: 'Amount', cls: 'c-num' },
  { key: 'rule', label: 'Rule', cls: 'c-text' },
];

export class DrillTable {
  readonly element: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsLayer: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly note: HTMLElement;
  private total = 0;
  private pages = new Map<number, PreviewLine[]>();
  private asked = new Set<number>();
  private active = -1;
  private generation = 0;

  constructor(
    private readonly ask: (generation: number, offset: number, count: number) => void,
    private readonly reveal: (line: PreviewLine) => void,
    private readonly scrolled: (scrollTop: number) => void,
  ) {
    this.caption = h('h3', { class: 'drill-title', id: 'drill-title' });
    this.note = h('p', { class: 'note drill-note' });
    const header = h(
      'div',
      { class: 'drill-row drill-head', role: 'row' },
      ...COLUMNS.map((c) => h('span', { class: `cell ${c.cls}`, role: 'columnheader' }, c.label)),
    );
    this.spacer = h('div', { class: 'drill-spacer' });
    this.rowsLayer = h('div', { class: 'drill-rows', role: 'rowgroup' });
    this.scroller = h(
      'div',
      { class: 'drill-scroll', tabindex: 0, role: 'grid', 'aria-labelledby': 'drill-title', 'data-focus-key': 'drill' },
      this.spacer,
      this.rowsLayer,
    );
    this.scroller.addEventListener('scroll', () => {
      this.paint();
      this.scrolled(this.scroller.scrollTop);
    });
    this.scroller.addEventListener('keydown', (e) => this.key(e));
    this.element = h(
      'section',
      { class: 'drill', 'aria-label': 'Billing lines' },
      this.caption,
      this.note,
      header,
      this.scroller,
    );
  }

  /** Starts a new selection (title, total unknown until the first page). */
  open(title: string, scrollTop = 0): number {
    this.generation++;
    this.caption.textContent = title;
    this.note.textContent = 'Reading the billing lines…';
    this.total = 0;
    this.pages.clear();
    this.asked.clear();
    this.active = -1;
    this.spacer.style.height = '0px';
    this.rowsLayer.replaceChildren();
    this.pendingScroll = scrollTop;
    this.request(0);
    return this.generation;
  }

  private pendingScroll = 0;

  get title(): string {
    return this.caption.textContent ?? '';
  }

  get lineTotal(): number {
    return this.total;
  }

  renderedRows(): number {
    return this.rowsLayer.childElementCount;
  }

  /** Where the first rendered line is, as `file:line` (the row's tooltip). */
  firstRendered(): string | undefined {
    return this.rowsLayer.querySelector('.drill-row[title]')?.getAttribute('title') ?? undefined;
  }

  receive(generation: number, result: RulesLinesResult): void {
    if (generation !== this.generation) return;
    const first = this.total === 0 && this.pages.size === 0;
    this.total = result.total;
    this.pages.set(Math.floor(result.offset / PAGE), result.lines);
    this.note.textContent = `${count(result.total)} line${result.total === 1 ? '' : 's'}. ${result.note ?? ''} Enter or click opens a line in its file.`;
    this.spacer.style.height = `${this.total * ROW_HEIGHT}px`;
    if (first && this.pendingScroll > 0) this.scroller.scrollTop = this.pendingScroll;
    this.paint();
  }

  private request(page: number): void {
    if (this.asked.has(page)) return;
    this.asked.add(page);
    this.ask(this.generation, page * PAGE, PAGE);
  }

  private lineAt(i: number): PreviewLine | undefined {
    return this.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  }

  private paint(): void {
    const { first, last } = visibleRows(
      this.scroller.scrollTop,
      this.scroller.clientHeight || 320,
      ROW_HEIGHT,
      this.total,
    );
    for (
      let p = Math.floor(first / PAGE);
      p <= Math.floor(Math.max(first, last - 1) / PAGE) && p * PAGE < this.total;
      p++
    )
      this.request(p);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const line = this.lineAt(i);
      const cells = COLUMNS.map((c) =>
        h('span', { class: `cell ${c.cls}`, role: 'gridcell' }, line ? String(line[c.key]) : i === first ? '…' : ''),
      );
      const row = h(
        'div',
        {
          class: `drill-row${i === this.active ? ' active' : ''}${line ? '' : ' loading'}`,
          role: 'row',
          'aria-rowindex': i + 1,
          'aria-selected': i === this.active ? 'true' : 'false',
          title: line ? `${line.file}:${line.line}` : undefined,
        },
        ...cells,
      );
      row.addEventListener('click', () => {
        this.active = i;
        this.paint();
        if (line) this.reveal(line);
      });
      rows.push(row);
    }
    this.rowsLayer.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.rowsLayer.replaceChildren(...rows);
  }

  private key(e: KeyboardEvent): void {
    if (this.total === 0) return;
    const perPage = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: perPage,
      PageUp: -perPage,
      Home: -Infinity,
      End: Infinity,
    };
    if (e.key in moves) {
      e.preventDefault();
      const next = Math.max(0, Math.min(this.total - 1, (this.active < 0 ? -1 : this.active) + moves[e.key]));
      this.active = Number.isFinite(next) ? next : 0;
      const top = this.active * ROW_HEIGHT;
      if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
      else if (top + ROW_HEIGHT > this.scroller.scrollTop + this.scroller.clientHeight)
        this.scroller.scrollTop = top + ROW_HEIGHT - this.scroller.clientHeight;
      this.paint();
    } else if (e.key === 'Enter' && this.active >= 0) {
      const line = this.lineAt(this.active);
      if (line) this.reveal(line);
    }
  }
}
