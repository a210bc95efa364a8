/**
 * Exact sums and byte-keyed lookups for the fast readers: money and quantities summed as integers (never floats),
 * and rows grouped by the bytes of some of their cells without making strings.
 */
import type Decimal from 'decimal.js';
import { Dec } from '../money';
import { NUM, POW10, type ByteRecord } from './byteCsv';

/** An exact sum: `hi` whole units plus `lo` units of 10^-15 (0 <= lo < 10^15), both exact integers in doubles. */
export class ExactSum {
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
  /** Adds another exact sum's parts. */
  addExact(hi: number, lo: number): void {
    this.hi += hi;
    this.lo += lo;
    if (this.lo >= 1e15) {
      this.lo -= 1e15;
      this.hi += 1;
    } else if (this.lo < 0) {
      this.lo += 1e15;
      this.hi -= 1;
    }
  }
  toDecimal(): Decimal {
    return new Dec(this.hi).plus(new Dec(this.lo).div(1e15));
  }
  safe(): boolean {
    return Math.abs(this.hi) < 2 ** 52;
  }
}

/**
 * A table keyed by the bytes of some cells of a record (exact: a hit compares the bytes), so that the hot loop
 * finds a row's group without making strings.
 */
export class ByteKeyTable<V> {
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

