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
import { isAscii } from 'node:buffer';
import type Decimal from 'decimal.js';
import { Dec, ZERO, kept, parseDecimal, printedDecimals } from '../money';
import { parseBillingDate, type DateOrder } from '../billing/dates';
import { readBillingFile, type BillingHeader } from '../billing/reader';
import type { CsvRecord } from '../billing/csv';
import {
  GroupLane,
  NO_GROUP,
  ParsedNumber,
  POW10,
  cellKey,
  decodeRecord,
  parseNumberBytes,
  parsePlainDecimal,
  recordValues,
  scanRecords,
  shortCellKey,
  type ByteRecord,
} from '../fast/byteCsv';
import { ByteKeyTable, ExactSum, addExactAt } from '../fast/exact';
import type { TextSource } from '../billing/source';
import { DAILY_USAGE_REQUIRED } from '../billing/fileKinds';
import { cellRange, recordRange, type TextRange } from '../findings';
import { DailyUsageChecker } from '../rating/dailyUsage';
import { detach } from '../allocation/strings';
import { NO_STEP, PriceStepTable, type PriceSteps } from './priceSteps';
import { RowPlaceTable, type Place, type RowPlaces } from './rowPlaces';
import { parsePriceAdjustments } from '../rating/reconciliation';
import { defaultCheckOptions, type CheckOptions } from '../rating/options';

export type { Place } from './rowPlaces';

export type { PriceStep } from './priceSteps';

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
  /** Distinct values, in the order the rows showed them (a group has one or a few). */
  meterIds: string[];
  meterName: string;
  pec: boolean;
  covered: boolean;
  currency: string[];
  fx: string[];
  quantity: Decimal;
  /** The sum of the quantities' sizes (a refund counts as much as a charge): the bound of printed-price slack. */
  absQuantity: Decimal;
  billed: Decimal;
  rows: number;
  /** Rows whose billed amount has at most two decimals (rounded to cents per row). */
  roundedRows: number;
  /** Rows whose billed amount has more decimals: at index d, the rows with d decimals (0 below 3). */
  unroundedByDecimals: number[];
  /** Rows whose Quantity or BillingPreTaxTotal could not be read: left out of the sums. */
  unreadable: number;
  steps: PriceSteps;
  lastDay: string;
  lastEupText: string;
  /** The first rows of the group (for related information and the dispute packet's evidence). */
  places: RowPlaces;
  path: string;
}

export interface DailyFileSummary {
  path: string;
  rows: number;
  groups: DailyGroup[];
  /** Most decimals any EffectiveUnitPrice in the file is printed with: the file's printing precision. */
  eupDecimals: number;
  /** The first rows dated outside their charge period, each with its group's invoice (a file can hold several). */
  outsidePeriod: { place: Place; usageDate: string; period: string; invoiceNumber: string }[];
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
/** Distinct UsageDates the byte reader numbers (a month has 31; rows of further dates go the general way). */
const SLOT_DAYS = 64;
/** Room reserved in the grouping lane for identifying cells (a few hundred bytes per identity). */
const LANE_KEY_ROOM = 32 << 20;

/**
 * The texts a collector keeps (a customer's name, a plan, a product, a period), one string each: a month of 100k
 * groups or lines would otherwise keep a copy per group, and each a slice of the text it was read from (a slice
 * holds its whole chunk of the file). A text is detached once, when first seen. Bounded: past the limit a text is
 * detached and kept as it is.
 */
class TextPool {
  private readonly texts = new Map<string, string>();

  share(text: string): string {
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    const own = detach(text);
    if (this.texts.size < 200_000) this.texts.set(own, own);
    return own;
  }
}

/** Adds a value to a list of distinct values (a group's few meter ids, currencies, exchange rates). */
function addDistinct(values: string[], value: string): void {
  if (!values.includes(value)) values.push(value);
}

/** Counts a row whose amount has `decimals` decimals (more than two) in a group's `unroundedByDecimals`. */
function countUnrounded(counts: number[], decimals: number): void {
  while (counts.length <= decimals) counts.push(0);
  counts[decimals]++;
}

/** d + the exact sum e; e's own decimal when d is still the untouched ZERO (the same value, one object fewer). */
function plusExact(d: Decimal, e: ExactSum): Decimal {
  return d === ZERO ? e.toDecimal() : d.plus(e.toDecimal());
}

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
    const width = header.columns.header.length;
    let first = true;
    let scan;
    try {
      if ('path' in input) bytesDaily.startLane(width, LANE_KEY_ROOM);
      scan = scanRecords(input, (r) => {
        if (first) {
          first = false;
          return;
        }
        if (r.cells !== width) return false;
        r.index -= 1;
        bytesDaily.addFast(r);
        r.index += 1;
      });
    } finally {
      bytesDaily.stopLane();
    }
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
  /** Every group's price steps, and its first rows, in columns. */
  private readonly stepTable = new PriceStepTable();
  private readonly placeTable = new RowPlaceTable();
  private readonly texts = new TextPool();
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
    // The checker's first-pass reading: a group is decided by the row's PEC, credit and benefit cells and whether
    // it can earn PEC, which that reading gives as the full one does; its other numbers are only checked for being
    // numbers (the same rows fail), not built as decimals (about 0.3 s of a month of 91k groups).
    const p = this.checker.parse(r, true);
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
        invoiceNumber: this.texts.share(invoice),
        period: this.texts.share(`${start}/${end}`),
        customerId: this.texts.share(this.cell(r, 'customerId')),
        customerName: this.texts.share(this.cell(r, 'customerName')),
        subscriptionId: this.texts.share(this.cell(r, 'subscriptionId')),
        productId: this.texts.share(this.cell(r, 'productId')),
        skuId: this.texts.share(this.cell(r, 'skuId')),
        // A group's first values as one-element arrays: an empty array's first push makes room for sixteen (about
        // 430 bytes a group for the three, 40 MB on a month of 91k groups).
        meterIds: [this.texts.share(this.cell(r, 'meterId'))],
        meterName: this.texts.share(this.cell(r, 'meterName')),
        pec,
        covered: p.row.coveredByBenefit,
        currency: [this.texts.share(this.cell(r, 'currency'))],
        fx: [this.texts.share(this.cell(r, 'fx').trim())],
        quantity: ZERO,
        absQuantity: ZERO,
        billed: ZERO,
        rows: 0,
        roundedRows: 0,
        unroundedByDecimals: [],
        unreadable: 0,
        steps: this.stepTable.group(),
        lastDay: '',
        lastEupText: '',
        places: this.placeTable.group(this.path),
        path: this.path,
      };
      this.groups.set(key + (p.row.coveredByBenefit ? '|covered' : ''), g);
    } else {
      addDistinct(g.meterIds, this.texts.share(this.cell(r, 'meterId')));
      addDistinct(g.currency, this.texts.share(this.cell(r, 'currency')));
      addDistinct(g.fx, this.texts.share(this.cell(r, 'fx').trim()));
    }
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

  /**
   * The byte reader's grouping. A row's identifying cells are found where the scanner left them: by the WebAssembly
   * lane (hash and byte comparison inside the scanner's memory, for files on disk), else by a table keyed on their
   * bytes. Either gives the identity's group as an integer; the string-keyed `identities` above stays the one place
   * that decides a group, so the lane and the table can only find it faster, never differently.
   */
  private lane: GroupLane | null = null;
  private readonly laneGroups: number[] = [];
  private byteGroups?: ByteKeyTable<number>;
  /** Groups by number (the byte reader's integer ids). */
  private readonly groupNo = new Map<DailyGroup, number>();
  private readonly groupList: DailyGroup[] = [];
  /**
   * Per group number: exact sums (whole units and units of 10^-15) of the billed amount, the quantity and its size,
   * the group's charge period as ISO days, and the step of its most recent row. What the byte reader keeps grows
   * with the groups and their price steps, never with the rows (a shuffled month has a (group, day) per row).
   */
  private readonly billedHi: number[] = [];
  private readonly billedLo: number[] = [];
  private readonly quantityHi: number[] = [];
  private readonly quantityLo: number[] = [];
  private readonly absHi: number[] = [];
  private readonly absLo: number[] = [];
  private readonly periodStart: string[] = [];
  private readonly periodEnd: string[] = [];
  private readonly lastStep: number[] = [];
  /** The step of the group's row of its last usage day so far (NO_STEP: that row went the general way). */
  private readonly lastDayStep: number[] = [];
  /** UsageDate bytes -> a day id; per day id its ISO date ('' when it is not a date) and its id in the step table. */
  private readonly dayIds = new Map<number | string, number>();
  private readonly dayIso: string[] = [];
  private readonly dayStep: number[] = [];
  /** Printed prices already read: valid (decimals printed) or not (null). Bounded. */
  private readonly byteEups = new Map<string, number | null>();
  /** The number last parsed by addFast, and the price stepOfBytes last read: this collector's own. */
  private readonly num = new ParsedNumber();
  private readonly priceNum = new ParsedNumber();

  /** Starts the byte reader on a file on disk: takes the grouping lane when this thread has it free. */
  startLane(width: number, keyRoom: number): void {
    this.lane = GroupLane.acquire({
      width,
      keyColumns: this.identityColumns.filter((c) => c >= 0),
      sumColumn: 0,
      dateColumn: -1,
      checkColumns: [],
    });
    this.lane?.reserve(keyRoom);
  }

  /** Gives the lane back (its groups live in the scanner's memory, one user per thread). */
  stopLane(): void {
    this.lane?.release();
    this.lane = null;
  }

  /** The group number of a byte record (-1: its identifying cells cannot be read; the next such row tries again). */
  private groupOfBytes(r: ByteRecord): number {
    const lane = this.lane;
    const id = lane ? lane.findRecord(r) : NO_GROUP;
    if (id >= 0) return this.laneGroups[id];
    this.byteGroups ??= new ByteKeyTable<number>(this.identityColumns);
    const known = this.byteGroups.get(r);
    if (known !== undefined) return known;
    const g = this.identity({
      key: (i) => (i < r.cells ? cellKey(r, i) : ''),
      // The group is decided from values only: the cells without their positions (no second tokenizing).
      record: () => recordValues(r, r.index, r.line),
      place: () => ({ path: this.path, line: r.line, character: 0, endLine: r.line, endCharacter: 0 }),
      cellPlace: () => ({ path: this.path, line: r.line, character: 0, endLine: r.line, endCharacter: 0 }),
    });
    if (!g) return -1;
    let no = this.groupNo.get(g);
    if (no === undefined) {
      no = this.groupList.length;
      this.groupNo.set(g, no);
      this.groupList.push(g);
      this.billedHi.push(0);
      this.billedLo.push(0);
      this.quantityHi.push(0);
      this.quantityLo.push(0);
      this.absHi.push(0);
      this.absLo.push(0);
      this.lastStep.push(NO_STEP);
      this.lastDayStep.push(NO_STEP);
      const slash = g.period.indexOf('/');
      this.periodStart.push(this.texts.share(g.period.slice(0, slash)));
      this.periodEnd.push(this.texts.share(g.period.slice(slash + 1)));
    }
    // RECORD_OUTSIDE_LANE: the record is not in the scanner's memory, the lane cannot take it (the table can).
    if (lane && id === NO_GROUP && lane.insertRecord(r, false) === this.laneGroups.length) this.laneGroups.push(no);
    else this.byteGroups.set(r, no);
    return no;
  }

  /** The day id of a byte record's UsageDate (-1: more distinct dates than SLOT_DAYS). */
  private dayOfBytes(r: ByteRecord): number {
    const c = this.idx.usageDate;
    const key = shortCellKey(r.buf, r.start[c], r.end[c]);
    let d = this.dayIds.get(key);
    if (d === undefined) {
      if (this.dayIso.length >= SLOT_DAYS) return -1;
      d = this.dayIso.length;
      const iso = this.date(cellKey(r, c)) ?? '';
      this.dayIso.push(iso);
      this.dayStep.push(iso === '' ? -1 : this.stepTable.dayId(iso));
      this.dayIds.set(key, d);
    }
    return d;
  }

  /** The step of group `no` at the price [es, ee) of a row of day `d`; NO_STEP when the row goes the general way. */
  private stepOfBytes(r: ByteRecord, no: number, d: number, es: number, ee: number): number {
    const buf = r.buf;
    const steps = this.groupList[no].steps;
    // A group's rows mostly repeat the price of its previous row: the same bytes are the same step, found without
    // making the price's text; else one of its few other steps, compared byte for byte.
    const previous = this.lastStep[no];
    if (previous !== NO_STEP && this.stepTable.samePrice(previous, buf, es, ee)) return previous;
    const known = steps.find(buf, es, ee);
    if (known !== NO_STEP) return (this.lastStep[no] = known);
    // A price of plain digits (which parseDecimal reads, its printed decimals the digits after the point) is read
    // from its bytes; any other form as the general code reads it (each text once).
    let decimals = parsePlainDecimal(buf, es, ee, this.priceNum) ? this.priceNum.decimals : -1;
    if (decimals < 0) {
      const eupText = cellKey(r, this.idx.eup);
      if (eupText !== eupText.trim()) return NO_STEP;
      let known = this.byteEups.get(eupText);
      if (known === undefined) {
        known = parseDecimal(eupText) ? printedDecimals(eupText) : null;
        if (this.byteEups.size < 100_000) this.byteEups.set(eupText, known);
      }
      if (known === null) return NO_STEP;
      decimals = known;
    }
    if (decimals > this.eupDecimals) this.eupDecimals = decimals;
    return (this.lastStep[no] = steps.add(buf, es, ee, this.dayStep[d]));
  }

  /**
   * A row read from bytes. The common row (numbers as exports print them, a readable date, a readable price) is
   * summed with exact integers into its group and step; any other row goes through the same code as the
   * tokenizer's rows.
   */
  addFast(r: ByteRecord): void {
    const x = this.idx;
    const num = this.num;
    const buf = r.buf;
    const no = this.groupOfBytes(r);
    if (no < 0) return this.addBytes(r);
    const d = this.dayOfBytes(r);
    if (d < 0 || this.dayIso[d] === '') return this.addBytes(r);
    // The billed amount first (kept), the quantity last: `num` then holds the quantity.
    if (!parseNumberBytes(buf, r.start[x.billed], r.end[x.billed], num)) return this.addBytes(r);
    const bNeg = num.neg,
      bInt = num.int,
      bFrac = num.frac * POW10[15 - num.decimals],
      bDecimals = num.decimals;
    if (!parseNumberBytes(buf, r.start[x.quantity], r.end[x.quantity], num)) return this.addBytes(r);
    const s = this.stepOfBytes(r, no, d, r.start[x.eup], r.end[x.eup]);
    if (s === NO_STEP) return this.addBytes(r);
    const day = this.dayIso[d];
    this.rows++;
    const g = this.groupList[no];
    const start = this.periodStart[no],
      end = this.periodEnd[no];
    if (start && end && (day < start || day > end)) {
      this.outsideCount++;
      if (this.outside.length < OUTSIDE_KEPT) {
        this.outside.push({
          place: { path: this.path, ...cellRange(decodeRecord(r, ',', r.index, r.line).pos, x.usageDate) },
          usageDate: day,
          period: g.period,
          invoiceNumber: g.invoiceNumber,
        });
      }
    }
    g.rows++;
    const qFrac = num.frac * POW10[15 - num.decimals];
    const qInt = num.neg ? -num.int : num.int;
    this.stepTable.addExact(s, qInt, num.neg ? -qFrac : qFrac, this.dayStep[d]);
    addExactAt(this.quantityHi, this.quantityLo, no, qInt, num.neg ? -qFrac : qFrac);
    addExactAt(this.absHi, this.absLo, no, num.int, qFrac);
    addExactAt(this.billedHi, this.billedLo, no, bNeg ? -bInt : bInt, bNeg ? -bFrac : bFrac);
    if (bDecimals <= 2) g.roundedRows++;
    else countUnrounded(g.unroundedByDecimals, bDecimals);
    // The month's final price is the one of its last usage day (the cumulative rating ends there).
    if (day >= g.lastDay) {
      g.lastDay = day;
      this.lastDayStep[no] = s; // its text is made once, by summary()
    }
    if (g.places.size < PLACES_KEPT) g.places.add(this.recordRange(r));
  }
  /** A record's range: from its bytes when it is one line of ASCII (bytes are characters), else decoded. */
  private recordRange(r: ByteRecord): TextRange {
    // One line (scanRecords counted no line break inside its quoted cells) of ASCII (checked natively).
    if (r.lineBreaks === 0 && isAscii(r.buf.subarray(r.recordStart, r.recordEnd)))
      return { line: r.line, character: 0, endLine: r.line, endCharacter: r.recordEnd - r.recordStart };
    return recordRange(decodeRecord(r, ',', r.index, r.line).pos);
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
        this.outside.push({
          place: row.cellPlace(this.idx.usageDate),
          usageDate: day,
          period: g.period,
          invoiceNumber: g.invoiceNumber,
        });
      }
    }
    g.rows++;
    g.quantity = g.quantity.plus(quantity);
    g.absQuantity = g.absQuantity.plus(quantity.abs());
    g.billed = g.billed.plus(billed);
    const billedDecimals = printedDecimals(billedText);
    if (billedDecimals <= 2) g.roundedRows++;
    else countUnrounded(g.unroundedByDecimals, billedDecimals);
    const dayId = this.stepTable.dayId(day);
    const step = g.steps.atText(eupText, dayId);
    this.stepTable.addDecimal(step, quantity, dayId);
    // The month's final price is the one of its last usage day (the cumulative rating ends there).
    if (day >= g.lastDay) {
      g.lastDay = day;
      g.lastEupText = eupText;
      const no = this.groupNo.get(g);
      if (no !== undefined) this.lastDayStep[no] = NO_STEP;
    }
    if (g.places.size < PLACES_KEPT) g.places.add(row.place());
  }

  summary(): Omit<DailyFileSummary, 'problems'> {
    // The byte reader's exact sums into their groups (a group only it added to starts at ZERO: no decimal addition).
    const exact = (hi: number, lo: number): ExactSum => {
      const e = new ExactSum();
      e.addExact(hi, lo);
      return e;
    };
    this.groupList.forEach((g, no) => {
      if (this.lastDayStep[no] !== NO_STEP) g.lastEupText = this.stepTable.priceText(this.lastDayStep[no]);
      if (this.quantityHi[no] !== 0 || this.quantityLo[no] !== 0)
        g.quantity = plusExact(g.quantity, exact(this.quantityHi[no], this.quantityLo[no]));
      if (this.absHi[no] !== 0 || this.absLo[no] !== 0)
        g.absQuantity = plusExact(g.absQuantity, exact(this.absHi[no], this.absLo[no]));
      if (this.billedHi[no] !== 0 || this.billedLo[no] !== 0)
        g.billed = plusExact(g.billed, exact(this.billedHi[no], this.billedLo[no]));
    });
    for (const g of this.groups.values()) {
      g.quantity = kept(g.quantity);
      g.absQuantity = kept(g.absQuantity);
      g.billed = kept(g.billed);
    }
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

  /** Dates and price adjustments repeat on every line: each distinct text is read once (bounded). */
  private readonly dates = new Map<string, string>();
  private readonly texts = new TextPool();
  private readonly pecTexts = new Map<string, boolean>();

  add(r: CsvRecord): void {
    const dc = this.header.decimalComma;
    const date = (key: 'chargeStart' | 'chargeEnd'): string => {
      const text = this.cell(r, key);
      let iso = this.dates.get(text);
      if (iso === undefined) {
        const d = parseBillingDate(text, this.dateOrder);
        iso = d.ok ? d.iso : '';
        if (this.dates.size < 10_000) this.dates.set(text, iso);
      }
      return iso;
    };
    const adjustment = this.cell(r, 'adjustment');
    let pec = this.pecTexts.get(adjustment);
    if (pec === undefined) {
      pec = parsePriceAdjustments(adjustment).adjustments.some((a) => a.isPartnerEarnedCredit);
      if (this.pecTexts.size < 10_000) this.pecTexts.set(adjustment, pec);
    }
    const eupText = this.cell(r, 'eup').trim();
    const decimals = printedDecimals(eupText);
    if (decimals > this.eupDecimals) this.eupDecimals = decimals;
    const meterDescription = this.cell(r, 'meterDescription').trim();
    const reservationOrderId = this.cell(r, 'reservationOrderId').trim();
    // The same test as the reconciliation checker's usage formula: a meter, or a "usage" charge type.
    const usage =
      (meterDescription !== '' || /^usage$/i.test(this.cell(r, 'chargeType').trim())) && reservationOrderId === '';
    const invoice = this.cell(r, 'invoice').trim();
    const t = this.texts;
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
      invoiceNumber: t.share(invoice),
      orderId: t.share(this.cell(r, 'orderId').trim()),
      customerId: t.share(this.cell(r, 'customerId')),
      customerName: t.share(this.cell(r, 'customerName')),
      subscriptionId: t.share(this.cell(r, 'subscriptionId')),
      productId: t.share(this.cell(r, 'productId')),
      skuId: t.share(this.cell(r, 'skuId')),
      skuName: t.share(this.cell(r, 'skuName')),
      productName: t.share(this.cell(r, 'productName')),
      meterDescription: t.share(meterDescription),
      chargeType: t.share(this.cell(r, 'chargeType').trim()),
      publisher: t.share(this.cell(r, 'publisher')),
      reservationOrderId: t.share(reservationOrderId),
      period: t.share(`${date('chargeStart')}/${date('chargeEnd')}`),
      currency: t.share(this.cell(r, 'currency').trim()),
      pec,
      usage,
      eupText: t.share(eupText),
      eup: kept(parseDecimal(eupText, dc)),
      fxText: t.share(this.cell(r, 'fx').trim()),
      fx: kept(parseDecimal(this.cell(r, 'fx'), dc)),
      billableQuantity: kept(parseDecimal(this.cell(r, this.quantityKey), dc)),
      subtotal: kept(parseDecimal(this.cell(r, 'subtotal'), dc)),
      total: kept(parseDecimal(this.cell(r, 'total'), dc)),
    });
  }

  summary(): Omit<ReconFileSummary, 'problems'> {
    return { path: this.path, lines: this.lines, eupDecimals: this.eupDecimals };
  }
}

const HALF_UNITS: Decimal[] = [];

/** Half a unit of the n-th decimal: how far a value printed at a file's precision can be from the true value. */
export function halfUnit(decimals: number): Decimal {
  // Asked for on every line of a month: the few precisions a file has are computed once.
  if (Number.isInteger(decimals) && decimals >= 0 && decimals < 40)
    return (HALF_UNITS[decimals] ??= new Dec(10).pow(-decimals).div(2));
  return new Dec(10).pow(-decimals).div(2);
}
