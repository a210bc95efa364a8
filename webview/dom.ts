/**
 * Small DOM helpers of the rules editor's webview. Every piece of text goes in as a Text node (textContent), never
 * as HTML: billing values and rule names are data, and a CSV cell such as `<img onerror=...>` stays visible text.
 */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'style') throw new Error('inline styles are not allowed by the page CSP: use a class');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** 1234567.8 -> "1,234,567.80" from the exact cents string the server sends (no float on the way). */
export function money(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole, cents = '00'] = (negative ? amount.slice(1) : amount).split('.');
  return `${negative ? '−' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents.padEnd(2, '0')}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** The share of a part in a total, in percent with one decimal, from cents strings (exact integer arithmetic). */
export function share(part: string, total: string): string {
  const cents = (s: string) => BigInt(s.replace('.', '').replace(/^(-?)0+(?=\d)/, '$1'));
  const t = cents(total);
  if (t === 0n) return '0.0';
  const permille = (cents(part) * 1000n * 2n + t) / (2n * t);
  const neg = permille < 0n;
  const abs = neg ? -permille : permille;
  return `${neg ? '-' : ''}${abs / 10n}.${abs % 10n}`;
}
