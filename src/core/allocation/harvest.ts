/**
 * Harvests the distinct values of billing data that rules match on (meter categories, resource groups, tag keys
 * and values, entitlement names, ...), with how many lines and how much money each carries. The language server
 * completes match values from it; validateAgainstData uses it to say that a glob matches no value. Memory stays
 * bounded: past a cap per field, new values are counted but not kept, and the harvest says it is truncated.
 */
import type Decimal from 'decimal.js';
import { DecimalSum, type ExactParts } from '../fast/exact';
import { ZERO } from '../money';
import { isAggregated, type CostLine, type ReadLine } from './costLine';
import type { MatchField } from './model';
import { detach } from './strings';
import { MATCH_FIELD_KEYS } from './vocabulary';

export const MAX_VALUES_PER_FIELD = 2000;
export const MAX_TAG_KEYS = 500;

export interface HarvestedValue {
  value: string;
  lines: number;
  /** Billed amount of those lines. */
  amount: Decimal;
}

export interface HarvestedField {
  /** Sorted by amount (largest first), then by value. */
  values: HarvestedValue[];
  /** True when more distinct values existed than were kept. */
  truncated: boolean;
}

export interface DataHarvest {
  lines: number;
  fields: Record<MatchField, HarvestedField>;
  /** Tag keys (lower-cased, as matching compares them) with their values. */
  tags: Map<string, HarvestedField & { lines: number }>;
  tagsTruncated: boolean;
  currencies: HarvestedValue[];
  files: { file: string; lines: number }[];
}

class ValueCounter {
  readonly map = new Map<string, { lines: number; amount: DecimalSum }>();
  truncated = false;
  constructor(private readonly cap: number) {}
  add(value: string, amount: Decimal, lines = 1, parts?: ExactParts): void {
    const e = this.map.get(value);
    if (e) {
      e.lines += lines;
      e.amount.add(amount, parts);
    } else if (this.map.size < this.cap) this.map.set(detach(value), { lines, amount: new DecimalSum(amount, parts) });
    else this.truncated = true;
  }
  result(): HarvestedField {
    const values = [...this.map].map(([value, e]) => ({ value, lines: e.lines, amount: e.amount.value }));
    values.sort((a, b) => b.amount.comparedTo(a.amount) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return { values, truncated: this.truncated };
  }
}

/** Feed it lines (add), then read the harvest (result); both cheap enough to run during allocation. */
export class DataHarvester {
  private lines = 0;
  private readonly fields = new Map<MatchField, ValueCounter>();
  /** The fields harvested, as a list (add runs once per line), and the customer's counter, which ids feed too. */
  private readonly fieldList: { field: MatchField; counter: ValueCounter }[] = [];
  private readonly customer: ValueCounter | undefined;
  /**
   * Each tag set's entries, made once: the mapper hands every line of one Tags text the same object (its cache),
   * and nothing changes a line's tags after.
   */
  private readonly tagEntries = new WeakMap<Record<string, string>, [string, string][]>();
  private readonly tags = new Map<string, { counter: ValueCounter; lines: number }>();
  private tagsTruncated = false;
  private readonly currencies = new ValueCounter(100);
  private readonly files = new Map<string, number>();

  /**
   * `only` restricts the harvest to some fields (and to tags when `tags` is true): a run that only checks its rules
   * against the data needs the fields its rules match on, and can then read aggregated lines (see AggregatedLine).
   */
  constructor(only?: { fields: readonly MatchField[]; tags: boolean }) {
    for (const f of MATCH_FIELD_KEYS) {
      if (!only || only.fields.includes(f as MatchField))
        this.fields.set(f as MatchField, new ValueCounter(MAX_VALUES_PER_FIELD));
    }
    for (const [field, counter] of this.fields) this.fieldList.push({ field, counter });
    this.customer = this.fields.get('customer');
    this.withTags = only ? only.tags : true;
  }

  private readonly withTags: boolean;

  add(read: ReadLine): void {
    const aggregated = isAggregated(read) ? read : undefined;
    const line = aggregated ? aggregated.line : (read as CostLine);
    const n = aggregated ? aggregated.rows : 1;
    this.lines += n;
    const amount = line.billed ?? ZERO;
    const parts = aggregated?.billedParts;
    for (const { field, counter } of this.fieldList) {
      const v = (line[field] as string | undefined) ?? '';
      if (v !== '') counter.add(v, amount, n, parts);
    }
    if (line.customerId) this.customer?.add(line.customerId, amount, n, parts);
    if (!this.withTags) {
      this.currencies.add((line.currency ?? '').trim().toUpperCase(), amount, n, parts);
      this.countFile(line.file, n);
      return;
    }
    const tags = line.tags;
    let entries = tags ? this.tagEntries.get(tags) : undefined;
    if (tags && !entries) this.tagEntries.set(tags, (entries = Object.entries(tags)));
    for (const [key, value] of entries ?? []) {
      let t = this.tags.get(key);
      if (!t) {
        if (this.tags.size >= MAX_TAG_KEYS) {
          this.tagsTruncated = true;
          continue;
        }
        t = { counter: new ValueCounter(MAX_VALUES_PER_FIELD), lines: 0 };
        this.tags.set(detach(key), t);
      }
      t.lines += n;
      t.counter.add(value, amount, n, parts);
    }
    this.currencies.add((line.currency ?? '').trim().toUpperCase(), amount, n, parts);
    this.countFile(line.file, n);
  }

  private countFile(file: string, n: number): void {
    const files = this.files.get(file);
    if (files === undefined) this.files.set(detach(file), n);
    else this.files.set(file, files + n);
  }

  result(): DataHarvest {
    const fields = {} as Record<MatchField, HarvestedField>;
    for (const f of MATCH_FIELD_KEYS)
      fields[f as MatchField] = this.fields.get(f as MatchField)?.result() ?? { values: [], truncated: true };
    const tags = new Map<string, HarvestedField & { lines: number }>();
    for (const key of [...this.tags.keys()].sort()) {
      const t = this.tags.get(key)!;
      tags.set(key, { ...t.counter.result(), lines: t.lines });
    }
    return {
      lines: this.lines,
      fields,
      tags,
      tagsTruncated: this.tagsTruncated,
      currencies: this.currencies.result().values,
      files: [...this.files].map(([file, lines]) => ({ file, lines })),
    };
  }
}

/** Harvests an in-memory or streamed set of lines in one call. */
export async function harvestLines(lines: Iterable<ReadLine> | AsyncIterable<ReadLine>): Promise<DataHarvest> {
  const h = new DataHarvester();
  for await (const line of lines) h.add(line);
  return h.result();
}
