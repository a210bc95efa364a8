/**
 * (Part of the fast path: its design, for a newcomer, is in ../fast/README.md.)
 *
 * The first pass of the fast daily check over one byte range of the file (fastDaily.ts runs it on the first range
 * in this thread, ./checkWorker.ts on the others in worker threads): each row's rating group (found by the lane,
 * else by ByteKeyTable; decided on the group's first valid row by the caller's `decide`), day and price become
 * small integer ids local to the range, each (group, day) an id of GroupDays where its Quantity is summed exactly,
 * and the row's numbers go to a spool file for pass 2. A row not readable the fast way goes to the caller's
 * `referenceRow` (this thread sums it the reference way at once; a worker lists it for this thread to sum).
 *
 * A worker's range is merged by fastDaily.ts into the first range's ids (`RangePart`): its groups by their key
 * bytes, its days by their ISO text, its prices by their text, its group-days' sums added to this thread's, and its
 * spool read in pass 2 after this thread's, each row's ids translated. Sums are exact integers, so the order in
 * which ranges add them changes nothing; which path a row takes (fast or reference) never changes what the check says.
 */
import { isAscii } from 'node:buffer';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBillingDate, type DateOrder } from '../billing/dates';
import {
  GroupLane,
  ParsedNumber,
  POW10,
  RECORD_OUTSIDE_LANE,
  cellText,
  parseNumberBytes,
  recordKey,
  scanRecords,
  shortCellKey,
  type ByteInput,
  type ByteRecord,
} from '../fast/byteCsv';
import { ByteKeyTable, addExactAt } from '../fast/exact';
import { MAX_DAY_IDS, MAX_GROUP_IDS, MAX_PRICE_IDS } from '../fast/bandKey';
import { ChunkClaims } from '../parallel/pool';
import { trackTemp, untrackTemp } from '../tempFiles';
import { readBillingFile, type BillingHeader } from '../billing/reader';
import { fileSource } from '../billing/source';
import { DAILY_USAGE_COLUMNS, type ColumnKey } from './dailyUsage';
import { isBenefitCovered } from './readings';
import {
  F_KIND,
  F_GROUP,
  F_DAY,
  F_PRICE,
  F_EUP_INT,
  F_EUP_FRAC,
  F_EUP_DEC,
  F_QTY,
  F_FX,
  F_BT_INT,
  F_BT_FRAC,
  F_BT_NEG,
  F_PT,
  F_OFFSET,
  F_LENGTH,
  F_LINE,
  F_INDEX,
  F_GROUP_DAY,
  F_BT_DEC,
  F_EUP_CELL,
  F_QTY_INT,
  F_FX_INT,
  FIELDS,
} from './spoolFields';

const BIG_TEN = 10n;

/** The cells whose bytes make a rating group's identity in the fast check (absent columns: -1, skipped). */
export function groupKeyColumns(idx: Readonly<Record<ColumnKey, number>>): number[] {
  return [
    idx.customerId,
    idx.subscriptionId,
    idx.meterId,
    idx.chargeStart,
    idx.pec,
    idx.credit,
    idx.benefitId,
    idx.benefitType,
    idx.meterName,
    idx.meterSubCategory,
    idx.publisher,
    idx.currency,
    idx.creditType,
    idx.chargeEnd,
  ];
}

/**
 * The rows as the first pass leaves them for the second: one record of numbers per row, spooled to a temporary file
 * (memory stays flat whatever the file size), so that the second pass neither scans nor parses the CSV again. The
 * check's own spool makes the temporary folder; a worker's range writes `file` in it (the folder, and its removal,
 * stay this thread's).
 */
export const BATCH = 8192;

export class Spool {
  readonly dir: string;
  private readonly owned: boolean;
  private readonly fd: number;
  private readonly batch = new Float64Array(FIELDS * BATCH);
  private n = 0;
  private written = 0;
  rows = 0;

  constructor(file?: string) {
    this.owned = file === undefined;
    if (file === undefined) {
      this.dir = mkdtempSync(join(tmpdir(), 'chargeback-check-'));
      // Removed on every exit path: the finally of the check, process exit, and an interrupting signal.
      trackTemp(this.dir);
      file = join(this.dir, 'rows.bin');
    } else this.dir = '';
    this.fd = openSync(file, 'w+');
  }

  /** Index in `batch` where the next row's fields go. */
  next(): number {
    if (this.n === BATCH) this.flush();
    this.rows++;
    return FIELDS * this.n++;
  }

  get buffer(): Float64Array {
    return this.batch;
  }

  /** Writes what is still in memory to the file (before another thread reads it). */
  flush(): void {
    const bytes = new Uint8Array(this.batch.buffer, 0, this.n * FIELDS * 8);
    let at = 0;
    while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at, this.written + at);
    this.written += bytes.length;
    this.n = 0;
  }

  /** Reads the rows back in order, a batch at a time. */
  batches(): Generator<{ rows: Float64Array; count: number }> {
    this.flush();
    return spoolBatches(this.fd, 0, this.rows);
  }

  close(): void {
    closeSync(this.fd);
    if (!this.owned) return;
    rmSync(this.dir, { recursive: true, force: true });
    untrackTemp(this.dir);
  }
}

/**
 * Rows [from, to) of a spool file (open as `fd`), in order, a batch at a time (one buffer, reused: `rows` when given,
 * so that reading many ranges makes no buffer per range).
 */
export function* spoolBatches(
  fd: number,
  from: number,
  to: number,
  rows = new Float64Array(FIELDS * BATCH),
): Generator<{ rows: Float64Array; count: number }> {
  const view = new Uint8Array(rows.buffer);
  const bytes = to * FIELDS * 8;
  for (let at = from * FIELDS * 8; at < bytes;) {
    const want = Math.min(view.length, bytes - at);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, view, got, want - got, at + got);
      if (n === 0) throw new Error('spool file ended early');
      got += n;
    }
    at += want;
    yield { rows, count: want / (FIELDS * 8) };
  }
}

/** Reads a row's bytes again (for the reference check of a row the second pass cannot prove clean). */
export function rowReader(input: ByteInput): { read(offset: number, length: number): Buffer; close(): void } {
  if ('bytes' in input) {
    const all = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    return { read: (offset, length) => all.subarray(offset, offset + length), close: () => undefined };
  }
  const fd = openSync(input.path, 'r');
  return {
    read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    },
    close: () => closeSync(fd),
  };
}

/**
 * The group-days of a check (a rating group's day, the unit the band is worked out for) as small integer ids, and
 * their exact quantity sums, in flat arrays: no string or object per group-day, so that time and memory grow with
 * the group-days a month has, not with what keeping them costs (a shuffled month of 100k rating groups has about a
 * million). Pass 1 hands out the ids (open addressing over (rating group id, day id)) and sums each row's Quantity
 * into its group-day; `finish` turns the sums into month-to-date sums, in day order within each rating group.
 */
export class GroupDays {
  size = 0;
  /** Per group-day: its rating group id, its day id, and its exact sum (`hi` units plus `lo` units of 10^-15). */
  rating = new Int32Array(1 << 12);
  day = new Int32Array(1 << 12);
  hi = new Float64Array(1 << 12);
  lo = new Float64Array(1 << 12);
  /** After finish: the group-day before this one in its rating group's day order (-1 on its first day). */
  prev = new Int32Array(0);
  /**
   * Open addressing, two numbers a slot: the rating group id + 1 (0: empty) and the group-day id, grown at half full.
   * A slot holds its rating group so that a probe reads one place in memory: only a slot of the same rating group
   * looks at the group-day's day (a shuffled month's rows land anywhere in these tables, and each place read is a
   * cache miss).
   */
  private slots = new Int32Array(2 << 13);
  private lastRating = -1;
  private lastDay = -1;
  private last = -1;

  private static hash(rating: number, day: number): number {
    let h = Math.imul(rating, 0x9e3779b1) ^ Math.imul(day + 0x632be5ab, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h >>> 0;
  }

  /** The slot (an even index) that holds (rating, day), or the empty slot where it would go. */
  private slotOf(slots: Int32Array, rating: number, day: number): number {
    const mask = (slots.length >> 1) - 1;
    const tag = rating + 1;
    for (let s = GroupDays.hash(rating, day) & mask; ; s = (s + 1) & mask) {
      const t = slots[2 * s];
      if (t === 0 || (t === tag && this.day[slots[2 * s + 1]] === day)) return 2 * s;
    }
  }

  /** The id of (rating group, day), or -1 when it has none. */
  find(rating: number, day: number): number {
    if (rating === this.lastRating && day === this.lastDay) return this.last;
    const at = this.slotOf(this.slots, rating, day);
    if (this.slots[at] === 0) return -1;
    this.lastRating = rating;
    this.lastDay = day;
    return (this.last = this.slots[at + 1]);
  }

  /** The id of (rating group, day), made when new (rows of a grouped month ask for the same one in a row: cached). */
  idOf(rating: number, day: number): number {
    if (rating === this.lastRating && day === this.lastDay) return this.last;
    if ((this.size + 1) * 4 > this.slots.length) this.growSlots();
    const at = this.slotOf(this.slots, rating, day);
    let id = this.slots[at + 1];
    if (this.slots[at] === 0) {
      if (this.size === this.rating.length) this.growArrays();
      id = this.size++;
      this.rating[id] = rating;
      this.day[id] = day;
      this.slots[at] = rating + 1;
      this.slots[at + 1] = id;
    }
    this.lastRating = rating;
    this.lastDay = day;
    return (this.last = id);
  }

  /** Adds an exact amount (`hi` units plus `lo` units of 10^-15, same sign) to a group-day's sum. */
  add(id: number, hi: number, lo: number): void {
    // Exact integers in doubles up to 2^53: a sum beyond 2^52 units is refused rather than rounded.
    if (Math.abs(addExactAt(this.hi, this.lo, id, hi, lo)) >= 2 ** 52)
      throw new Error('quantity sum out of exact range');
  }

  /** Makes room for `n` group-days at once (a merge knows how many it may add): no growing one doubling at a time. */
  reserve(n: number): void {
    let slots = this.slots.length;
    while ((n + 1) * 4 > slots) slots *= 2;
    if (slots > this.slots.length) this.growSlots(slots);
    let size = this.rating.length;
    while (size < n) size *= 2;
    if (size > this.rating.length) this.growArrays(size);
  }

  private growSlots(length = this.slots.length * 2): void {
    const slots = new Int32Array(length);
    for (let id = 0; id < this.size; id++) {
      const at = this.slotOf(slots, this.rating[id], this.day[id]);
      slots[at] = this.rating[id] + 1;
      slots[at + 1] = id;
    }
    this.slots = slots;
  }

  private growArrays(n = this.rating.length * 2): void {
    const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
    this.rating = grow(this.rating, new Int32Array(n));
    this.day = grow(this.day, new Int32Array(n));
    this.hi = grow(this.hi, new Float64Array(n));
    this.lo = grow(this.lo, new Float64Array(n));
  }

  /**
   * Turns each group-day's sum into its rating group's month-to-date sum through that day (days ordered by `rank`,
   * the day ids' order as ISO dates), and links each group-day to the one before it.
   */
  finish(ratings: number, rank: Int32Array): void {
    const n = this.size;
    // Counting sort by rating group, then each group's few days in order (insertion sort; a long run by comparison).
    const start = new Int32Array(ratings + 1);
    for (let id = 0; id < n; id++) start[this.rating[id] + 1]++;
    for (let g = 0; g < ratings; g++) start[g + 1] += start[g];
    const order = new Int32Array(n);
    const fill = start.slice(0, ratings);
    for (let id = 0; id < n; id++) order[fill[this.rating[id]]++] = id;
    this.prev = new Int32Array(n);
    for (let g = 0; g < ratings; g++) {
      const a = start[g];
      const b = start[g + 1];
      if (b - a > 64) {
        const sorted = Array.from(order.subarray(a, b)).sort((x, y) => rank[this.day[x]] - rank[this.day[y]]);
        order.set(sorted, a);
      } else {
        for (let i = a + 1; i < b; i++) {
          const id = order[i];
          const r = rank[this.day[id]];
          let j = i - 1;
          for (; j >= a && rank[this.day[order[j]]] > r; j--) order[j + 1] = order[j];
          order[j + 1] = id;
        }
      }
      let hi = 0;
      let lo = 0;
      let before = -1;
      for (let i = a; i < b; i++) {
        const id = order[i];
        hi += this.hi[id];
        lo += this.lo[id];
        if (lo >= 1e15) {
          lo -= 1e15;
          hi += 1;
        }
        if (Math.abs(hi) >= 2 ** 52) throw new Error('quantity sum out of exact range');
        this.hi[id] = hi;
        this.lo[id] = lo;
        this.prev[id] = before;
        before = id;
      }
    }
  }
}

export interface PriceInfo {
  text: string;
  P: bigint;
  p: number;
  /** The price as the nearest double. */
  value: number;
}

/** What pass 1 needs of a rating group: GroupInfo in this thread, only this in a worker. */
export interface RangeGroup {
  id: number;
  /** The rating group's id (rows whose identifying cells differ only in case share one), for its group-days. */
  rating: number;
  covered: boolean;
  periodStart: string;
  periodEnd?: string;
}

/** What the caller of a range decides. */
export interface RangeCaller<G extends RangeGroup> {
  /** A new key's group, decided on its first row (undefined: that row is not valid; the reference reads it). */
  decide(r: ByteRecord, index: number, line: number, id: number): G | undefined;
  /** A row not readable the fast way: the reference sums it (pass 2 checks it from its bytes). */
  referenceRow(r: ByteRecord, index: number, line: number): void;
  /** The date order UsageDate cells are read in (decided on the file's first row). */
  dateOrder(): DateOrder;
}

/** How a range is scanned. */
export interface RangeScan {
  input: ByteInput;
  from: number;
  /** No record starting at or past this offset is read; `limit()` may lower it between slices. */
  limit(): number;
  /** The range starts with the header record (index 0 is skipped). */
  header: boolean;
  delimiter: number;
  slice: number;
  signal?: AbortSignal;
  /** After each slice: told the rows read so far; may wait (an editor's event loop). */
  afterSlice?(rows: number): Promise<void> | void;
  /** Every record's first line, in order (the editor's record starts). */
  onRecordStart?(line: number): void;
}

/**
 * Pass 1 over one byte range: the range's groups, days, prices and group-days as small ids, its rows' numbers in
 * `spool`. Ids are this range's own; fastDaily.ts translates a worker's into the check's.
 */
export class Pass1Range<G extends RangeGroup> {
  readonly groups: ByteKeyTable<G>;
  readonly groupList: G[] = [];
  /** Groups by lane group number. */
  readonly laneGroups: G[] = [];
  /** Keys of the groups the lane did not take (by group id), when asked to keep them. */
  readonly tableKeys = new Map<number, Uint8Array>();
  /** UsageDate cells as ids of the ISO day they name (-1: not a date); several spellings may name one day. */
  readonly dayIds = new Map<number | string, number>();
  readonly isoIds = new Map<string, number>();
  readonly dayList: string[] = [];
  readonly priceIds = new Map<number | string, number>();
  readonly prices: PriceInfo[] = [];
  readonly groupDays = new GroupDays();
  /** Rows handed to the reference. */
  referenceRows = 0;
  /** Records scanned (the header included when the range has it), and lines. */
  records = 0;
  lines = 0;
  /** Where the scan stopped: the start of the first record not read. */
  endOffset = 0;
  /** A record the lane could not see: such a file is checked the reference way. */
  outOfLane = false;
  private regular = true;
  /** The number `plain` read last: this range's own, reused for every cell. */
  private readonly num = new ParsedNumber();
  private readonly laneKeyColumns: number[];

  constructor(
    private readonly idx: Readonly<Record<ColumnKey, number>>,
    private readonly width: number,
    keyColumns: readonly number[],
    private readonly lane: GroupLane | null,
    /** Groups the lane takes before the table takes the rest (tests make it small). */
    private readonly laneLimit: number,
    readonly spool: Spool,
    private readonly caller: RangeCaller<G>,
    private readonly keepTableKeys = false,
  ) {
    this.groups = new ByteKeyTable<G>(keyColumns);
    this.laneKeyColumns = keyColumns.filter((c) => c >= 0);
  }

  /** The group a row belongs to, decided on the first valid row with these cells (undefined: the reference's row). */
  private groupOf(r: ByteRecord, index: number, line: number): G | undefined {
    const lane = this.lane;
    if (lane) {
      const id = lane.findRecord(r);
      if (id >= 0) return this.laneGroups[id];
      // A record the lane cannot see could belong to a group it holds: such a file is checked the reference way.
      if (id === RECORD_OUTSIDE_LANE) return void (this.outOfLane = true);
    }
    let g = this.groups.get(r);
    if (g) return g;
    if (this.groupList.length >= MAX_GROUP_IDS) return undefined;
    g = this.caller.decide(r, index, line, this.groupList.length);
    if (!g) return undefined;
    if (lane && this.laneGroups.length < this.laneLimit && lane.insertRecord(r, false) === this.laneGroups.length)
      this.laneGroups.push(g);
    else {
      this.groups.set(r, g);
      if (this.keepTableKeys) this.tableKeys.set(g.id, recordKey(r, this.laneKeyColumns));
    }
    this.groupList.push(g);
    return g;
  }

  /** The row's UsageDate as the small id of its ISO day (-1: not a valid date, or too many distinct cells). */
  private dayOf(r: ByteRecord): number {
    const c = this.idx.usageDate;
    const key = shortCellKey(r.buf, r.start[c], r.end[c]);
    let id = this.dayIds.get(key);
    if (id === undefined) {
      if (this.dayIds.size >= MAX_DAY_IDS) return -1;
      const parsed = parseBillingDate(cellText(r, c), this.caller.dateOrder());
      id = -1;
      if (parsed.ok) {
        id = this.isoIds.get(parsed.iso) ?? this.dayList.length;
        if (id === this.dayList.length) {
          this.dayList.push(parsed.iso);
          this.isoIds.set(parsed.iso, id);
        }
      }
      this.dayIds.set(key, id);
    }
    return id;
  }

  /** The row's UnitPrice as a small id (-1: too many distinct prices); num must hold the parsed price. */
  private priceOf(r: ByteRecord): number {
    const c = this.idx.unitPrice;
    const key = shortCellKey(r.buf, r.start[c], r.end[c]);
    let id = this.priceIds.get(key);
    if (id === undefined) {
      if (this.prices.length >= MAX_PRICE_IDS) return -1;
      const num = this.num;
      const P = BigInt(num.int) * BIG_TEN ** BigInt(num.decimals) + BigInt(num.frac);
      id = this.prices.length;
      // The text the reference reads (money.parseDecimal): without the apostrophe that may guard it.
      const text = cellText(r, c);
      this.prices.push({
        text: text.charCodeAt(0) === 39 ? text.slice(1) : text,
        P: num.neg ? -P : P,
        p: num.decimals,
        value: this.value(),
      });
      this.priceIds.set(key, id);
    }
    return id;
  }

  // Numbers as real exports print them (plain, scientific, apostrophe-guarded), read exactly into num.
  private plain(r: ByteRecord, c: number): boolean {
    return c >= 0 && r.flags[c] !== 2 && parseNumberBytes(r.buf, r.start[c], r.end[c], this.num);
  }

  private value(): number {
    const num = this.num;
    const v = num.int + num.frac / POW10[num.decimals];
    return num.neg ? -v : v;
  }

  /** Writes num exactly at out[at], out[at + 1]: whole units and units of 10^-15, of its sign. */
  private exactAt(out: Float64Array, at: number): void {
    const num = this.num;
    const frac = num.frac * POW10[15 - num.decimals];
    out[at] = num.neg ? -num.int : num.int;
    out[at + 1] = num.neg ? -frac : frac;
  }

  /**
   * Where a number cell just read into num starts on its record's first line (x 2, +1 when quoted), for a finding's
   * range: known when the cell prints num as Decimal.toFixed would (no exponent, apostrophe, sign or leading zero),
   * the record has no line break in a quoted cell (the scanner counts them) and every byte before the cell is ASCII
   * (bytes are then characters); else -1.
   */
  private plainCellAt(r: ByteRecord, c: number): number {
    const num = this.num;
    const s = r.start[c];
    const e = r.end[c];
    let digits = 1;
    while (digits < 16 && num.int >= POW10[digits]) digits++;
    if (num.neg || r.lineBreaks !== 0 || e - s !== digits + (num.decimals > 0 ? num.decimals + 1 : 0)) return -1;
    for (let k = s; k < e; k++) if (r.buf[k] === 69 || r.buf[k] === 101) return -1;
    const quoted = r.flags[c] === 0 ? 0 : 1;
    const from = s - quoted;
    if (!isAscii(r.buf.subarray(r.recordStart, from))) return -1;
    return (from - r.recordStart) * 2 + quoted;
  }

  /** Pass 1 of one row: its ids and numbers to the spool, its Quantity to its group-day. */
  private row(r: ByteRecord, index: number, line: number): void {
    const idx = this.idx;
    const spool = this.spool;
    const out = spool.buffer;
    const at = spool.next();
    out[at + F_OFFSET] = r.base + r.recordStart;
    out[at + F_LENGTH] = r.recordEnd - r.recordStart;
    out[at + F_LINE] = line;
    out[at + F_INDEX] = index;
    out[at + F_KIND] = 1;
    const g = this.groupOf(r, index, line);
    let day = g ? this.dayOf(r) : -1;
    // A UsageDate outside the billing period gets a finding: the reference checks that row.
    const dayList = this.dayList;
    if (day >= 0 && g!.periodEnd && (dayList[day] < g!.periodStart || dayList[day] > g!.periodEnd)) day = -1;
    let ok = g !== undefined && day >= 0 && this.plain(r, idx.unitPrice);
    const price = ok ? this.priceOf(r) : -1;
    ok &&= price >= 0 && this.plain(r, idx.fx);
    const num = this.num;
    if (ok) {
      out[at + F_FX] = this.value();
      this.exactAt(out, at + F_FX_INT);
    }
    ok &&= this.plain(r, idx.eup);
    if (ok) {
      out[at + F_EUP_INT] = num.int;
      out[at + F_EUP_FRAC] = num.frac;
      out[at + F_EUP_DEC] = num.decimals + (num.neg ? 16 : 0);
      out[at + F_EUP_CELL] = this.plainCellAt(r, idx.eup);
    }
    ok &&= this.plain(r, idx.billingTotal);
    if (ok) {
      out[at + F_BT_DEC] = num.decimals;
      out[at + F_BT_INT] = num.int;
      out[at + F_BT_FRAC] = num.frac * POW10[15 - num.decimals];
      out[at + F_BT_NEG] = num.neg ? 1 : 0;
    }
    if (ok && idx.pricingTotal >= 0 && r.start[idx.pricingTotal] !== r.end[idx.pricingTotal]) {
      ok = this.plain(r, idx.pricingTotal);
      out[at + F_PT] = this.value();
    } else out[at + F_PT] = NaN;
    ok &&= this.plain(r, idx.quantity);
    if (!ok) {
      // Not readable the fast way: the reference sums it and checks it in pass 2.
      this.referenceRows++;
      this.caller.referenceRow(r, index, line);
      return;
    }
    out[at + F_QTY] = this.value();
    this.exactAt(out, at + F_QTY_INT);
    out[at + F_KIND] = 0;
    out[at + F_GROUP] = g!.id;
    out[at + F_DAY] = day;
    out[at + F_PRICE] = price;
    out[at + F_GROUP_DAY] = -1;
    if (g!.covered) return;
    const gd = this.groupDays.idOf(g!.rating, day);
    out[at + F_GROUP_DAY] = gd;
    // num still holds the quantity (the last cell read above).
    const frac = num.frac * POW10[15 - num.decimals];
    this.groupDays.add(gd, num.neg ? -num.int : num.int, num.neg ? -frac : frac);
  }

  /**
   * Scans the range in slices (stopping early when the signal aborts). False when it is not for the fast path
   * (irregular CSV, a ragged record, a record the lane cannot see): nothing it read may be used then.
   */
  async read(o: RangeScan): Promise<boolean> {
    const width = this.width;
    const scratch: { buf?: Buffer } = {};
    let from = o.from;
    this.endOffset = from;
    while (from < o.limit()) {
      if (o.signal?.aborted) break;
      const res = scanRecords(
        o.input,
        (r) => {
          const index = this.records + r.index;
          const line = this.lines + r.line;
          if (r.cells < width) return (this.regular = false);
          for (let c = width; c < r.cells; c++) if (r.end[c] !== r.start[c]) return (this.regular = false);
          o.onRecordStart?.(line);
          if (index === 0 && o.header) return;
          this.row(r, index, line);
        },
        { from, to: Math.min(from + o.slice, o.limit()), delimiter: o.delimiter, scratch, windowed: true },
      );
      if (res.irregular || !this.regular || this.outOfLane) return false;
      this.records += res.records;
      this.lines += res.lines;
      this.endOffset = res.endOffset;
      if (res.endOffset <= from) break;
      from = res.endOffset;
      await o.afterSlice?.(Math.max(0, this.records - (o.header ? 1 : 0)));
    }
    return true;
  }
}

/** A worker's part of the daily check (./checkWorker.ts): chunks of the file, claimed from its end. */
export interface CheckRangeTask {
  path: string;
  /** Chunk c is the bytes [cuts[c], cuts[c + 1]), each cut a record start (as guessed: checked by the reads). */
  cuts: number[];
  /** The chunks not yet claimed, shared with the check's thread (ChunkClaims). */
  claims: SharedArrayBuffer;
  /** The order the check's thread decided on the file's first row. */
  dateOrder: DateOrder;
  /** Where the worker's spool goes (in the check's temporary folder). */
  spoolFile: string;
  laneGroups: number;
}

/** One chunk a worker read: where its rows are in the worker's spool and in its list of reference rows. */
export interface RangeChunk {
  chunk: number;
  /** Its rows in the spool: [spoolFrom, spoolFrom + rows). */
  spoolFrom: number;
  rows: number;
  /** The records and lines the worker had read before this chunk (its spool's numbers start there), and its own. */
  recordsFrom: number;
  records: number;
  linesFrom: number;
  lines: number;
  /** Its reference rows: reference[4 * refFrom .. 4 * refTo). */
  refFrom: number;
  refTo: number;
}

/** What a worker sends back: its ids' meanings, for this thread to translate them into its own. */
export interface RangePart {
  /**
   * False: a chunk is not regular CSV, does not end where the next begins, or has a record the lane could not see;
   * nothing else is filled in.
   */
  ok: boolean;
  /** The chunks it read, in the order it read them (from the file's end back). */
  chunks: RangeChunk[];
  /**
   * Per group (by the range's group id): its key (GroupLane.groupKey's layout), keys[keyAt[k] .. keyAt[k + 1]).
   * The key cells are every cell a group's decision reads, so the check's thread decides a group it did not meet
   * from its key alone, as it would on the first valid row with these cells.
   */
  keys: Uint8Array;
  keyAt: Int32Array;
  /** Per group: whether it is covered usage (BenefitId, BenefitType), as the range read it. */
  covered: Uint8Array;
  /** Per day id, its ISO date; per price id, the price. */
  days: string[];
  prices: PriceInfo[];
  /** Per group-day id: its group (not rating group) and day ids and its exact Quantity sum. */
  gdGroup: Int32Array;
  gdDay: Int32Array;
  gdHi: Float64Array;
  gdLo: Float64Array;
  /** Rows the reference must sum: offset, length, and index and line within their chunk, each. */
  reference: Float64Array;
}

/** Room reserved in the lane for the keys of rating groups (about 200 bytes each). */
const LANE_KEY_ROOM = 32 << 20;

/**
 * The lane that groups a range's rows by their rating-group key cells (`keyColumns`, absent ones -1), with room for
 * their keys; null when this thread's lane is taken or there is no WebAssembly scanner (the range's table groups).
 */
export function ratingLane(width: number, keyColumns: readonly number[]): GroupLane | null {
  const lane = GroupLane.acquire({
    width,
    keyColumns: keyColumns.filter((c) => c >= 0),
    sumColumn: 0,
    dateColumn: -1,
    checkColumns: [],
  });
  lane?.reserve(LANE_KEY_ROOM);
  return lane;
}

function failedPart(): RangePart {
  return {
    ok: false,
    chunks: [],
    keys: new Uint8Array(0),
    keyAt: new Int32Array(1),
    covered: new Uint8Array(0),
    days: [],
    prices: [],
    gdGroup: new Int32Array(0),
    gdDay: new Int32Array(0),
    gdHi: new Float64Array(0),
    gdLo: new Float64Array(0),
    reference: new Float64Array(0),
  };
}

/**
 * Pass 1 of a worker's range, reading dates in the order the check's thread decided on the file's first row. Its
 * groups are their keys' bytes only (see `decide` below); the check's thread decides each one it did not meet itself
 * from the key's cells, which are all a group's decision reads (RangePart).
 */
export async function checkDailyRange(task: CheckRangeTask): Promise<RangePart> {
  let header: BillingHeader | undefined;
  await readBillingFile(fileSource(task.path), {
    onHeader: (h) => ((header = h), false),
    onRow: () => undefined,
    onFinding: () => undefined,
  });
  if (!header || header.kind !== 'daily-usage' || header.delimiter !== ',' || header.decimalComma) return failedPart();
  const idx = header.columns.indexes(DAILY_USAGE_COLUMNS);
  const width = header.columns.header.length;
  const keyColumns = groupKeyColumns(idx);
  const covered: number[] = [];
  const reference: number[] = [];
  /** ChargeStartDate and ChargeEndDate cells (by their bytes) as the ISO dates they name (null: not a date). */
  const dates = new Map<number | string, string | null>();
  const dateOf = (r: ByteRecord, c: number): string | undefined => {
    const key = shortCellKey(r.buf, r.start[c], r.end[c]);
    let iso = dates.get(key);
    if (iso === undefined) {
      const d = parseBillingDate(cellText(r, c), task.dateOrder);
      iso = d.ok ? d.iso : null;
      if (dates.size < 10_000) dates.set(key, iso);
    }
    return iso ?? undefined;
  };
  const text = (r: ByteRecord, c: number): string => (c >= 0 ? cellText(r, c) : '');
  const spool = new Spool(task.spoolFile);
  /** The chunk being read. */
  let chunk = {} as RangeChunk;
  const lane = ratingLane(width, keyColumns);
  try {
    const range = new Pass1Range<RangeGroup>(
      idx,
      width,
      keyColumns,
      lane,
      task.laneGroups,
      spool,
      {
        // A group here is its key's bytes: what the reference decides of it (its rating group, its credits) this
        // range does not need, and the check's thread decides from the key (RangePart). Its group-days are summed
        // per group, not per rating group. Which rows are covered usage, and the billing period, it reads itself
        // as the reference does.
        decide(r, _index, _line, id) {
          const periodStart = dateOf(r, idx.chargeStart);
          if (periodStart === undefined) return undefined;
          const periodEnd = idx.chargeEnd >= 0 ? dateOf(r, idx.chargeEnd) : undefined;
          const benefit = isBenefitCovered(text(r, idx.benefitId), text(r, idx.benefitType));
          covered.push(benefit ? 1 : 0);
          return { id, rating: id, covered: benefit, periodStart, periodEnd };
        },
        referenceRow(r, index, line) {
          reference.push(
            r.base + r.recordStart,
            r.recordEnd - r.recordStart,
            index - chunk.recordsFrom,
            line - chunk.linesFrom,
          );
        },
        dateOrder: () => task.dateOrder,
      },
      true,
    );
    const claims = new ChunkClaims(task.claims);
    const chunks: RangeChunk[] = [];
    for (let c = claims.back(); c >= 0; c = claims.back()) {
      chunk = {
        chunk: c,
        spoolFrom: spool.rows,
        rows: 0,
        recordsFrom: range.records,
        records: 0,
        linesFrom: range.lines,
        lines: 0,
        refFrom: reference.length / 4,
        refTo: 0,
      };
      const ok = await range.read({
        input: { path: task.path },
        from: task.cuts[c],
        limit: () => task.cuts[c + 1],
        header: false,
        delimiter: 44,
        slice: 16 << 20,
      });
      // A chunk must end where the next begins: a cut inside a quoted line break shows up here.
      if (!ok || range.endOffset !== task.cuts[c + 1]) return failedPart();
      chunk.rows = spool.rows - chunk.spoolFrom;
      chunk.records = range.records - chunk.recordsFrom;
      chunk.lines = range.lines - chunk.linesFrom;
      chunk.refTo = reference.length / 4;
      chunks.push(chunk);
    }
    spool.flush();
    const n = range.groupList.length;
    const keyOf: Uint8Array[] = new Array<Uint8Array>(n);
    if (lane) range.laneGroups.forEach((g, laneId) => (keyOf[g.id] = lane.groupKey(laneId).slice()));
    for (const [id, key] of range.tableKeys) keyOf[id] = key;
    const keyAt = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) keyAt[k + 1] = keyAt[k] + keyOf[k].length;
    const keys = new Uint8Array(keyAt[n]);
    for (let k = 0; k < n; k++) keys.set(keyOf[k], keyAt[k]);
    const gd = range.groupDays;
    return {
      ok: true,
      chunks,
      keys,
      keyAt,
      covered: Uint8Array.from(covered),
      days: range.dayList,
      prices: range.prices,
      gdGroup: gd.rating.slice(0, gd.size),
      gdDay: gd.day.slice(0, gd.size),
      gdHi: gd.hi.slice(0, gd.size),
      gdLo: gd.lo.slice(0, gd.size),
      reference: Float64Array.from(reference),
    };
  } finally {
    lane?.release();
    spool.close();
  }
}
