/**
 * The files of an invoicing run: per invoice a CSV (one row per line, for accounting imports), a JSON and a printable
 * self-contained HTML invoice; an index (HTML and CSV) of all invoices; and the JSON document the CLI prints with
 * `--format json`. Money is written as decimal strings with two decimals; billing rows are named by their path
 * relative to the rules file's folder and their 1-based line, so that every line can be traced to its rows.
 */
import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import type Decimal from 'decimal.js';
import { csvRow, exact } from '../exports/csv';
import { formatCents } from '../money';
import type { Invoice, InvoiceLine, InvoiceSet, ReconciliationCheck } from './model';

const money = (d: Decimal): string => formatCents(d);
/** Intermediate values (before PEC, exact prices) can have endless decimals; ten are plenty to follow them. */
const shown = (d: Decimal): string => {
  const s = d.toDecimalPlaces(10).toFixed();
  return s === '-0' ? '0' : s;
};

/** A billing file as the outputs name it: relative to the rules file's folder, with forward slashes. */
export function displayPath(file: string, baseDir: string): string {
  const r = relative(baseDir, file);
  return (r === '' || r.startsWith('..') ? file : r).split(sep).join('/');
}

function lineJson(l: InvoiceLine, baseDir: string): Record<string, unknown> {
  return {
    number: l.number,
    description: l.description,
    kind: l.kind,
    refund: l.refund,
    amount: money(l.amount),
    cost: exact(l.cost).text,
    pecKept: shown(l.pecKept),
    price: { kind: l.price.kind, percent: l.price.percent.toFixed(), from: l.price.from },
    ...(l.fxRate ? { fxRate: l.fxRate.toFixed() } : {}),
    subscriptionId: l.subscriptionId,
    subscriptionName: l.subscriptionName,
    placement: l.placement,
    sources: l.sources.map((s) => ({ path: displayPath(s.path, baseDir), line: s.line })),
  };
}

export function invoiceJson(inv: Invoice, baseDir: string): Record<string, unknown> {
  return {
    id: inv.id,
    customer: inv.customer,
    customerId: inv.customerId,
    period: inv.period,
    subscriptions: inv.subscriptions.map((s) => s.id),
    subscriptionDetails: inv.subscriptions.map((s) => ({
      id: s.id,
      name: s.name,
      status: s.status,
      statusStated: s.statusStated,
    })),
    paymentModel: inv.paymentModel,
    grouping: inv.grouping,
    status: inv.status,
    currency: inv.currency,
    total: money(inv.total),
    cost: exact(inv.cost).text,
    pecKept: shown(inv.pecKept),
    paymentDue: money(inv.paymentDue),
    balanceChange: money(inv.balanceChange),
    note: inv.note,
    lines: inv.lines.map((l) => lineJson(l, baseDir)),
    ...(inv.changes
      ? {
          changesSinceDraft: {
            draftTotal: inv.changes.draftTotal ? money(inv.changes.draftTotal) : null,
            difference: money(inv.changes.difference),
            lines: inv.changes.lines.map((c) => ({
              description: c.description,
              draft: c.draft ? money(c.draft) : null,
              final: c.final ? money(c.final) : null,
              difference: money(c.difference),
            })),
          },
        }
      : {}),
  };
}

function checkJson(c: ReconciliationCheck, baseDir: string): Record<string, unknown> {
  return {
    what: checkWhat(c, baseDir),
    expected: exact(c.expected).text,
    actual: exact(c.actual).text,
    difference: exact(c.difference).text,
    ok: c.ok,
    note: c.note,
  };
}

/** What a reconciliation check compares, in words, with its billing file relative to the rules file. */
export function checkWhat(c: ReconciliationCheck, baseDir: string): string {
  return c.file ? `${c.what} ${displayPath(c.file, baseDir)}` : c.what;
}

/** The document `chargeback invoice --format json` prints. */
export function invoicesJsonText(sets: readonly InvoiceSet[], baseDir: string, rulesFile?: string): string {
  const doc = {
    // Written next to the invoices: where the rules file is (relative to this folder), so that billing rows, named
    // relative to the rules file, can be found from here (the editor links them).
    ...(rulesFile ? { rulesFile } : {}),
    invoices: sets.flatMap((s) => s.invoices.map((i) => invoiceJson(i, baseDir))),
    reconciliation: sets.flatMap((s) => s.reconciliation.map((c) => checkJson(c, baseDir))),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

export function invoiceCsv(inv: Invoice, baseDir: string): string {
  const rows = [
    csvRow([
      'invoice',
      'status',
      'customer',
      'paymentModel',
      'line',
      'kind',
      'refund',
      'description',
      'subscriptionId',
      'subscription',
      'cost',
      'pecKept',
      'price',
      'amount',
      'currency',
      'placement',
      'sources',
    ]),
  ];
  for (const l of inv.lines) {
    const price = l.price.kind === 'cost' ? 'at cost' : `${l.price.kind} ${l.price.percent.toFixed()}%`;
    rows.push(
      csvRow([
        inv.id,
        inv.status,
        inv.customer,
        inv.paymentModel,
        l.number,
        l.kind,
        l.refund ? 'yes' : 'no',
        l.description,
        l.subscriptionId,
        l.subscriptionName,
        exact(l.cost),
        exact(l.pecKept.toDecimalPlaces(10)),
        price,
        exact(l.amount),
        inv.currency,
        l.placement,
        sourcesText(l, baseDir),
      ]),
    );
  }
  return rows.join('');
}

/** Billing rows in short form: `file:12,13,20-25; other.csv:4`. */
export function sourcesText(l: InvoiceLine, baseDir: string): string {
  const byFile = new Map<string, number[]>();
  for (const s of l.sources) {
    const f = displayPath(s.path, baseDir);
    let list = byFile.get(f);
    if (!list) byFile.set(f, (list = []));
    list.push(s.line);
  }
  const parts: string[] = [];
  for (const [f, nums] of byFile) {
    const sorted = [...new Set(nums)].sort((a, b) => a - b);
    const ranges: string[] = [];
    for (let i = 0; i < sorted.length; i++) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
      ranges.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
      i = j;
    }
    parts.push(`${f}:${ranges.join(',')}`);
  }
  return parts.join('; ');
}

export function indexCsv(sets: readonly InvoiceSet[]): string {
  const rows = [
    csvRow([
      'invoice',
      'status',
      'customer',
      'paymentModel',
      'subscriptions',
      'currency',
      'total',
      'paymentDue',
      'balanceChange',
      'changeSinceDraft',
      'note',
      'files',
    ]),
  ];
  for (const s of sets) {
    for (const inv of s.invoices) {
      rows.push(
        csvRow([
          inv.id,
          inv.status,
          inv.customer,
          inv.paymentModel,
          inv.subscriptions.map((x) => x.id).join(' '),
          inv.currency,
          exact(inv.total),
          exact(inv.paymentDue),
          exact(inv.balanceChange),
          inv.changes ? exact(inv.changes.difference) : '',
          inv.note,
          fileStem(inv),
        ]),
      );
    }
  }
  return rows.join('');
}

/** The common name of an invoice's files: `<id>.<status>` (+ .csv / .json / .html). */
export function fileStem(inv: Invoice): string {
  return `${inv.id}.${inv.status}`;
}

// ---- HTML --------------------------------------------------------------------------------------------------------

/** Text for HTML: every character that could start markup is escaped, so data is always shown as text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = [
  '',
  'body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; ' +
    'margin: 2.5rem auto; max-width: 60rem; padding: 0 1.5rem; }',
  'header { display: flex; justify-content: space-between; align-items: flex-start; ' +
    'border-bottom: 2px solid #1b1b1b; padding-bottom: .8rem; }',
  'h1 { font-size: 1.6rem; margin: 0; }',
  'h2 { font-size: 1.1rem; margin: 1.8rem 0 .5rem; }',
  '.status { display: inline-block; padding: .15rem .6rem; border-radius: .3rem; font-weight: 600; ' +
    'text-transform: uppercase; letter-spacing: .05em; }',
  '.status.draft { background: #fff3cd; color: #7a5a00; border: 1px solid #e0c060; }',
  '.status.final { background: #d8f0dd; color: #155724; border: 1px solid #7cc08a; }',
  'dl { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; margin: .8rem 0 0; }',
  'dt { color: #555; } dd { margin: 0; }',
  'table { width: 100%; border-collapse: collapse; margin-top: .5rem; }',
  'th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }',
  'th { background: #f3f3f3; font-weight: 600; }',
  'td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }',
  'tr.refund td { color: #8a1c1c; }',
  '.why { color: #555; font-size: .85em; }',
  'tfoot td { font-weight: 700; border-top: 2px solid #1b1b1b; border-bottom: none; }',
  '.note { margin-top: 1rem; padding: .6rem .8rem; background: #f3f6fb; border-left: 4px solid #3465a4; }',
  '.sources { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .78em; color: #555; ' +
    'word-break: break-all; }',
  '@media print { body { margin: 0; max-width: none; } .sources { font-size: .7em; } }',
  '',
].join('\n');
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Lines of markup, one string. */
const lines = (...parts: string[]): string => parts.join('\n');

function page(title: string, body: string): string {
  // A strict policy: nothing may load or run; only this exact style sheet applies.
  const policy =
    `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'none'; form-action 'none'; ` + "base-uri 'none'";
  return lines(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  );
}

const num = (text: string): string => `<td class="num">${text}</td>`;

function lineRowHtml(l: InvoiceLine, baseDir: string): string {
  const e = escapeHtml;
  const why = `<div class="why">${e(capitalize(l.placement))}; ${e(priceText(l))}</div>`;
  const sources = `<div class="sources">${e(sourcesText(l, baseDir))}</div>`;
  return lines(
    `<tr${l.refund ? ' class="refund"' : ''}>`,
    num(String(l.number)),
    `<td>${e(l.description)}${why}${sources}</td>`,
    num(e(money(l.cost))),
    num(e(money(l.amount))),
    '</tr>',
  );
}

function changesHtml(inv: Invoice): string {
  const e = escapeHtml;
  const cur = e(inv.currency);
  const changes = inv.changes;
  if (!changes) return '';
  const table =
    changes.lines.length === 0
      ? '<p>No line changed since the draft invoice.</p>'
      : lines(
          '<table><thead><tr><th>Charge</th><th class="num">Draft</th><th class="num">Final</th>' +
            '<th class="num">Change</th></tr></thead><tbody>',
          ...changes.lines.map(
            (c) =>
              `<tr><td>${e(c.description)}</td>${num(c.draft ? e(money(c.draft)) : '-')}` +
              `${num(c.final ? e(money(c.final)) : '-')}${num(e(money(c.difference)))}</tr>`,
          ),
          '</tbody></table>',
        );
  const draftTotal = changes.draftTotal ? `${cur} ${e(money(changes.draftTotal))}` : '(no draft of this invoice)';
  return lines(
    '<h2>Changes since the draft</h2>',
    table,
    `<p>Draft total ${draftTotal}; final total ${cur} ${e(money(inv.total))}; ` +
      `change ${cur} ${e(money(changes.difference))}.</p>`,
  );
}

export function invoiceHtml(inv: Invoice, baseDir: string): string {
  const e = escapeHtml;
  const cur = e(inv.currency);
  const subs = inv.subscriptions
    .map((s) => {
      const stated = s.statusStated ? '' : ', no status stated: taken as Active';
      return `${e(s.name)} <span class="why">(${e(s.id)}, ${e(s.status)}${stated})</span>`;
    })
    .join('<br>');
  const pec = inv.pecKept.isZero() ? '' : `<dt>Partner earned credit kept</dt><dd>${cur} ${e(money(inv.pecKept))}</dd>`;
  const status = inv.status === 'draft' ? 'Draft: unbilled data, will change' : 'Final: billed data';
  const body = lines(
    '<header>',
    `<div><h1>Invoice ${e(inv.id)}</h1><div>${e(inv.customer)}</div></div>`,
    `<div class="status ${inv.status}">${status}</div>`,
    '</header>',
    '<dl>',
    `<dt>Customer</dt><dd>${e(inv.customer)} <span class="why">(${e(inv.customerId)})</span></dd>`,
    `<dt>Billing period</dt><dd>${e(inv.period)}</dd>`,
    `<dt>Payment model</dt><dd>${e(inv.paymentModel)}</dd>`,
    `<dt>Subscriptions</dt><dd>${subs}</dd>`,
    `<dt>Currency</dt><dd>${cur}</dd>`,
    pec,
    '</dl>',
    '<h2>Charges</h2>',
    '<table>',
    '<thead><tr><th class="num">#</th><th>Description</th><th class="num">Cost</th>' +
      `<th class="num">Amount (${cur})</th></tr></thead>`,
    '<tbody>',
    inv.lines.map((l) => lineRowHtml(l, baseDir)).join('\n'),
    '</tbody>',
    `<tfoot><tr><td></td><td>Total</td>${num(e(money(inv.cost)))}${num(`${cur} ${e(money(inv.total))}`)}</tr></tfoot>`,
    '</table>',
    `<div class="note">${e(inv.note)}</div>`,
    changesHtml(inv),
    '<p class="why">Every line names the billing rows it comes from (file:line, relative to the rules file). ' +
      'Explain a line with <code>chargeback invoice &lt;rules&gt; --explain ' +
      `${e(inv.id)}:&lt;line&gt;</code>.</p>`,
  );
  return page(`Invoice ${inv.id} (${inv.status})`, body);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function priceText(l: InvoiceLine): string {
  const pec = l.pecKept.isZero() ? '' : `, before PEC (kept ${money(l.pecKept)})`;
  if (l.price.kind === 'cost') return `at cost${pec}`;
  const fx = l.fxRate ? `, at FX ${l.fxRate.toFixed()}` : '';
  return `${l.price.kind} ${l.price.percent.toFixed()}% (${l.price.from})${pec}${fx}`;
}

export function indexHtml(sets: readonly InvoiceSet[], title: string, baseDir: string): string {
  const e = escapeHtml;
  const sections = sets.map((s) => {
    const rows = s.invoices.map((inv) =>
      lines(
        `<tr><td><a href="${e(encodeURIComponent(fileStem(inv)))}.html">${e(inv.id)}</a></td>` +
          `<td>${e(inv.customer)}</td><td>${e(inv.paymentModel)}</td>`,
        `${num(`${e(inv.currency)} ${e(money(inv.total))}`)}${num(e(money(inv.paymentDue)))}` +
          num(e(money(inv.balanceChange))),
        `${num(inv.changes ? e(money(inv.changes.difference)) : '')}<td>${e(inv.note)}</td></tr>`,
      ),
    );
    const checks = s.reconciliation.map(
      (c) =>
        `<li>${c.ok ? 'OK' : 'DIFFERENCE'}: ${e(checkWhat(c, baseDir))}: ${e(money(c.actual))} vs ` +
        `${e(money(c.expected))} (${e(c.note)})</li>`,
    );
    return lines(
      `<h2>${s.status === 'draft' ? 'Draft invoices (unbilled data)' : 'Final invoices (billed data)'}</h2>`,
      '<table><thead><tr><th>Invoice</th><th>Customer</th><th>Payment model</th><th class="num">Total</th>' +
        '<th class="num">Payment due</th><th class="num">Balance change</th><th class="num">Change since draft</th>' +
        '<th>Note</th></tr></thead>',
      '<tbody>',
      rows.join('\n'),
      '</tbody></table>',
      `<h2>Reconciliation (${s.status})</h2>`,
      '<ul>',
      checks.join('\n'),
      '</ul>',
    );
  });
  return page(title, `<header><div><h1>${e(title)}</h1></div></header>\n${sections.join('\n')}`);
}

// ---- explanation of one line -------------------------------------------------------------------------------------

/** `chargeback invoice --explain`: how a line's amount follows from its rows, the rule that placed it and the price. */
export function explainLine(inv: Invoice, l: InvoiceLine, baseDir: string, maxRows = 200): string {
  const cur = inv.currency;
  const out: string[] = [];
  out.push(`${inv.id}:${l.number} (${inv.status}) ${l.description}`);
  out.push(`  amount     ${cur} ${money(l.amount)} = ${shown(l.exact)} rounded to cents (half up)`);
  out.push(`  rule       ${l.placement}`);
  const pct = l.price.percent.toFixed();
  const factor =
    l.price.kind === 'markup' ? `x (1 + ${pct}%)` : l.price.kind === 'discount' ? `x (1 - ${pct}%)` : 'x 1 (at cost)';
  const price = l.price.kind === 'cost' ? 'at cost' : `${l.price.kind} ${pct}%`;
  const fixed = l.fxRate ? ` x FX ${l.fxRate.toFixed()}` : '';
  out.push(`  price      ${price} from ${l.price.from}: ${shown(l.base)} ${factor}${fixed}`);
  const beforePec = l.pecKept.isZero()
    ? ''
    : `; before partner earned credit ${shown(l.base)} = each row's billed / (1 - PEC) (PEC kept ${shown(l.pecKept)})`;
  out.push(`  cost       ${l.cost.toFixed()} billed on ${l.sources.length} row(s)${beforePec}`);
  const rates = [...new Set(l.sources.map((s) => (s.fx ? s.fx.toFixed() : '')).filter((x) => x !== ''))];
  const fx = l.fxRate
    ? `fixed ${l.fxRate.toFixed()} (invoicing.fx)`
    : `billing currency as billed; PCToBCExchangeRate of the rows: ${rates.join(', ') || 'not in the file'}`;
  out.push(`  FX         ${fx}`);
  out.push('  rows:');
  for (const s of l.sources.slice(0, maxRows)) {
    const details = [
      s.date ?? '',
      s.pec ? `PEC ${s.pec.times(100).toFixed()}%` : '',
      s.fx ? `FX ${s.fx.toFixed()}` : '',
    ]
      .filter((d) => d !== '')
      .map((d) => `  ${d}`)
      .join('');
    out.push(`    ${displayPath(s.path, baseDir)}:${s.line}  ${s.currency} ${s.billed.toFixed()}${details}`);
  }
  if (l.sources.length > maxRows)
    out.push(`    ... ${l.sources.length - maxRows} more row(s) (all of them are in the invoice JSON)`);
  return out.join('\n') + '\n';
}
