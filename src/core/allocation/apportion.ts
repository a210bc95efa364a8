/**
 * Per-line apportioning for the line-level exports (allocated cost lines as FOCUS): replays the engine's decision
 * for one line (same rule, same destination, via compileRules.routeLine) and says which fraction of the line each
 * target receives once pools, commitments and PEC are resolved. Amounts are then cut with the largest-remainder
 * method at the line's own precision, so the pieces of a line always add up to the line exactly, and a column of
 * pieces adds up to the source total exactly.
 */
import type Decimal from 'decimal.js';
import { Dec } from '../money';
import {
  compileRules,
  isUnusedCommitment,
  lineAmount,
  lineCurrency,
  pecFraction,
  purchaseKey,
  routeLine,
  usageCommitmentKey,
} from './compileRules';
import type { CompiledRules, LineDestination } from './compileRules';
import type { CostLine } from './costLine';
import { largestRemainder } from './largestRemainder';
import { meterFamilyOf } from './meterFamilies';
import type { RulesFile } from './model';
import { Rational, unitsToDecimal } from './rational';
import { PEC_CREDIT, UNMATCHED, UNUSED_COMMITMENT } from './result';
import type { AllocationResult } from './result';

/** A share of one line: the target (undefined: unallocated), the channel that carried it, the fraction. */
export interface LineShare {
  target: number | undefined;
  channel: number;
  fraction: Rational;
}

export class LineApportioner {
  readonly rules: CompiledRules;

  constructor(
    model: RulesFile,
    private readonly result: AllocationResult,
  ) {
    if (!result.ok) throw new Error('LineApportioner: the allocation has errors; there is nothing to apportion');
    this.rules = compileRules(model);
  }

  /** The shares of a line (fractions add up to 1), or undefined for a line the allocation left out. */
  sharesOf(line: CostLine): LineShare[] | undefined {
    if (lineCurrency(line) !== this.result.currency) return undefined;
    const r = this.rules;
    if (r.amortize && r.unusedCommitmentTarget !== undefined && isUnusedCommitment(line)) {
      return [{ target: r.unusedCommitmentTarget, channel: UNUSED_COMMITMENT, fraction: Rational.ONE }];
    }
    const route = routeLine(r, line);
    const channel = route.rule < 0 ? UNMATCHED : route.rule;
    const purchase = r.amortize ? purchaseKey(line) : undefined;
    if (purchase !== undefined) {
      const c = this.result.routing.commitments.get(purchase);
      if (c?.kind === 'amortized') {
        return merge(
          c.parts.flatMap((p) =>
            this.resolve(p.channel, p.destination).map((s) => ({ ...s, fraction: s.fraction.times(p.fraction) })),
          ),
        );
      }
      if (c?.kind === 'unused') return [{ target: c.target, channel: UNUSED_COMMITMENT, fraction: Rational.ONE }];
      return this.resolve(channel, route.destination);
    }
    const p = r.pecKeepTarget !== undefined ? pecFraction(line) : undefined;
    if (!p) return this.resolve(channel, route.destination);
    const pec = Rational.fromDecimal(p);
    const gross = Rational.ONE.div(Rational.ONE.minus(pec));
    const shares = this.resolve(channel, route.destination).map((s) => ({ ...s, fraction: s.fraction.times(gross) }));
    shares.push({ target: r.pecKeepTarget, channel: PEC_CREDIT, fraction: Rational.ONE.minus(gross) });
    return merge(shares);
  }

  /**
   * For usage that an amortized commitment covered: the commitment, its share of the purchase (the line's retail
   * value over the retail value of all the usage the commitment covered, as the engine weighed it) and the targets
   * that share goes to (the line's own destination, without any PEC kept back: the engine spreads purchases so).
   */
  amortizedShareOf(line: CostLine): { commitment: string; amount: Rational; shares: LineShare[] } | undefined {
    if (!this.rules.amortize || lineCurrency(line) !== this.result.currency || !line.retail) return undefined;
    const key = usageCommitmentKey(line);
    const c = key === undefined ? undefined : this.result.routing.commitments.get(key);
    if (key === undefined || c?.kind !== 'amortized' || c.weight.isZero()) return undefined;
    const route = routeLine(this.rules, line);
    const channel = route.rule < 0 ? UNMATCHED : route.rule;
    const family = meterFamilyOf(line.meterCategory ?? '');
    const same = (d: LineDestination): boolean => JSON.stringify(d) === JSON.stringify(route.destination);
    // Lines of a (rule, destination, family) whose retail summed to zero or less received nothing from the engine.
    if (!c.parts.some((p) => p.channel === channel && p.family === family && same(p.destination))) return undefined;
    const amount = Rational.fromDecimal(c.purchase)
      .times(Rational.fromDecimal(line.retail))
      .div(Rational.fromDecimal(c.weight));
    return { commitment: key, amount, shares: this.resolve(channel, route.destination) };
  }

  /** The allocated amount of a line (billed, retail or effective, as the rules say). */
  amountOf(line: CostLine): Decimal {
    return lineAmount(this.rules.amount, line).amount;
  }

  private resolve(channel: number, d: LineDestination): LineShare[] {
    switch (d.kind) {
      case 'target':
        return [{ target: d.target, channel, fraction: Rational.ONE }];
      case 'pool':
        return (this.result.routing.poolShares.get(d.rule) ?? []).map((s) => ({
          target: s.target,
          channel,
          fraction: s.fraction,
        }));
      case 'unmatched':
      case 'tagMiss':
        return [{ target: this.rules.unallocatedTarget, channel, fraction: Rational.ONE }];
    }
  }
}

function merge(shares: LineShare[]): LineShare[] {
  const out: LineShare[] = [];
  for (const s of shares) {
    const same = out.find((o) => o.target === s.target && o.channel === s.channel);
    if (same) same.fraction = same.fraction.plus(s.fraction);
    else out.push({ ...s });
  }
  return out;
}

/**
 * Cuts an amount into pieces by fractions (which add up to 1), rounded to the amount's own decimals (at least
 * `minScale`) by the largest-remainder method: the pieces add up to the amount exactly.
 */
export function apportion(amount: Decimal, fractions: readonly Rational[], minScale = 2): Decimal[] {
  if (fractions.length === 1) return [new Dec(amount)];
  const scale = Math.max(minScale, amount.decimalPlaces());
  const exact = Rational.fromDecimal(amount);
  const units = BigInt(amount.times(new Dec(10).pow(scale)).toFixed(0));
  return largestRemainder(
    fractions.map((f) => exact.times(f)),
    units,
    scale,
  ).map((u) => unitsToDecimal(u, scale));
}

/** One cell of the report: a target (undefined: unallocated) and the channel (rule or pseudo rule) that fed it. */
function cellKey(target: number | undefined, channel: number): string {
  return `${target ?? 'u'}|${channel}`;
}

export interface SpreadAdjustment {
  target: number | undefined;
  channel: number;
  amount: Decimal;
}

/**
 * Cuts the allocated amount of each line over its shares so that, at the end, the pieces of each report cell
 * (target x rule) add up to exactly the report's rounded amount, while the pieces of each line still add up to
 * the line exactly. Pieces are rounded by error diffusion: each cell carries the difference between what it was
 * given and its exact share so far, and the next line's largest-remainder rounding leans against it, so no cell
 * drifts by more than a cent or two. What is left at the end (a cent here and there) comes back from `finish` as
 * adjustment amounts per cell that add up to zero: the line-level export writes them as rounding rows. When the
 * lines carry sub-cent amounts (so the source total is not whole cents) there is nothing to adjust against and
 * `finish` returns no adjustment: the pieces then keep the exact amounts at each line's own precision.
 */
export class AmountSpreader {
  /** Per cell: exact share so far minus what was given (a Rational, in currency units). */
  private readonly carry = new Map<string, Rational>();
  private readonly given = new Map<string, Rational>();
  private readonly reported = new Map<string, Decimal>();
  private total = Rational.ZERO;

  constructor(result: AllocationResult) {
    result.targets.forEach((t, i) => t.breakdown.forEach((b) => this.reported.set(cellKey(i, b.channel), b.amount)));
    for (const b of result.unallocated.breakdown) this.reported.set(cellKey(undefined, b.channel), b.amount);
  }

  /** The pieces of one line's amount, in the order of its shares. */
  spread(amount: Decimal, shares: readonly LineShare[]): Decimal[] {
    const exact = Rational.fromDecimal(amount);
    this.total = this.total.plus(exact);
    const scale = Math.max(2, amount.decimalPlaces());
    const keys = shares.map((s) => cellKey(s.target, s.channel));
    const wanted = shares.map((s, i) => exact.times(s.fraction).plus(this.carry.get(keys[i]) ?? Rational.ZERO));
    const units = BigInt(amount.times(new Dec(10).pow(scale)).toFixed(0));
    const pieces = largestRemainder(wanted, units, scale).map((u) => unitsToDecimal(u, scale));
    shares.forEach((_, i) => {
      const piece = Rational.fromDecimal(pieces[i]);
      this.carry.set(keys[i], wanted[i].minus(piece));
      this.given.set(keys[i], (this.given.get(keys[i]) ?? Rational.ZERO).plus(piece));
    });
    return pieces;
  }

  /** Adjustments that bring every cell to the report's amount (none when the source total is not whole cents). */
  finish(): SpreadAdjustment[] {
    const cents = Rational.of(1n, 100n);
    const wholeCents = this.total.div(cents).den === 1n;
    if (!wholeCents) return [];
    const out: SpreadAdjustment[] = [];
    const keys = new Set([...this.given.keys(), ...this.reported.keys()]);
    for (const key of keys) {
      const given = this.given.get(key) ?? Rational.ZERO;
      const reported = Rational.fromDecimal(this.reported.get(key) ?? new Dec(0));
      const diff = reported.minus(given);
      if (diff.isZero()) continue;
      const [t, ch] = key.split('|');
      out.push({ target: t === 'u' ? undefined : Number(t), channel: Number(ch), amount: diff.toDecimal() });
    }
    return out;
  }
}
