/**
 * Month close, step two: the three-way tie-out of daily usage, reconciliation file and invoice total.
 *
 * Files are paired into months by InvoiceNumber (a daily file without one is unbilled: a draft estimate) and
 * billing period. Per (customer, Azure plan, product and SKU, PEC status) the reconciliation Subtotal is recomputed
 * from the daily rows with the documented usage formula
 *     fromDaily = ROUNDDOWN(ROUNDDOWN(EUP x Q, 2) x FX, 2)
 * where Q is the sum of the daily Quantity, EUP the price of the month's last usage day (the cumulative rating ends
 * there) and FX the reconciliation line's rate.
 *
 * The rounding bound is derived, not guessed. Two things make an honest recomputation differ from the file:
 *  1. Printing. Each file prints prices with as few decimals as needed, up to its own precision P (the most decimals
 *     any EffectiveUnitPrice in that file has), so a printed price is within h = 10^-P / 2 of the true one. The
 *     daily and the reconciliation price of one line may therefore differ by up to t = h_daily + h_recon.
 *  2. The formula's two round-downs. ROUNDDOWN is monotone, so f(E) = ROUNDDOWN(ROUNDDOWN(E x Q, 2) x FX, 2) is
 *     monotone in E: every price within t of the daily one gives a Subtotal in [f(EUP - t), f(EUP + t)] (bounds
 *     swapped for a refund, Q < 0). bound = the larger distance from fromDaily to either end.
 * A Subtotal inside that interval is explained rounding and never flagged; outside it is a mismatch.
 *
 * The sum of the daily rows' own billed amounts (BillingPreTaxTotal) differs from the Subtotal for a second reason:
 * each row is priced at the month-to-date price of its day. That drift is exact:
 *     drift = sum over the month's prices p of (EUP - p) x quantity billed at p x FX.
 * The rounding that can separate the row sum from the Subtotal is bounded by: a cent per row whose amount is rounded
 * to cents (at most two decimals printed), half a unit of the printed last decimal for every other row, the
 * formula's two round-downs (0.01 x FX + 0.01), and price printing (t x sum |Q| x FX). A line whose Subtotal ties
 * out but whose row sum only matches after the drift is labelled price-drift (information, not a problem).
 */
import type Decimal from 'decimal.js';
import { CENT, Dec, ZERO, formatCents, formatPrice, parseDecimal } from '../money';
import type { TextSource } from '../billing/source';
import type { Severity } from '../findings';
import { defaultCheckOptions, totalSeverity, type CheckOptions } from '../rating/options';
import { roundDownCents } from '../rating/reconciliation';
import {
  collectFile,
  halfUnit,
  meterPlanKey,
  tieKey,
  type DailyFileSummary,
  type DailyGroup,
  type Place,
  type PriceStep,
  type ReconFileSummary,
  type ReconLine,
} from './collect';

export type TieOutLabel =
  'explained-rounding' | 'price-drift' | 'not-in-daily' | 'mismatch' | 'missing-in-daily' | 'missing-in-recon';

export type TieOutCode =
  | 'recon-daily-mismatch'
  | 'recon-daily-price-drift'
  | 'missing-in-daily'
  | 'missing-in-recon'
  | 'too-many-recon-lines'
  | 'currency-mismatch'
  | 'invoice-number-mismatch'
  | 'usage-outside-period'
  | 'invoice-total-mismatch'
  | 'draft-estimate'
  | 'no-daily-file'
  | 'no-reconciliation-file'
  | 'unreadable-file'
  | 'duplicate-file'
  | 'unreadable-line';

export interface TieOutFinding extends Place {
  code: TieOutCode;
  severity: Severity;
  message: string;
  column?: string;
  expected?: string;
  actual?: string;
  impact?: string;
  currency?: string;
  label?: TieOutLabel;
  related?: (Place & { message: string })[];
}

/** One reconciliation line (or, for missing-in-recon, one daily group) with its tie-out. */
export interface TieOutLine {
  path: string;
  /** 0-based line: the reconciliation line, or the group's first daily row for missing-in-recon. */
  line: number;
  customerName: string;
  subscriptionId: string;
  orderId: string;
  meterId: string;
  meterName: string;
  productId: string;
  skuId: string;
  pec: boolean;
  label: TieOutLabel;
  /** Decimal strings; absent where they do not apply (purchases have no daily rows). */
  subtotal?: string;
  fromDaily?: string;
  bound?: string;
  difference?: string;
  billableQuantity?: string;
  dailyQuantity?: string;
  reconEup?: string;
  dailyEup?: string;
  dailyBilled?: string;
  drift?: string;
  rowsBound?: string;
  dailyRows?: number;
  /**
   * How the month's effective price moved (one step per printed price, in order of first day), on a line with a
   * finding: the evidence its dispute shows. A line that ties out says how many prices in its derivation only (a
   * month whose prices move daily has a step per meter and day).
   */
  priceSteps?: { eup: string; firstDay: string; lastDay: string; quantity: string; rows: number }[];
  derivation: string;
  /** The daily rows the line bills (a group's first ones), on a line with a finding or without daily rows. */
  dailyPlaces?: Place[];
}

export type MonthStatus = 'ties-out' | 'differences' | 'draft' | 'incomplete';

export interface TieOutMonth {
  invoiceNumber: string;
  /** Billing period as start/end ISO dates. */
  period: string;
  /** True when the daily data has no invoice number yet (unbilled): every figure is an estimate. */
  draft: boolean;
  files: { path: string; kind: 'daily-usage' | 'reconciliation' }[];
  currency: string;
  /** Sum of the reconciliation file's Totals for this invoice. */
  invoiceTotal?: string;
  enteredInvoiceTotal?: string;
  status: MonthStatus;
  /** Sum of |impact| over flagged findings. */
  atStake: string;
  lines: TieOutLine[];
  findings: TieOutFinding[];
}

export interface TieOutResult {
  months: TieOutMonth[];
  /** Problems with files that could not take part (unknown kind, missing columns). */
  fileFindings: TieOutFinding[];
}

export interface TieOutOptions {
  check?: CheckOptions;
  /** Invoice totals entered by the user (invoice number -> amount), compared with the reconciliation file's. */
  invoiceTotals?: Map<string, Decimal>;
  /** 'fast' (default) reads daily usage from bytes in one pass; 'reference' through the tokenizer (yields between chunks). */
  reader?: 'fast' | 'reference';
}

/** Ties out every month found in the given files. Each file is read once. */
export async function tieOutFiles(
  files: { path: string; source: TextSource }[],
  options: TieOutOptions = {},
): Promise<TieOutResult> {
  const check = options.check ?? defaultCheckOptions();
  const dailies: DailyFileSummary[] = [];
  const recons: ReconFileSummary[] = [];
  const fileFindings: TieOutFinding[] = [];
  /**
   * Files kept so far by their shape (kind and counts), each with its signature once one was needed: two files can
   * hold the same rows only if their shapes agree, so a signature (a text of every group or line) is made only then.
   */
  const kept = new Map<string, { path: string; signature: () => string }[]>();
  for (const f of files) {
    const c = await collectFile(
      f.path,
      f.source,
      check,
      options.reader !== 'reference' && f.source.bytes !== undefined,
    );
    const problems =
      c.kind === 'daily-usage' ? c.daily.problems : c.kind === 'reconciliation' ? c.recon.problems : c.problems;
    for (const p of problems)
      fileFindings.push({
        ...p.place,
        code: 'unreadable-file',
        severity: 'error',
        message: `${p.place.path} ${p.message}.`,
      });
    if (c.kind === 'daily-usage' || c.kind === 'reconciliation') {
      // A second copy of the same export (renamed, or saved twice) would bill every row twice: it is left out.
      const shape =
        c.kind === 'daily-usage' ? `daily|${c.daily.rows}|${c.daily.groups.length}` : `recon|${c.recon.lines.length}`;
      let made: string | undefined;
      const signature = (): string =>
        (made ??= c.kind === 'daily-usage' ? dailySignature(c.daily) : reconSignature(c.recon));
      const sameShape = kept.get(shape) ?? [];
      const copyOf = sameShape.find((k) => k.signature() === signature())?.path;
      if (copyOf !== undefined) {
        fileFindings.push({
          path: f.path,
          line: 0,
          character: 0,
          endLine: 0,
          endCharacter: 0,
          code: 'duplicate-file',
          severity: 'warning',
          message:
            `${f.path} holds the same rows as ${copyOf}; it is left out of the tie-out so that nothing counts ` +
            `twice.`,
        });
        continue;
      }
      sameShape.push({ path: f.path, signature });
      kept.set(shape, sameShape);
      if (c.kind === 'daily-usage') dailies.push(c.daily);
      else recons.push(c.recon);
    } else if (problems.length === 0) {
      fileFindings.push({
        path: c.path,
        line: 0,
        character: 0,
        endLine: 0,
        endCharacter: 0,
        code: 'unreadable-file',
        severity: 'info',
        message:
          `${c.path} is ` +
          `${c.fileKind === 'unknown' ? 'not a recognized billing file' : `a ${c.fileKind} file`}; only daily ` +
          `usage and reconciliation files are tied out.`,
      });
    }
  }
  return { months: tieOut(dailies, recons, check, options.invoiceTotals), fileFindings };
}

function dailySignature(d: DailyFileSummary): string {
  return (
    `daily|${d.rows}|` +
    d.groups
      .map((g) => `${g.key}:${g.covered}:${g.rows}:${g.quantity.toString()}:${g.billed.toString()}`)
      .sort()
      .join(';')
  );
}

function reconSignature(r: ReconFileSummary): string {
  return (
    'recon|' +
    r.lines
      .map(
        (l) =>
          `${l.line}:${l.invoiceNumber}:${l.subscriptionId}:${l.productId}:${l.skuId}:${l.subtotal?.toString()}:${l.total?.toString()}`,
      )
      .join(';')
  );
}

interface MonthParts {
  invoiceNumber: string;
  period: string;
  groups: DailyGroup[];
  lines: ReconLine[];
  dailyFiles: Set<DailyFileSummary>;
  reconFiles: Set<ReconFileSummary>;
  findings: TieOutFinding[];
}

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? '';
}

/** Pairs collected files into months and ties each out. Pure: the unit tests call it on hand-built files. */
export function tieOut(
  dailies: DailyFileSummary[],
  recons: ReconFileSummary[],
  options: CheckOptions = defaultCheckOptions(),
  invoiceTotals?: Map<string, Decimal>,
): TieOutMonth[] {
  const months = new Map<string, MonthParts>();
  const month = (invoice: string, period: string): MonthParts => {
    const key = invoice !== '' ? `invoice:${invoice.toLowerCase()}` : `draft:${period}`;
    let m = months.get(key);
    if (!m) {
      m = {
        invoiceNumber: invoice,
        period,
        groups: [],
        lines: [],
        dailyFiles: new Set(),
        reconFiles: new Set(),
        findings: [],
      };
      months.set(key, m);
    }
    return m;
  };
  const recFiles = new Map<ReconLine, ReconFileSummary>();
  for (const r of recons) {
    for (const l of r.lines) {
      recFiles.set(l, r);
      const m = month(l.invoiceNumber, l.period);
      m.lines.push(l);
      m.reconFiles.add(r);
    }
  }
  const dayFiles = new Map<DailyGroup, DailyFileSummary>();
  for (const d of dailies) {
    for (const g of d.groups) {
      dayFiles.set(g, d);
      const m = month(g.invoiceNumber, g.period);
      m.groups.push(g);
      m.dailyFiles.add(d);
    }
  }
  // A billed daily month whose invoice number the reconciliation files do not know, while an invoice of the same
  // period has no daily rows: the same month with disagreeing invoice numbers. Pair them and say so.
  for (const [key, m] of [...months]) {
    if (m.lines.length > 0 || m.invoiceNumber === '' || !months.has(key)) continue;
    const period = mostCommon(m.groups.map((g) => g.period));
    const partner = [...months.values()].find(
      (o) =>
        o !== m &&
        o.groups.length === 0 &&
        o.lines.length > 0 &&
        mostCommon(o.lines.filter((l) => l.usage).map((l) => l.period)) === period,
    );
    if (!partner) continue;
    const g0 = m.groups[0];
    const first = g0.places.first() ?? { path: g0.path, line: 0, character: 0, endLine: 0, endCharacter: 0 };
    partner.findings.push({
      ...first,
      code: 'invoice-number-mismatch',
      severity: 'error',
      message:
        `The daily rows name invoice ${m.invoiceNumber} but the reconciliation file of the same period ` +
        `(${period}) names ${partner.invoiceNumber}; they were paired by period.`,
      expected: partner.invoiceNumber,
      actual: m.invoiceNumber,
    });
    partner.groups.push(
      ...m.groups.map((g) => ({
        ...g,
        key: g.key.replace(m.invoiceNumber.toLowerCase(), partner.invoiceNumber.toLowerCase()),
      })),
    );
    for (const d of m.dailyFiles) partner.dailyFiles.add(d);
    months.delete(key);
  }

  const result: TieOutMonth[] = [];
  for (const m of months.values()) result.push(tieOutMonth(m, options, invoiceTotals));
  return result.sort((a, b) =>
    a.period < b.period ? -1 : a.period > b.period ? 1 : a.invoiceNumber < b.invoiceNumber ? -1 : 1,
  );
}

function tieOutMonth(m: MonthParts, options: CheckOptions, invoiceTotals?: Map<string, Decimal>): TieOutMonth {
  const findings = m.findings;
  const lines: TieOutLine[] = [];
  const usageLines = m.lines.filter((l) => l.usage);
  const period = mostCommon(
    (usageLines.length > 0 ? usageLines : m.lines).map((l) => l.period).concat(m.groups.map((g) => g.period)),
  );
  const reconCurrencies = new Set(m.lines.map((l) => l.currency).filter(Boolean));
  const dailyCurrencies = new Set(m.groups.flatMap((g) => [...g.currency]).filter(Boolean));
  const currency = [...reconCurrencies][0] ?? [...dailyCurrencies][0] ?? '';
  const draft = m.invoiceNumber === '' || (m.lines.length === 0 && m.groups.every((g) => g.invoiceNumber === ''));
  const reconPrecision = Math.max(0, ...[...m.reconFiles].map((r) => r.eupDecimals));
  const dailyPrecision = new Map([...m.dailyFiles].map((d) => [d.path, d.eupDecimals] as const));

  const groupsByKey = new Map<string, DailyGroup[]>();
  for (const g of m.groups) {
    if (g.covered) continue; // paid by the reservation or savings plan's own line
    groupsByKey.set(g.key, [...(groupsByKey.get(g.key) ?? []), g]);
  }

  // Currencies must agree between the files of one invoice.
  if (
    reconCurrencies.size > 0 &&
    dailyCurrencies.size > 0 &&
    [...dailyCurrencies].some((c) => !reconCurrencies.has(c))
  ) {
    const first = m.lines[0];
    findings.push({
      path: first.path,
      ...first.range,
      code: 'currency-mismatch',
      severity: 'error',
      message:
        `The reconciliation file bills in ${[...reconCurrencies].join(', ')} but the daily rows are in ` +
        `${[...dailyCurrencies].join(', ')}; amounts cannot be compared.`,
      expected: [...reconCurrencies].join(', '),
      actual: [...dailyCurrencies].join(', '),
    });
  }
  if (reconCurrencies.size > 1) {
    const first = m.lines.find((l) => l.currency !== m.lines[0].currency)!;
    findings.push({
      path: first.path,
      ...first.range,
      code: 'currency-mismatch',
      severity: 'error',
      message: `Invoice ${m.invoiceNumber} has lines in ${[...reconCurrencies].join(' and ')}.`,
    });
  }

  // At most two lines per meter and Azure plan in a month: one per PEC status.
  const perMeterPlan = new Map<string, ReconLine[]>();
  for (const l of usageLines) {
    const k = meterPlanKey(l.invoiceNumber, l.customerId, l.subscriptionId, l.productId, l.skuId);
    perMeterPlan.set(k, [...(perMeterPlan.get(k) ?? []), l]);
  }
  for (const ls of perMeterPlan.values()) {
    // Every line after the first of its PEC status is one too many.
    const extras = [true, false].flatMap((pec) => ls.filter((l) => l.pec === pec).slice(1));
    if (extras.length > 0) {
      for (const extra of extras) {
        findings.push({
          path: extra.path,
          ...extra.range,
          code: 'too-many-recon-lines',
          severity: 'warning',
          message:
            `${ls.length} lines bill ${extra.meterDescription || extra.skuName} of Azure plan ` +
            `${extra.subscriptionId} this month; Azure plan bills a meter on at most two (one with partner earned ` +
            `credit, one without). Their amounts are tied out together.`,
          related: ls
            .filter((o) => o !== extra)
            .map((o) => ({ path: o.path, ...o.range, message: 'another line of the same meter and plan' })),
        });
      }
    }
  }

  // Reconciliation usage lines, per tie-out key (several lines of one key are added up).
  const reconByKey = new Map<string, ReconLine[]>();
  for (const l of m.lines) {
    // A line whose amounts cannot be read is never counted as zero: it is named and left out of the tie-out.
    const unreadable = (
      ['subtotal', 'total', ...(l.usage ? (['billableQuantity', 'fx'] as const) : [])] as const
    ).filter((k) => l[k] === undefined);
    if (unreadable.length > 0) {
      findings.push({
        path: l.path,
        ...l.range,
        code: 'unreadable-line',
        severity: 'error',
        message:
          `This reconciliation line's ${unreadable.map((k) => COLUMN_OF[k]).join(', ')} cannot be read as a ` +
          `number; the line is left out of the tie-out and the invoice total (see \`chargeback check\`).`,
      });
      continue;
    }
    if (!l.usage) {
      lines.push({
        path: l.path,
        line: l.line,
        customerName: l.customerName,
        subscriptionId: l.subscriptionId,
        orderId: l.orderId,
        meterId: '',
        meterName: l.skuName || l.productName,
        productId: l.productId,
        skuId: l.skuId,
        pec: l.pec,
        label: 'not-in-daily',
        subtotal: l.subtotal ? formatCents(l.subtotal) : undefined,
        billableQuantity: l.billableQuantity?.toFixed(),
        reconEup: l.eupText,
        dailyPlaces: [],
        derivation:
          `${l.chargeType || 'purchase'} line ` +
          `(${l.reservationOrderId ? 'reservation' : 'seats, reservations, savings plans or marketplace'}): the ` +
          `daily usage file never contains it, so it is listed, not tied out.`,
      });
      continue;
    }
    const k = tieKey(m.invoiceNumber || l.invoiceNumber, l.customerId, l.subscriptionId, l.productId, l.skuId, l.pec);
    reconByKey.set(k, [...(reconByKey.get(k) ?? []), l]);
  }

  const hasDaily = m.dailyFiles.size > 0;
  // Read once per month: the price slack per daily precision, the daily files' exchange rates per text.
  const slackByDecimals = new Map<number, Decimal>();
  const fxTexts = new Map<string, Decimal>();
  const fxOf = (t: string): Decimal => {
    let v = fxTexts.get(t);
    if (!v) fxTexts.set(t, (v = new Dec(t || '0')));
    return v;
  };
  for (const [k, ls] of reconByKey) {
    const first = ls[0];
    const groups = groupsByKey.get(k) ?? [];
    groupsByKey.delete(k);
    const subtotal = ls.reduce((s, l) => s.plus(l.subtotal ?? ZERO), ZERO);
    const bq = ls.reduce((s, l) => s.plus(l.billableQuantity ?? ZERO), ZERO);
    const subtotalText = formatCents(subtotal);
    const bqText = bq.toFixed();
    if (groups.length === 0) {
      lines.push(
        reconTieLine(first, subtotalText, bqText, {
          meterId: '',
          meterName: first.meterDescription,
          label: 'missing-in-daily',
          dailyPlaces: [],
          derivation: hasDaily
            ? 'No daily row bills this meter, plan and PEC status.'
            : 'No daily usage file of this invoice was given.',
        }),
      );
      if (hasDaily) {
        findings.push({
          path: first.path,
          ...first.subtotalRange,
          column: 'Subtotal',
          code: 'missing-in-daily',
          label: 'missing-in-daily',
          severity: subtotal.isZero() ? 'info' : totalSeverity(subtotal, options),
          currency: first.currency,
          expected: '0.00',
          actual: formatCents(subtotal),
          impact: formatCents(subtotal),
          message:
            `The daily usage file has no row for ${first.meterDescription || first.skuName} ` +
            `(${first.pec ? 'with' : 'without'} partner earned credit) of Azure plan ${first.subscriptionId}, yet ` +
            `this line bills ${first.currency} ${formatCents(subtotal)}.`,
        });
      }
      continue;
    }
    const fx = first.fx ?? new Dec(groups[0].fx.values().next().value ?? '1');
    const dailyDecimals = Math.max(...groups.map((g) => dailyPrecision.get(g.path) ?? 0));
    let priceSlack = slackByDecimals.get(dailyDecimals);
    if (!priceSlack)
      slackByDecimals.set(dailyDecimals, (priceSlack = halfUnit(dailyDecimals).plus(halfUnit(reconPrecision))));
    const eval_ = evaluate(groups, subtotal, fx, priceSlack);
    const line = reconTieLine(first, subtotalText, bqText, {
      meterId: [...new Set(groups.flatMap((g) => [...g.meterIds]))].join(' '),
      meterName: groups[0].meterName || first.meterDescription,
      label: eval_.label,
      fromDaily: formatCents(eval_.fromDaily),
      bound: formatCents(eval_.bound),
      difference: formatCents(subtotal.minus(eval_.fromDaily)),
      dailyQuantity: eval_.quantity.toFixed(),
      dailyEup: eval_.eupText,
      dailyBilled: eval_.billed.toFixed(),
      drift: eval_.drift.toFixed(2),
      rowsBound: eval_.rowsBound.toFixed(2),
      dailyRows: eval_.rows,
      derivation: eval_.derivation,
    });
    lines.push(line);
    const fxDaily = new Set(groups.flatMap((g) => [...g.fx]));
    const fxNote = [...fxDaily].some((t) => !fxOf(t).eq(fx))
      ? ` The daily rows use PCToBCExchangeRate ${[...fxDaily].join(', ')}, the line ${first.fxText}.`
      : '';
    const related = () =>
      line.dailyPlaces!.slice(0, 10).map((p) => ({ ...p, message: 'daily row billed by this line' }));
    if (eval_.label === 'mismatch' || eval_.label === 'price-drift') {
      line.priceSteps = eval_.steps();
      line.dailyPlaces = groups.flatMap((g) => g.places.list());
    }
    if (eval_.label === 'mismatch') {
      const impact = subtotal.minus(eval_.fromDaily);
      const quantityDiffers = !bq.eq(eval_.quantity);
      findings.push({
        path: first.path,
        ...(quantityDiffers ? first.quantityRange : first.subtotalRange),
        column: quantityDiffers ? first.quantityColumn : 'Subtotal',
        code: 'recon-daily-mismatch',
        label: 'mismatch',
        severity: totalSeverity(impact, options),
        currency: first.currency,
        expected: formatCents(eval_.fromDaily),
        actual: formatCents(subtotal),
        impact: formatCents(impact),
        message:
          `Subtotal ${formatCents(subtotal)} does not tie out to the daily rows: they give ` +
          `${formatCents(eval_.fromDaily)} (${eval_.formula}), ` +
          `beyond the rounding bound of ${formatCents(eval_.bound)}; ${impact.isNegative() ? 'under' : 'over'}billed ` +
          `${first.currency} ${formatCents(impact.abs())}.` +
          (quantityDiffers
            ? ` ${first.quantityColumn} ${bq.toFixed()} but the daily rows hold ${eval_.quantity.toFixed()}.`
            : '') +
          fxNote +
          unreadableNote(groups),
        related: related(),
      });
    } else if (eval_.label === 'price-drift') {
      findings.push({
        path: first.path,
        ...first.subtotalRange,
        column: 'Subtotal',
        code: 'recon-daily-price-drift',
        label: 'price-drift',
        severity: 'info',
        currency: first.currency,
        expected: eval_.billed.toFixed(2),
        actual: formatCents(subtotal),
        impact: '0.00',
        message: subtotal.minus(eval_.fromDaily).abs().gt(eval_.bound)
          ? `Subtotal ${formatCents(subtotal)} agrees with the daily rows' own amounts (${eval_.billed.toFixed(2)}, ` +
            `within the rows' rounding of ${eval_.rowsBound.toFixed(2)}); the month's last price gives ` +
            `${formatCents(eval_.fromDaily)} (${eval_.formula}) because the price moved through the month ` +
            `(${eval_.stepCount} prices, as a free allowance or graduated prices bill).`
          : `Subtotal ${formatCents(subtotal)} ties out (${eval_.formula}); the daily rows' own amounts add up ` +
            `to ${eval_.billed.toFixed(2)} because the effective price moved with the month's cumulative quantity ` +
            `(${eval_.stepCount} prices, drift ${eval_.drift.toFixed(2)}).`,
        related: related(),
      });
    }
  }

  // Daily groups the reconciliation file does not bill.
  if (m.lines.length > 0) {
    for (const [, groups] of groupsByKey) {
      const e = evaluate(groups, undefined, new Dec(groups[0].fx.values().next().value || '1'), ZERO);
      if (e.fromDaily.isZero() && e.billed.isZero()) continue; // a free allowance billed nowhere
      const g = groups[0];
      const place = g.places.first() ?? { path: g.path, line: 0, character: 0, endLine: 0, endCharacter: 0 };
      lines.push({
        path: place.path,
        line: place.line,
        customerName: g.customerName,
        subscriptionId: g.subscriptionId,
        orderId: '',
        meterId: [...g.meterIds].join(' '),
        meterName: g.meterName,
        productId: g.productId,
        skuId: g.skuId,
        pec: g.pec,
        label: 'missing-in-recon',
        fromDaily: formatCents(e.fromDaily),
        dailyQuantity: e.quantity.toFixed(),
        dailyEup: e.eupText,
        dailyBilled: e.billed.toFixed(),
        dailyRows: e.rows,
        priceSteps: e.steps(),
        derivation: e.derivation,
        dailyPlaces: groups.flatMap((x) => x.places.list()),
      });
      const impact = e.fromDaily.negated();
      findings.push({
        ...place,
        code: 'missing-in-recon',
        label: 'missing-in-recon',
        severity: totalSeverity(impact, options),
        currency: [...g.currency][0],
        expected: formatCents(e.fromDaily),
        actual: '0.00',
        impact: formatCents(impact),
        message:
          `${e.rows} daily row${e.rows === 1 ? '' : 's'} of ${g.meterName || g.skuId} (${g.pec ? 'with' : 'without'} ` +
          `partner earned credit) on Azure plan ${g.subscriptionId} ` +
          `come to ${formatCents(e.fromDaily)} (${e.formula}), but no reconciliation line of invoice ` +
          `${m.invoiceNumber} bills them.`,
        related: g.places
          .list(10)
          .slice(1)
          .map((p) => ({ ...p, message: 'another daily row of the same meter' })),
      });
    }
  }

  // A daily file can hold several invoices: each month reports the rows of its own groups, and the count of rows
  // past those kept is said once, by the month of the file's last kept row.
  const invoices = new Set(m.groups.map((g) => g.invoiceNumber));
  for (const d of m.dailyFiles) {
    const own = d.outsidePeriod.filter((o) => invoices.has(o.invoiceNumber));
    for (const o of own) {
      findings.push({
        ...o.place,
        column: 'UsageDate',
        code: 'usage-outside-period',
        severity: 'warning',
        actual: o.usageDate,
        expected: o.period,
        message: `UsageDate ${o.usageDate} lies outside the charge period ${o.period.replace('/', ' to ')}.`,
      });
    }
    if (d.outsidePeriodCount > d.outsidePeriod.length && own.at(-1) === d.outsidePeriod.at(-1)) {
      const last = d.outsidePeriod[d.outsidePeriod.length - 1].place;
      findings.push({
        ...last,
        code: 'usage-outside-period',
        severity: 'warning',
        message:
          `${d.outsidePeriodCount - d.outsidePeriod.length} more rows of ${d.path} are dated outside their ` +
          `charge period.`,
      });
    }
  }

  const files = [
    ...[...m.dailyFiles].map((d) => ({ path: d.path, kind: 'daily-usage' as const })),
    ...[...m.reconFiles].map((r) => ({ path: r.path, kind: 'reconciliation' as const })),
  ];
  // With an unreadable Total the invoice total is not known: it is not shown rather than shown wrong.
  const invoiceTotal =
    m.lines.length > 0 && m.lines.every((l) => l.total !== undefined)
      ? m.lines.reduce((s, l) => s.plus(l.total!), ZERO)
      : undefined;
  const entered = m.invoiceNumber ? invoiceTotals?.get(m.invoiceNumber.toLowerCase()) : undefined;
  if (entered && invoiceTotal && !entered.eq(invoiceTotal)) {
    const first = m.lines[0];
    const impact = invoiceTotal.minus(entered);
    findings.push({
      path: first.path,
      ...first.range,
      code: 'invoice-total-mismatch',
      severity: totalSeverity(impact, options),
      currency,
      expected: formatCents(entered),
      actual: formatCents(invoiceTotal),
      impact: formatCents(impact),
      message:
        `The reconciliation file's Totals for invoice ${m.invoiceNumber} add up to ${currency} ` +
        `${formatCents(invoiceTotal)}, but the invoice says ${formatCents(entered)}.`,
    });
  }
  const anchor = m.lines[0] ? { path: m.lines[0].path, ...m.lines[0].range } : m.groups[0]?.places.first();
  if (anchor && draft && m.groups.length > 0) {
    findings.push({
      ...anchor,
      code: 'draft-estimate',
      severity: 'info',
      message:
        `The daily rows of ${period.replace('/', ' to ')} carry no invoice number: unbilled usage, so every ` +
        `amount is a draft estimate until the month is invoiced.`,
    });
  } else if (anchor && m.lines.length > 0 && !hasDaily && usageLines.length > 0) {
    findings.push({
      ...anchor,
      code: 'no-daily-file',
      severity: 'info',
      message:
        `No daily usage file of invoice ${m.invoiceNumber} was given: its ${usageLines.length} usage lines ` +
        `are not tied out.`,
    });
  } else if (anchor && m.lines.length === 0 && !draft) {
    findings.push({
      ...anchor,
      code: 'no-reconciliation-file',
      severity: 'info',
      message: `No reconciliation file of invoice ${m.invoiceNumber} was given: the daily rows are not tied out.`,
    });
  }

  const flagged = findings.filter(
    (f) =>
      f.label === 'mismatch' ||
      f.label === 'missing-in-daily' ||
      f.label === 'missing-in-recon' ||
      f.severity === 'error',
  );
  const atStake = flagged.reduce((s, f) => s.plus(f.impact ? new Dec(f.impact).abs() : ZERO), ZERO);
  const status: MonthStatus = draft
    ? 'draft'
    : m.lines.length === 0 || !hasDaily
      ? 'incomplete'
      : findings.some((f) => f.severity !== 'info')
        ? 'differences'
        : 'ties-out';
  findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.character - b.character));
  lines.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  return {
    invoiceNumber: m.invoiceNumber,
    period,
    draft,
    files,
    currency,
    invoiceTotal: invoiceTotal ? formatCents(invoiceTotal) : undefined,
    enteredInvoiceTotal: entered ? formatCents(entered) : undefined,
    status,
    atStake: formatCents(atStake),
    lines,
    findings,
  };
}

/** What a reconciliation line's tie-out adds to the line's own fields (see reconTieLine). */
type DailySide = Omit<
  TieOutLine,
  | 'path'
  | 'line'
  | 'customerName'
  | 'subscriptionId'
  | 'orderId'
  | 'productId'
  | 'skuId'
  | 'pec'
  | 'subtotal'
  | 'billableQuantity'
  | 'reconEup'
>;

/**
 * A usage line's tie-out, every field written out in one literal, in one order. Built the other way (a base object
 * spread into a new one, the daily side added to it), each line cost about 6.8 KB of allocation that died soon but
 * not young: on the bench's month of 91k lines in no order, 620 MB that the collector promoted, the heap grew to
 * 967 MB to hold it and `reconcile` peaked at 1,299 MB RSS in 25.3 s; written out, 361 MB, 669 MB and 17.6 s, with
 * the same output to the byte.
 */
function reconTieLine(first: ReconLine, subtotal: string, billableQuantity: string, daily: DailySide): TieOutLine {
  return {
    path: first.path,
    line: first.line,
    customerName: first.customerName,
    subscriptionId: first.subscriptionId,
    orderId: first.orderId,
    meterId: daily.meterId,
    meterName: daily.meterName,
    productId: first.productId,
    skuId: first.skuId,
    pec: first.pec,
    label: daily.label,
    subtotal,
    fromDaily: daily.fromDaily,
    bound: daily.bound,
    difference: daily.difference,
    billableQuantity,
    dailyQuantity: daily.dailyQuantity,
    reconEup: first.eupText,
    dailyEup: daily.dailyEup,
    dailyBilled: daily.dailyBilled,
    drift: daily.drift,
    rowsBound: daily.rowsBound,
    dailyRows: daily.dailyRows,
    priceSteps: daily.priceSteps,
    derivation: daily.derivation,
    dailyPlaces: daily.dailyPlaces,
  };
}

const COLUMN_OF = {
  subtotal: 'Subtotal',
  total: 'Total',
  billableQuantity: 'BillableQuantity',
  fx: 'PCToBCExchangeRate',
} as const;

function unreadableNote(groups: DailyGroup[]): string {
  const n = groups.reduce((s, g) => s + g.unreadable, 0);
  return n > 0
    ? ` ${n} daily row${n === 1 ? '' : 's'} of this meter could not be read and ${n === 1 ? 'is' : 'are'} left out ` +
        `(see \`chargeback check\`).`
    : '';
}

interface Evaluation {
  label: TieOutLabel;
  fromDaily: Decimal;
  bound: Decimal;
  quantity: Decimal;
  billed: Decimal;
  eupText: string;
  drift: Decimal;
  rowsBound: Decimal;
  rows: number;
  /** How many printed prices, and (made when a finding shows them) the steps in order of first day. */
  stepCount: number;
  steps: () => NonNullable<TieOutLine['priceSteps']>;
  formula: string;
  derivation: string;
}

/**
 * True when a meter's prices through the month look like price bands: at least two prices, one of them 0 or at
 * least 1% below the highest; each price on its own run of days, the runs one after the other (a band ends before
 * the next begins, as the month's cumulative quantity crosses a tier); and a 0 price only before any paid one (a
 * free allowance is used up first). A lower price on a day inside another price's run (a discount applied twice to
 * one row) is not a band: such a line is judged on the month's last price alone.
 */
export function priceBands(steps: Pick<PriceStep, 'eup' | 'firstDay' | 'lastDay'>[]): boolean {
  const byPrice = new Map<string, { eup: Decimal; firstDay: string; lastDay: string }>();
  for (const s of steps) {
    // "0.05" and "0.0500" are one price printed two ways.
    const key = s.eup.toString();
    const known = byPrice.get(key);
    if (!known) byPrice.set(key, { eup: s.eup, firstDay: s.firstDay, lastDay: s.lastDay });
    else {
      if (s.firstDay < known.firstDay) known.firstDay = s.firstDay;
      if (s.lastDay > known.lastDay) known.lastDay = s.lastDay;
    }
  }
  const runs = [...byPrice.values()].sort((a, b) => (a.firstDay < b.firstDay ? -1 : a.firstDay > b.firstDay ? 1 : 0));
  if (runs.length < 2) return false;
  const highest = Dec.max(...runs.map((r) => r.eup));
  if (!runs.some((r) => r.eup.isZero() || r.eup.lt(highest.times('0.99')))) return false;
  let paidSeen = false;
  for (let i = 0; i < runs.length; i++) {
    if (i > 0 && runs[i].firstDay <= runs[i - 1].lastDay) return false;
    if (runs[i].eup.isZero() && paidSeen) return false;
    if (!runs[i].eup.isZero()) paidSeen = true;
  }
  return true;
}

/** The documented usage formula: ROUNDDOWN(ROUNDDOWN(EUP x Q, 2) x FX, 2), toward zero as Excel's ROUNDDOWN. */
export function usageSubtotal(eup: Decimal, quantity: Decimal, fx: Decimal): Decimal {
  return roundDownCents(roundDownCents(eup.times(quantity)).times(fx));
}

/**
 * Recomputes a Subtotal from daily groups and labels the recon's (see the module comment for the derivation).
 * `priceSlack` is t, how far the two files' printed prices may be apart.
 */
export function evaluate(
  groups: DailyGroup[],
  subtotal: Decimal | undefined,
  fx: Decimal,
  priceSlack: Decimal,
): Evaluation {
  let quantity = ZERO;
  let billed = ZERO;
  let rows = 0;
  let roundedRows = 0;
  let unroundedSlack = ZERO;
  let absQuantity = ZERO;
  let last = { day: '', eupText: '' };
  // One group (the usual line) is read from the collector's columns, its steps made only when a finding shows them
  // or the price bands are read; several groups' steps are made and merged by printed price.
  const single = groups.length === 1 ? groups[0] : undefined;
  const merged = single ? undefined : new Map<string, PriceStep>();
  for (const g of groups) {
    // One group (the usual line) is its own sum: no decimal addition per line.
    quantity = groups.length === 1 ? g.quantity : quantity.plus(g.quantity);
    absQuantity = groups.length === 1 ? g.absQuantity : absQuantity.plus(g.absQuantity);
    billed = groups.length === 1 ? g.billed : billed.plus(g.billed);
    rows += g.rows;
    roundedRows += g.roundedRows;
    g.unroundedByDecimals.forEach((n, d) => {
      if (n > 0) unroundedSlack = unroundedSlack.plus(halfUnit(d).times(n));
    });
    if (g.lastDay >= last.day) last = { day: g.lastDay, eupText: g.lastEupText };
    if (!merged) continue;
    for (const s of g.steps.list()) {
      const known = merged.get(s.eupText);
      if (!known) merged.set(s.eupText, s);
      else {
        known.quantity = known.quantity.plus(s.quantity);
        known.rows += s.rows;
        if (s.firstDay < known.firstDay) known.firstDay = s.firstDay;
        if (s.lastDay > known.lastDay) known.lastDay = s.lastDay;
      }
    }
  }
  let made: PriceStep[] | undefined;
  const steps = (): PriceStep[] => (made ??= merged ? [...merged.values()] : single!.steps.list());
  const stepCount = merged ? merged.size : single!.steps.size;
  const eup = merged
    ? (steps().find((s) => s.eupText === last.eupText)?.eup ?? ZERO)
    : (parseDecimal(last.eupText) ?? ZERO);
  const fromDaily = usageSubtotal(eup, quantity, fx);
  const a = usageSubtotal(eup.minus(priceSlack), quantity, fx);
  const b = usageSubtotal(eup.plus(priceSlack), quantity, fx);
  const [lo, hi] = a.lte(b) ? [a, b] : [b, a];
  const bound = Dec.max(hi.minus(fromDaily), fromDaily.minus(lo));
  // sum of (EUP - p) x q x FX, with FX taken out of the sum (exact either way) and the last price's own step,
  // whose difference is 0, skipped.
  let driftInPrices = ZERO;
  if (single) driftInPrices = single.steps.drift(eup, last.eupText);
  else
    for (const s of steps())
      if (s.eupText !== last.eupText) driftInPrices = driftInPrices.plus(eup.minus(s.eup).times(s.quantity));
  const drift = driftInPrices.times(fx);
  // Rounding between the rows' own amounts and the Subtotal: per-row cents, printing, the formula's two floors.
  const rowsBound = CENT.times(roundedRows)
    .plus(unroundedSlack)
    .plus(CENT.times(fx))
    .plus(CENT)
    .plus(priceSlack.times(absQuantity).times(fx).times(2));
  const formula =
    `ROUNDDOWN(ROUNDDOWN(EffectiveUnitPrice ${last.eupText} x Quantity ${quantity.toFixed()}, 2) x FX ` +
    `${fx.toFixed()}, 2)`;
  let label: TieOutLabel = 'explained-rounding';
  if (subtotal) {
    // Meters with a free allowance or graduated prices are billed day by day at the price of the band each day's
    // units fall in (0 on the free part, then the tier price), so the last day's price is not the month's: the
    // Subtotal then agrees with what the rows themselves bill, and the gap to the last price is price movement.
    // Only a band pattern counts (see priceBands): the cumulative re-rating of a flat meter moves the price in the
    // 4th-5th decimal and is covered by the bound above; a low price inside another price's days is a defect.
    // ... and the rows' own amounts must explain the Subtotal where the last price cannot.
    const byRows = subtotal.minus(billed).abs();
    if (subtotal.lt(lo) || subtotal.gt(hi))
      label =
        priceBands(steps()) && byRows.lte(rowsBound) && byRows.lt(subtotal.minus(fromDaily).abs().minus(bound))
          ? 'price-drift'
          : 'mismatch';
    else if (
      subtotal.minus(billed).abs().gt(rowsBound) &&
      stepCount > 1 &&
      subtotal.minus(billed).minus(drift).abs().lte(rowsBound)
    )
      label = 'price-drift';
  }
  // Kept with the line for the whole run: joined into one flat string, not a tree of the pieces it was added from
  // (a line of a month of 100k meters would hold about 30 of them).
  const derivation = [
    `fromDaily = ${formula} = ${formatCents(fromDaily)}; prices printed within ${formatPrice(priceSlack)} of each `,
    `other give `,
    `${formatCents(lo)} to ${formatCents(hi)} (bound ${formatCents(bound)}). The ${rows} daily rows bill `,
    `${billed.toFixed(2)}; `,
    `price drift over ${stepCount} price${stepCount === 1 ? '' : 's'} ${drift.toFixed(2)}; per-row and formula `,
    `rounding up to ${rowsBound.toFixed(2)}.`,
  ].join('');
  return {
    label,
    fromDaily,
    bound,
    quantity,
    billed,
    eupText: last.eupText,
    drift,
    rowsBound,
    rows,
    stepCount,
    steps: () =>
      [...steps()]
        .sort((x, y) => (x.firstDay < y.firstDay ? -1 : x.firstDay > y.firstDay ? 1 : 0))
        .map((s) => ({
          eup: s.eupText,
          firstDay: s.firstDay,
          lastDay: s.lastDay,
          quantity: s.quantity.toFixed(),
          rows: s.rows,
        })),
    formula,
    derivation,
  };
}
