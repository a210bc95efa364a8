/**
 * Month close, step one: reads daily usage and reconciliation files once each and keeps only what the tie-out needs.
 * Daily rows are summed per (invoice, customer, Azure plan, product, SKU, PEC status): quantity, billed amount, and
 * the quantity billed at each EffectiveUnitPrice the month showed (for price drift). Reconciliation lines are kept
 * one by one with their cell positions, so that a finding points at the right cell.
 *
 * Whether a daily row is ordinary usage, covered by a reservation / savings plan, or earned PEC is decided by the
 * daily checker's own reading (DailyUsageChecker.parse), once per distinct set of identifying cells, so the tie-out
 * and `check` never read a row differently.
 */
import type Decimal from 'decimal.js';
import { Dec, ZERO, parseDecimal, printedDecimals } from '../money';
import { parseBillingDate, type DateOrder } from '../billing/dates';
import { readBillingFile, type BillingHeader } from '../billing/reader';
import type { CsvRecord } from '../billing/csv';
import {
  ParsedNumber,
  cellKey,
  decodeRecord,
  parsePlainDecimal,
  scanRecords,
  shortCellKey,
  type ByteRecord,
} from '../billing/byteCsv';
import { ByteKeyTable, ExactSum } from '../billing/exact';
import type { TextSource } from '../billing/source';
import { DAILY_USAGE_REQUIRED } from '../billing/fileKinds';
import { cellRange, recordRange, type TextRange } from '../findings';
import { DailyUsageChecker } from '../rating/dailyUsage';
import { parsePriceAdjustments } from '../rating/reconciliation';
import { defaultCheckOptions, type CheckOptions } from '../rating/options';

/** A place in a file: the path and a 0-based range. */
export interface Place extends TextRange {
  path: string;
}

/** Daily rows at one printed EffectiveUnitPrice within a group. */
export interface PriceStep {
  eupText: string;
  eup: Decimal;
  quantity: Decimal;
  absQuantity: Decimal;
  firstDay: string;
  lastDay: string;
  rows: number;
}

/** The daily rows of one (invoice, customer, plan, product, SKU, PEC status). */
export interface DailyGroup {
  key: string;
  invoiceNumber: string;
  period: string;
  customerId: string;
  customerName: string;
  subscriptionId: string;
  productId: string;
  skuId: string;
  meterIds: Set<string>;
  meterName: string;
  pec: boolean;
  covered: boolean;
  currency: Set<string>;
  fx: Set<string>;
  quantity: Decimal;
  billed: Decimal;
  rows: number;
  /** Rows whose billed amount has at most two decimals (rounded to cents per row) and, per more decimals, counts. */
  roundedRows: number;
  unroundedByDecimals: Map<number, number>;
  /** Rows whose Quantity or BillingPreTaxTotal could not be read: left out of the sums. */
  unreadable: number;
  steps: Map<string, PriceStep>;
  lastDay: string;
  lastEupText: string;
  /** The first rows of the group (for related information and the dispute packet's evidence). */
  places: Place[];
  path: string;
}

export interface DailyFileSummary {
  path: string;
  rows: number;
  groups: DailyGroup[];
  /** Most decimals any EffectiveUnitPrice in the file is printed with: the file's printing precision. */
  eupDecimals: number;
  outsidePeriod: { place: Place; usageDate: string; period: string }[];
  outsidePeriodCount: number;
  problems: { place: Place; message: string }[];
}

export interface ReconLine {
  path: string;
  /** 0-based line of the record. */
  line: number;
  range: TextRange;
  subtotalRange: TextRange;
  quantityRange: TextRange;
  quantityColumn: string;
  invoiceNumber: string;
  orderId: string;
  customerId: string;
  customerName: string;
  subscriptionId: string;
  productId: string;
  skuId: string;
  skuName: string;
  productName: string;
  meterDescription: string;
  chargeType: string;
  publisher: string;
  reservationOrderId: string;
  period: string;
  currency: string;
  pec: boolean;
  /** Usage lines are billed from the daily file; purchases (reservations, seats, marketplace) never are. */
  usage: boolean;
  eupText: string;
  eup?: Decimal;
  fxText: string;
  fx?: Decimal;
  billableQuantity?: Decimal;
  subtotal?: Decimal;
  total?: Decimal;
}

export interface ReconFileSummary {
  path: string;
  lines: ReconLine[];
  eupDecimals: number;
  problems: { place: Place; message: string }[];
}

export type CollectedFile =
  | { kind: 'daily-usage'; daily: DailyFileSummary }
  | { kind: 'reconciliation'; recon: ReconFileSummary }
  | { kind: 'other'; path: string; fileKind: string; problems: { place: Place; message: string }[] };

/** The tie-out key shared by both files: a meter of an Azure plan with its PEC status, on one invoice. */
export function tieKey(
  invoice: string,
  customer: string,
  subscription: string,
  product: string,
  sku: string,
  pec: boolean,
): string {
  return [invoice, customer, subscription, product, sku, pec ? 'pec' : 'no-pec'].join('|').toLowerCase();
}

/** Rows whose group is a (customer, plan, product, SKU) regardless of PEC: at most two recon lines per month. */
export function meterPlanKey(
  invoice: string,
  customer: string,
  subscription: string,
  product: string,
  sku: string,
): string {
  return [invoice, customer, subscription, product, sku].join('|').toLowerCase();
}

const DAILY = {
  invoice: 'InvoiceNumber',
  customerId: 'CustomerId',
  customerName: 'CustomerName',
  subscriptionId: 'SubscriptionId',
  productId: 'ProductId',
  skuId: 'SkuId',
  meterId: 'MeterId',
  meterName: 'MeterName',
  chargeStart: 'ChargeStartDate',
  chargeEnd: 'ChargeEndDate',
  usageDate: 'UsageDate',
  quantity: 'Quantity',
  billed: 'BillingPreTaxTotal',
  eup: 'EffectiveUnitPrice',
  fx: 'PCToBCExchangeRate',
  currency: 'BillingCurrency',
  pec: 'PartnerEarnedCreditPercentage',
  credit: 'CreditPercentage',
  creditType: 'CreditType',
  benefitId: 'BenefitId',
  benefitType: 'BenefitType',
  subCategory: 'MeterSubCategory',
  publisher: 'PublisherName',
} as const;

const RECON = {
  invoice: 'InvoiceNumber',
  orderId: 'OrderId',
  customerId: 'CustomerId',
  customerName: 'CustomerName',
  subscriptionId: 'SubscriptionId',
  productId: 'ProductId',
  skuId: 'SkuId',
  skuName: 'SkuName',
  productName: 'ProductName',
  chargeType: 'ChargeType',
  subtotal: 'Subtotal',
  total: 'Total',
  currency: 'Currency',
  adjustment: 'PriceAdjustmentDescription',
  publisher: 'PublisherName',
  chargeStart: 'ChargeStartDate',
  chargeEnd: 'ChargeEndDate',
  eup: 'EffectiveUnitPrice',
  billableQuantity: 'BillableQuantity',
  quantity: 'Quantity',
  fx: 'PCToBCExchangeRate',
  meterDescription: 'MeterDescription',
  reservationOrderId: 'ReservationOrderId',
} as const;

/** Keeps the first few rows of a group as evidence; a dispute needs examples, not a million lines. */
const PLACES_KEPT = 25;
const OUTSIDE_KEPT = 50;

/** Reads one billing file for the tie-out: daily usage and reconciliation files are collected, others named. */
export async function collectFile(
  path: string,
  source: TextSource,
  options: CheckOptions = defaultCheckOptions(),
  fast = source.bytes !== undefined,
): Promise<CollectedFile> {
  let header: BillingHeader | undefined;
  let daily: DailyCollector | undefined;
  let recon: ReconCollector | undefined;
  const problems: { place: Place; message: string }[] = [];
  await readBillingFile(source, {
    onHeader(h) {
      header = h;
      if (h.kind === 'daily-usage') {
        const missing = h.columns.missing(DAILY_USAGE_REQUIRED);
        if (missing.length > 0) {
          problems.push({
            place: { path, ...recordRange(h.record.pos) },
            message: `lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; it cannot be tied out`,
          });
          return false;
        }
        daily = new DailyCollector(path, h, options);
        if (fast && h.delimiter === ',' && !h.decimalComma) return false;
      } else if (h.kind === 'reconciliation') {
        const missing = h.columns.missing([
          'Subtotal',
          'Total',
          'SubscriptionId',
          'ProductId',
          'SkuId',
          'EffectiveUnitPrice',
          'PCToBCExchangeRate',
        ]);
        if (missing.length > 0) {
          problems.push({
            place: { path, ...recordRange(h.record.pos) },
            message: `lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; it cannot be tied out`,
          });
          return false;
        }
        recon = new ReconCollector(path, h, options.dateOrder);
      } else {
        return false;
      }
      return true;
    },
    onRow(r) {
      if (daily) daily.add(r);
      else recon?.add(r);
    },
    onFinding(f) {
      // Unreadable rows are `check`'s to report; the tie-out only says how many it left out.
      if (f.code === 'unsupported-encoding' || f.code === 'invalid-csv')
        problems.push({ place: { path, ...f }, message: f.message });
    },
  });
  if (daily && fast && header?.delimiter === ',' && !header.decimalComma) {
    // The rows again, from bytes (the header read above only told the kind): one pass, no tokenizer. A file that is
    // not regular CSV is read by the tokenizer after all, which says where it is broken.
    const bytesDaily = new DailyCollector(path, header, options);
    const input = source.bytes!();
    let first = true;
    const scan = scanRecords(input, (r) => {
      if (first) {
        first = false;
        return;
      }
      if (r.cells !== header!.columns.header.length) return false;
      r.index -= 1;
      bytesDaily.addFast(r);
      r.index += 1;
    });
    if (!scan.irregular && !scan.stopped)
      return {
        kind: 'daily-usage',
        daily: { ...bytesDaily.summary(), problems: [...problems, ...bytesDaily.problems] },
      };
    return collectFile(path, source, options, false);
  }
  if (daily) return { kind: 'daily-usage', daily: { ...daily.summary(), problems: [...problems, ...daily.problems] } };
  if (recon) return { kind: 'reconciliation', recon: { ...recon.summary(), problems } };
  return { kind: 'other', path, fileKind: header?.kind ?? 'unknown', problems };
}

function sameBytes(buf: Uint8Array, s: number, e: number, bytes: Uint8Array): boolean {
  if (e - s !== bytes.length) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[s + k] !== bytes[k]) return false;
  return true;
}

/** One data row, whichever reader read it. */
interface RowAccess {
  /** The cell's text (from bytes: its raw bytes as a key; exact for the numbers and dates read here). */
  key(i: number): string;
  record(): CsvRecord;
  place(): Place;
  cellPlace(i: number): Place;
}

class DailyCollector {
  private readonly idx: Record<keyof typeof DAILY, number>;
  private readonly checker: DailyUsageChecker;
  /** Columns whose cells decide a row's group and reading (the rest of the row is only summed). */
  private readonly identityColumns: number[];
  /** Identifying cells -> the group and reading decided from the first readable row with those cells. */
  private readonly identities = new Map<string, DailyGroup>();
  private readonly groups = new Map<string, DailyGroup>();
  private readonly dates = new Map<string, string | undefined>();
  private readonly eups = new Map<string, Decimal | undefined>();
  private rows = 0;
  private eupDecimals = 0;
  private readonly outside: DailyFileSummary['outsidePeriod'] = [];
  private outsideCount = 0;
  readonly problems: { place: Place; message: string }[] = [];

  constructor(
    private readonly path: string,
    header: BillingHeader,
    private readonly options: CheckOptions,
  ) {
    this.idx = header.columns.indexes(DAILY);
    this.checker = new DailyUsageChecker(header, options);
    const x = this.idx;
    this.identityColumns = [
      x.invoice,
      x.customerId,
      x.subscriptionId,
      x.productId,
      x.skuId,
      x.meterId,
      x.pec,
      x.credit,
      x.creditType,
      x.benefitId,
      x.benefitType,
      x.meterName,
      x.subCategory,
      x.publisher,
      x.chargeStart,
      x.chargeEnd,
    ];
  }

  private cell(r: CsvRecord, key: keyof typeof DAILY): string {
    const i = this.idx[key];
    return i >= 0 ? r.cells[i] : '';
  }

  private date(text: string): string | undefined {
    let iso = this.dates.get(text);
    if (iso === undefined && !this.dates.has(text)) {
      const d = parseBillingDate(text, this.options.dateOrder);
      iso = d.ok ? d.iso : undefined;
      if (this.dates.size < 10_000) this.dates.set(text, iso);
    }
    return iso;
  }

  private identity(row: RowAccess): DailyGroup | undefined {
    let id = '';
    for (const i of this.identityColumns) id += (i >= 0 ? row.key(i) : '') + '\u0001';
    const known = this.identities.get(id);
    if (known) return known;
    const r = row.record();
    const p = this.checker.parse(r);
    if (!p.ok) return undefined;
    const start = this.date(this.cell(r, 'chargeStart')) ?? '';
    const end = this.date(this.cell(r, 'chargeEnd')) ?? '';
    const invoice = this.cell(r, 'invoice').trim();
    const pec = p.row.pec.gt(0) && p.row.pecIneligibleReason === undefined;
    const key = tieKey(
      invoice,
      this.cell(r, 'customerId'),
      this.cell(r, 'subscriptionId'),
      this.cell(r, 'productId'),
      this.cell(r, 'skuId'),
      pec,
    );
    let g = this.groups.get(key + (p.row.coveredByBenefit ? '|covered' : ''));
    if (!g) {
      g = {
        key,
        invoiceNumber: invoice,
        period: `${start}/${end}`,
        customerId: this.cell(r, 'customerId'),
        customerName: this.cell(r, 'customerName'),
        subscriptionId: this.cell(r, 'subscriptionId'),
        productId: this.cell(r, 'productId'),
        skuId: this.cell(r, 'skuId'),
        meterIds: new Set(),
        meterName: this.cell(r, 'meterName'),
        pec,
        covered: p.row.coveredByBenefit,
        currency: new Set(),
        fx: new Set(),
        quantity: ZERO,
        billed: ZERO,
        rows: 0,
        roundedRows: 0,
        unroundedByDecimals: new Map(),
        unreadable: 0,
        steps: new Map(),
        lastDay: '',
        lastEupText: '',
        places: [],
        path: this.path,
      };
      this.groups.set(key + (p.row.coveredByBenefit ? '|covered' : ''), g);
    }
    g.meterIds.add(this.cell(r, 'meterId'));
    g.currency.add(this.cell(r, 'currency'));
    g.fx.add(this.cell(r, 'fx').trim());
    this.identities.set(id, g);
    return g;
  }

  add(r: CsvRecord): void {
    this.addRow({
      key: (i) => r.cells[i],
      record: () => r,
      place: () => ({ path: this.path, ...recordRange(r.pos) }),
      cellPlace: (i) => ({ path: this.path, ...cellRange(r.pos, i) }),
    });
  }

  /** Identity cells -> group, found from the bytes without making strings (the byte reader). */
  private byteGroups?: ByteKeyTable<DailyGroup | null>;
  private readonly byteDays = new Map<number | string, string | undefined>();
  private readonly byteEups = new Map<string, { eup: Decimal; decimals: number } | null>();
  private readonly dayPrices = new Map<
    DailyGroup,
    Map<number | string, { bytes: Buffer; text: string; price: { eup: Decimal; decimals: number } | null }>
  >();
  /** Exact integer sums of the byte reader per group and price step, folded into the Decimals by `summary`. */
  private readonly exact = new Map<object, { q: ExactSum; b?: ExactSum; abs: ExactSum }>();
  /** The number last parsed by addFast: this collector's own, reused for every cell. */
  private readonly num = new ParsedNumber();

  private sums(owner: object, withBilled: boolean): { q: ExactSum; b?: ExactSum; abs: ExactSum } {
    let e = this.exact.get(owner);
    if (!e) {
      e = { q: new ExactSum(), b: withBilled ? new ExactSum() : undefined, abs: new ExactSum() };
      this.exact.set(owner, e);
    }
    return e;
  }

  /**
   * A row read from bytes. The common row (plain numbers, a known date and price) is summed with exact integers;
   * any other row goes through the same code as the tokenizer's rows.
   */
  addFast(r: ByteRecord): void {
    const x = this.idx;
    const num = this.num;
    this.byteGroups ??= new ByteKeyTable<DailyGroup | null>(this.identityColumns);
    let g = this.byteGroups.get(r);
    if (g === undefined) {
      g =
        this.identity({
          key: (i) => (i < r.cells ? cellKey(r, i) : ''),
          record: () => decodeRecord(r, ',', r.index, r.line),
          place: () => ({ path: this.path, line: r.line, character: 0, endLine: r.line, endCharacter: 0 }),
          cellPlace: () => ({ path: this.path, line: r.line, character: 0, endLine: r.line, endCharacter: 0 }),
        }) ?? null;
      // A row whose identifying cells cannot be read is not remembered: the next such row is read again.
      if (g) this.byteGroups.set(r, g);
    }
    const buf = r.buf;
    const dayKey = shortCellKey(buf, r.start[x.usageDate], r.end[x.usageDate]);
    let day = this.byteDays.get(dayKey);
    if (day === undefined && !this.byteDays.has(dayKey)) {
      day = this.date(cellKey(r, x.usageDate));
      if (this.byteDays.size < 10_000) this.byteDays.set(dayKey, day);
    }
    // All rows of a group's day share the day's month-to-date price: the price text is made once per group-day and
    // later rows only compare their bytes with it.
    const es = r.start[x.eup],
      ee = r.end[x.eup];
    const seen = g ? this.dayPrices.get(g)?.get(dayKey) : undefined;
    let eupText: string;
    let eup: { eup: Decimal; decimals: number } | null | undefined;
    if (seen && sameBytes(buf, es, ee, seen.bytes)) {
      eupText = seen.text;
      eup = seen.price;
    } else {
      eupText = cellKey(r, x.eup);
      eup = this.byteEups.get(eupText);
      if (eup === undefined) {
        const v = parseDecimal(eupText.trim());
        eup = v ? { eup: v, decimals: printedDecimals(eupText) } : null;
        if (this.byteEups.size < 100_000) this.byteEups.set(eupText, eup);
      }
      if (g && !seen) {
        let days = this.dayPrices.get(g);
        if (!days) this.dayPrices.set(g, (days = new Map()));
        days.set(dayKey, { bytes: Buffer.from(buf.subarray(es, ee)), text: eupText, price: eup });
      }
    }
    const qs = r.start[x.quantity],
      qe = r.end[x.quantity],
      bs = r.start[x.billed],
      be = r.end[x.billed];
    if (
      !g ||
      !day ||
      !eup ||
      eupText !== eupText.trim() ||
      !parsePlainDecimal(buf, bs, be, num) ||
      !parsePlainDecimal(buf, qs, qe, num)
    ) {
      this.addBytes(r);
      return;
    }
    this.rows++;
    if (eup.decimals > this.eupDecimals) this.eupDecimals = eup.decimals;
    const [start, end] = g.period.split('/');
    if (start && end && (day < start || day > end)) {
      this.outsideCount++;
      if (this.outside.length < OUTSIDE_KEPT) {
        this.outside.push({
          place: { path: this.path, ...cellRange(decodeRecord(r, ',', r.index, r.line).pos, x.usageDate) },
          usageDate: day,
          period: g.period,
        });
      }
    }
    g.rows++;
    let step = g.steps.get(eupText);
    if (!step) {
      step = { eupText, eup: eup.eup, quantity: ZERO, absQuantity: ZERO, firstDay: day, lastDay: day, rows: 0 };
      g.steps.set(eupText, step);
    }
    // num holds the quantity (parsed last): into the group's and the step's sums, and its size into |quantity|.
    const gs = this.sums(g, true);
    const ss = this.sums(step, false);
    gs.q.addParsed(num);
    ss.q.addParsed(num);
    num.neg = false;
    ss.abs.addParsed(num);
    parsePlainDecimal(buf, bs, be, num);
    gs.b!.addParsed(num);
    if (num.decimals <= 2) g.roundedRows++;
    else g.unroundedByDecimals.set(num.decimals, (g.unroundedByDecimals.get(num.decimals) ?? 0) + 1);
    step.rows++;
    if (day < step.firstDay) step.firstDay = day;
    if (day > step.lastDay) step.lastDay = day;
    if (day >= g.lastDay) {
      g.lastDay = day;
      g.lastEupText = eupText;
    }
    if (g.places.length < PLACES_KEPT) g.places.push(this.recordPlace(r));
  }

  /** A record's range: from its bytes when it is one line of ASCII (bytes are characters), else decoded. */
  private recordPlace(r: ByteRecord): Place {
    const buf = r.buf;
    let plain = true;
    for (let k = r.recordStart; k < r.recordEnd; k++) {
      const b = buf[k];
      if (b >= 0x80 || b === 10 || b === 13) {
        plain = false;
        break;
      }
    }
    if (plain)
      return {
        path: this.path,
        line: r.line,
        character: 0,
        endLine: r.line,
        endCharacter: r.recordEnd - r.recordStart,
      };
    return { path: this.path, ...recordRange(decodeRecord(r, ',', r.index, r.line).pos) };
  }

  /** A row read from bytes: cells are taken as keys without decoding; the record is decoded only when needed. */
  addBytes(r: ByteRecord): void {
    let decoded: CsvRecord | undefined;
    const record = (): CsvRecord => (decoded ??= decodeRecord(r, ',', r.index, r.line));
    this.addRow({
      key: (i) => (i < r.cells ? cellKey(r, i) : ''),
      record,
      place: () => ({ path: this.path, ...recordRange(record().pos) }),
      cellPlace: (i) => ({ path: this.path, ...cellRange(record().pos, i) }),
    });
  }

  private addRow(row: RowAccess): void {
    this.rows++;
    const g = this.identity(row);
    if (!g) return; // unreadable identifying cells: `check` reports them; the row cannot be placed
    const cell = (key: keyof typeof DAILY): string => (this.idx[key] >= 0 ? row.key(this.idx[key]) : '');
    const quantity = parseDecimal(cell('quantity'));
    const billedText = cell('billed');
    const billed = parseDecimal(billedText);
    const eupText = cell('eup').trim();
    let eup = this.eups.get(eupText);
    if (eup === undefined && !this.eups.has(eupText)) {
      eup = parseDecimal(eupText);
      if (this.eups.size < 100_000) this.eups.set(eupText, eup);
    }
    const day = this.date(cell('usageDate'));
    if (!quantity || !billed || !eup || !day) {
      g.unreadable++;
      return;
    }
    const decimals = printedDecimals(eupText);
    if (decimals > this.eupDecimals) this.eupDecimals = decimals;
    const [start, end] = g.period.split('/');
    if (start && end && (day < start || day > end)) {
      this.outsideCount++;
      if (this.outside.length < OUTSIDE_KEPT) {
        this.outside.push({ place: row.cellPlace(this.idx.usageDate), usageDate: day, period: g.period });
      }
    }
    g.rows++;
    g.quantity = g.quantity.plus(quantity);
    g.billed = g.billed.plus(billed);
    const billedDecimals = printedDecimals(billedText);
    if (billedDecimals <= 2) g.roundedRows++;
    else g.unroundedByDecimals.set(billedDecimals, (g.unroundedByDecimals.get(billedDecimals) ?? 0) + 1);
    let step = g.steps.get(eupText);
    if (!step) {
      step = { eupText, eup, quantity: ZERO, absQuantity: ZERO, firstDay: day, lastDay: day, rows: 0 };
      g.steps.set(eupText, step);
    }
    step.quantity = step.quantity.plus(quantity);
    step.absQuantity = step.absQuantity.plus(quantity.abs());
    step.rows++;
    if (day < step.firstDay) step.firstDay = day;
    if (day > step.lastDay) step.lastDay = day;
    // The month's final price is the one of its last usage day (the cumulative rating ends there).
    if (day >= g.lastDay) {
      g.lastDay = day;
      g.lastEupText = eupText;
    }
    if (g.places.length < PLACES_KEPT) g.places.push(row.place());
  }

  summary(): Omit<DailyFileSummary, 'problems'> {
    for (const g of this.groups.values()) {
      const gs = this.exact.get(g);
      if (gs) {
        g.quantity = g.quantity.plus(gs.q.toDecimal());
        g.billed = g.billed.plus(gs.b!.toDecimal());
      }
      for (const step of g.steps.values()) {
        const ss = this.exact.get(step);
        if (!ss) continue;
        step.quantity = step.quantity.plus(ss.q.toDecimal());
        step.absQuantity = step.absQuantity.plus(ss.abs.toDecimal());
      }
    }
    this.exact.clear();
    return {
      path: this.path,
      rows: this.rows,
      groups: [...this.groups.values()],
      eupDecimals: this.eupDecimals,
      outsidePeriod: this.outside,
      outsidePeriodCount: this.outsideCount,
    };
  }
}

class ReconCollector {
  private readonly idx: Record<keyof typeof RECON, number>;
  private readonly lines: ReconLine[] = [];
  private eupDecimals = 0;
  private readonly quantityKey: 'billableQuantity' | 'quantity';

  constructor(
    private readonly path: string,
    private readonly header: BillingHeader,
    private readonly dateOrder: DateOrder,
  ) {
    this.idx = header.columns.indexes(RECON);
    this.quantityKey = this.idx.billableQuantity >= 0 ? 'billableQuantity' : 'quantity';
  }

  private cell(r: CsvRecord, key: keyof typeof RECON): string {
    const i = this.idx[key];
    return i >= 0 ? r.cells[i] : '';
  }

  add(r: CsvRecord): void {
    const dc = this.header.decimalComma;
    const date = (key: 'chargeStart' | 'chargeEnd'): string => {
      const d = parseBillingDate(this.cell(r, key), this.dateOrder);
      return d.ok ? d.iso : '';
    };
    const eupText = this.cell(r, 'eup').trim();
    const decimals = printedDecimals(eupText);
    if (decimals > this.eupDecimals) this.eupDecimals = decimals;
    const meterDescription = this.cell(r, 'meterDescription').trim();
    const reservationOrderId = this.cell(r, 'reservationOrderId').trim();
    // The same test as the reconciliation checker's usage formula: a meter, or a "usage" charge type.
    const usage =
      (meterDescription !== '' || /^usage$/i.test(this.cell(r, 'chargeType').trim())) && reservationOrderId === '';
    const invoice = this.cell(r, 'invoice').trim();
    const { adjustments } = parsePriceAdjustments(this.cell(r, 'adjustment'));
    this.lines.push({
      path: this.path,
      line: r.pos[0],
      range: recordRange(r.pos),
      subtotalRange: cellRange(r.pos, this.idx.subtotal),
      quantityRange:
        this.idx[this.quantityKey] >= 0
          ? cellRange(r.pos, this.idx[this.quantityKey])
          : cellRange(r.pos, this.idx.subtotal),
      quantityColumn: this.header.columns.nameAt(this.idx[this.quantityKey]),
      invoiceNumber: invoice,
      orderId: this.cell(r, 'orderId').trim(),
      customerId: this.cell(r, 'customerId'),
      customerName: this.cell(r, 'customerName'),
      subscriptionId: this.cell(r, 'subscriptionId'),
      productId: this.cell(r, 'productId'),
      skuId: this.cell(r, 'skuId'),
      skuName: this.cell(r, 'skuName'),
      productName: this.cell(r, 'productName'),
      meterDescription,
      chargeType: this.cell(r, 'chargeType').trim(),
      publisher: this.cell(r, 'publisher'),
      reservationOrderId,
      period: `${date('chargeStart')}/${date('chargeEnd')}`,
      currency: this.cell(r, 'currency').trim(),
      pec: adjustments.some((a) => a.isPartnerEarnedCredit),
      usage,
      eupText,
      eup: parseDecimal(eupText, dc),
      fxText: this.cell(r, 'fx').trim(),
      fx: parseDecimal(this.cell(r, 'fx'), dc),
      billableQuantity: parseDecimal(this.cell(r, this.quantityKey), dc),
      subtotal: parseDecimal(this.cell(r, 'subtotal'), dc),
      total: parseDecimal(this.cell(r, 'total'), dc),
    });
  }

  summary(): Omit<ReconFileSummary, 'problems'> {
    return { path: this.path, lines: this.lines, eupDecimals: this.eupDecimals };
  }
}

/** Half a unit of the n-th decimal: how far a value printed at a file's precision can be from the true value. */
export function halfUnit(decimals: number): Decimal {
  return new Dec(10).pow(-decimals).div(2);
}
