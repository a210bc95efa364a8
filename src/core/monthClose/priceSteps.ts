/**
 * The price steps of a daily file's groups: a group's rows at one printed EffectiveUnitPrice, with their quantity,
 * rows and first and last usage day (the tie-out's price drift and price bands read them).
 *
 * A month whose prices move with the cumulative rating has a step per group and day, which in a month of rows in no
 * order is close to a step per row (800k steps in a month of 1M rows and 100k groups). As objects, each with a
 * decimal sum and a map entry, they held most of the tie-out's memory; here a step is a row of typed arrays (about
 * 50 bytes with its price's bytes) and becomes a `PriceStep` object only when the tie-out reads its group.
 *
 * Quantities are summed exactly: as integer parts (whole units and units of 10^-15, `addExactAt`) when the byte
 * reader parsed them, else with decimal.js; a step's quantity is the sum of both.
 */
import type Decimal from 'decimal.js';
import { Dec, ZERO, parseDecimal } from '../money';
import { ExactSum, addExactAt } from '../fast/exact';
import { ParsedNumber, parsePlainDecimal } from '../fast/byteCsv';

/** Daily rows at one printed EffectiveUnitPrice within a group. */
export interface PriceStep {
  eupText: string;
  eup: Decimal;
  quantity: Decimal;
  firstDay: string;
  lastDay: string;
  rows: number;
}

/** 10^15 as a BigInt: the units of an exact sum's `lo`; and 10^0 .. 10^15. */
const SCALE = 10n ** 15n;
const POW10N = Array.from({ length: 16 }, (_, i) => 10n ** BigInt(i));

/** FNV-1a of a group number and a price's bytes. */
function priceHash(group: number, buf: Uint8Array, start: number, end: number): number {
  let h = Math.imul(0x811c9dc5 ^ group, 16777619);
  for (let k = start; k < end; k++) h = Math.imul(h ^ buf[k], 16777619);
  return h >>> 0;
}

/** A column copied into a longer one (the rest zeros), for tables that double as they fill. */
export function grown(a: Int32Array, length: number): Int32Array;
export function grown(a: Float64Array, length: number): Float64Array;
export function grown(a: Int32Array | Float64Array, length: number): Int32Array | Float64Array {
  const b = a instanceof Int32Array ? new Int32Array(length) : new Float64Array(length);
  b.set(a);
  return b;
}

/** The end of a group's list of steps. */
export const NO_STEP = -1;

/** The steps of every group of one daily file, in columns. */
export class PriceStepTable {
  private capacity = 1024;
  private count = 0;
  /** Per step: where its price's bytes are in `priceBytes`, and how many. */
  private priceAt: Int32Array = new Int32Array(this.capacity);
  private priceLength: Int32Array = new Int32Array(this.capacity);
  private rowCount: Int32Array = new Int32Array(this.capacity);
  private qHi: Float64Array = new Float64Array(this.capacity);
  private qLo: Float64Array = new Float64Array(this.capacity);
  /** First and last usage day, as indexes into `days`. */
  private first: Int32Array = new Int32Array(this.capacity);
  private last: Int32Array = new Int32Array(this.capacity);
  /** The next step of the same group (NO_STEP: the group's last). */
  private next: Int32Array = new Int32Array(this.capacity);
  /** The step's group (PriceSteps.id) and the hash of (group, price) its place in `index` came from. */
  private stepGroup: Int32Array = new Int32Array(this.capacity);
  private stepHash: Int32Array = new Int32Array(this.capacity);
  /**
   * Open addressing from (group, price bytes) to the step (NO_STEP: free), at most half full: a row finds its step in
   * about one probe, where walking its group's steps would touch each of them (a shuffled month's group has several).
   */
  private index = new Int32Array(2 * this.capacity).fill(NO_STEP);
  private groups = 0;
  /** Quantities summed with decimal.js (rows read by the general code), for the steps that have any. */
  private readonly decimalQuantity = new Map<number, Decimal>();
  private priceBytes = new Uint8Array(1 << 16);
  private priceBytesUsed = 0;
  private readonly days: string[] = [];
  private readonly dayIds = new Map<string, number>();
  /** The number priceUnits last parsed: this table's own. */
  private readonly price = new ParsedNumber();

  /** A new group's steps (none yet). */
  group(): PriceSteps {
    return new PriceSteps(this, this.groups++);
  }

  /** The step of group `group` at the price [start, end) of buf (NO_STEP: none yet). */
  find(group: number, buf: Uint8Array, start: number, end: number): number {
    const mask = this.index.length - 1;
    for (let i = priceHash(group, buf, start, end) & mask; ; i = (i + 1) & mask) {
      const s = this.index[i];
      if (s === NO_STEP) return NO_STEP;
      if (this.stepGroup[s] === group && this.samePrice(s, buf, start, end)) return s;
    }
  }

  /** The index of an ISO day in `days` (a file has a few dozen). */
  dayId(iso: string): number {
    let d = this.dayIds.get(iso);
    if (d === undefined) {
      d = this.days.length;
      this.days.push(iso);
      this.dayIds.set(iso, d);
    }
    return d;
  }

  /** True when step s's price has the bytes [start, end) of buf. */
  samePrice(s: number, buf: Uint8Array, start: number, end: number): boolean {
    if (this.priceLength[s] !== end - start) return false;
    const at = this.priceAt[s];
    const bytes = this.priceBytes;
    for (let k = 0; k < end - start; k++) if (buf[start + k] !== bytes[at + k]) return false;
    return true;
  }

  /** A new step of `group` after `previous` (NO_STEP: the group's first), its price the bytes [start, end) of buf. */
  add(group: number, previous: number, buf: Uint8Array, start: number, end: number, day: number): number {
    const s = this.count++;
    if (s === this.capacity) this.grow();
    this.stepGroup[s] = group;
    this.stepHash[s] = priceHash(group, buf, start, end);
    this.place(s);
    const length = end - start;
    if (this.priceBytesUsed + length > this.priceBytes.length) {
      const more = new Uint8Array(Math.max(this.priceBytes.length * 2, this.priceBytesUsed + length));
      more.set(this.priceBytes.subarray(0, this.priceBytesUsed));
      this.priceBytes = more;
    }
    this.priceBytes.set(buf.subarray(start, end), this.priceBytesUsed);
    this.priceAt[s] = this.priceBytesUsed;
    this.priceLength[s] = length;
    this.priceBytesUsed += length;
    this.first[s] = day;
    this.last[s] = day;
    this.next[s] = NO_STEP;
    if (previous !== NO_STEP) this.next[previous] = s;
    return s;
  }

  /** Adds a row whose quantity the byte reader parsed into exact parts. */
  addExact(s: number, hi: number, lo: number, day: number): void {
    addExactAt(this.qHi, this.qLo, s, hi, lo);
    this.addRow(s, day);
  }

  /** Adds a row whose quantity only decimal.js read. */
  addDecimal(s: number, quantity: Decimal, day: number): void {
    const known = this.decimalQuantity.get(s);
    this.decimalQuantity.set(s, known ? known.plus(quantity) : quantity);
    this.addRow(s, day);
  }

  private addRow(s: number, day: number): void {
    this.rowCount[s]++;
    const days = this.days;
    if (days[day] < days[this.first[s]]) this.first[s] = day;
    if (days[day] > days[this.last[s]]) this.last[s] = day;
  }

  /** Step s's printed price. */
  priceText(s: number): string {
    // One flat string (text added to a character at a time would be a tree past 12 characters).
    return String.fromCharCode(...this.priceBytes.subarray(this.priceAt[s], this.priceAt[s] + this.priceLength[s]));
  }

  nextOf(s: number): number {
    return this.next[s];
  }

  /**
   * Σ (eup − p) × q over the steps from `head` on (linked by `next`) whose price text is not `eupText`: the price
   * drift of a group before FX, exact. A step the byte reader summed alone, at a price of plain digits, is added as
   * integers (p in units of 10^-15 times q in units of 10^-15); any other step as a decimal.
   */
  drift(head: number, eup: Decimal, eupText: string): Decimal {
    let sumQ = 0n;
    let sumPQ = 0n;
    let rest: Decimal = ZERO;
    for (let s = head; s !== NO_STEP; s = this.next[s]) {
      const price = this.decimalQuantity.has(s) ? undefined : this.priceUnits(s);
      if (price === undefined) {
        const step = this.step(s);
        if (step.eupText !== eupText) rest = rest.plus(eup.minus(step.eup).times(step.quantity));
        continue;
      }
      if (this.isPriceText(s, eupText)) continue;
      const q = BigInt(this.qHi[s]) * SCALE + BigInt(this.qLo[s]);
      sumQ += q;
      sumPQ += price * q;
    }
    if (sumQ === 0n && sumPQ === 0n) return rest;
    const exact = eup.times(new Dec(`${sumQ}e-15`)).minus(new Dec(`${sumPQ}e-30`));
    return rest === ZERO ? exact : rest.plus(exact);
  }

  /** True when step s's price is the (ASCII) text. */
  private isPriceText(s: number, text: string): boolean {
    if (this.priceLength[s] !== text.length) return false;
    const at = this.priceAt[s];
    for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) !== this.priceBytes[at + k]) return false;
    return true;
  }

  /** Step s's price in units of 10^-15 when the fast path's parser reads it exactly (parsePlainDecimal). */
  private priceUnits(s: number): bigint | undefined {
    const n = this.price;
    if (!parsePlainDecimal(this.priceBytes, this.priceAt[s], this.priceAt[s] + this.priceLength[s], n))
      return undefined;
    const units = BigInt(n.int) * SCALE + BigInt(n.frac) * POW10N[15 - n.decimals];
    return n.neg ? -units : units;
  }

  /** Step s as an object (made anew on each call: the tie-out reads a group's steps once). */
  step(s: number): PriceStep {
    const eupText = this.priceText(s);
    let quantity: Decimal = this.decimalQuantity.get(s) ?? ZERO;
    if (this.qHi[s] !== 0 || this.qLo[s] !== 0) {
      const exact = new ExactSum();
      exact.addExact(this.qHi[s], this.qLo[s]);
      quantity = quantity === ZERO ? exact.toDecimal() : quantity.plus(exact.toDecimal());
    }
    return {
      eupText,
      // A step's price was read by parseDecimal before the step was made.
      eup: parseDecimal(eupText)!,
      quantity,
      firstDay: this.days[this.first[s]],
      lastDay: this.days[this.last[s]],
      rows: this.rowCount[s],
    };
  }

  /** Puts step s in the index. */
  private place(s: number): void {
    const mask = this.index.length - 1;
    let i = this.stepHash[s] & mask;
    while (this.index[i] !== NO_STEP) i = (i + 1) & mask;
    this.index[i] = s;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    this.priceAt = grown(this.priceAt, capacity);
    this.priceLength = grown(this.priceLength, capacity);
    this.rowCount = grown(this.rowCount, capacity);
    this.first = grown(this.first, capacity);
    this.last = grown(this.last, capacity);
    this.next = grown(this.next, capacity);
    this.qHi = grown(this.qHi, capacity);
    this.qLo = grown(this.qLo, capacity);
    this.stepGroup = grown(this.stepGroup, capacity);
    this.stepHash = grown(this.stepHash, capacity);
    this.capacity = capacity;
    this.index = new Int32Array(2 * capacity).fill(NO_STEP);
    for (let s = 0; s < this.count - 1; s++) this.place(s);
  }
}

/** One group's steps, in the order the group first met their prices. */
export class PriceSteps {
  private head = NO_STEP;
  private tail = NO_STEP;
  size = 0;

  constructor(
    private readonly table: PriceStepTable,
    private readonly id: number,
  ) {}

  /** The group's step at the price [start, end) of buf (NO_STEP: none yet). */
  find(buf: Uint8Array, start: number, end: number): number {
    return this.table.find(this.id, buf, start, end);
  }

  /** A new step of the group, at the price [start, end) of buf, first seen on `day`. */
  add(buf: Uint8Array, start: number, end: number, day: number): number {
    const s = this.table.add(this.id, this.tail, buf, start, end, day);
    if (this.head === NO_STEP) this.head = s;
    this.tail = s;
    this.size++;
    return s;
  }

  /** The group's step at a price text (ASCII: a text parseDecimal read), made when the group has none. */
  atText(text: string, day: number): number {
    const bytes = new Uint8Array(text.length);
    for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
    const s = this.find(bytes, 0, bytes.length);
    return s !== NO_STEP ? s : this.add(bytes, 0, bytes.length, day);
  }

  /** Σ (eup − p) × q over the group's steps at another price text than `eupText` (see PriceStepTable.drift). */
  drift(eup: Decimal, eupText: string): Decimal {
    return this.table.drift(this.head, eup, eupText);
  }

  /** The steps as objects, in the order the group first met their prices. */
  list(): PriceStep[] {
    const t = this.table;
    const out: PriceStep[] = [];
    for (let s = this.head; s !== NO_STEP; s = t.nextOf(s)) out.push(t.step(s));
    return out;
  }
}
