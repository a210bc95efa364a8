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
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  PARALLEL_BYTES,
  PROBE_WINDOWS,
  bytesOf,
  cutPoints,
  parallelism,
  probeVerdict,
  runInWorkers,
  workersForced,
} from '../parallel/pool';
import { fastPathTesting } from '../fast/fastPathTesting';
import {
  DATE_INVALID,
  GROUP_NOT_LOOKED_UP,
  GroupLane,
  LANE_DATE,
  LANE_FIRST,
  LANE_RAGGED,
  NO_GROUP,
  ParsedNumber,
  cellText,
  parseNumberBytes,
  parsePlainDecimal,
  KeyRecord,
  recordKey,
  scanRecords,
  type ByteInput,
  type ByteRecord,
} from '../fast/byteCsv';
import { ByteKeyTable, ExactSum } from '../fast/exact';
import { fileSource, type TextSource } from '../billing/source';
import type { Finding } from '../findings';
import { Dec, parseDecimal, formatCents, ZERO } from '../money';
import { isAggregated, type CostLine, type CostSourceKind, type ReadLine } from './costLine';
import type { AmountKind } from './model';
import { detach } from './strings';
import { MATCH_FIELD_KEYS } from './vocabulary';
import { percentAsFraction } from '../rating/formula';
import { isBenefitCovered, readCredits } from '../rating/readings';

export type CostLineIssueCode =
  | 'invalid-amount'
  | 'invalid-value'
  | 'invalid-date'
  | 'invalid-tags'
  | 'unsupported-file'
  | 'missing-column'
  | 'duplicate-column'
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
  /**
   * Also read what only the line-level exports show (quantity, unit, prices, billing period, publisher, ...).
   * Off by default: allocation reads only what it needs, which keeps reading fast.
   */
  detail?: boolean;
  /**
   * Lets the reader hand out aggregated lines (AggregatedLine): rows of a daily usage file that agree on these
   * fields (and on what the engine itself reads: currency, meter category, PEC, commitment ids, invoice) become one
   * line with their exact sum. For runs that only allocate and harvest those fields; never with `detail`.
   */
  aggregateBy?: readonly string[];
  /** With aggregateBy: the run weighs commitment-covered usage by its retail value (amortization), so retail counts. */
  aggregateRetail?: boolean;
  /** Which reader: 'fast' (default) aggregates from bytes where it can; 'reference' reads every row as a line. */
  reader?: 'fast' | 'reference';
}

type ReaderEvent =
  | { kind: 'header'; header: BillingHeader }
  | { kind: 'row'; record: CsvRecord }
  | { kind: 'finding'; finding: Finding };

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
  await readBillingFile(source, {
    onHeader: (h) => ((kind = h.kind), false),
    onRow: () => undefined,
    onFinding: () => undefined,
  });
  return kind;
}

/**
 * Reads cost lines from billing files (any order; daily usage is read first, reconciliation last), a line per row:
 * aggregated lines are for readCostLineBatches.
 */
export async function* readCostLines(
  sources: readonly TextSource[],
  options: Omit<ReadCostLinesOptions, 'aggregateBy' | 'aggregateRetail'> = {},
): AsyncGenerator<CostLine> {
  for await (const batch of readCostLineBatches(sources, options))
    for (const line of batch) {
      if (isAggregated(line)) throw new Error('readCostLines hands out no aggregated line');
      yield line;
    }
}

/**
 * The same lines in batches (in order): a consumer of a big month saves a promise per line. Each batch is handed
 * out once and not touched again.
 */
export async function* readCostLineBatches(
  sources: readonly TextSource[],
  options: ReadCostLinesOptions = {},
): AsyncGenerator<ReadLine[]> {
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

/** Lines the reference path hands out at a time. */
const BATCH_LINES = 1024;

async function warnUnusedDuplicates(
  source: TextSource,
  kind: CostSourceKind,
  options: ReadCostLinesOptions,
  issue: (i: Omit<CostLineIssue, 'file'>) => void,
): Promise<void> {
  let header: BillingHeader | undefined;
  await readBillingFile(source, {
    onHeader: (h) => ((header = h), false),
    onRow: () => undefined,
    onFinding: () => undefined,
  });
  if (!header || header.columns.duplicates.size === 0) return;
  const { unused } = new RowMapper(header, kind, source.name, options, () => undefined).ambiguousColumns();
  if (unused.length === 0) return;
  issue(duplicateColumnIssue([], unused, header.record.pos[0] + 1));
}

/** Columns the header names twice: an error when the run needs one of them (the file is not allocated). */
function duplicateColumnIssue(needed: string[], unused: string[], line: number): Omit<CostLineIssue, 'file'> {
  const names = [...needed, ...unused];
  return {
    code: 'duplicate-column',
    severity: needed.length > 0 ? 'error' : 'warning',
    message:
      needed.length > 0
        ? `The header has ${names.join(', ')} more than once; which copy holds the values is ambiguous, so this file was not allocated.`
        : `The header has ${names.join(', ')} more than once; ${names.length > 1 ? 'those columns are' : 'that column is'} ambiguous and not read.`,
    line,
  };
}

async function* readFile(
  source: TextSource,
  kind: CostSourceKind,
  dailyInvoices: Set<string>,
  options: ReadCostLinesOptions,
): AsyncGenerator<ReadLine[]> {
  const file = source.name;
  const issue = (i: Omit<CostLineIssue, 'file'>): void => options.onIssue?.({ ...i, file });
  let mapper: RowMapper | undefined;
  let skipped = { lines: 0, amount: ZERO as Decimal, invoices: new Set<string>() };
  if (
    kind === 'daily-usage' &&
    options.aggregateBy &&
    options.reader !== 'reference' &&
    !options.detail &&
    (options.amount ?? 'billed') === 'billed' &&
    source.bytes
  ) {
    const parts = readDailyAggregated(source, source.bytes(), file, options);
    for (;;) {
      const part = await parts.next();
      if (part.done) {
        if (part.value) {
          // The fast path read the file (a needed column named twice would have sent it to the reference path,
          // which says so): a duplicated column it did not need is still worth a word.
          await warnUnusedDuplicates(source, kind, options, issue);
          return;
        }
        break;
      }
      for (const i of part.value.issues) options.onIssue?.(i);
      for (const read of part.value.lines) {
        const line = isAggregated(read) ? read.line : read;
        if (line.invoice) dailyInvoices.add(line.invoice);
      }
      yield part.value.lines;
    }
  }
  let batch: CostLine[] = [];
  for await (const event of readerEvents(source, options.signal)) {
    if (event.kind === 'header') {
      mapper = new RowMapper(event.header, kind, file, options, issue);
      const missing = mapper.missingColumns();
      const ambiguous = mapper.ambiguousColumns();
      if (ambiguous.needed.length > 0 || ambiguous.unused.length > 0) {
        issue(duplicateColumnIssue(ambiguous.needed, ambiguous.unused, event.header.record.pos[0] + 1));
        if (ambiguous.needed.length > 0) {
          mapper = undefined;
          continue;
        }
      }
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
      // Duplicate columns are said once per file with what they mean for the allocation (above).
      if (f.code === 'empty-file' || f.code === 'duplicate-column') continue;
      issue({
        code: 'file-problem',
        severity: f.severity === 'error' ? 'warning' : f.severity,
        message: `${f.message} (the row was not allocated)`,
        line: f.line + 1,
      });
    } else if (mapper) {
      const line = mapper.map(event.record);
      if (!line) continue;
      if (kind === 'daily-usage' && line.invoice) dailyInvoices.add(line.invoice);
      if (
        kind === 'reconciliation' &&
        line.invoice &&
        dailyInvoices.has(line.invoice) &&
        mapper.isMeterUsage(event.record)
      ) {
        skipped.lines++;
        skipped.amount = skipped.amount.plus(line.billed);
        skipped.invoices.add(line.invoice);
        continue;
      }
      batch.push(line);
      if (batch.length >= BATCH_LINES) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
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
    credit: ['CreditPercentage'],
    creditType: ['CreditType'],
    benefitId: ['BenefitId'],
    benefitOrderId: ['BenefitOrderId'],
    benefitType: ['BenefitType'],
    billingAccountId: ['PartnerId'],
    publisher: ['PublisherName'],
    billingAccountName: ['PartnerName'],
    pricingCurrency: ['PricingCurrency'],
    productId: ['ProductId'],
    skuPart: ['SkuId'],
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
    productId: ['ProductId'],
    skuPart: ['SkuId'],
    billingFrequency: ['BillingFrequency'],
    pricingCurrency: ['PricingCurrency'],
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
    billingAccountName: ['BillingAccountName'],
    skuPart: ['SkuId'],
    serviceCategory: ['ServiceCategory'],
    chargeFrequency: ['ChargeFrequency'],
    pricingCurrency: ['PricingCurrency'],
  },
};

const REQUIRED: Record<CostSourceKind, string[]> = {
  'daily-usage': ['billed', 'currency'],
  reconciliation: ['billed', 'currency'],
  focus: ['billed', 'currency'],
};

/** Parsed values that repeat across rows (dates, tags, prices, rates) are cached; past this size, no more are added. */
const CACHE_LIMIT = 20_000;

function cached<V>(cache: Map<string, V>, key: string, make: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined || cache.has(key)) return hit as V;
  const v = make();
  // Cells are slices of big chunks: a detached key does not keep its chunk alive.
  if (cache.size < CACHE_LIMIT) cache.set(detach(key), v);
  return v;
}

/** Every field name any file kind maps, numbered: the mapper looks cells up by number, not by name (hot path). */
const FIELD_NAMES = [...new Set(Object.values(COLUMNS).flatMap((c) => Object.keys(c)))];
const FI: Record<string, number> = Object.fromEntries(FIELD_NAMES.map((f, i) => [f, i]));

const F_benefitId = FI['benefitId'];
const F_benefitOrderId = FI['benefitOrderId'];
const F_benefitType = FI['benefitType'];
const F_billingAccountId = FI['billingAccountId'];
const F_chargeCategory = FI['chargeCategory'];
const F_chargeType = FI['chargeType'];
const F_commitment = FI['commitment'];
const F_commitmentStatus = FI['commitmentStatus'];
const F_credit = FI['credit'];
const F_creditType = FI['creditType'];
const F_currency = FI['currency'];
const F_customer = FI['customer'];
const F_customerId = FI['customerId'];
const F_entitlement = FI['entitlement'];
const F_entitlementName = FI['entitlementName'];
const F_invoice = FI['invoice'];
const F_meterCategory = FI['meterCategory'];
const F_meterId = FI['meterId'];
const F_meterName = FI['meterName'];
const F_meterSubCategory = FI['meterSubCategory'];
const F_priceAdjustment = FI['priceAdjustment'];
const F_product = FI['product'];
const F_publisher = FI['publisher'];
const F_region = FI['region'];
const F_reservationOrderId = FI['reservationOrderId'];
const F_resource = FI['resource'];
const F_resourceGroup = FI['resourceGroup'];
const F_resourceName = FI['resourceName'];
const F_sku = FI['sku'];
const F_subscription = FI['subscription'];
const F_unit = FI['unit'];

/** Maps the rows of one file to cost lines; the hot path of reading, so it avoids per-cell work it does not need. */
class RowMapper {
  private readonly ambiguous: { field: string; column: string }[] = [];
  /** Column index per field number (-1: absent) and the header's spelling of each field. */
  private readonly at = new Int32Array(FIELD_NAMES.length).fill(-1);
  private readonly names: Record<string, string> = {};
  private readonly decimalComma: boolean;
  private readonly amountKind: AmountKind;
  private readonly decimals = new Map<string, Decimal | null>();
  private readonly dates = new Map<string, string | null>();
  private readonly tagSets = new Map<string, Record<string, string> | null>();
  private readonly pecs = new Map<string, Decimal | null>();

  constructor(
    header: BillingHeader,
    private readonly kind: CostSourceKind,
    private readonly file: string,
    private readonly options: ReadCostLinesOptions,
    private readonly issue: (i: Omit<CostLineIssue, 'file'>) => void,
  ) {
    this.decimalComma = header.decimalComma;
    this.amountKind = options.amount ?? 'billed';
    for (const [field, candidates] of Object.entries(COLUMNS[kind])) {
      for (const c of candidates) {
        if (header.columns.isDuplicate(c)) {
          // Ambiguous: neither copy is read (a later candidate is no better a guess).
          this.ambiguous.push({ field, column: c });
          break;
        }
        const i = header.columns.indexOf(c);
        if (i >= 0) {
          this.at[FI[field]] = i;
          this.names[field] = header.columns.nameAt(i);
          break;
        }
      }
    }
  }

  /** The column a field is read from (-1: none). */
  columnOf(field: string): number {
    const n = FI[field];
    return n === undefined ? -1 : this.at[n];
  }

  missingColumns(): string[] {
    return REQUIRED[this.kind].filter((f) => this.at[FI[f]] < 0).map((f) => COLUMNS[this.kind][f][0]);
  }

  /** Columns the header has twice, split into those this run needs (the file cannot be read) and the others. */
  ambiguousColumns(): { needed: string[]; unused: string[] } {
    const read = new Set<string>([
      ...REQUIRED[this.kind],
      this.amountKind,
      ...(this.options.aggregateBy ?? MATCH_FIELD_KEYS),
    ]);
    if (read.has('customer')) read.add('customerId');
    const needed = this.ambiguous.filter((a) => read.has(a.field)).map((a) => a.column);
    const unused = this.ambiguous.filter((a) => !read.has(a.field)).map((a) => a.column);
    return { needed, unused };
  }

  private text(cells: string[], field: string): string {
    return this.cell(cells, FI[field]);
  }

  private cell(cells: string[], fieldNumber: number): string {
    const i = this.at[fieldNumber];
    if (i < 0) return '';
    const v = cells[i];
    if (v === undefined || v === '') return '';
    const first = v.charCodeAt(0);
    const last = v.charCodeAt(v.length - 1);
    return first <= 32 || last <= 32 ? v.trim() : v;
  }

  /** A decimal cell: undefined when empty; null (with a warning when `warn`) when present but unreadable. */
  private decimal(record: CsvRecord, field: string, warn: boolean): Decimal | undefined | null {
    const t = this.text(record.cells, field);
    if (t === '') return undefined;
    const d = cached(this.decimals, t, () => {
      const parsed = parseDecimal(t, this.decimalComma);
      return parsed === undefined ? null : new Dec(parsed);
    });
    if (d === null && warn) {
      this.issue({
        code: field === 'billed' || field === 'effective' || field === 'retail' ? 'invalid-amount' : 'invalid-value',
        severity: 'warning',
        message: `${this.names[field]} '${t}' is not a number`,
        line: record.pos[0] + 1,
        column: this.names[field],
      });
    }
    return d;
  }

  private date(record: CsvRecord, field: string): string | undefined {
    const t = this.text(record.cells, field);
    if (t === '') return undefined;
    const iso = cached(this.dates, t, () => {
      const r = parseBillingDate(t, this.options.dateOrder ?? 'MDY');
      return r.ok ? r.iso : null;
    });
    if (iso !== null) return iso;
    const r = parseBillingDate(t, this.options.dateOrder ?? 'MDY');
    this.issue({
      code: 'invalid-date',
      severity: 'warning',
      message: `${this.names[field]} '${t}': ${r.ok ? '' : r.reason}`,
      line: record.pos[0] + 1,
      column: this.names[field],
    });
    return undefined;
  }

  private tags(record: CsvRecord): Record<string, string> {
    const t = this.text(record.cells, 'tags');
    if (t === '') return {};
    const parsed = cached(this.tagSets, t, () => {
      try {
        const v: unknown = JSON.parse(t.startsWith('{') ? t : `{${t}}`);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
        const out: Record<string, string> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>))
          out[k.trim().toLowerCase()] = typeof x === 'string' ? x : JSON.stringify(x);
        return out;
      } catch {
        return null;
      }
    });
    if (parsed !== null) return parsed;
    this.issue({
      code: 'invalid-tags',
      severity: 'warning',
      message: `Tags are not a JSON object, so no tag of this line can match: ${t.slice(0, 80)}`,
      line: record.pos[0] + 1,
      column: this.names['tags'],
    });
    return {};
  }

  /**
   * A daily usage row's partner earned credit as a fraction, read as the checker reads it (rating/readings.ts):
   * CreditPercentage is the rate of the credit CreditType names, so a "Partner Earned Credit Applied" row carries
   * the PEC in either column, counted once. Undefined when there is none or a cell is not a percentage.
   */
  private pecOf(cells: string[]): Decimal | undefined {
    const pecText = this.cell(cells, FI['pec']);
    const creditText = this.cell(cells, F_credit);
    const typeText = this.cell(cells, F_creditType);
    const p = cached(this.pecs, `${pecText}|${creditText}|${typeText}`, () => {
      const pec = percentAsFraction(pecText, this.decimalComma);
      const credit = percentAsFraction(creditText, this.decimalComma);
      if (!pec) return null;
      return readCredits(pec, credit ?? ZERO, typeText).pec;
    });
    return p ?? undefined;
  }

  /** The billed amount of a row as map reads it (undefined: empty, null: not a number), without a warning. */
  billedOf(record: CsvRecord): Decimal | undefined | null {
    return this.decimal(record, 'billed', false);
  }

  /** True for a reconciliation line that is Azure plan meter usage (which the daily file has day by day). */
  isMeterUsage(record: CsvRecord): boolean {
    return this.text(record.cells, 'meterName') !== '' && this.text(record.cells, 'reservationOrderId') === '';
  }

  map(record: CsvRecord): CostLine | undefined {
    const cells = record.cells;
    const line = record.pos[0] + 1;
    const billed = this.decimal(record, 'billed', false);
    if (billed === undefined || billed === null) {
      const raw = this.text(cells, 'billed');
      this.issue({
        code: 'invalid-amount',
        severity: 'warning',
        message:
          billed === undefined
            ? `${this.names['billed']} is empty; the line was not allocated`
            : `${this.names['billed']} '${raw}' is not a number; the line was not allocated`,
        line,
        column: this.names['billed'],
      });
      return undefined;
    }
    const s = (f: number): string => this.cell(cells, f);
    const detail = this.options.detail === true;
    const effective =
      this.amountKind === 'effective' || detail
        ? (this.decimal(record, 'effective', this.amountKind === 'effective') ?? undefined)
        : undefined;
    let retail = this.decimal(record, 'retail', this.amountKind === 'retail') ?? undefined;
    const benefitIdText = s(F_benefitId);
    const benefitType = s(F_benefitType);
    // The checker's reading: "Charge" or an empty BenefitType without a BenefitId is pay-as-you-go usage, so a
    // BenefitOrderId on such a row names no commitment that covered it (it is neither amortized nor weighed).
    const covered = this.kind !== 'daily-usage' || isBenefitCovered(benefitIdText, benefitType);
    const benefitOrderId = covered ? s(F_benefitOrderId) : '';
    // Retail is needed to allocate retail amounts, to weigh commitment-covered usage, and by the FOCUS export.
    const needRetail = this.amountKind === 'retail' || benefitOrderId !== '' || benefitIdText !== '' || detail;
    let unitPrice: Decimal | undefined;
    let quantity: Decimal | undefined;
    if (needRetail) {
      const warn =
        retail === undefined && (this.amountKind === 'retail' || benefitOrderId !== '' || benefitIdText !== '');
      const price = this.decimal(record, 'unitPrice', warn);
      quantity = this.decimal(record, 'quantity', warn) ?? undefined;
      const fx = this.kind === 'focus' ? undefined : this.decimal(record, 'fx', warn);
      unitPrice = price && (this.kind === 'focus' || fx) ? (fx ? price.times(fx) : price) : undefined;
      if (retail === undefined && unitPrice && quantity) retail = unitPrice.times(quantity);
    }
    let pec = this.kind === 'daily-usage' ? this.pecOf(cells) : (this.decimal(record, 'pec', false) ?? undefined);
    if (this.kind === 'reconciliation') {
      const m = /([\d.]+)\s*%\s*Partner earned credit/i.exec(s(F_priceAdjustment));
      if (m) pec = new Dec(m[1]).div(100);
    }
    const chargeCategory = s(F_chargeCategory);
    const commitment = s(F_commitment);
    const isPurchase = this.kind === 'focus' && commitment !== '' && chargeCategory.toLowerCase() === 'purchase';
    const out: CostLine = {
      file: this.file,
      line,
      sourceKind: this.kind,
      billed,
      retail,
      effective,
      currency: s(F_currency).toUpperCase(),
      customer: s(F_customer),
      customerId: s(F_customerId),
      subscription: s(F_subscription),
      entitlement: s(F_entitlement),
      entitlementName: s(F_entitlementName),
      resourceGroup: s(F_resourceGroup),
      resource: s(F_resource),
      meterCategory: s(F_meterCategory),
      meterSubCategory: s(F_meterSubCategory),
      meterName: s(F_meterName),
      meterId: s(F_meterId),
      product: s(F_product),
      sku: s(F_sku),
      region: s(F_region),
      chargeType: s(F_chargeType),
      invoice: s(F_invoice),
      tags: this.tags(record),
      date: this.date(record, 'date'),
      pec: pec && !pec.isZero() ? pec : undefined,
      benefitId: (this.kind === 'focus' ? (isPurchase ? '' : commitment) : benefitIdText) || undefined,
      benefitOrderId: benefitOrderId || undefined,
      reservationOrderId:
        (this.kind === 'focus' ? (isPurchase ? commitment : '') : s(F_reservationOrderId)) || undefined,
    };
    if (benefitType) out.benefitType = benefitType;
    const status = s(F_commitmentStatus);
    if (status) out.commitmentStatus = status;
    if (chargeCategory) out.chargeCategory = chargeCategory;
    if (detail) {
      out.quantity = quantity;
      out.unit = s(F_unit) || undefined;
      out.unitPrice = unitPrice;
      if (this.kind !== 'focus') out.fx = this.decimal(record, 'fx', false) ?? undefined;
      out.effectiveUnitPrice = this.decimal(record, 'effectiveUnitPrice', false) ?? undefined;
      out.billingAccountId = s(F_billingAccountId) || undefined;
      out.billingPeriodStart = this.date(record, 'billingPeriodStart');
      out.billingPeriodEnd = this.date(record, 'billingPeriodEnd');
      out.publisher = s(F_publisher) || undefined;
      out.resourceName = s(F_resourceName) || undefined;
      const name = (f: string): string => (FI[f] === undefined ? '' : s(FI[f]));
      out.billingAccountName = name('billingAccountName') || undefined;
      const product = name('productId');
      out.skuId =
        (product && name('skuPart') ? `${product}/${name('skuPart')}` : product || name('skuPart')) || undefined;
      out.billingFrequency = name('billingFrequency') || undefined;
      out.serviceCategory = name('serviceCategory') || undefined;
      out.chargeFrequency = name('chargeFrequency') || undefined;
      out.pricingCurrency = name('pricingCurrency').toUpperCase() || undefined;
    }
    return out;
  }
}

/** Fields the engine reads on every line whatever the rules say (see Allocator.add). */
const ENGINE_FIELDS = [
  'currency',
  'meterCategory',
  'pec',
  'credit',
  'creditType',
  'benefitId',
  'benefitOrderId',
  'benefitType',
  'invoice',
];
/** The fields the rows of an aggregated line agree on: those asked for, and what the engine itself reads. */
function aggregatedFields(aggregateBy: readonly string[]): string[] {
  // Tags are always keyed: a row whose Tags are not JSON gets a warning of its own, which keying guarantees.
  const fields = new Set([...aggregateBy, ...ENGINE_FIELDS, 'tags']);
  if (fields.has('customer')) fields.add('customerId');
  return [...fields];
}

/** Classes (distinct field combinations) and unaggregated lines one file may hold before the reader gives up. */
const MAX_CLASSES = 200_000;
const MAX_SINGLE_LINES = 20_000;
/** Lines kept per aggregated line for lineage samples (the engine keeps 5 per rule by default). */
const REFS_PER_CLASS = 8;
/** Lane sums whose whole units a double holds exactly (ExactSum's bound). */
const MAX_SAFE_UNITS = 2n ** 52n;
/** An ISO day as the date reader writes it (the lane keeps such days as yyyymmdd numbers). */
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

interface LineClass {
  /** Covered usage (a benefit id): its rows' prices and quantities are checked one by one (see readableOrEmpty). */
  covered: boolean;
  /**
   * The class's line, mapped from its first row; in a worker, a class whose first row had nothing the mapper could
   * warn about (plainRow) is not mapped there, and its line holds only `line` and `date` (this thread maps it from
   * its key, once: RangeRead.mapKey).
   */
  line: CostLine;
  /** Its group in the range's lane (-1: none, its key is `key`). */
  group: number;
  /** Its number among the range's classes, from 0 in the order made (RangeRead.classes). */
  n: number;
  /** Its key bytes (recordKey) when it is not in the lane. */
  key?: Uint8Array;
  count: number;
  sum: ExactSum;
  refs: number[];
  dateMax?: string;
}

/**
 * Asked after each of the first windows of a range, ending `bytes[0]`, `bytes[1]`, ... bytes into it (increasing;
 * `records` read and `classes` found so far, `last` after the last of them): where the range is to end now (no later
 * than it was asked to), or, but after the last, undefined to be asked again after the next window.
 */
interface RangeProbe {
  bytes: readonly number[];
  decide: (records: number, classes: number, last: boolean) => number | undefined;
}

/** One byte range of a daily usage file to aggregate (in a worker, or in-thread for the whole file). */
export interface AggregateTask {
  kind: 'aggregate-daily';
  path: string;
  /** Name the lines carry (the source's name). */
  file: string;
  from: number;
  to: number;
  options: Pick<ReadCostLinesOptions, 'dateOrder' | 'amount' | 'aggregateBy' | 'aggregateRetail'>;
}

const DECIMAL_FIELDS = ['billed', 'retail', 'effective', 'pec', 'quantity', 'unitPrice', 'effectiveUnitPrice'] as const;
type WireLine = Record<string, unknown>;

/** A line as a worker sends it: decimals as exact strings (structured clone would drop their class). */
function toWire(line: CostLine): WireLine {
  const w: WireLine = { ...line };
  // valueOf, not toString: it keeps the sign of a negative zero.
  for (const f of DECIMAL_FIELDS) if (line[f] !== undefined) w[f] = line[f]!.valueOf();
  return w;
}

/** A wire line made a line again; `decimals` shares the Decimal of a value met before (decimals are immutable). */
function fromWire(w: WireLine, decimals?: Map<string, Decimal>): CostLine {
  const line = w as unknown as CostLine;
  for (const f of DECIMAL_FIELDS) {
    const v = w[f];
    if (typeof v !== 'string') continue;
    let d = decimals?.get(v);
    if (!d) {
      d = new Dec(v);
      if (decimals && decimals.size < 10_000) decimals.set(v, d);
    }
    (line as unknown as Record<string, Decimal>)[f] = d;
  }
  return line;
}

/**
 * Keys of a range's classes, in the order of its classes in `pending`: class c's key (recordKey's layout) is
 * bytes[at[c], at[c + 1]).
 */
interface ClassKeys {
  bytes: Uint8Array;
  at: Int32Array;
}

/** What reading one range found, in this thread: classes and lines of their own, in the order first seen. */
interface RangeRead {
  ok: boolean;
  pending: (LineClass | CostLine)[];
  issues: CostLineIssue[];
  records: number;
  lines: number;
  endOffset: number;
  /** The classes' keys (a worker's range). */
  keys?: ClassKeys;
  /**
   * When RangeMode.lookups asked for it: the number of the class of a key (the class a row of that key joined in this
   * range), or -1; `release` ends the lookups (the range's lane stays taken until then).
   */
  classOfKey?: (key: Uint8Array) => number;
  /** With classOfKey: the classes by number (LineClass.n). */
  classes?: readonly LineClass[];
  release?: () => void;
  /**
   * The line of a class of this file from its key and its first row's line, mapped by this range's mapper as its
   * first row would be (the key holds every cell the mapper reads for such a row); undefined when the mapper
   * warns about it or it would not be a class (then its rows must be lines of their own: see mergeRanges).
   */
  mapKey?: (key: Uint8Array, lineNo: number) => CostLine | undefined;
}

/** How a range is read. */
interface RangeMode {
  /**
   * A worker's range: the first row of a class is not mapped when it is a plain row (plainRow), whose line and
   * whether the mapper warns about it depend on its key alone; this thread maps such a class from its key once,
   * when it has none of that key itself. Other first rows are mapped as in this thread.
   */
  worker: boolean;
  /**
   * Asked once the range is read (not in a worker): whether the range's classes will be looked up by key (to merge
   * the workers' ranges into it: RangeRead.classOfKey).
   */
  lookups: () => boolean;
}

/** After the last first line of a class in AggregatePart.refs. */
const NO_REF = -1;
/** A class without a day in AggregatePart.firstDays / lastDays. */
const NO_DAY = -1;

/**
 * What aggregating one range in a worker found, in flat arrays (one copy through structured clone, no object per
 * class); lines are numbered from the range's first line (the caller adds the lines of the ranges before).
 */
export interface AggregatePart {
  ok: boolean;
  /** In the order first seen: a class (its number, from 0) or, as -1 - k, `singles[k]`. */
  order: Int32Array;
  /** Lines of their own (rows the reference mapper warned about, and the like), as wire lines. */
  singles: WireLine[];
  /** Per class: its key (class c's: keyBytes[keyAt[c], keyAt[c + 1])), first row's line, rows, exact sum parts. */
  keyBytes: Uint8Array;
  keyAt: Int32Array;
  firstLines: Int32Array;
  counts: Float64Array;
  hi: Float64Array;
  lo: Float64Array;
  /** REFS_PER_CLASS first lines per class, NO_REF after the last. */
  refs: Int32Array;
  /** Per class: its earliest and latest day, as a number in `days` (NO_DAY: none). */
  firstDays: Int32Array;
  lastDays: Int32Array;
  days: string[];
  issues: CostLineIssue[];
  records: number;
  lines: number;
  endOffset: number;
}

/** A range read in a worker, packed to be sent. */
function packRange(read: RangeRead): AggregatePart {
  const classes = read.pending.filter((p): p is LineClass => 'sum' in p);
  const n = classes.length;
  const part: AggregatePart = {
    ok: read.ok,
    order: new Int32Array(read.pending.length),
    singles: [],
    keyBytes: read.keys!.bytes,
    keyAt: read.keys!.at,
    firstLines: new Int32Array(n),
    counts: new Float64Array(n),
    hi: new Float64Array(n),
    lo: new Float64Array(n),
    refs: new Int32Array(n * REFS_PER_CLASS).fill(NO_REF),
    firstDays: new Int32Array(n).fill(NO_DAY),
    lastDays: new Int32Array(n).fill(NO_DAY),
    days: [],
    issues: read.issues,
    records: read.records,
    lines: read.lines,
    endOffset: read.endOffset,
  };
  const dayNumbers = new Map<string, number>();
  const day = (d: string | undefined): number => {
    if (d === undefined) return NO_DAY;
    let k = dayNumbers.get(d);
    if (k === undefined) {
      k = part.days.length;
      part.days.push(d);
      dayNumbers.set(d, k);
    }
    return k;
  };
  let c = 0;
  for (const [k, p] of read.pending.entries()) {
    if (!('sum' in p)) {
      part.order[k] = -1 - part.singles.length;
      part.singles.push(toWire(p));
      continue;
    }
    part.order[k] = c;
    part.firstLines[c] = p.line.line;
    part.counts[c] = p.count;
    part.hi[c] = p.sum.hi;
    part.lo[c] = p.sum.lo;
    for (let r = 0; r < p.refs.length; r++) part.refs[c * REFS_PER_CLASS + r] = p.refs[r];
    part.firstDays[c] = day(p.line.date);
    part.lastDays[c] = day(p.dateMax);
    c++;
  }
  return part;
}

/**
 * The fast reader of daily usage for allocation, over one byte range: every row whose billed amount is a plain
 * decimal and whose date is valid joins the class of rows with the same bytes in the key fields. The first row of a
 * class is mapped by the reference mapper (a row the mapper warns about stays a line of its own); later rows only
 * add their amount (exact integers), line and date. `ok` is false when the range is not regular CSV or has too many
 * classes: the caller then reads the file the reference way (nothing was handed out yet).
 */
export async function aggregateDailyRange(task: AggregateTask): Promise<AggregatePart> {
  const read = await readRange(task, fileSource(task.path), { path: task.path }, undefined, WORKER_RANGE);
  return packRange(read.ok ? read : { ...read, keys: { bytes: new Uint8Array(0), at: new Int32Array(1) } });
}

const WORKER_RANGE: RangeMode = { worker: true, lookups: () => false };
const OWN_RANGE: RangeMode = { worker: false, lookups: () => false };

/** aggregateDailyRange in this thread: the classes stay objects. */
async function readRange(
  task: AggregateTask,
  source: TextSource,
  input: ByteInput,
  probe?: RangeProbe,
  mode: RangeMode = OWN_RANGE,
): Promise<RangeRead> {
  const failed: RangeRead = { ok: false, pending: [], issues: [], records: 0, lines: 0, endOffset: task.from };
  const options = task.options;
  let header: BillingHeader | undefined;
  await readBillingFile(source, {
    onHeader: (h) => ((header = h), false),
    onRow: () => undefined,
    onFinding: () => undefined,
  });
  if (!header || header.kind !== 'daily-usage' || header.delimiter !== ',' || header.decimalComma) return failed;
  const issues: CostLineIssue[] = [];
  let issued = 0;
  const mapper = new RowMapper(header, 'daily-usage', task.file, options, (i) => {
    issued++;
    issues.push({ ...i, file: task.file });
  });
  if (mapper.missingColumns().length > 0 || mapper.ambiguousColumns().needed.length > 0) return failed;
  const fields = new Set(aggregatedFields(options.aggregateBy!));
  // Covered usage (a benefit id): the mapper reads UnitPrice, Quantity and FX of each such row (and warns about
  // unreadable ones), so those rows join a class only when those cells are plain decimals or empty.
  const coveredColumns = ['unitPrice', 'quantity', 'fx'].map((f) => mapper.columnOf(f));
  /** The number last parsed: this file's own, reused for every cell. */
  const num = new ParsedNumber();
  const readableOrEmpty = (r: ByteRecord): boolean => {
    for (const c of coveredColumns) {
      if (c < 0 || r.start[c] === r.end[c]) continue;
      if (r.flags[c] === 2 || !parsePlainDecimal(r.buf, r.start[c], r.end[c], num)) return false;
    }
    return true;
  };
  const keyColumns = [...new Set([...fields].map((f) => mapper.columnOf(f)).filter((c) => c >= 0))].sort(
    (a, b) => a - b,
  );
  const billedColumn = mapper.columnOf('billed');
  const dateColumn = mapper.columnOf('date');
  const width = header.columns.header.length;
  const table = new ByteKeyTable<LineClass>(keyColumns);
  const pending: (LineClass | CostLine)[] = [];
  let singles = 0;
  let classCount = 0;
  const dates = new Map<string | number, string | null>();
  const dateOf = (r: ByteRecord): string | null | undefined => {
    if (dateColumn < 0 || r.start[dateColumn] === r.end[dateColumn]) return undefined;
    // Dates are short runs of digits and separators: their bytes make an exact number key (no string per row).
    const s = r.start[dateColumn];
    const e = r.end[dateColumn];
    let key: string | number = e - s;
    if (e - s <= 12) {
      for (let k = s; k < e; k++) {
        const b = r.buf[k];
        const code = b >= 48 && b <= 57 ? b - 48 : b === 47 ? 10 : b === 45 ? 11 : -1;
        if (code < 0) {
          key = r.buf.toString('latin1', s, e);
          break;
        }
        key = (key as number) * 12 + code;
      }
    } else key = r.buf.toString('latin1', s, e);
    // Rows come day by day: the previous row's date is usually this one's (no map lookup, no boxed key).
    if (key === lastDateKey) return lastDate;
    let d = dates.get(key);
    if (d === undefined) {
      const parsed = parseBillingDate(cellText(r, dateColumn), options.dateOrder ?? 'MDY');
      d = parsed.ok ? parsed.iso : null;
      if (dates.size < 10_000) dates.set(key, d);
    }
    lastDateKey = key;
    lastDate = d;
    return d;
  };
  let lastDateKey: string | number | undefined;
  let lastDate: string | null | undefined;

  let regular = true;
  let overflow = false;
  let recordBase = 0;
  let lineBase = 0;
  // Files on disk go through the WebAssembly grouping lane when it is free: it sums the rows of known classes
  // itself and hands this code only the rest (classes below are numbered as the lane numbers its groups).
  const lane =
    'path' in input && dateColumn >= 0
      ? GroupLane.acquire({
          width,
          keyColumns,
          sumColumn: billedColumn,
          dateColumn,
          checkColumns: coveredColumns.filter((c) => c >= 0),
        })
      : null;
  const classes: LineClass[] = [];
  /** Every class, in the order made: the lane's first (a class's number there is its group's), then the table's. */
  const made: LineClass[] = [];
  // Past the lane's capacity, new classes are kept in the byte-keyed table: their rows come to this code one by one
  // (slower, but still aggregated; the keys the lane holds stay there).
  let laneFull = false;
  const classOf = (r: ByteRecord, group: number): LineClass | undefined => {
    if (!lane) return table.get(r);
    if (group >= 0) return classes[group];
    if (group === GROUP_NOT_LOOKED_UP) {
      const g = lane.find();
      if (g >= 0) return classes[g];
    }
    return laneFull ? table.get(r) : undefined;
  };
  // Only the cells the mapper reads for this run are decoded (the others stay empty), each as a string of its own:
  // a class's line then holds no piece of its first row's text.
  const readColumns = [
    ...new Set(
      [...fields, 'billed', 'date', 'unitPrice', 'quantity', 'fx'].map((f) => mapper.columnOf(f)).filter((c) => c >= 0),
    ),
  ];
  // On an aggregated line, a field the run does not read would be its first row's, true of no other row: it is
  // left empty (which also keeps what a worker sends small). Most are empty already: the mapper reads each field
  // from its own column, and only the cells above are decoded; so only the fields of those cells are emptied.
  const unread = [...MATCH_FIELD_KEYS, 'customerId'].filter(
    (f) => !fields.has(f) && readColumns.includes(mapper.columnOf(f)),
  );
  // UnitPrice, Quantity and FX are read by the mapper only to price a row at retail: when the run allocates retail
  // amounts, or for a row with a BenefitId or a BenefitOrderId (read when the cell is empty to the byte, as the
  // mapper would then read an empty id); for any other row they are left undecoded.
  const retailOnly = coveredColumns.filter((c) => c >= 0 && !keyColumns.includes(c));
  const plainColumns = readColumns.filter((c) => !retailOnly.includes(c));
  const idColumns = ['benefitId', 'benefitOrderId'].map((f) => mapper.columnOf(f)).filter((c) => c >= 0);
  const alwaysRetail = options.amount === 'retail';
  // A row whose amount the fast path reads is mapped with a zero there: a class's amount is its sum, and parsing
  // each class's first amount into a decimal would be work thrown away (a line of its own gets it: billedOf).
  const cellsOf = (r: ByteRecord, index: number, line: number, amountRead: boolean): CsvRecord => {
    const cells: string[] = new Array<string>(r.cells).fill('');
    const retail = alwaysRetail || idColumns.some((c) => r.start[c] !== r.end[c]);
    for (const c of retail ? readColumns : plainColumns)
      if (c < r.cells) cells[c] = amountRead && c === billedColumn ? '0' : cellText(r, c);
    return { index, cells, pos: [line, 0, line, 0] };
  };
  const dateNumbers = new Map<number, string>();
  /** One row, the way every row went before the lane: `group` is the lane's (NO_GROUP, GROUP_NOT_LOOKED_UP or one). */
  const row = (r: ByteRecord, index: number, lineNo: number, group: number, dateEvent: boolean): boolean | void => {
    const date = dateOf(r);
    if (dateEvent && lane) {
      const n =
        date === null || date === undefined || !ISO_DAY.test(date)
          ? DATE_INVALID
          : Number(date.slice(0, 4)) * 10000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));
      if (n > 0) dateNumbers.set(n, date!);
      lane.addDate(r, n);
    }
    // A negative zero stays a line of its own: decimals keep its sign in sums of zeros, integers do not. Amounts in
    // scientific notation (real exports print totals below 0.001 so: `7.10833E-05`) are read exactly too.
    const billedOk =
      r.flags[billedColumn] !== 2 &&
      parseNumberBytes(r.buf, r.start[billedColumn], r.end[billedColumn], num) &&
      !(num.neg && num.int === 0 && num.frac === 0);
    if (billedOk && date !== null) {
      const cls = classOf(r, group);
      if (cls && (!cls.covered || readableOrEmpty(r))) {
        // readableOrEmpty reads other cells into num: the billed amount again, for covered rows only.
        if (cls.covered) parseNumberBytes(r.buf, r.start[billedColumn], r.end[billedColumn], num);
        cls.count++;
        cls.sum.addParsed(num);
        if (cls.refs.length < REFS_PER_CLASS) cls.refs.push(lineNo);
        if (date !== undefined) {
          if (cls.line.date === undefined || date < cls.line.date) cls.line.date = date;
          if (cls.dateMax === undefined || date > cls.dateMax) cls.dateMax = date;
        }
        return;
      }
    }
    if (mode.worker && billedOk && date !== null && plainRow(r)) {
      // num still holds the billed amount (plainRow parses nothing).
      const sum = new ExactSum();
      sum.addParsed(num);
      const line = { line: lineNo, date } as unknown as CostLine;
      return addClass(r, { line, count: 1, sum, refs: [lineNo], dateMax: date, covered: false, group: -1, n: -1 });
    }
    const before = issued;
    const record = cellsOf(r, index, lineNo - 1, billedOk);
    const line = mapper.map(record);
    if (!line) return;
    // Retail is a per-row product (UnitPrice x Quantity x FX): a run that uses it gets covered rows one by one.
    const covered = line.benefitId !== undefined || line.benefitOrderId !== undefined;
    if (line.retail !== undefined && !options.aggregateRetail) delete line.retail;
    if (
      !billedOk ||
      date === null ||
      issued > before ||
      line.retail !== undefined ||
      (covered && (options.aggregateRetail || !readableOrEmpty(r)))
    ) {
      if (billedOk) {
        record.cells[billedColumn] = cellText(r, billedColumn);
        line.billed = mapper.billedOf(record)!;
      }
      pending.push(line);
      if (++singles > MAX_SINGLE_LINES) return (overflow = true) && false;
      return;
    }
    parseNumberBytes(r.buf, r.start[billedColumn], r.end[billedColumn], num);
    const sum = new ExactSum();
    sum.addParsed(num);
    for (const f of unread) (line as unknown as Record<string, string>)[f] = '';
    return addClass(r, { line, count: 1, sum, refs: [lineNo], dateMax: date, covered, group: -1, n: -1 });
  };
  /** Makes record r's key the class cls (in the lane while it has room, else in the table). */
  const addClass = (r: ByteRecord, cls: LineClass): boolean | void => {
    if (lane && !laneFull) {
      const id = lane.insert(cls.covered);
      if (id === NO_GROUP) laneFull = true;
      else if (id !== classes.length) return (overflow = true) && false;
      else {
        classes.push(cls);
        cls.group = id;
      }
    }
    if (!lane || laneFull) {
      table.set(r, cls);
      cls.key = recordKey(r, keyColumns);
    }
    cls.n = made.length;
    made.push(cls);
    pending.push(cls);
    if (++classCount > MAX_CLASSES) return (overflow = true) && false;
  };
  // A row whose line and warnings follow from its key alone, given that its amount and date are read: no benefit
  // id (the mapper reads UnitPrice, Quantity and FX of a row with one, which are no key cells) and not covered by
  // its BenefitType (covered classes check those cells row by row). The mapper may then warn only about a key cell
  // (Tags): whoever maps the class from its key sees the same warning. The id's cell must be empty to the byte: the
  // mapper reads a cell of spaces other than ASCII ones as an id.
  const benefitIdColumn = mapper.columnOf('benefitId');
  const benefitTypeColumn = mapper.columnOf('benefitType');
  const plainRow = (r: ByteRecord): boolean =>
    (benefitIdColumn < 0 || r.start[benefitIdColumn] === r.end[benefitIdColumn]) &&
    (benefitTypeColumn < 0 ||
      r.start[benefitTypeColumn] === r.end[benefitTypeColumn] ||
      !isBenefitCovered('', cellText(r, benefitTypeColumn)));
  // A key as a record (its bytes, its cells where the record had them), for mapKey and the table's lookups.
  const keyRecord = new KeyRecord(width, keyColumns);
  const keyAsRecord = (key: Uint8Array): ByteRecord => keyRecord.of(key);
  /** See RangeRead.mapKey: the key's cells decoded where the record had them, the amount 0 (as cellsOf does). */
  const mapKey = (key: Uint8Array, lineNo: number): CostLine | undefined => {
    const cells = new Array<string>(width).fill('');
    const r = keyAsRecord(key);
    for (const c of keyColumns) cells[c] = cellText(r, c);
    if (billedColumn < width) cells[billedColumn] = '0';
    const before = issued;
    const line = mapper.map({ index: 0, cells, pos: [lineNo - 1, 0, lineNo - 1, 0] });
    if (!line) return undefined;
    if (line.retail !== undefined && !options.aggregateRetail) delete line.retail;
    if (issued > before || line.retail !== undefined) return undefined;
    for (const f of unread) (line as unknown as Record<string, string>)[f] = '';
    return line;
  };

  const classOfKey = (key: Uint8Array): number => {
    if (lane) {
      const g = lane.findKey(key);
      if (g >= 0) return g;
      if (!laneFull) return -1;
    }
    return table.get(keyAsRecord(key))?.n ?? -1;
  };
  let lookups = false;

  let from = task.from;
  let end = task.to;
  /** The probe's window being read (-1: none, or decided). */
  let probing = probe ? 0 : -1;
  const scratch: { buf?: Buffer } = {};
  try {
    for (; from < end;) {
      // A probe's window ends where it said (past a record that already ran beyond it: a window as usual).
      const probeEnd = probing >= 0 ? task.from + probe!.bytes[probing] : from;
      const to = Math.min(end, probeEnd > from ? probeEnd : from + (16 << 20));
      const res = lane
        ? lane.scan(
            (input as { path: string }).path,
            (r, reason, group) => {
              if (reason === LANE_RAGGED) return (regular = false);
              const index = recordBase + r.index;
              if (reason === LANE_FIRST && index === 0 && task.from === 0) return;
              return row(r, index, lineBase + r.line + 1, group, reason === LANE_DATE);
            },
            { from, to, lineBase, first: from === 0 },
          )
        : scanRecords(
            input,
            (r) => {
              if (r.cells < width) return (regular = false);
              for (let c = width; c < r.cells; c++) if (r.end[c] !== r.start[c]) return (regular = false);
              const index = recordBase + r.index;
              if (index === 0 && task.from === 0) return;
              return row(r, index, lineBase + r.line + 1, GROUP_NOT_LOOKED_UP, false);
            },
            { from, to, scratch },
          );
      if (res.irregular || !regular || overflow) return failed;
      recordBase += res.records;
      lineBase += res.lines;
      if (res.endOffset <= from) break;
      from = res.endOffset;
      if (probing >= 0 && from < end) {
        const decided = probe!.decide(recordBase, classCount, probing + 1 >= probe!.bytes.length);
        if (decided !== undefined) end = Math.max(from, Math.min(end, decided));
        probing = decided === undefined && probing + 1 < probe!.bytes.length ? probing + 1 : -1;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    // What the lane summed joins what this code summed: counts and sums add, the first lines and dates combine.
    if (lane) {
      for (let id = 0; id < classes.length; id++) {
        const g = lane.group(id);
        if (g.rows === 0) continue;
        const cls = classes[id];
        cls.count += g.rows;
        if (g.units > MAX_SAFE_UNITS || g.units < -MAX_SAFE_UNITS) return failed;
        cls.sum.addExact(Number(g.units), Number(g.femtos));
        if (!cls.sum.safe()) return failed;
        cls.refs = firstLines(cls.refs, g.lines);
        if (g.firstDate > 0) {
          const first = dateNumbers.get(g.firstDate)!;
          const last = dateNumbers.get(g.lastDate)!;
          if (cls.line.date === undefined || first < cls.line.date) cls.line.date = first;
          if (cls.dateMax === undefined || last > cls.dateMax) cls.dateMax = last;
        }
      }
    }
    const read: RangeRead = {
      ok: true,
      pending,
      issues,
      records: recordBase,
      lines: lineBase,
      endOffset: from,
      mapKey,
    };
    // A worker's keys are copied out of the lane before it is released (its memory is the next reader's).
    if (mode.worker) read.keys = classKeys(pending, lane);
    else if (mode.lookups()) {
      read.classOfKey = classOfKey;
      read.classes = made;
      read.release = () => lane?.release();
      lookups = true;
    }
    return read;
  } finally {
    if (!lookups) lane?.release();
  }
}

/**
 * The first REFS_PER_CLASS of two ascending lists of lines: `kept` itself when `more` only adds lines after its own
 * (a class's first row, kept by this code, before the later rows the lane kept), so that no array is made per class.
 */
function firstLines(kept: number[], more: readonly number[]): number[] {
  if (more.length === 0) return kept;
  if (kept.length === 0 || kept[kept.length - 1] < more[0]) {
    for (let k = 0; k < more.length && kept.length < REFS_PER_CLASS; k++) kept.push(more[k]);
    return kept;
  }
  return [...kept, ...more].sort((a, b) => a - b).slice(0, REFS_PER_CLASS);
}

/** The keys of the classes in `pending`, in their order, packed (ClassKeys). */
function classKeys(pending: readonly (LineClass | CostLine)[], lane: GroupLane | null): ClassKeys {
  const classes = pending.filter((p): p is LineClass => 'sum' in p);
  const keyOf = (cls: LineClass): Uint8Array => (cls.group >= 0 ? lane!.groupKey(cls.group) : cls.key!);
  const at = new Int32Array(classes.length + 1);
  for (let c = 0; c < classes.length; c++) at[c + 1] = at[c] + keyOf(classes[c]).length;
  const bytes = new Uint8Array(at[classes.length]);
  for (let c = 0; c < classes.length; c++) bytes.set(keyOf(classes[c]), at[c]);
  return { bytes, at };
}

/**
 * This thread's range and the workers' ranges after it, as one range: a class found in several ranges (the same key
 * bytes, as the lane groups rows in one range) is one class (counts and sums add, the first lines and days
 * combine), placed where it was first seen, so the classes are those a read in one thread finds. A class only a
 * worker saw is mapped here from its key, once (own.mapKey); one whose sum would leave the exact range stays a class
 * of its own (the engine sums lines, so this changes nothing it computes). Undefined when a worker's class is one the
 * mapper warns about (its rows must then be lines of their own): the caller reads the file in this thread.
 */
function mergeRanges(own: RangeRead, parts: readonly AggregatePart[]): RangeRead | undefined {
  const pending = own.pending.slice();
  const issues = own.issues.slice();
  const ownClasses = own.classes!;
  // Classes only a worker saw, by their key bytes (this thread's are looked up in its lane: own.classOfKey).
  const byKey = new Map<string, LineClass>();
  const decimals = new Map<string, Decimal>();
  let lineOffset = own.lines;
  let records = own.records;
  /**
   * Adds class e of `part` (its lines offset by `lineOffset`) into `into`; false when the sum would leave the exact
   * range (nothing is added then), unless `into` is new (the worker's sum alone is exact).
   */
  const mergeInto = (into: LineClass, part: AggregatePart, e: number, fresh = false): boolean => {
    // Sums stay exact below 2^52 whole units (ExactSum's bound): past it, the class stays a line of its own.
    if (!fresh && !(Math.abs(into.sum.hi + part.hi[e]) + 2 < 2 ** 52)) return false;
    into.count += part.counts[e];
    into.sum.addExact(part.hi[e], part.lo[e]);
    // Ranges come in file order: the lines of a later one come after those already kept.
    for (let r = e * REFS_PER_CLASS; r < (e + 1) * REFS_PER_CLASS && part.refs[r] !== NO_REF; r++) {
      if (into.refs.length >= REFS_PER_CLASS) break;
      into.refs.push(part.refs[r] + lineOffset);
    }
    const firstDay = part.firstDays[e] === NO_DAY ? undefined : part.days[part.firstDays[e]];
    const lastDay = part.lastDays[e] === NO_DAY ? undefined : part.days[part.lastDays[e]];
    if (firstDay !== undefined && (into.line.date === undefined || firstDay < into.line.date))
      into.line.date = firstDay;
    if (lastDay !== undefined && (into.dateMax === undefined || lastDay > into.dateMax)) into.dateMax = lastDay;
    return true;
  };
  for (const [index, part] of parts.entries()) {
    // byKey is read by later parts only: the first part has none to find there, the last adds none for others.
    const findsByKey = index > 0;
    const keepsByKey = index < parts.length - 1;
    for (const i of part.issues) issues.push(i.line > 0 ? { ...i, line: i.line + lineOffset } : i);
    const keyBytes = Buffer.from(part.keyBytes.buffer, part.keyBytes.byteOffset, part.keyBytes.byteLength);
    const n = part.firstLines.length;
    // First the classes this thread has too, in the order of its classes: they lie in memory in that order, while
    // a worker meets them in another (rows in no order), and touching them in its order costs a cache miss each.
    const ownOf = new Int32Array(n);
    const partOf = new Int32Array(ownClasses.length).fill(-1);
    for (let e = 0; e < n; e++) {
      const o = own.classOfKey!(part.keyBytes.subarray(part.keyAt[e], part.keyAt[e + 1]));
      ownOf[e] = o;
      if (o >= 0) partOf[o] = e;
    }
    /** Classes of this part merged above (the others are added below, in the part's order). */
    const merged = new Uint8Array(n);
    for (let o = 0; o < ownClasses.length; o++) {
      const e = partOf[o];
      if (e >= 0 && mergeInto(ownClasses[o], part, e)) merged[e] = 1;
    }
    for (const e of part.order) {
      if (e < 0) {
        const line = fromWire(part.singles[-1 - e], decimals);
        line.line += lineOffset;
        pending.push(line);
        continue;
      }
      if (merged[e]) continue;
      const key =
        ownOf[e] >= 0 || !(findsByKey || keepsByKey)
          ? undefined
          : keyBytes.toString('latin1', part.keyAt[e], part.keyAt[e + 1]);
      const seen = ownOf[e] >= 0 ? ownClasses[ownOf[e]] : findsByKey ? byKey.get(key!) : undefined;
      if (seen && ownOf[e] < 0 && mergeInto(seen, part, e)) continue;
      // A class of the same key as one met before shares its line (the same cells map to the same line).
      const firstLine = part.firstLines[e] + lineOffset;
      const line = seen
        ? { ...seen.line, line: firstLine }
        : own.mapKey!(part.keyBytes.subarray(part.keyAt[e], part.keyAt[e + 1]), firstLine);
      if (!line) return undefined;
      line.date = part.firstDays[e] === NO_DAY ? undefined : part.days[part.firstDays[e]];
      const cls: LineClass = {
        covered: false,
        line,
        count: 0,
        sum: new ExactSum(),
        refs: [],
        group: -1,
        n: -1,
      };
      mergeInto(cls, part, e, true);
      pending.push(cls);
      if (!seen && keepsByKey) byKey.set(key!, cls);
    }
    lineOffset += part.lines;
    records += part.records;
  }
  return { ok: true, pending, issues, records, lines: lineOffset, endOffset: parts.at(-1)?.endOffset ?? own.endOffset };
}

/** A range's lines for the engine: a class is an aggregated line (its amount the exact sum of its rows). */
function linesOf(read: RangeRead, agreeOn: readonly string[]): ReadLine[] {
  return read.pending.map((p): ReadLine => {
    if (!('sum' in p)) return p;
    if (!p.sum.safe()) throw new Error('billed sum out of exact range');
    p.line.billed = p.sum.toDecimal();
    return {
      kind: 'aggregated',
      line: p.line,
      rows: p.count,
      lines: p.refs,
      dateMax: p.dateMax,
      billedParts: { hi: p.sum.hi, lo: p.sum.lo },
      agreeOn,
    };
  });
}

/** The worker threads' entry point (./worker.ts): beside this module in out/, dist/worker.js in the bundles. */
const WORKER_SCRIPT = join(__dirname, 'worker.js');

/**
 * Aggregated lines of a whole daily usage file: big files are cut into ranges, the first read in this thread while
 * workers read the others, and the ranges' classes are merged before any line is handed out (a class found in every
 * range costs the engine one line). Returns false, having handed out nothing, when the file is not for this reader
 * (read it the reference way).
 */
async function* readDailyAggregated(
  source: TextSource,
  input: ByteInput,
  file: string,
  options: ReadCostLinesOptions,
): AsyncGenerator<{ lines: ReadLine[]; issues: CostLineIssue[] }, boolean> {
  const agreeOn = aggregatedFields(options.aggregateBy!);
  const total = 'path' in input ? statSync(input.path).size : input.bytes.byteLength;
  const taskOptions = {
    dateOrder: options.dateOrder,
    amount: options.amount,
    aggregateBy: options.aggregateBy,
    aggregateRetail: options.aggregateRetail,
  };
  const task = (from: number, to: number): AggregateTask => ({
    kind: 'aggregate-daily',
    path: 'path' in input ? input.path : '',
    file,
    from,
    to,
    options: taskOptions,
  });
  const workers = parallelism(WORKER_SCRIPT);
  if ('path' in input && workers > 1 && total >= (fastPathTesting.parallelBytes ?? PARALLEL_BYTES)) {
    const path = input.path;
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    let cuts: number[] = [];
    let others: Promise<{ answers: AggregatePart[] } | { error: unknown }> | undefined;
    /** Ranges [cuts[1], cuts[2]), ... go to workers; this thread reads up to cuts[1]. */
    const startWorkers = (): number => {
      const bytes = bytesOf(path);
      cuts = cutPoints(bytes, total, workers);
      if (cuts.length <= 2) return total;
      const tasks = cuts.slice(1, -1).map((at, k) => task(at, cuts[k + 2]));
      // Settled into a value at once: a worker failing while this thread reads must not be an unhandled rejection.
      others = runInWorkers<AggregateTask, AggregatePart>(WORKER_SCRIPT, tasks, signal).then(
        (answers) => ({ answers }),
        (error: unknown) => ({ error }),
      );
      return cuts[1];
    };
    // This thread's keys are wanted when there are workers' ranges to merge by key.
    const mode: RangeMode = { worker: false, lookups: () => others !== undefined };
    let own: RangeRead;
    if (workersForced()) {
      startWorkers();
      own = await readRange(task(0, others ? cuts[1] : total), source, input, undefined, mode);
    } else {
      // Rows in no order bring most classes into every range: each thread's lane then holds most keys, and this
      // thread merges a worker class per key (measured: 1.3x the CPU and 1.5x the memory of one thread for a wall
      // time 0.9x), so such a file is read in this thread alone, which its first windows tell. A month that is
      // clearly grouped after a short window starts its workers then (the sooner they start, the sooner the
      // slowest range ends); one that is not yet clear is decided after PROBE_BYTES.
      const most = Math.max(1, Math.floor(total / (2 * workers)));
      const probe: RangeProbe = {
        bytes: [...new Set(PROBE_WINDOWS.map((b) => Math.min(b, most)))],
        decide: (records, classes, last) => {
          const verdict = probeVerdict(records, classes, last);
          return verdict === 'workers' ? startWorkers() : verdict === 'alone' ? total : undefined;
        },
      };
      own = await readRange(task(0, total), source, input, probe, mode);
    }
    if (!others) {
      if (!own.ok || options.signal?.aborted) return options.signal?.aborted === true;
      yield { lines: linesOf(own, agreeOn), issues: own.issues };
      return true;
    }
    // Each range must end exactly where the next begins: a cut inside a quoted line break shows up here.
    let whole: RangeRead | undefined;
    try {
      if (own.ok && own.endOffset === cuts[1] && !options.signal?.aborted) {
        const settled = await others;
        if (options.signal?.aborted) return true;
        if ('error' in settled) throw settled.error;
        // A range that is not regular CSV, or has too many classes, is as much the whole file's.
        if (!settled.answers.every((part) => part.ok)) return false;
        if (settled.answers.every((part, k) => part.endOffset === cuts[k + 2]))
          whole = mergeRanges(own, settled.answers);
      } else {
        stop.abort();
        await others;
      }
    } finally {
      // This thread's lane was kept for mergeRanges' lookups.
      own.release?.();
    }
    if (whole) {
      yield { lines: linesOf(whole, agreeOn), issues: whole.issues };
      return true;
    }
    if (options.signal?.aborted) return true;
  }
  if (options.signal?.aborted) return true;
  const whole = await readRange(task(0, total), source, input);
  if (!whole.ok) return false;
  yield { lines: linesOf(whole, agreeOn), issues: whole.issues };
  return true;
}
