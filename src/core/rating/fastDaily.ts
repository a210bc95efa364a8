/**
 * The fast path of the daily-usage check: the same two passes as the reference path (check.ts with
 * DailyUsageChecker), read from bytes, with exact integer arithmetic on the common row, and the reference code for
 * every row it cannot prove clean.
 *
 * A row is "proved clean" only when every check the reference would run on it is certain to pass:
 *   - its numbers are plain decimals (at most 15 digits on each side of the point), its dates are known-good;
 *   - its EffectiveUnitPrice lies in the consistent band, compared exactly: the band's bounds, widened by the
 *     printing tolerance of the row's own decimals d, are turned once per (group-day, price, d) into integers of
 *     units of 10^-d (ceiling for the lower bound, floor for the upper), and the price's digits are compared to them;
 *   - its totals are within the cent: |total - EUP x Quantity x FX| is computed in doubles, and passes only when it
 *     is below 0.01 by more than a bound on the doubles' rounding error (1e-12 relative, a thousand times the
 *     worst case): a row near the cent goes to the reference;
 *   - partner earned credit is zero or allowed, and its UnitPrice is listed (decided once per meter, day, price).
 * Every other row is decoded into the reference's CsvRecord and checked by DailyUsageChecker itself, so its
 * findings are the reference's, word for word. Sums (month-to-date quantities, the billed total) are exact:
 * integers of units and of 10^-15 units, carried, turned into decimals at the end.
 *
 * The first pass also proves the file regular (every record well quoted and as wide as the header); when it is
 * not, the fast path gives up before emitting anything, and the caller reads the file the reference way.
 */
import { statSync } from 'node:fs';
import type Decimal from 'decimal.js';
import { Dec, ZERO } from '../money';
import { parseBillingDate } from '../billing/dates';
import { NUM, POW10, cellText, decodeRecord, parsePlainDecimal, scanRecords, type ByteInput, type ByteRecord } from '../billing/byteCsv';
import type { BillingHeader } from '../billing/reader';
import type { Finding } from '../findings';
import type { DailyUsageChecker, RowOutcome } from './dailyUsage';
import type { CheckOptions } from './options';

export interface FastDailyRun {
  input: ByteInput;
  header: BillingHeader;
  checker: DailyUsageChecker;
  options: CheckOptions;
  emit(f: Finding): void;
  account(o: RowOutcome): void;
  signal?: AbortSignal;
  onProgress?(rows: number, pass: number, passes: number): void;
  onRecordStart?(line: number): void;
  /** Bytes read between yields to the event loop (an editor must stay responsive). */
  sliceBytes?: number;
}

export interface FastDailyResult {
  rows: number;
  complete: boolean;
  /** Rows that took the reference path, per pass (for tests and the bench). */
  referenceRows: [number, number];
}

/** An exact sum: `hi` whole units plus `lo` units of 10^-15 (0 <= lo < 10^15), both exact integers in doubles. */
class ExactSum {
  hi = 0;
  lo = 0;
  /** Adds the value last parsed into NUM. */
  addParsed(): void {
    const frac = NUM.frac * POW10[15 - NUM.decimals];
    if (NUM.neg) {
      this.hi -= NUM.int;
      this.lo -= frac;
      if (this.lo < 0) {
        this.lo += 1e15;
        this.hi -= 1;
      }
    } else {
      this.hi += NUM.int;
      this.lo += frac;
      if (this.lo >= 1e15) {
        this.lo -= 1e15;
        this.hi += 1;
      }
    }
  }
  toDecimal(): Decimal {
    return new Dec(this.hi).plus(new Dec(this.lo).div(1e15));
  }
  safe(): boolean {
    return Math.abs(this.hi) < 2 ** 52;
  }
}

/** What every row with the same identifying cells shares: decided once, from the first such row, by the reference. */
interface GroupInfo {
  id: number;
  groupKey: string;
  covered: boolean;
  pecIneligible: boolean;
  fraction: Decimal;
  fractionParts: { n: bigint; d: bigint };
  meterId: string;
  currency: string;
  /** Pass 1: exact quantity per raw UsageDate cell. */
  days: Map<string, ExactSum>;
}

/** The consistent band of a (group-day, unit price), and its integer form per number of printed decimals. */
interface Band {
  /** Tiered prices: the reference's rating. */
  lower?: Decimal;
  upper?: Decimal;
  /** Flat prices: the integers the band is computed from (see flatThresholds). */
  flat?: { P: bigint; p: number; Q: bigint };
  /** Per d: [lowInt, lowFrac, highInt, highFrac] in units of 10^-d, or null when not representable exactly. */
  byDecimals: (number[] | null | undefined)[];
}

const MAX_SAFE = 2 ** 53;
const DEC_POW10 = Array.from({ length: 16 }, (_, d) => new Dec(10).pow(d));
const HALF_UNIT = Array.from({ length: 16 }, (_, d) => new Dec(10).pow(-d).div(2));

function splitUnits(units: Decimal, d: number): [number, number] | null {
  const i = units.div(DEC_POW10[d]).floor();
  const f = units.minus(i.times(DEC_POW10[d]));
  const ni = i.toNumber();
  const nf = f.toNumber();
  if (Math.abs(ni) >= MAX_SAFE || !Number.isInteger(nf)) return null;
  return [ni, nf];
}

function bandThresholds(band: Band, d: number, fraction: { n: bigint; d: bigint }): number[] | null {
  let t = band.byDecimals[d];
  if (t === undefined && band.flat) {
    t = flatThresholds(band.flat.P, band.flat.p, fraction, band.flat.Q, d);
    band.byDecimals[d] = t;
  } else if (t === undefined && band.lower && band.upper) {
    const lo = splitUnits(band.lower.minus(HALF_UNIT[d]).times(DEC_POW10[d]).ceil(), d);
    const hi = splitUnits(band.upper.plus(HALF_UNIT[d]).times(DEC_POW10[d]).floor(), d);
    t = lo && hi ? [lo[0], lo[1], hi[0], hi[1]] : null;
    band.byDecimals[d] = t;
  }
  return t ?? null;
}

/**
 * A table keyed by the bytes of some cells of a record (exact: a hit compares the bytes), so that the hot loop
 * finds a row's group without making strings.
 */
class ByteKeyTable<V> {
  private readonly buckets = new Map<number, { lengths: Int32Array; bytes: Uint8Array; value: V }[]>();
  size = 0;
  constructor(private readonly columns: readonly number[]) {}

  private hash(r: ByteRecord): number {
    let h = 0x811c9dc5;
    const buf = r.buf;
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i];
      if (c < 0) continue;
      const e = r.end[c];
      for (let k = r.start[c]; k < e; k++) h = Math.imul(h ^ buf[k], 16777619);
      h = Math.imul(h ^ (0x100 + r.flags[c] + ((e - r.start[c]) << 2)), 16777619);
    }
    return h;
  }

  private same(r: ByteRecord, entry: { lengths: Int32Array; bytes: Uint8Array }): boolean {
    const buf = r.buf;
    let at = 0;
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i];
      if (c < 0) continue;
      const s = r.start[c];
      const len = r.end[c] - s;
      if (entry.lengths[i] !== len * 4 + r.flags[c]) return false;
      for (let k = 0; k < len; k++) if (buf[s + k] !== entry.bytes[at + k]) return false;
      at += len;
    }
    return true;
  }

  get(r: ByteRecord): V | undefined {
    const list = this.buckets.get(this.hash(r));
    if (list) for (const e of list) if (this.same(r, e)) return e.value;
    return undefined;
  }

  set(r: ByteRecord, value: V): void {
    const h = this.hash(r);
    const lengths = new Int32Array(this.columns.length);
    let total = 0;
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i];
      if (c < 0) continue;
      lengths[i] = (r.end[c] - r.start[c]) * 4 + r.flags[c];
      total += r.end[c] - r.start[c];
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i];
      if (c < 0) continue;
      bytes.set(r.buf.subarray(r.start[c], r.end[c]), at);
      at += r.end[c] - r.start[c];
    }
    const entry = { lengths, bytes, value };
    const list = this.buckets.get(h);
    if (list) list.push(entry);
    else this.buckets.set(h, [entry]);
    this.size++;
  }
}

const BIG_TEN = 10n;
const BIG_1E15 = 10n ** 15n;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

/** A decimal as an exact fraction n / d (d a power of ten). */
function fractionOf(x: Decimal): { n: bigint; d: bigint } {
  const text = x.toFixed();
  const dot = text.indexOf('.');
  if (dot < 0) return { n: BigInt(text), d: 1n };
  return { n: BigInt(text.slice(0, dot) + text.slice(dot + 1)), d: BIG_TEN ** BigInt(text.length - dot - 1) };
}

function splitBig(units: bigint, d: number): [number, number] | null {
  const scale = BIG_TEN ** BigInt(d);
  const i = floorDiv(units, scale);
  const f = units - i * scale;
  const ni = Number(i);
  if (Math.abs(ni) >= MAX_SAFE) return null;
  return [ni, Number(f)];
}

/**
 * The band's integer thresholds for a flat unit price, exactly as rateCumulative defines the band, in integers:
 * with P = UnitPrice x 10^p, Q = BCU x 10^15 and the charged fraction Fn / Fd,
 *   BC (cents)  = FLOOR(P x Q x Fn x 100 / (10^p x 10^15 x Fd))
 *   lower       = BC / BCU,   upper = UnitPrice x Fn / Fd      (both UnitPrice x fraction when BCU <= 0)
 *   low  = CEIL((lower - 10^-d / 2) x 10^d),   high = FLOOR((upper + 10^-d / 2) x 10^d).
 * The reference compares with 60-digit decimals; the two agree: where a price with d <= 15 decimals and the exact
 * band bound differ, they differ by at least 1 / (2 x 10^d x Q), far above 10^-59.
 */
function flatThresholds(P: bigint, p: number, F: { n: bigint; d: bigint }, Q: bigint, d: number): number[] | null {
  const tenD = BIG_TEN ** BigInt(d);
  const tenP = BIG_TEN ** BigInt(p);
  let low: bigint;
  if (Q > 0n) {
    const bcCents = floorDiv(P * Q * F.n * 100n, tenP * BIG_1E15 * F.d);
    low = ceilDiv(2n * bcCents * BIG_1E15 * tenD - 100n * Q, 200n * Q);
  } else {
    low = ceilDiv(2n * P * F.n * tenD - tenP * F.d, 2n * tenP * F.d);
  }
  const high = floorDiv(2n * P * F.n * tenD + tenP * F.d, 2n * tenP * F.d);
  const lo = splitBig(low, d);
  const hi = splitBig(high, d);
  return lo && hi ? [lo[0], lo[1], hi[0], hi[1]] : null;
}

/** Doubles' rounding error bound used by the totals filter (relative), far above the real worst case (~1e-15). */
const REL_ERROR = 1e-12;

export async function fastDailyCheck(run: FastDailyRun): Promise<FastDailyResult | undefined> {
  const { checker, header, input } = run;
  const idx = checker.idx;
  const width = header.columns.header.length;
  const delimiter = header.delimiter;
  const total = 'path' in input ? statSync(input.path).size : input.bytes.byteLength;
  const slice = run.sliceBytes ?? 16 << 20;

  const keyColumns = [
    idx.customerId, idx.subscriptionId, idx.meterId, idx.chargeStart, idx.pec, idx.credit, idx.benefitId, idx.benefitType,
    idx.meterName, idx.meterSubCategory, idx.publisher, idx.currency,
  ];
  const groups = new ByteKeyTable<GroupInfo>(keyColumns);
  const groupList: GroupInfo[] = [];
  let nextGroupId = 0;
  const days = new Map<string, string | null>();
  const bands = new Map<string, Band>();
  const listed = new Map<string, boolean>();
  const billedByCurrency = new Map<string, ExactSum>();
  const referenceRows: [number, number] = [0, 0];

  const raw = (r: ByteRecord, c: number): string => (c >= 0 ? r.buf.toString('latin1', r.start[c], r.end[c]) : '');
  /** The group a row belongs to, decided by the reference on the first row with these cells (undefined: that row is not valid). */
  const groupOf = (r: ByteRecord, index: number): GroupInfo | undefined => {
    let g = groups.get(r);
    if (g) return g;
    const p = checker.parse(decodeRecord(r, delimiter, index, 0));
    if (!p.ok) return undefined;
    const row = p.row;
    g = {
      id: nextGroupId++, groupKey: row.groupKey, covered: row.coveredByBenefit, pecIneligible: row.pec.gt(0) && !!row.pecIneligibleReason,
      fraction: row.fraction, fractionParts: fractionOf(row.fraction), meterId: row.meterId, currency: row.currency, days: new Map(),
    };
    if (groups.size < 200_000) groups.set(r, g);
    groupList.push(g);
    return g;
  };
  const dayOf = (r: ByteRecord): string | null => {
    const key = raw(r, idx.usageDate);
    let d = days.get(key);
    if (d === undefined) {
      const parsed = parseBillingDate(cellText(r, idx.usageDate), run.options.dateOrder);
      d = parsed.ok ? parsed.iso : null;
      if (days.size < 10_000) days.set(key, d);
    }
    return d;
  };
  const plain = (r: ByteRecord, c: number): boolean => c >= 0 && r.flags[c] !== 2 && parsePlainDecimal(r.buf, r.start[c], r.end[c]);
  const value = (): number => {
    const v = NUM.int + NUM.frac / POW10[NUM.decimals];
    return NUM.neg ? -v : v;
  };

  /** The cells the first pass checks for being readable (the reference's sumsOnly parse). */
  const readableForSums = (r: ByteRecord): boolean =>
    plain(r, idx.unitPrice) && plain(r, idx.eup) && plain(r, idx.billingTotal) && plain(r, idx.fx)
    && (idx.pricingTotal < 0 || r.start[idx.pricingTotal] === r.end[idx.pricingTotal] || plain(r, idx.pricingTotal))
    && plain(r, idx.quantity);

  let recordBase = 0;
  let lineBase = 0;
  let regular = true;
  const recordStarts: number[] = [];

  /** Runs one pass in slices, yielding between them; false when the input is irregular or the run was cancelled. */
  const pass = async (passNo: number, onRow: (r: ByteRecord, index: number, line: number) => void): Promise<'done' | 'irregular' | 'cancelled'> => {
    let from = 0;
    recordBase = 0;
    lineBase = 0;
    let dataRows = 0;
    while (from < total) {
      if (run.signal?.aborted) return 'cancelled';
      const res = scanRecords(input, (r) => {
        const index = recordBase + r.index;
        const line = lineBase + r.line;
        if (r.cells < width) {
          regular = false;
          return false;
        }
        for (let c = width; c < r.cells; c++) {
          if (r.end[c] !== r.start[c]) {
            regular = false;
            return false;
          }
        }
        if (passNo === 1 && run.onRecordStart) recordStarts.push(line);
        if (index === 0) return;
        dataRows++;
        onRow(r, index, line);
      }, { from, to: from + slice, delimiter: delimiter.charCodeAt(0) });
      if (res.irregular || !regular) return 'irregular';
      recordBase += res.records;
      lineBase += res.lines;
      if (res.endOffset <= from) break;
      from = res.endOffset;
      run.onProgress?.(dataRows, passNo, 2);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return 'done';
  };

  // Pass 1: month-to-date sums.
  const first = await pass(1, (r, index, line) => {
    if (readableForSums(r)) {
      const g = groupOf(r, index);
      const day = g && dayOf(r);
      if (g && day && plain(r, idx.quantity)) {
        if (g.covered) return;
        const dayKey = raw(r, idx.usageDate);
        let sum = g.days.get(dayKey);
        if (!sum) {
          sum = new ExactSum();
          g.days.set(dayKey, sum);
        }
        sum.addParsed();
        return;
      }
    }
    referenceRows[0]++;
    checker.aggregate(decodeRecord(r, delimiter, index, line));
  });
  if (first === 'irregular') return undefined;
  const rows = Math.max(0, recordBase - 1);
  for (const line of recordStarts) run.onRecordStart?.(line);
  recordStarts.length = 0;
  if (first === 'cancelled') return { rows, complete: false, referenceRows };

  for (const g of groupList) {
    for (const [dayKey, sum] of g.days) {
      if (!sum.safe()) throw new Error('quantity sum out of exact range');
      const day = days.get(dayKey);
      if (day) checker.addDayQuantity(g.groupKey, day, sum.toDecimal());
    }
    g.days.clear();
  }
  checker.finish();

  // Pass 2: every row checked.
  const proveClean = (r: ByteRecord, index: number): boolean => {
    if (!readableForSums(r)) return false;
    const g = groupOf(r, index);
    if (!g || g.pecIneligible) return false;
    const day = dayOf(r);
    if (!day) return false;
    // Totals, in doubles with a safe margin.
    if (!plain(r, idx.quantity)) return false;
    const q = value();
    if (!plain(r, idx.fx)) return false;
    const fx = value();
    if (!plain(r, idx.eup)) return false;
    const eupNeg = NUM.neg;
    const eupInt = NUM.int;
    const eupFrac = NUM.frac;
    const eupDecimals = NUM.decimals;
    const eup = value();
    const exact = eup * q * fx;
    if (idx.pricingTotal >= 0 && r.start[idx.pricingTotal] !== r.end[idx.pricingTotal]) {
      if (!plain(r, idx.pricingTotal)) return false;
      const pt = value();
      const p = eup * q;
      if (!(Math.abs(pt - p) <= 0.01 - REL_ERROR * (Math.abs(p) + Math.abs(pt)) - 1e-15)) return false;
    }
    if (!plain(r, idx.billingTotal)) return false;
    const bt = value();
    if (!(Math.abs(bt - exact) <= 0.01 - REL_ERROR * (Math.abs(exact) + Math.abs(bt)) - 1e-15)) return false;
    const unitPriceKey = raw(r, idx.unitPrice);
    // The price list, when there is one: decided once per meter, day and price.
    if (run.options.priceList) {
      const key = `${g.meterId}\u0000${day}\u0000${unitPriceKey}`;
      let ok = listed.get(key);
      if (ok === undefined) {
        ok = checker.unitPriceListed(g.meterId, day, cellText(r, idx.unitPrice), new Dec(cellText(r, idx.unitPrice)));
        if (listed.size >= 50_000) listed.clear();
        listed.set(key, ok);
      }
      if (!ok) return false;
    }
    if (!g.covered) {
      if (eupNeg) return false;
      const bandKey = `${g.id}\u0000${day}\u0000${unitPriceKey}`;
      let band = bands.get(bandKey);
      if (!band) {
        if (!checker.hasGroupDay(g.groupKey, day)) return false;
        const tiers = checker.tiersFor(g.meterId, day);
        if (tiers) {
          const rating = checker.rating(g.groupKey, day, new Dec(cellText(r, idx.unitPrice)), g.fraction, g.meterId, ZERO);
          band = { lower: rating.lower, upper: rating.upper, byDecimals: [] };
        } else {
          const q = checker.monthToDate(g.groupKey, day)!.times(1e15);
          if (!q.isInteger()) return false;
          // UnitPrice was read by readableForSums; read it again into NUM for its digits.
          parsePlainDecimal(r.buf, r.start[idx.unitPrice], r.end[idx.unitPrice]);
          const P = BigInt(NUM.int) * BIG_TEN ** BigInt(NUM.decimals) + BigInt(NUM.frac);
          band = { flat: { P: NUM.neg ? -P : P, p: NUM.decimals, Q: BigInt(q.toFixed()) }, byDecimals: [] };
        }
        if (bands.size >= 50_000) bands.clear();
        bands.set(bandKey, band);
      }
      const t = bandThresholds(band, eupDecimals, g.fractionParts);
      if (!t) return false;
      if (eupInt < t[0] || (eupInt === t[0] && eupFrac < t[1])) return false;
      if (eupInt > t[2] || (eupInt === t[2] && eupFrac > t[3])) return false;
    }
    // Clean: only the billed amount counts.
    parsePlainDecimal(r.buf, r.start[idx.billingTotal], r.end[idx.billingTotal]);
    let sum = billedByCurrency.get(g.currency);
    if (!sum) {
      sum = new ExactSum();
      billedByCurrency.set(g.currency, sum);
    }
    sum.addParsed();
    return true;
  };
  const second = await pass(2, (r, index, line) => {
    if (proveClean(r, index)) return;
    referenceRows[1]++;
    run.account(checker.check(decodeRecord(r, delimiter, index, line), run.emit));
  });
  // Pass 2 reads what pass 1 proved regular; a change on disk in between is reported, not guessed at.
  if (second === 'irregular') throw new Error(`${'path' in input ? input.path : 'the document'} changed while it was being checked`);
  for (const [currency, sum] of billedByCurrency) {
    if (!sum.safe()) throw new Error('billed sum out of exact range');
    run.account({ stake: ZERO, billed: sum.toDecimal(), currency });
  }
  return { rows, complete: second === 'done', referenceRows };
}
