/**
 * Turns a valid RulesFile into what the engine runs: match predicates over cost lines, destinations resolved to
 * target indexes, split weights as exact fractions. Also decides, for one cost line, which rule takes it and where
 * it goes (routeLine): the engine and the per-line exports share this one decision, so a line exported as FOCUS
 * always lands where the totals said it would.
 */
import type Decimal from 'decimal.js';
import { Dec } from '../money';
import type { CostLine } from './costLine';
import { compileGlob } from './glob';
import type { Glob } from './glob';
import type { AmountKind, Basis, MatchMap, RuleDecl, RulesFile, TargetDecl } from './model';
import { Rational } from './rational';
import { targetIdKey } from './targetIds';

export type LinePredicate = (line: CostLine) => boolean;

export type CompiledDestination =
  | { kind: 'target'; target: number }
  | { kind: 'tag'; tagKey: string }
  | {
      kind: 'split';
      method: 'evenly' | 'percent' | 'proportional';
      targets: number[];
      percents?: Rational[];
      basis: Basis;
    };

export interface CompiledRule {
  index: number;
  name: string;
  decl: RuleDecl;
  matches: LinePredicate;
  destination: CompiledDestination;
  /** Uplift percent (rule level), if any. */
  markup?: Decimal;
}

export interface CompiledRules {
  model: RulesFile;
  targets: TargetDecl[];
  /** Lower-cased id -> index in `targets`. */
  targetIndex: Map<string, number>;
  rules: CompiledRule[];
  unallocatedTarget?: number;
  amount: AmountKind;
  currency?: string;
  pecKeepTarget?: number;
  amortize: boolean;
  unusedCommitmentTarget?: number;
}

/** Where one line goes: the rule that took it (-1: none) and its destination before pools are divided. */
export type LineDestination =
  | { kind: 'target'; target: number }
  | { kind: 'pool'; rule: number }
  | { kind: 'unmatched' }
  | { kind: 'tagMiss'; value: string; hasTag: boolean };

export interface LineRoute {
  rule: number;
  destination: LineDestination;
}

export function compileRules(model: RulesFile): CompiledRules {
  if (!model.valid) throw new Error('compileRules: the rules file has errors; only a valid model can be evaluated');
  const targetIndex = new Map<string, number>();
  model.targets.forEach((t, i) => targetIndex.set(targetIdKey(t.id), i));
  const resolve = (id: string): number => {
    const i = targetIndex.get(targetIdKey(id));
    if (i === undefined) throw new Error(`compileRules: unknown target '${id}' in a valid model`);
    return i;
  };
  const rules = model.rules.map((decl): CompiledRule => {
    let destination: CompiledDestination;
    if (decl.to?.kind === 'target') destination = { kind: 'target', target: resolve(decl.to.target.value) };
    else if (decl.to?.kind === 'tag') destination = { kind: 'tag', tagKey: decl.to.tagKey.value.toLowerCase() };
    else if (decl.split) {
      destination = {
        kind: 'split',
        method: decl.split.method,
        targets: decl.split.shares.map((s) => resolve(s.target.value)),
        percents:
          decl.split.method === 'percent'
            ? decl.split.shares.map((s) => Rational.fromDecimal(s.percent!.value))
            : undefined,
        basis: decl.split.basis?.value ?? 'direct',
      };
    } else throw new Error(`compileRules: rule ${decl.index + 1} has no destination in a valid model`);
    return {
      index: decl.index,
      name: decl.name,
      decl,
      matches: decl.match ? compileMatch(decl.match) : () => false,
      destination,
      markup: decl.markup?.value,
    };
  });
  return {
    model,
    targets: model.targets,
    targetIndex,
    rules,
    unallocatedTarget: model.unallocated ? resolve(model.unallocated.value) : undefined,
    amount: model.amount,
    currency: model.currency?.value.toUpperCase(),
    pecKeepTarget:
      model.pec?.mode.value === 'keep' && model.pec.to && model.amount !== 'retail'
        ? resolve(model.pec.to.value)
        : undefined,
    amortize: model.commitments?.amortize?.value === true,
    unusedCommitmentTarget: model.commitments?.unused ? resolve(model.commitments.unused.value) : undefined,
  };
}

function anyGlob(globs: Glob[], value: string): boolean {
  for (const g of globs) if (g.matches(value)) return true;
  return false;
}

/** A match map as a predicate: all conditions hold (AND); a glob list holds when any glob matches (OR). */
export function compileMatch(map: MatchMap): LinePredicate {
  const checks: LinePredicate[] = map.conditions.map((c): LinePredicate => {
    if (c.kind === 'field') {
      const globs = c.globs.map((g) => compileGlob(g.value));
      if (c.field === 'customer') return (l) => anyGlob(globs, l.customer ?? '') || anyGlob(globs, l.customerId ?? '');
      const field = c.field;
      return (l) => anyGlob(globs, (l[field] as string | undefined) ?? '');
    }
    if (c.kind === 'tag') {
      const globs = c.globs.map((g) => compileGlob(g.value));
      const key = c.tagKey.toLowerCase();
      return (l) => {
        const v = l.tags?.[key];
        return v !== undefined && anyGlob(globs, v);
      };
    }
    const inner = compileMatch(c.map);
    return (l) => !inner(l);
  });
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0];
  return (l) => {
    for (const c of checks) if (!c(l)) return false;
    return true;
  };
}

/** First matching rule wins, top to bottom. */
export function firstMatchingRule(rules: CompiledRules, line: CostLine): number {
  for (let i = 0; i < rules.rules.length; i++) if (rules.rules[i].matches(line)) return i;
  return -1;
}

/** The rule that takes a line and where it goes. */
export function routeLine(rules: CompiledRules, line: CostLine): LineRoute {
  const r = firstMatchingRule(rules, line);
  if (r < 0) return { rule: -1, destination: { kind: 'unmatched' } };
  const dest = rules.rules[r].destination;
  if (dest.kind === 'target') return { rule: r, destination: { kind: 'target', target: dest.target } };
  if (dest.kind === 'split') return { rule: r, destination: { kind: 'pool', rule: r } };
  const value = line.tags?.[dest.tagKey];
  const target = value === undefined ? undefined : rules.targetIndex.get(targetIdKey(value));
  if (target !== undefined) return { rule: r, destination: { kind: 'target', target } };
  return { rule: r, destination: { kind: 'tagMiss', value: value ?? '', hasTag: value !== undefined } };
}

/** Which amount of a line is allocated; `fallback` tells that the chosen kind was missing and billed was used. */
export function lineAmount(kind: AmountKind, line: CostLine): { amount: Decimal; fallback: boolean } {
  if (kind === 'retail')
    return line.retail ? { amount: line.retail, fallback: false } : { amount: line.billed, fallback: true };
  if (kind === 'effective')
    return line.effective ? { amount: line.effective, fallback: false } : { amount: line.billed, fallback: true };
  return { amount: line.billed, fallback: false };
}

/** Partner earned credit as a fraction in [0, 1): files write 0.15 or 15 (domain page, section 1a). */
export function pecFraction(line: CostLine): Decimal | undefined {
  const p = line.pec;
  if (!p || p.isZero() || p.isNegative()) return undefined;
  const f = p.gt(1) ? p.div(100) : p;
  return f.gte(1) ? undefined : new Dec(f);
}

/**
 * The commitment a line buys (purchase) or used (usage), normalized: lower case, and for ARM paths the order id
 * (`.../reservationOrders/<order>/reservations/<id>` -> `<order>`), so that reconciliation ReservationOrderId,
 * daily BenefitOrderId and FOCUS CommitmentDiscountId meet.
 */
export function commitmentKey(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const t = id.trim().toLowerCase();
  if (t === '') return undefined;
  const m = /\/(?:reservationorders|savingsplanorders|benefitorders)\/([^/]+)/.exec(t);
  return m ? m[1] : t;
}

export function purchaseKey(line: CostLine): string | undefined {
  return commitmentKey(line.reservationOrderId);
}

export function usageCommitmentKey(line: CostLine): string | undefined {
  if (line.reservationOrderId) return undefined;
  return commitmentKey(line.benefitOrderId) ?? commitmentKey(line.benefitId);
}

/** FOCUS rows that report unused commitment explicitly. */
export function isUnusedCommitment(line: CostLine): boolean {
  return (line.commitmentStatus ?? '').trim().toLowerCase() === 'unused';
}

/** The line's billing currency as compared with `currency:`. */
export function lineCurrency(line: CostLine): string {
  return (line.currency ?? '').trim().toUpperCase();
}
