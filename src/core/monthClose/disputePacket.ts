/**
 * The dispute packet: every tie-out finding with money at stake, grouped per Azure plan subscription and meter, with
 * the evidence a Microsoft support engineer asks for (invoice number, OrderId, subscription, meter id and name,
 * BillableQuantity, how the effective price moved through the month, expected vs billed, the derivation, the daily
 * rows). Written as CSV (one row per finding, for a ticket attachment or a spreadsheet) and as one self-contained
 * HTML document (no scripts, no remote content, a CSP that allows only its own inline style; all data as text).
 */
import { randomBytes } from 'node:crypto';
import { Dec, ZERO, formatCents } from '../money';
import { CsvNumber, csvRow } from '../exports/csv';
import type { TieOutFinding, TieOutLine, TieOutMonth } from './tieOut';

export interface DisputeItem {
  invoiceNumber: string;
  period: string;
  currency: string;
  finding: TieOutFinding;
  line?: TieOutLine;
}

/** Findings that claim money: real mismatches, lines or rows missing on one side, a wrong invoice total. */
export function disputeItems(months: readonly TieOutMonth[]): DisputeItem[] {
  const items: DisputeItem[] = [];
  for (const m of months) {
    for (const f of m.findings) {
      const claims =
        f.label === 'mismatch' ||
        f.label === 'missing-in-daily' ||
        f.label === 'missing-in-recon' ||
        f.code === 'invoice-total-mismatch';
      if (!claims || !f.impact || new Dec(f.impact).isZero()) continue;
      const line = m.lines.find((l) => l.path === f.path && l.line === f.line);
      items.push({
        invoiceNumber: m.invoiceNumber,
        period: m.period,
        currency: f.currency ?? m.currency,
        finding: f,
        line,
      });
    }
  }
  return items.sort((a, b) => groupName(a).localeCompare(groupName(b)) || a.finding.line - b.finding.line);
}

function groupName(i: DisputeItem): string {
  return `${i.invoiceNumber}|${i.line?.subscriptionId ?? ''}|${i.line?.meterName ?? ''}|${i.line?.meterId ?? ''}`;
}

function priceMovement(l: TieOutLine | undefined): string {
  if (!l?.priceSteps || l.priceSteps.length === 0) return '';
  return l.priceSteps
    .map((s) => `${s.eup} (${s.firstDay}${s.lastDay !== s.firstDay ? ` to ${s.lastDay}` : ''}, quantity ${s.quantity})`)
    .join('; ');
}

function rowsText(l: TieOutLine | undefined, limit = 25): string {
  if (!l) return '';
  const shown = (l.dailyPlaces ?? []).slice(0, limit).map((p) => `${p.path}:${p.line + 1}`);
  const more = (l.dailyRows ?? shown.length) - shown.length;
  return shown.join(' ') + (more > 0 ? ` (+${more} more rows)` : '');
}

export const DISPUTE_CSV_COLUMNS = [
  'InvoiceNumber',
  'BillingPeriod',
  'CustomerName',
  'SubscriptionId',
  'OrderId',
  'MeterId',
  'MeterName',
  'ProductId',
  'SkuId',
  'PartnerEarnedCredit',
  'Label',
  'Code',
  'File',
  'Line',
  'Column',
  'BillableQuantity',
  'DailyQuantity',
  'ReconEffectiveUnitPrice',
  'DailyEffectiveUnitPrice',
  'EffectivePriceMovement',
  'Expected',
  'Billed',
  'Difference',
  'Currency',
  'Derivation',
  'DailyRows',
  'Message',
] as const;

/** Amounts go out as numbers, so that a spreadsheet can add them up (a text "-1.00" would be neutralized). */
function amount(text: string | undefined): CsvNumber | undefined {
  return text !== undefined && /^-?\d+(\.\d+)?$/.test(text) ? new CsvNumber(text) : undefined;
}

export function disputeCsv(items: readonly DisputeItem[]): string {
  let out = csvRow([...DISPUTE_CSV_COLUMNS]);
  for (const i of items) {
    const f = i.finding;
    const l = i.line;
    out += csvRow(
      [
        i.invoiceNumber,
        i.period,
        l?.customerName,
        l?.subscriptionId,
        l?.orderId,
        l?.meterId,
        l?.meterName,
        l?.productId,
        l?.skuId,
        l ? (l.pec ? 'yes' : 'no') : '',
        f.label ?? '',
        f.code,
        f.path,
        String(f.line + 1),
        f.column ?? '',
        l?.billableQuantity,
        l?.dailyQuantity,
        l?.reconEup,
        l?.dailyEup,
        priceMovement(l),
        amount(f.expected),
        amount(f.actual),
        amount(f.impact),
        i.currency,
        l?.derivation,
        rowsText(l),
        f.message,
      ].map((v) => (v === undefined ? '' : v)),
    );
  }
  return out;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(text: string | number | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The packet as one HTML page. `generated` is shown in the header (pass a fixed value for reproducible output). */
export function disputeHtml(
  items: readonly DisputeItem[],
  months: readonly TieOutMonth[],
  generated: string,
  nonce = randomBytes(16).toString('base64'),
): string {
  const total = new Map<string, Dec>();
  for (const i of items) total.set(i.currency, (total.get(i.currency) ?? ZERO).plus(i.finding.impact ?? '0'));
  const groups = new Map<string, DisputeItem[]>();
  for (const i of items) groups.set(groupName(i), [...(groups.get(groupName(i)) ?? []), i]);
  const invoices = months.filter((m) => !m.draft && m.invoiceNumber);
  const parts: string[] = [];
  parts.push(
    `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${esc(nonce)}'">
<title>Billing dispute evidence${
      invoices.length ? ` - invoice ` + `${esc(invoices.map((m) => m.invoiceNumber).join(', '))}` : ''
    }</title>
<style nonce="${esc(nonce)}">
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #0b5cad; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; } .muted { color: #555; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; } th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f1f4f8; width: 14rem; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.claim { border-left: 4px solid #b3261e; padding-left: .8rem; margin-bottom: 1.5rem; } .under { border-left-color: #0b7a3e; }
code { font: 12px ui-monospace, Consolas, monospace; word-break: break-all; }
</style>
</head>
<body>
<h1>Billing dispute evidence</h1>
<p class="muted">Prepared ${esc(generated)} from the Partner Center daily rated usage and invoice reconciliation files. ` +
      `Amounts in billing currency; positive differences are billed above what the daily usage supports.</p>
<table>
<tr><th>Invoices</th><td>${esc(
        invoices.map((m) => `${m.invoiceNumber} ` + `(${m.period.replace('/', ' to ')})`).join(', ') || 'none',
      )}</td></tr>
<tr><th>Findings with money</th><td>${items.length}</td></tr>
<tr><th>Net difference</th><td>${esc([...total].map(([c, v]) => `${c} ${formatCents(v)}`).join(', ') || '0.00')}</td></tr>
${invoices
  .map(
    (m) =>
      `<tr><th>Invoice ${esc(m.invoiceNumber)} total</th><td>${esc(m.currency)} ` +
      `${esc(m.invoiceTotal ?? '')}${m.enteredInvoiceTotal ? ` (invoice says ${esc(m.enteredInvoiceTotal)})` : ''}</td></tr>`,
  )
  .join('\n')}
</table>`,
  );
  if (items.length === 0) parts.push('<p>Every usage line ties out to the daily usage: nothing to dispute.</p>');
  let lastSubscription = '';
  for (const group of groups.values()) {
    const first = group[0];
    const l = first.line;
    const subscription = `${first.invoiceNumber}|${l?.subscriptionId ?? ''}`;
    if (subscription !== lastSubscription) {
      parts.push(
        `<h2>Invoice ${esc(first.invoiceNumber)} &middot; Azure plan ` +
          `${esc(l?.subscriptionId ?? '(invoice)')}${l?.customerName ? ` &middot; ${esc(l.customerName)}` : ''}</h2>`,
      );
      lastSubscription = subscription;
    }
    parts.push(
      `<h3>${esc(l?.meterName || 'Invoice total')}${l?.meterId ? ` <span class="muted">meter <code>${esc(l.meterId)}</code></span>` : ''}</h3>`,
    );
    for (const i of group) {
      const f = i.finding;
      const under = new Dec(f.impact ?? '0').isNegative();
      parts.push(`<div class="claim${under ? ' under' : ''}">
<p>${esc(f.message)}</p>
<table>
<tr><th>Label</th><td>${esc(f.label ?? f.code)} (${esc(f.code)})</td></tr>
<tr><th>Where</th><td><code>${esc(f.path)}:${f.line + 1}</code>${f.column ? ` column ${esc(f.column)}` : ''}</td></tr>
${row('OrderId', l?.orderId)}${row(
        'Product / SKU',
        l ? `${l.productId} / ` + `${l.skuId}` : '',
      )}${row('Partner earned credit', l ? (l.pec ? 'applied' : 'not applied') : '')}
${row('BillableQuantity (reconciliation)', l?.billableQuantity)}${row('Quantity (daily rows)', l?.dailyQuantity)}
${row('EffectiveUnitPrice (reconciliation)', l?.reconEup)}${row('EffectiveUnitPrice (daily, month end)', l?.dailyEup)}
<tr><th>Expected</th><td class="num">${esc(i.currency)} ${esc(f.expected)}</td></tr>
<tr><th>Billed</th><td class="num">${esc(i.currency)} ${esc(f.actual)}</td></tr>
<tr><th>Difference</th><td class="num"><strong>${esc(i.currency)} ${esc(f.impact)}</strong></td></tr>
${row('Derivation', l?.derivation)}
</table>`);
      if (l?.priceSteps && l.priceSteps.length > 0) {
        parts.push(`<table><tr><th>Effective price</th><th>Days</th><th>Quantity</th><th>Rows</th></tr>
${l.priceSteps.map((s) => `<tr><td class="num">${esc(s.eup)}</td><td>${esc(s.firstDay)}${s.lastDay !== s.firstDay ? ` to ${esc(s.lastDay)}` : ''}</td><td class="num">${esc(s.quantity)}</td><td class="num">${s.rows}</td></tr>`).join('\n')}
</table>`);
      }
      if (l?.dailyPlaces && l.dailyPlaces.length > 0)
        parts.push(`<p class="muted">Daily rows: <code>${esc(rowsText(l))}</code></p>`);
      parts.push('</div>');
    }
  }
  parts.push('</body>\n</html>\n');
  return parts.join('\n');
}

function row(name: string, value: string | undefined): string {
  return value ? `<tr><th>${esc(name)}</th><td>${esc(value)}</td></tr>` : '';
}
