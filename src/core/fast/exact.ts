/**
 * (Part of the fast path: its design, for a newcomer, is in README.md.)
 *
 * Exact sums and byte-keyed lookups for the fast readers: money and quantities summed as integers (never floats),
 * and rows grouped by the bytes of some of their cells without making strings.
 */
import type Decimal from 'decimal.js';
import { Dec, ZERO } from '../money';
import { POW10, type ByteRecord, type ParsedNumber } from './byteCsv';

/** The key of a free slot in the tables below (their keys, group-day and band numbers, are never negative). */
const EMPTY = -1;
/** NumberCache.find: the key has no numbers. */
export const NOT_FOUND = -1;

/** An exact sum: `hi` whole units plus `lo` units of 10^-15 (0 <= lo < 10^15), both exact integers in doubles. */
export class ExactSum {
  hi = 0;
  lo = 0;
  /** Adds a parsed number. */
  addParsed(n: ParsedNumber): void {
    const frac = n.frac * POW10[15 - n.decimals];
    if (n.neg) {
      this.hi -= n.int;
      this.lo -= frac;
      if (this.lo < 0) {
        this.lo += 1e15;
        this.hi -= 1;
      }
    } else {
      this.hi += n.int;
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
  /** The sum as a decimal, read from its exact digits (a negative sum borrows a unit: -2 + 0.5 is -1.5). */
  toDecimal(): Decimal {
    if (this.hi >= 0 || this.lo === 0) return new Dec(`${this.hi}.${String(this.lo).padStart(15, '0')}`);
    return new Dec(`-${-this.hi - 1}.${String(1e15 - this.lo).padStart(15, '0')}`);
  }
  safe(): boolean {
    return Math.abs(this.hi) < 2 ** 52;
  }
}

/** A decimal's exact parts, as ExactSum keeps them: `hi` whole units plus `lo` units of 10^-15 (0 <= lo < 10^15). */
export interface ExactParts {
  hi: number;
  lo: number;
}

/**
 * A running sum of decimals for the engine's hot totals: an amount that comes with its exact parts (the fast
 * reader's lines) is added as integers, any other with decimal.js; `value` is the exact total either way.
 */
export class DecimalSum {
  private readonly exact = new ExactSum();
  private parts = false;
  private rest: Decimal | undefined;
  private cached: Decimal | undefined;

  constructor(amount?: Decimal, parts?: ExactParts) {
    if (amount) this.add(amount, parts);
  }

  add(amount: Decimal, parts?: ExactParts): void {
    this.cached = undefined;
    // Integers stay exact below 2^52: a sum that would leave that range goes the decimal way.
    if (parts && Math.abs(this.exact.hi + parts.hi) + 2 < 2 ** 52) {
      this.exact.addExact(parts.hi, parts.lo);
      this.parts = true;
    } else this.rest = this.rest ? this.rest.plus(amount) : amount;
  }

  get value(): Decimal {
    if (this.cached) return this.cached;
    const exact = this.parts ? this.exact.toDecimal() : undefined;
    this.cached = exact && this.rest ? this.rest.plus(exact) : (exact ?? this.rest ?? ZERO);
    return this.cached;
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
      // The last 16 bytes of a cell tell most cells apart (ids end in random hex); `same` compares them all.
      for (let k = Math.max(r.start[c], e - 16); k < e; k++) h = Math.imul(h ^ buf[k], 16777619);
      h = Math.imul(h ^ (0x100 + r.flags[c] + ((e - r.start[c]) << 2)), 16777619);
    }
    // 30 bits: a small integer to V8, so that looking it up in a Map allocates nothing.
    return h & 0x3fffffff;
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

/**
 * Adds hi + lo x 10^-15 (|lo| < 10^15) to the exact sum held at [i] of two arrays, the units in `his` and the
 * units of 10^-15 kept in [0, 10^15) in `los`; returns the new units, for callers that bound them.
 */
export function addExactAt(
  his: { [i: number]: number },
  los: { [i: number]: number },
  i: number,
  hi: number,
  lo: number,
): number {
  let h = his[i] + hi;
  let l = los[i] + lo;
  if (l >= 1e15) {
    l -= 1e15;
    h += 1;
  } else if (l < 0) {
    l += 1e15;
    h -= 1;
  }
  his[i] = h;
  los[i] = l;
  return h;
}

/**
 * A bounded cache of a few numbers per integer key (below 2^53), in flat arrays: no object per entry and no boxed
 * key per lookup. When full it is emptied (callers recompute what they miss).
 */
export class NumberCache {
  private keys: Float64Array;
  private readonly values: Float64Array;
  private size = 0;

  constructor(
    private readonly width: number,
    private readonly capacity = 1 << 16,
  ) {
    this.keys = new Float64Array(capacity * 2).fill(EMPTY);
    this.values = new Float64Array(capacity * 2 * width);
  }

  private slot(key: number): number {
    return probe(this.keys, key);
  }

  /** Index in `data` of the key's numbers, or NOT_FOUND. */
  find(key: number): number {
    const s = this.slot(key);
    return this.keys[s] === key ? s * this.width : NOT_FOUND;
  }

  /** Index in `data` where the key's numbers go (emptying the cache first when it is full). */
  put(key: number): number {
    let s = this.slot(key);
    if (this.keys[s] !== key) {
      if (this.size >= this.capacity) {
        this.keys.fill(EMPTY);
        this.size = 0;
        s = this.slot(key);
      }
      this.keys[s] = key;
      this.size++;
    }
    return s * this.width;
  }

  get data(): Float64Array {
    return this.values;
  }
}

/** The slot of `key` in an open-addressing table of keys (EMPTY: free): where it is, or the free slot it would take. */
function probe(keys: Float64Array, key: number): number {
  const mask = keys.length - 1;
  let h = mixKey(key) & mask;
  for (;;) {
    const k = keys[h];
    if (k === key || k === EMPTY) return h;
    h = (h + 1) & mask;
  }
}

/**
 * A well-spread 32-bit hash of an integer key below 2^53 (both halves mixed, then avalanched: keys are often a
 * group number times a power of two plus a day, whose low bits alone would pile up in a few slots).
 */
function mixKey(key: number): number {
  let h = Math.imul((key % 4294967296) | 0, 0x9e3779b1) ^ Math.imul(Math.floor(key / 4294967296) | 0, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
