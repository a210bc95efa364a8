/**
 * Repeated defects, grouped: when one defect repeats on many rows of a meter (PEC not applied all month, say), the
 * user wants one line that says how many rows and how much money, not one line per row. Row findings are grouped by
 * (MeterId, code); the editor shows one diagnostic per group next to its row diagnostics, the CLI's text output
 * prints the group instead of its rows (`--all` prints every row), and JSON output lists the groups after the rows.
 */
import { CentsSum, Dec, formatCents } from './money';
import { SEVERITIES, SEVERITY_RANK, type Finding, type FindingCode, type Severity } from './findings';
import { BLOCK_SAMPLES, BlockFirsts, type FindingBlockSlice } from './findingBlock';

/**
 * A defect on at least this many rows of one meter is a repeated defect: one line (CLI text) or one diagnostic
 * (editor) with the row count and the money. Fewer rows are listed one by one, so the editor and the CLI agree on
 * what counts as repeated.
 */
export const REPEATED_DEFECT_MIN_ROWS = 4;

export interface FindingGroup {
  code: FindingCode;
  meter: string;
  /** The worst severity among the group's rows. */
  severity: Severity;
  /** Rows (findings) in the group. */
  count: number;
  /** Sum of the rows' money verdicts (positive: overcharged), exact, two decimals. */
  impact: string;
  currency: string;
  /** The group's first finding: where the group is shown, and an example of its message. */
  first: Finding;
  /** The first few findings, for output that prints small groups row by row. */
  sample: Finding[];
}

/** Findings that belong to a row of a meter are grouped; the others stand alone. */
export function groupKeyOf(f: Finding): string | undefined {
  return f.record !== undefined && f.meter ? `${f.meter}\u0000${f.code}` : undefined;
}

/** Collects row findings into groups as they stream in (memory: one entry and a few findings per group). */
export class FindingGrouper {
  /** Per code, per meter (looked up with the finding's own strings: no key is built per finding). */
  private readonly byCode = new Map<string, Map<string, { g: FindingGroup; sum: CentsSum }>>();
  /** The same entries in the order their first rows were found. */
  private readonly groups: { g: FindingGroup; sum: CentsSum }[] = [];

  constructor(private readonly sampleSize = 3) {}

  /** Adds a finding; returns false when it belongs to no group (as groupKeyOf says). */
  add(f: Finding): boolean {
    if (f.record === undefined || !f.meter) return false;
    const e = this.entry(f.code, f.meter, f);
    const g = e.g;
    g.count++;
    if (f.impact) e.sum.add(f.impact);
    if (SEVERITY_RANK[f.severity] < SEVERITY_RANK[g.severity]) g.severity = f.severity;
    if (f.currency && g.currency !== f.currency) g.currency = g.currency === '' ? f.currency : 'mixed';
    if (g.sample.length < this.sampleSize) g.sample.push(f);
    return true;
  }

  /**
   * Adds the findings of a block (made by a worker thread) as `add` adds them one by one: the block says per finding
   * its group, severity, currency and impact, and keeps each group's first findings whole, which is all a group
   * takes of a finding that is not among its first few.
   */
  addBlock(s: FindingBlockSlice): void {
    if (this.sampleSize > BLOCK_SAMPLES) throw new Error(`a block keeps ${BLOCK_SAMPLES} findings per group`);
    const b = s.block;
    const entries: ({ g: FindingGroup; sum: CentsSum } | undefined)[] = [];
    const impacts = b.impacts.length > 0 ? new Map(b.impacts) : undefined;
    const firsts = new BlockFirsts(b);
    try {
      for (let i = s.from; i < s.to; i++) {
        const k = b.group[i];
        if (k < 0) continue;
        const n = b.ordinal[i];
        let e = entries[k];
        if (!e) {
          const { code, meter, first } = b.groups[k];
          e = entries[k] = this.entry(code, meter, () => firsts.get(first[n]));
        }
        const g = e.g;
        g.count++;
        const cents = b.cents[i];
        if (cents === cents) e.sum.addCents(cents);
        else if (impacts?.has(i)) e.sum.add(impacts.get(i)!);
        const severity = SEVERITIES[b.severity[i]];
        if (SEVERITY_RANK[severity] < SEVERITY_RANK[g.severity]) g.severity = severity;
        const currency = b.currency[i] < b.currencies.length ? b.currencies[b.currency[i]] : undefined;
        if (currency && g.currency !== currency) g.currency = g.currency === '' ? currency : 'mixed';
        // A group with fewer than sampleSize findings has had fewer than that in this block's segment: it is kept.
        if (g.sample.length < this.sampleSize) g.sample.push(firsts.get(b.groups[k].first[n]));
      }
    } finally {
      firsts.close();
    }
  }

  /** The entry of (code, meter), made when new with `first` as its first finding (read only then, when a function). */
  private entry(
    code: FindingCode,
    meter: string,
    first: Finding | (() => Finding),
  ): { g: FindingGroup; sum: CentsSum } {
    let byMeter = this.byCode.get(code);
    if (!byMeter) this.byCode.set(code, (byMeter = new Map()));
    let e = byMeter.get(meter);
    if (!e) {
      const f = typeof first === 'function' ? first() : first;
      e = {
        g: {
          code,
          meter,
          severity: f.severity,
          count: 0,
          impact: '0.00',
          currency: f.currency ?? '',
          first: f,
          sample: [],
        },
        sum: new CentsSum(),
      };
      byMeter.set(meter, e);
      this.groups.push(e);
    }
    return e;
  }

  /** Every group, in the order their first rows were found. */
  all(): FindingGroup[] {
    return this.groups.map(({ g, sum }) => ({ ...g, impact: formatCents(sum.value) }));
  }

  /** Groups of at least `min` rows: the repeated defects. */
  repeated(min = REPEATED_DEFECT_MIN_ROWS): FindingGroup[] {
    return this.all().filter((g) => g.count >= min);
  }
}

/** "PEC not applied" style one-line summary of a group, in the user's words. */
export function groupMessage(g: FindingGroup): string {
  const amount = new Dec(g.impact);
  const money = amount.isZero()
    ? 'no money at stake in all'
    : `${amount.isNegative() ? 'undercharged' : 'overcharged'} ${g.currency ? g.currency + ' ' : ''}` +
      `${formatCents(amount.abs())} in all`;
  return `${g.count} rows of meter ${g.meter} have ${g.code}; ${money}. First (this row): ${g.first.message}`;
}
