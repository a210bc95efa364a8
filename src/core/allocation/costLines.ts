/**
 * Turns billing files into cost lines for the engine: daily rated usage, invoice reconciliation and FOCUS files,
 * read with the billing reader (header detection, cell positions), streamed in flat memory.
 *
 * Nothing is counted twice: when a daily usage file of an invoice is among the inputs, the reconciliation lines of
 * that invoice that are Azure plan meter usage (a MeterDescription and no ReservationOrderId) are left out, since
 * the daily file has the same usage day by day; the reconciliation file then adds only what the daily file lacks:
 * reservation and savings plan purchases, seats, marketplace. Daily files are read first so this is known before
 * any reconciliation line is emitted.
 *
 * Bad cells are never silently zero: a line whose allocated amount cannot be read is left out with a warning that
 * names the file, line and column; a retail value that cannot be computed is a warning when `amount: retail` needs
 * it. Each call reads the sources again from the start (the FOCUS export streams the lines a second time).
 */
import type Decimal from 'decimal.js';
import { parseBillingDate } from '../billing/dates';
import type { DateOrder } from '../billing/dates';
import type { CsvRecord } from '../billing/csv';
import { FILE_KIND_LABELS } from '../billing/fileKinds';
import type { FileKind } from '../billing/fileKinds';
import { readBillingFile } from '../billing/reader';
import type { BillingHeader } from '../billing/reader';
import type { TextSource } from '../billing/source';
import type { Finding } from '../findings';
import { Dec, parseDecimal, formatCents, ZERO } from '../money';
import type { CostLine, CostSourceKind } from './costLine';
import type { AmountKind } from './model';

export type CostLineIssueCode =
  | 'invalid-amount'
  | 'invalid-value'
  | 'invalid-date'
  | 'invalid-tags'
  | 'unsupported-file'
  | 'missing-column'
  | 'file-problem'
  | 'recon-usage-skipped';

export interface CostLineIssue {
  code: CostLineIssueCode;
  severity: 'error' | 'warning' | 'info';
  message: string;
  file: string;
  /** 1-based line where the record starts (0 for the whole file). */
  line: number;
  column?: string;
}

export interface ReadCostLinesOptions {
  /** Which amount the rules allocate: decides which unreadable cells are worth a warning (default billed). */
  amount?: AmountKind;
  /** How slash dates are read (default month-first, as Partner Center writes them). */
  dateOrder?: DateOrder;
  onIssue?: (issue: CostLineIssue) => void;
  signal?: AbortSignal;
}

type ReaderEvent = { kind: 'header'; header: BillingHeader } | { kind: 'row'; record: CsvRecord } | { kind: 'finding'; finding: Finding };

/**
 * The billing reader calls back; the engine wants a stream. This adapter runs the reader over a source whose chunks
 * it hands out one at a time, and yields the rows of each chunk before the next is read: memory stays at one chunk.
 */
async function* readerEvents(source: TextSource, signal?: AbortSignal): AsyncGenerator<ReaderEvent> {
  const queue: ReaderEvent[] = [];
  let finished = false;
  let cancelled = false;
  let failure: unknown;
  let consumerWaiting: (() => void) | undefined;
  let producerWaiting: (() => void) | undefined;
  const wakeConsumer = (): void => {
    const w = consumerWaiting;
    consumerWaiting = undefined;
    w?.();
  };
  const paced: TextSource = {
    name: source.name,
    async *chunks() {
      for await (const chunk of source.chunks()) {
        if (cancelled) return;
        yield chunk;
        if (queue.length > 0) await new Promise<void>((resume) => ((producerWaiting = resume), wakeConsumer()));
      }
    },
  };
  readBillingFile(
    paced,
    {
      onHeader: (header) => void queue.push({ kind: 'header', header }),
      onRow: (record) => void queue.push({ kind: 'row', record }),
      onFinding: (finding) => void queue.push({ kind: 'finding', finding }),
    },
    { signal },
  ).then(
    () => ((finished = true), wakeConsumer()),
    (e: unknown) => ((failure = e), (finished = true), wakeConsumer()),
  );
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (producerWaiting) {
        const resume = producerWaiting;
        producerWaiting = undefined;
        resume();
        continue;
      }
      if (finished) break;
      await new Promise<void>((wake) => (consumerWaiting = wake));
    }
    if (failure) throw failure;
  } finally {
    cancelled = true;
    producerWaiting?.();
  }
}

/** The kind of a billing file, from its header alone. */
export async function billingFileKind(source: TextSource): Promise<FileKind | undefined> {
  let kind: FileKind | undefined;
  await readBillingFile(source, { onHeader: (h) => ((kind = h.kind), false), onRow: () => undefined, onFinding: () => undefined });
  return kind;
}

/** Reads cost lines from billing files (any order; daily usage is read first, reconciliation last). */
export async function* readCostLines(sources: readonly TextSource[], options: ReadCostLinesOptions = {}): AsyncGenerator<CostLine> {
  const kinds = new Map<TextSource, FileKind | undefined>();
  for (const s of sources) kinds.set(s, await billingFileKind(s));
  const order: FileKind[] = ['daily-usage', 'focus', 'reconciliation'];
  const dailyInvoices = new Set<string>();
  for (const s of sources) {
    const kind = kinds.get(s);
    if (kind !== undefined && !order.includes(kind)) {
      options.onIssue?.({
        code: 'unsupported-file',
        severity: kind === 'unknown' ? 'warning' : 'info',
        message:
          kind === 'unknown'
            ? 'This file is not a recognized billing file (daily usage, reconciliation or FOCUS); it was not allocated.'
            : `This is a ${FILE_KIND_LABELS[kind]} file; it holds no cost lines to allocate.`,
        file: s.name,
        line: 0,
      });
    }
  }
  for (const kind of order) {
    for (const s of sources) {
      if (kinds.get(s) !== kind) continue;
      yield* readFile(s, kind as CostSourceKind, dailyInvoices, options);
    }
  }
}

async function* readFile(source: TextSource, kind: CostSourceKind, dailyInvoices: Set<string>, options: ReadCostLinesOptions): AsyncGenerator<CostLine> {
  const file = source.name;
  const issue = (i: Omit<CostLineIssue, 'file'>): void => options.onIssue?.({ ...i, file });
  let mapper: RowMapper | undefined;
  let skipped = { lines: 0, amount: ZERO as Decimal, invoices: new Set<string>() };
  for await (const event of readerEvents(source, options.signal)) {
    if (event.kind === 'header') {
      mapper = new RowMapper(event.header, kind, file, options, issue);
      const missing = mapper.missingColumns();
      if (missing.length > 0) {
        issue({
          code: 'missing-column',
          severity: 'error',
          message: `This ${FILE_KIND_LABELS[kind]} file lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; its lines cannot be allocated.`,
          line: event.header.record.pos[0] + 1,
        });
        mapper = undefined;
      }
    } else if (event.kind === 'finding') {
      const f = event.finding;
      if (f.code === 'empty-file') continue;
      issue({ code: 'file-problem', severity: f.severity === 'error' ? 'warning' : f.severity, message: `${f.message} (the row was not allocated)`, line: f.line + 1 });
    } else if (mapper) {
      const line = mapper.map(event.record);
      if (!line) continue;
      if (kind === 'daily-usage' && line.invoice) dailyInvoices.add(line.invoice);
      if (kind === 'reconciliation' && line.invoice && dailyInvoices.has(line.invoice) && mapper.isMeterUsage(event.record)) {
        skipped.lines++;
        skipped.amount = skipped.amount.plus(line.billed);
        skipped.invoices.add(line.invoice);
        continue;
      }
      yield line;
    }
  }
  if (skipped.lines > 0) {
    issue({
      code: 'recon-usage-skipped',
      severity: 'info',
      message: `${skipped.lines} Azure plan usage line(s) (${formatCents(skipped.amount)}) of invoice ${[...skipped.invoices].join(', ')} were left out: the daily usage file of that invoice has the same usage day by day. Purchases, seats and marketplace lines were kept.`,
      line: 0,
    });
    skipped = { lines: 0, amount: ZERO, invoices: new Set() };
  }
}

/** Column names per file kind for each CostLine field (the first present one wins). */
const COLUMNS: Record<CostSourceKind, Record<string, string[]>> = {
  'daily-usage': {
    billed: ['BillingPreTaxTotal'],
    currency: ['BillingCurrency'],
    customer: ['CustomerName'],
    customerId: ['CustomerId'],
    subscription: ['SubscriptionId'],
    entitlement: ['EntitlementId'],
    entitlementName: ['EntitlementDescription'],
    resourceGroup: ['ResourceGroup'],
    resource: ['ResourceURI'],
    meterCategory: ['MeterCategory'],
    meterSubCategory: ['MeterSubCategory'],
    meterName: ['MeterName'],
    meterId: ['MeterId'],
    product: ['ProductName'],
    sku: ['SkuName'],
    region: ['ResourceLocation'],
    chargeType: ['ChargeType'],
    invoice: ['InvoiceNumber'],
    tags: ['Tags'],
    date: ['UsageDate'],
    billingPeriodStart: ['ChargeStartDate'],
    billingPeriodEnd: ['ChargeEndDate'],
    unitPrice: ['UnitPrice'],
    quantity: ['Quantity'],
    unit: ['UnitType', 'Unit'],
    fx: ['PCToBCExchangeRate'],
    effectiveUnitPrice: ['EffectiveUnitPrice'],
    pec: ['PartnerEarnedCreditPercentage'],
    benefitId: ['BenefitId'],
    benefitOrderId: ['BenefitOrderId'],
    benefitType: ['BenefitType'],
    billingAccountId: ['PartnerId'],
    publisher: ['PublisherName'],
  },
  reconciliation: {
    billed: ['Subtotal'],
    currency: ['Currency'],
    customer: ['CustomerName'],
    customerId: ['CustomerId'],
    subscription: ['SubscriptionId'],
    product: ['ProductName'],
    sku: ['SkuName'],
    meterName: ['MeterDescription'],
    chargeType: ['ChargeType'],
    invoice: ['InvoiceNumber'],
    date: ['ChargeStartDate'],
    billingPeriodStart: ['ChargeStartDate'],
    billingPeriodEnd: ['ChargeEndDate'],
    unitPrice: ['UnitPrice'],
    quantity: ['BillableQuantity', 'Quantity'],
    unit: ['UnitType'],
    fx: ['PCToBCExchangeRate'],
    effectiveUnitPrice: ['EffectiveUnitPrice'],
    priceAdjustment: ['PriceAdjustmentDescription'],
    reservationOrderId: ['ReservationOrderId'],
    billingAccountId: ['PartnerId'],
    publisher: ['PublisherName'],
  },
  focus: {
    billed: ['BilledCost'],
    effective: ['EffectiveCost'],
    retail: ['ListCost'],
    currency: ['BillingCurrency'],
    customer: ['x_CustomerName', 'BillingAccountName'],
    customerId: ['x_CustomerId', 'BillingAccountId'],
    subscription: ['x_SubscriptionId', 'SubAccountId'],
    entitlement: ['SubAccountId'],
    entitlementName: ['SubAccountName'],
    resourceGroup: ['x_ResourceGroupName'],
    resource: ['ResourceId'],
    resourceName: ['ResourceName'],
    meterCategory: ['x_SkuMeterCategory', 'ServiceName'],
    meterSubCategory: ['x_SkuMeterSubcategory'],
    meterName: ['SkuMeter', 'x_SkuMeterName'],
    meterId: ['x_SkuMeterId', 'SkuId'],
    product: ['x_SkuDescription', 'ServiceName'],
    sku: ['x_SkuName', 'SkuPriceId'],
    region: ['RegionName', 'RegionId'],
    chargeType: ['x_ChargeType', 'ChargeCategory'],
    chargeCategory: ['ChargeCategory'],
    invoice: ['InvoiceId', 'x_InvoiceId'],
    tags: ['Tags'],
    date: ['ChargePeriodStart'],
    billingPeriodStart: ['BillingPeriodStart'],
    billingPeriodEnd: ['BillingPeriodEnd'],
    unitPrice: ['ListUnitPrice'],
    quantity: ['PricingQuantity'],
    unit: ['PricingUnit'],
    effectiveUnitPrice: ['x_EffectiveUnitPrice'],
    pec: ['x_PartnerCreditRate'],
    commitment: ['CommitmentDiscountId'],
    commitmentStatus: ['CommitmentDiscountStatus'],
    billingAccountId: ['BillingAccountId'],
    publisher: ['PublisherName'],
  },
};

const REQUIRED: Record<CostSourceKind, string[]> = {
  'daily-usage': ['billed', 'currency'],
  reconciliation: ['billed', 'currency'],
  focus: ['billed', 'currency'],
};

/** Maps the rows of one file to cost lines. */
class RowMapper {
  private readonly index = new Map<string, number>();
  private readonly names = new Map<string, string>();

  constructor(
    header: BillingHeader,
    private readonly kind: CostSourceKind,
    private readonly file: string,
    private readonly options: ReadCostLinesOptions,
    private readonly issue: (i: Omit<CostLineIssue, 'file'>) => void,
  ) {
    this.decimalComma = header.decimalComma;
    for (const [field, candidates] of Object.entries(COLUMNS[kind])) {
      for (const c of candidates) {
        const i = header.columns.indexOf(c);
        if (i >= 0) {
          this.index.set(field, i);
          this.names.set(field, header.columns.nameAt(i));
          break;
        }
      }
    }
  }

  private readonly decimalComma: boolean;

  missingColumns(): string[] {
    return REQUIRED[this.kind].filter((f) => !this.index.has(f)).map((f) => COLUMNS[this.kind][f][0]);
  }

  private text(record: CsvRecord, field: string): string {
    const i = this.index.get(field);
    return i === undefined ? '' : (record.cells[i] ?? '').trim();
  }

  /** A decimal cell: undefined when empty; a warning (and undefined) when present but unreadable. */
  private decimal(record: CsvRecord, field: string, warn: boolean): Decimal | undefined | null {
    const t = this.text(record, field);
    if (t === '') return undefined;
    const d = parseDecimal(t, this.decimalComma);
    if (d !== undefined) return new Dec(d);
    if (warn) {
      this.issue({
        code: field === 'billed' || field === 'effective' || field === 'retail' ? 'invalid-amount' : 'invalid-value',
        severity: 'warning',
        message: `${this.names.get(field)} '${t}' is not a number`,
        line: record.pos[0] + 1,
        column: this.names.get(field),
      });
    }
    return null;
  }

  private date(record: CsvRecord, field: string): string | undefined {
    const t = this.text(record, field);
    if (t === '') return undefined;
    const r = parseBillingDate(t, this.options.dateOrder ?? 'MDY');
    if (r.ok) return r.iso;
    this.issue({ code: 'invalid-date', severity: 'warning', message: `${this.names.get(field)} '${t}': ${r.reason}`, line: record.pos[0] + 1, column: this.names.get(field) });
    return undefined;
  }

  private tags(record: CsvRecord): Record<string, string> {
    const t = this.text(record, 'tags');
    if (t === '') return {};
    try {
      const parsed: unknown = JSON.parse(t.startsWith('{') ? t : `{${t}}`);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) out[k.trim().toLowerCase()] = typeof v === 'string' ? v : JSON.stringify(v);
      return out;
    } catch {
      this.issue({ code: 'invalid-tags', severity: 'warning', message: `Tags are not a JSON object, so no tag of this line can match: ${t.slice(0, 80)}`, line: record.pos[0] + 1, column: this.names.get('tags') });
      return {};
    }
  }

  /** True for a reconciliation line that is Azure plan meter usage (which the daily file has day by day). */
  isMeterUsage(record: CsvRecord): boolean {
    return this.text(record, 'meterName') !== '' && this.text(record, 'reservationOrderId') === '';
  }

  map(record: CsvRecord): CostLine | undefined {
    const line = record.pos[0] + 1;
    const amountKind = this.options.amount ?? 'billed';
    const billed = this.decimal(record, 'billed', false);
    if (billed === undefined || billed === null) {
      const raw = this.text(record, 'billed');
      this.issue({
        code: 'invalid-amount',
        severity: 'warning',
        message: billed === undefined ? `${this.names.get('billed')} is empty; the line was not allocated` : `${this.names.get('billed')} '${raw}' is not a number; the line was not allocated`,
        line,
        column: this.names.get('billed'),
      });
      return undefined;
    }
    const s = (f: string): string => this.text(record, f);
    const effective = this.decimal(record, 'effective', amountKind === 'effective') ?? undefined;
    let retail = this.decimal(record, 'retail', amountKind === 'retail') ?? undefined;
    const needRetail = amountKind === 'retail' || !!s('benefitOrderId') || !!s('benefitId');
    const unitPriceRaw = this.decimal(record, 'unitPrice', needRetail && retail === undefined);
    const quantity = this.decimal(record, 'quantity', needRetail && retail === undefined);
    const fx = this.kind === 'focus' ? new Dec(1) : this.decimal(record, 'fx', needRetail && retail === undefined);
    const unitPrice = unitPriceRaw && fx ? unitPriceRaw.times(fx) : undefined;
    if (retail === undefined && unitPrice && quantity) retail = unitPrice.times(quantity);
    let pec = this.decimal(record, 'pec', false) ?? undefined;
    if (this.kind === 'reconciliation') {
      const m = /([\d.]+)\s*%\s*Partner earned credit/i.exec(s('priceAdjustment'));
      if (m) pec = new Dec(m[1]).div(100);
    }
    const chargeCategory = s('chargeCategory');
    const commitment = s('commitment');
    const isPurchase = this.kind === 'focus' ? chargeCategory.toLowerCase() === 'purchase' && commitment !== '' : false;
    return {
      file: this.file,
      line,
      sourceKind: this.kind,
      billed,
      retail,
      effective,
      currency: s('currency').toUpperCase(),
      customer: s('customer'),
      customerId: s('customerId'),
      subscription: s('subscription'),
      entitlement: s('entitlement'),
      entitlementName: s('entitlementName'),
      resourceGroup: s('resourceGroup'),
      resource: s('resource'),
      meterCategory: s('meterCategory'),
      meterSubCategory: s('meterSubCategory'),
      meterName: s('meterName'),
      meterId: s('meterId'),
      product: s('product'),
      sku: s('sku'),
      region: s('region'),
      chargeType: s('chargeType'),
      invoice: s('invoice'),
      tags: this.tags(record),
      date: this.date(record, 'date'),
      pec: pec && !pec.isZero() ? pec : undefined,
      benefitId: (this.kind === 'focus' ? (isPurchase ? '' : commitment) : s('benefitId')) || undefined,
      benefitType: s('benefitType') || undefined,
      benefitOrderId: s('benefitOrderId') || undefined,
      reservationOrderId: (this.kind === 'focus' ? (isPurchase ? commitment : '') : s('reservationOrderId')) || undefined,
      commitmentStatus: s('commitmentStatus') || undefined,
      quantity: quantity ?? undefined,
      unit: s('unit') || undefined,
      unitPrice,
      effectiveUnitPrice: this.decimal(record, 'effectiveUnitPrice', false) ?? undefined,
      billingAccountId: s('billingAccountId') || undefined,
      billingPeriodStart: this.date(record, 'billingPeriodStart'),
      billingPeriodEnd: this.date(record, 'billingPeriodEnd'),
      chargeCategory: chargeCategory || undefined,
      publisher: s('publisher') || undefined,
      resourceName: s('resourceName') || undefined,
    };
  }
}
