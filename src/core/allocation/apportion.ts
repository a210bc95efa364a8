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
} from './compileRules';
import type { CompiledRules, LineDestination } from './compileRules';
import type { CostLine } from './costLine';
import { largestRemainder } from './largestRemainder';
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
        return merge(c.parts.flatMap((p) => this.resolve(p.channel, p.destination).map((s) => ({ ...s, fraction: s.fraction.times(p.fraction) }))));
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

  /** The allocated amount of a line (billed, retail or effective, as the rules say). */
  amountOf(line: CostLine): Decimal {
    return lineAmount(this.rules.amount, line).amount;
  }

  private resolve(channel: number, d: LineDestination): LineShare[] {
    switch (d.kind) {
      case 'target':
        return [{ target: d.target, channel, fraction: Rational.ONE }];
      case 'pool':
        return (this.result.routing.poolShares.get(d.rule) ?? []).map((s) => ({ target: s.target, channel, fraction: s.fraction }));
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
  return largestRemainder(fractions.map((f) => exact.times(f)), units, scale).map((u) => unitsToDecimal(u, scale));
}
