/**
 * What an allocation produces: per target (amount, markup, breakdown per rule), per rule (lines and money
 * matched), unallocated, the source total, warnings and lineage. All amounts are Decimals; every rounded amount is
 * whole cents and the rounded amounts add up: sum(targets) + unallocated = total, sum(rules) + channels = total,
 * sum(breakdown of a target) = its amount. `routing` is what the per-line exports need to replay the decision.
 */
import type Decimal from 'decimal.js';
import type { AmountKind } from './model';
import type { Range, Severity } from './problems';
import type { Rational } from './rational';
import type { LineDestination } from './compileRules';
import type { TargetBudget } from './budgets';

/** Pseudo rule labels for money that no rule carried. */
export const UNMATCHED_LABEL = '(unmatched)';
export const UNUSED_COMMITMENT_LABEL = '(unused commitment)';
export const PEC_LABEL = '(partner earned credit)';

/** Channel numbers: a rule index (>= 0) or one of these. */
export const UNMATCHED = -1;
export const UNUSED_COMMITMENT = -2;
export const PEC_CREDIT = -3;
export const PSEUDO_CHANNELS: readonly number[] = [UNMATCHED, UNUSED_COMMITMENT, PEC_CREDIT];

/** A billing row: the file and the 1-based line where its record starts. */
export interface LineRef {
  file: string;
  line: number;
}

export type AllocationIssueCode =
  | 'currency-mix'
  | 'currency-no-lines'
  | 'currency-filtered'
  | 'tag-value-no-target'
  | 'tag-missing'
  | 'weights-all-zero'
  | 'weights-negative'
  | 'amount-fallback'
  | 'commitment-unused'
  | 'commitment-usage-without-retail'
  | 'no-lines'
  | 'invalid-value';

export interface AllocationIssue {
  code: AllocationIssueCode;
  severity: Severity;
  message: string;
  /** The rule it is about, with the range to show it on in the rules file. */
  ruleIndex?: number;
  range?: Range;
  /** A billing row it is about (the first one, when many). */
  source?: LineRef;
  amount?: Decimal;
}

export interface RuleShare {
  /** The rule name, or a pseudo label such as '(unmatched)'. */
  rule: string;
  /** Rule index, or a negative pseudo channel (UNMATCHED, UNUSED_COMMITMENT, PEC_CREDIT). */
  channel: number;
  amount: Decimal;
  markup: Decimal;
}

export interface TargetAllocation {
  id: string;
  name?: string;
  costCenter?: string;
  account?: string;
  /** Cost charged to the target, whole cents. */
  amount: Decimal;
  /** Uplift on top of the cost (sum of the breakdown's markups). */
  markup: Decimal;
  /** amount + markup. */
  charged: Decimal;
  /** Direct cost (from `to:` rules) before any split, exact. */
  direct: Decimal;
  breakdown: RuleShare[];
}

export interface RuleAllocation {
  index: number;
  name: string;
  /** Lines whose first matching rule this is. */
  lines: number;
  /** Exact sum of the amounts of those lines. */
  matched: Decimal;
  /** Money this rule carried to targets (or unallocated), whole cents; with pseudo channels adds up to the total. */
  allocated: Decimal;
  /** When the rule took no line although some line matched it: the earlier rule that took that line. */
  shadowedBy?: number;
  /** True when some line matched this rule's `match` (first or not). */
  matchedAnyLine: boolean;
  /** The first lines it took (lineage sample). */
  sample: LineRef[];
}

export interface ChannelAllocation {
  channel: number;
  label: string;
  lines: number;
  allocated: Decimal;
}

export interface CurrencySummary {
  currency: string;
  lines: number;
  amount: Decimal;
}

export interface LineageEntry extends LineRef {
  /** Rule index, or a pseudo channel. */
  channel: number;
  rule: string;
  /** Where the line went, in words: "target web", "split pool of 'Shared networking'", "unallocated", ... */
  destination: string;
  amount: Decimal;
}

/** For the per-line exports: how pools and commitments were divided. */
export interface RoutingTable {
  /** Split rule index -> fraction per target (fractions add up to 1). */
  poolShares: Map<number, { target: number; fraction: Rational }[]>;
  commitments: Map<string, CommitmentRouting>;
}

export type CommitmentRouting =
  | {
      kind: 'amortized';
      parts: { channel: number; destination: LineDestination; family: string; fraction: Rational }[];
      /** The purchase amount and the retail value of the usage it covered (a usage line's share is its retail / weight). */
      purchase: Decimal;
      weight: Decimal;
    }
  | { kind: 'unused'; target: number }
  | { kind: 'rules' };

export interface AllocationResult {
  /** False when the data cannot be allocated as a whole (for example several currencies and no `currency:`). */
  ok: boolean;
  errors: AllocationIssue[];
  /** Warnings and infos. */
  warnings: AllocationIssue[];
  name?: string;
  currency: string;
  amountKind: AmountKind;
  period: { start?: string; end?: string; label: string };
  /** Exact sum of the allocated amounts of all lines kept. */
  sourceTotal: Decimal;
  /** sourceTotal rounded to cents = sum of targets + unallocated. */
  total: Decimal;
  lineCount: number;
  targets: TargetAllocation[];
  unallocated: { amount: Decimal; breakdown: RuleShare[] };
  rules: RuleAllocation[];
  channels: ChannelAllocation[];
  /** Every currency seen, with what was kept or left out. */
  currencies: CurrencySummary[];
  unmatched: { lines: number; amount: Decimal; sample: LineRef[] };
  routing: RoutingTable;
  /** Budget and month-end forecast of each target that has a `budget:` (set by runRules; see budgets.ts). */
  budgets?: TargetBudget[];
}
