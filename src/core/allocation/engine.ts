/**
 * The allocation engine: evaluates a valid rules file on cost lines and says who pays what, to the cent.
 *
 * One pass over the lines, flat memory: each line is routed (first matching rule wins) and its amount added to a
 * ledger keyed by (rule, destination, meter family, PEC rate); split pools, commitment purchases and PEC credits
 * are kept as such sums, never as lines. At the end the ledger becomes exact fractions: commitments are amortized
 * over the usage they covered, pools are divided (after every direct allocation, as the spec says), and only each
 * target's final total is rounded to cents by the largest-remainder method. The engine checks its own
 * conservation (targets + unallocated = source total exactly, before rounding) and treats a failure as a bug.
 */
import type Decimal from 'decimal.js';
import { Dec, ZERO, formatCents, roundCents } from '../money';
import { DecimalSum, type ExactParts } from '../fast/exact';
import { isAggregated, type AggregatedLine, type CostLine, type ReadLine } from './costLine';
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
import type { CompiledRules, LineDestination, LineRoute } from './compileRules';
import type { DataHarvester } from './harvest';
import { largestRemainder } from './largestRemainder';
import { meterFamilyOf } from './meterFamilies';
import type { MeterFamily } from './meterFamilies';
import type { Basis, RulesFile } from './model';
import { Rational, unitsToDecimal } from './rational';
import {
  PEC_CREDIT,
  PEC_LABEL,
  PSEUDO_CHANNELS,
  UNMATCHED,
  UNMATCHED_LABEL,
  UNUSED_COMMITMENT,
  UNUSED_COMMITMENT_LABEL,
} from './result';
import type {
  AllocationIssue,
  AllocationResult,
  ChannelAllocation,
  CommitmentRouting,
  LineRef,
  LineageEntry,
  RoutingTable,
  RuleAllocation,
  RuleShare,
  TargetAllocation,
} from './result';

export interface AllocateOptions {
  /** How many line references each rule keeps as its lineage sample (default 5). */
  lineageSample?: number;
  /** Called for every line kept, in input order: the full lineage, streamed (nothing is kept in memory). */
  onLine?: (entry: LineageEntry) => void;
  /** Fed with every line read (all currencies), for completion and data checks. */
  harvest?: DataHarvester;
  /** Find rules that take no line because an earlier rule takes all of theirs (default true). */
  detectShadowing?: boolean;
}

/** Allocates lines from an array, a generator or an async stream (for example a billing-file reader). */
export async function allocate(
  rules: RulesFile,
  lines: Iterable<ReadLine> | AsyncIterable<ReadLine>,
  options: AllocateOptions = {},
): Promise<AllocationResult> {
  const allocator = new Allocator(rules, options);
  for await (const line of lines) allocator.add(line);
  return allocator.finish();
}

/** The same for lines already in memory, without a promise. */
export function allocateSync(
  rules: RulesFile,
  lines: Iterable<ReadLine>,
  options: AllocateOptions = {},
): AllocationResult {
  const allocator = new Allocator(rules, options);
  for (const line of lines) allocator.add(line);
  return allocator.finish();
}

/** Where a ledger amount sits before the final division. */
interface LedgerEntry {
  channel: number;
  destination: LineDestination | { kind: 'unusedTarget' };
  family: MeterFamily;
  /** PEC fraction as text ('' when the line keeps its amount). */
  pec: string;
  sum: DecimalSum;
}

interface CommitmentState {
  purchase: Decimal;
  purchaseLines: number;
  firstPurchase?: LineRef;
  /** Where the purchase lines would go by the rules (used when the commitment covered nothing). */
  fallback: Map<string, LedgerEntry>;
  /** Retail value of covered usage per (channel, destination, family). */
  weights: Map<string, LedgerEntry>;
  usageLines: number;
}

interface RuleStats {
  lines: number;
  matched: Decimal;
  sample: LineRef[];
  matchedAnyLine: boolean;
  shadowedBy?: number;
}

/** A final amount on its way to a target (or unallocated = targets.length), as an exact fraction. */
interface Flow {
  channel: number;
  sink: number;
  family: MeterFamily | 'split';
  direct: boolean;
  amount: Rational;
}

function destinationKey(d: LedgerEntry['destination']): string {
  switch (d.kind) {
    case 'target':
      return `t${d.target}`;
    case 'pool':
      return `p${d.rule}`;
    case 'unmatched':
      return 'u';
    case 'unusedTarget':
      return 'c';
    case 'tagMiss':
      return `m${d.hasTag ? '1' : '0'}${d.value}`;
  }
}

function ledgerKey(entry: Omit<LedgerEntry, 'sum'>): string {
  return `${entry.channel}|${destinationKey(entry.destination)}|${entry.family}|${entry.pec}`;
}

function addTo(
  map: Map<string, LedgerEntry>,
  entry: Omit<LedgerEntry, 'sum'>,
  amount: Decimal,
  parts?: ExactParts,
): void {
  const key = ledgerKey(entry);
  const e = map.get(key);
  if (e) e.sum.add(amount, parts);
  else map.set(key, { ...entry, sum: new DecimalSum(amount, parts) });
}

/**
 * Amounts are summed in decimals of 60 significant digits. An amount below 10^24 with at most 24 decimals keeps a sum
 * of up to 10^12 such lines exact; beyond that a sum could round, and a rounded total cannot reconcile to the cent.
 * No billing line comes near (10^24 is a trillion trillion), so such a value is a broken cell, refused by name.
 */
export const MAX_AMOUNT_DIGITS = 24;

function amountOutOfRange(d: Decimal): boolean {
  if (!d.isFinite()) return true;
  return !d.isZero() && (d.e >= MAX_AMOUNT_DIGITS || d.decimalPlaces() > MAX_AMOUNT_DIGITS);
}

export class Allocator {
  private readonly rules: CompiledRules;
  private readonly sampleSize: number;
  private readonly detectShadowing: boolean;
  private readonly ledger = new Map<string, LedgerEntry>();
  private readonly commitments = new Map<string, CommitmentState>();
  private readonly ruleStats: RuleStats[];
  private readonly unmatched = { lines: 0, amount: ZERO as Decimal, sample: [] as LineRef[] };
  private readonly currencies = new Map<string, { lines: number; amount: DecimalSum }>();
  private readonly tagMisses = new Map<
    string,
    { rule: number; value: string; hasTag: boolean; lines: number; amount: Decimal; first: LineRef }
  >();
  private readonly fallbacks = { lines: 0, amount: ZERO as Decimal, first: undefined as LineRef | undefined };
  private readonly usageWithoutRetail = { lines: 0, first: undefined as LineRef | undefined };
  private allocationCurrency: string | undefined;
  private lineCount = 0;
  /** Lines whose amount is beyond what is summed exactly (see MAX_AMOUNT_DIGITS): the allocation refuses them. */
  private readonly outOfRange = { lines: 0, first: undefined as { ref: LineRef; value: string } | undefined };
  private unusedLines = 0;
  /** Files in the order their first line came (orders the lineage samples of aggregated lines). */
  private readonly fileOrder = new Map<string, number>();
  private pecLines = 0;
  private minDate: string | undefined;
  private maxDate: string | undefined;

  constructor(
    model: RulesFile,
    private readonly options: AllocateOptions = {},
  ) {
    this.rules = compileRules(model);
    this.sampleSize = options.lineageSample ?? 5;
    this.detectShadowing = options.detectShadowing ?? true;
    this.allocationCurrency = this.rules.currency;
    this.ruleStats = this.rules.rules.map(() => ({ lines: 0, matched: ZERO, sample: [], matchedAnyLine: false }));
  }

  /** A line per row, or an aggregated line (the fast reader's), which counts as its rows. */
  add(read: ReadLine): void {
    this.options.harvest?.add(read);
    const aggregated = isAggregated(read) ? read : undefined;
    const line = aggregated ? aggregated.line : (read as CostLine);
    const n = aggregated ? aggregated.rows : 1;
    const { amount, fallback } = lineAmount(this.rules.amount, line);
    // The fast reader's integer parts are in range by construction; anything else is checked before it is summed.
    if (!aggregated && amountOutOfRange(amount)) {
      this.outOfRange.lines += n;
      this.outOfRange.first ??= { ref: { file: line.file, line: line.line }, value: amount.toString() };
      return;
    }
    // The fast reader's lines bring their amount as exact integers: the hot sums add those.
    const parts = aggregated && amount === line.billed ? aggregated.billedParts : undefined;
    const currency = lineCurrency(line);
    const seen = this.currencies.get(currency);
    if (seen) {
      seen.lines += n;
      seen.amount.add(amount, parts);
    } else this.currencies.set(currency, { lines: n, amount: new DecimalSum(amount, parts) });
    if (this.allocationCurrency === undefined) this.allocationCurrency = currency;
    if (currency !== this.allocationCurrency) return;

    this.lineCount += n;
    const ref: LineRef = { file: line.file, line: line.line };
    if (!this.fileOrder.has(line.file)) this.fileOrder.set(line.file, this.fileOrder.size);
    if (fallback) {
      this.fallbacks.lines += n;
      this.fallbacks.amount = this.fallbacks.amount.plus(amount);
      this.fallbacks.first ??= ref;
    }
    const date = line.date;
    if (date) {
      const last = aggregated?.dateMax ?? date;
      if (this.minDate === undefined || date < this.minDate) this.minDate = date;
      if (this.maxDate === undefined || last > this.maxDate) this.maxDate = last;
    }
    const family = meterFamilyOf(line.meterCategory ?? '');

    // FOCUS rows that report unused commitment go to the named target, when there is one.
    if (this.rules.amortize && this.rules.unusedCommitmentTarget !== undefined && isUnusedCommitment(line)) {
      this.unusedLines += n;
      addTo(
        this.ledger,
        { channel: UNUSED_COMMITMENT, destination: { kind: 'unusedTarget' }, family, pec: '' },
        amount,
      );
      this.emit(
        ref,
        UNUSED_COMMITMENT,
        `target ${this.rules.targets[this.rules.unusedCommitmentTarget].id} (unused commitment)`,
        amount,
      );
      return;
    }

    const route = routeLine(this.rules, line);
    const purchase = this.rules.amortize ? purchaseKey(line) : undefined;
    // An amortized purchase is not "unmatched" money even when no rule matches it: it follows its usage.
    this.recordRoute(route, line, aggregated, ref, purchase === undefined);
    if (purchase !== undefined) {
      const c = this.commitment(purchase);
      c.purchase = c.purchase.plus(amount);
      c.purchaseLines += n;
      c.firstPurchase ??= ref;
      addTo(
        c.fallback,
        { channel: route.rule < 0 ? UNMATCHED : route.rule, destination: route.destination, family, pec: '' },
        amount,
      );
      this.emit(
        ref,
        route.rule,
        `commitment ${purchase} (amortized over its usage, or by the rules if it covered none)`,
        amount,
      );
      return;
    }
    const p = this.rules.pecKeepTarget !== undefined ? pecFraction(line) : undefined;
    if (p) this.pecLines += n;
    const channel = route.rule < 0 ? UNMATCHED : route.rule;
    addTo(this.ledger, { channel, destination: route.destination, family, pec: p ? p.toFixed() : '' }, amount, parts);
    const usage = this.rules.amortize ? usageCommitmentKey(line) : undefined;
    if (usage !== undefined) {
      const c = this.commitment(usage);
      c.usageLines += n;
      if (line.retail) addTo(c.weights, { channel, destination: route.destination, family, pec: '' }, line.retail);
      else {
        this.usageWithoutRetail.lines += n;
        this.usageWithoutRetail.first ??= ref;
      }
    }
    this.emit(ref, channel, this.describeDestination(route.destination), amount);
  }

  private commitment(key: string): CommitmentState {
    let c = this.commitments.get(key);
    if (!c) {
      c = { purchase: ZERO, purchaseLines: 0, fallback: new Map(), weights: new Map(), usageLines: 0 };
      this.commitments.set(key, c);
    }
    return c;
  }

  /** Counts lines per rule (money is summed once, in the ledger, and read back from there at the end). */
  private recordRoute(
    route: LineRoute,
    line: CostLine,
    aggregated: AggregatedLine | undefined,
    ref: LineRef,
    countUnmatched: boolean,
  ): void {
    const n = aggregated ? aggregated.rows : 1;
    if (route.rule < 0) {
      if (countUnmatched) {
        this.unmatched.lines += n;
        this.addToSample(this.unmatched.sample, aggregated, ref);
      }
    } else {
      const s = this.ruleStats[route.rule];
      s.lines += n;
      s.matchedAnyLine = true;
      this.addToSample(s.sample, aggregated, ref);
      if (route.destination.kind === 'tagMiss') {
        const key = `${route.rule}|${route.destination.hasTag ? 1 : 0}|${route.destination.value}`;
        const m = this.tagMisses.get(key);
        if (m) m.lines += n;
        else {
          this.tagMisses.set(key, {
            rule: route.rule,
            value: route.destination.value,
            hasTag: route.destination.hasTag,
            lines: n,
            amount: ZERO,
            first: ref,
          });
        }
      }
    }
    if (this.detectShadowing) {
      // Only rules that have taken nothing yet need to know whether some line matched them.
      for (let i = Math.max(0, route.rule + 1); i < this.ruleStats.length; i++) {
        const s = this.ruleStats[i];
        if (s.lines > 0 || s.matchedAnyLine) continue;
        if (this.rules.rules[i].matches(line)) {
          s.matchedAnyLine = true;
          s.shadowedBy = route.rule >= 0 ? route.rule : undefined;
        }
      }
    }
  }

  /**
   * Keeps a sample of the first lines in input order. Lines come in order, except that an aggregated line brings
   * several rows at once (its first rows' lines), which may come before rows of lines already in the sample.
   */
  private addToSample(sample: LineRef[], aggregated: AggregatedLine | undefined, ref: LineRef): void {
    const order = (r: LineRef): number => this.fileOrder.get(r.file) ?? 0;
    const compare = (a: LineRef, b: LineRef): number => order(a) - order(b) || a.line - b.line;
    if (!aggregated) {
      // In order (the usual case): append while there is room. Behind an aggregated line's later rows: merge.
      const last = sample[sample.length - 1];
      if (!last || compare(last, ref) < 0) {
        if (sample.length < this.sampleSize) sample.push(ref);
        return;
      }
      sample.push(ref);
    } else {
      // A full sample that ends before the aggregated line's first row keeps its lines (the usual case).
      const last = sample[sample.length - 1];
      if (
        sample.length >= this.sampleSize &&
        compare(last, { file: ref.file, line: Math.min(...aggregated.lines) }) < 0
      )
        return;
      for (const l of aggregated.lines) sample.push({ file: ref.file, line: l });
    }
    sample.sort(compare);
    if (sample.length > this.sampleSize) sample.length = this.sampleSize;
  }

  private describeDestination(d: LineDestination): string {
    switch (d.kind) {
      case 'target':
        return `target ${this.rules.targets[d.target].id}`;
      case 'pool':
        return `split pool of '${this.rules.rules[d.rule].name}'`;
      case 'unmatched':
        return this.unallocatedWords();
      case 'tagMiss':
        return `${this.unallocatedWords()} (tag value '${d.value}' names no target)`;
    }
  }

  private unallocatedWords(): string {
    const t = this.rules.unallocatedTarget;
    return t !== undefined ? `target ${this.rules.targets[t].id} (unallocated:)` : 'unallocated';
  }

  private emit(ref: LineRef, channel: number, destination: string, amount: Decimal): void {
    if (!this.options.onLine) return;
    const rule =
      channel >= 0 ? this.rules.rules[channel].name : channel === UNMATCHED ? UNMATCHED_LABEL : UNUSED_COMMITMENT_LABEL;
    this.options.onLine({ ...ref, channel, rule, destination, amount });
  }

  // ---- the end: divide, round, explain ---------------------------------------------------------------------

  /** Money per rule, unmatched and per tag miss, read back from the ledger (each line was summed there once). */
  private sumsFromLedger(): void {
    const perRule = (e: LedgerEntry): void => {
      const s = this.ruleStats[e.channel];
      s.matched = s.matched.plus(e.sum.value);
      if (e.destination.kind === 'tagMiss') {
        const m = this.tagMisses.get(`${e.channel}|${e.destination.hasTag ? 1 : 0}|${e.destination.value}`);
        if (m) m.amount = m.amount.plus(e.sum.value);
      }
    };
    for (const e of this.ledger.values()) {
      if (e.channel >= 0) perRule(e);
      else if (e.channel === UNMATCHED) this.unmatched.amount = this.unmatched.amount.plus(e.sum.value);
    }
    // Purchase lines that a rule matched (amortized or not, the rule did match them).
    for (const c of this.commitments.values()) for (const e of c.fallback.values()) if (e.channel >= 0) perRule(e);
  }

  finish(): AllocationResult {
    this.sumsFromLedger();
    const errors: AllocationIssue[] = [];
    const warnings: AllocationIssue[] = [];
    const currency = this.allocationCurrency ?? '';
    const sourceTotal: Decimal =
      (this.allocationCurrency !== undefined
        ? this.currencies.get(this.allocationCurrency)?.amount.value
        : undefined) ?? ZERO;
    const model = this.rules.model;
    const currencies = [...this.currencies].map(([c, v]) => ({ currency: c, lines: v.lines, amount: v.amount.value }));
    const money = (x: Decimal): string => `${formatCents(x)} ${currency}`.trim();

    if (this.rules.currency === undefined && this.currencies.size > 1) {
      const list = currencies
        .map((c) => `${c.currency || '(none)'} (${c.lines} lines, ${formatCents(c.amount)})`)
        .join(', ');
      errors.push({
        code: 'currency-mix',
        severity: 'error',
        message: `The data has several billing currencies: ${list}. Add \`currency:\` to the rules file to allocate one of them.`,
        range: model.keyRanges['data'] ?? model.keyRanges['chargeback'],
      });
    }
    if (this.rules.currency !== undefined) {
      for (const c of currencies) {
        if (c.currency === this.rules.currency) continue;
        warnings.push({
          code: 'currency-filtered',
          severity: 'info',
          message: `${c.lines} line(s) in ${c.currency || '(no currency)'} (${formatCents(c.amount)}) were left out by \`currency: ${this.rules.currency}\`.`,
          range: model.currency?.range,
        });
      }
      if (this.lineCount === 0 && this.currencies.size > 0) {
        warnings.push({
          code: 'currency-no-lines',
          severity: 'warning',
          message: `No cost line is in ${this.rules.currency}; the data has ${currencies.map((c) => c.currency).join(', ')}.`,
          range: model.currency?.range,
        });
      }
    }
    if (this.outOfRange.first) {
      const { ref, value } = this.outOfRange.first;
      errors.push({
        code: 'invalid-value',
        severity: 'error',
        message:
          `${this.outOfRange.lines} cost line(s) have an amount beyond the range that is allocated exactly (below 10^${MAX_AMOUNT_DIGITS} ` +
          `in size, at most ${MAX_AMOUNT_DIGITS} decimals), first ${value} at ${ref.file}:${ref.line}; nothing was allocated.`,
        range: model.keyRanges['data'] ?? model.keyRanges['chargeback'],
        source: ref,
      });
    }
    if (this.currencies.size === 0 && !this.outOfRange.first) {
      warnings.push({
        code: 'no-lines',
        severity: 'warning',
        message: 'There were no cost lines to allocate.',
        range: model.keyRanges['data'],
      });
    }

    const T = this.rules.targets.length;
    const UNALLOC = T;
    const unallocSink = this.rules.unallocatedTarget ?? UNALLOC;
    const flows: Flow[] = [];
    const routing: RoutingTable = { poolShares: new Map(), commitments: new Map() };
    const sinkOf = (d: LedgerEntry['destination']): number | 'pool' => {
      switch (d.kind) {
        case 'target':
          return d.target;
        case 'pool':
          return 'pool';
        case 'unusedTarget':
          return this.rules.unusedCommitmentTarget ?? UNALLOC;
        case 'unmatched':
        case 'tagMiss':
          return unallocSink;
      }
    };
    const pools = new Map<number, Rational>();
    const pushFlow = (
      channel: number,
      destination: LedgerEntry['destination'],
      family: MeterFamily,
      amount: Rational,
    ): void => {
      if (amount.isZero()) return;
      const sink = sinkOf(destination);
      if (sink === 'pool') {
        const r = (destination as { rule: number }).rule;
        pools.set(r, (pools.get(r) ?? Rational.ZERO).plus(amount));
        return;
      }
      const direct =
        channel >= 0 && destination.kind === 'target' && this.rules.rules[channel].destination.kind !== 'split';
      flows.push({ channel, sink, family, direct, amount });
    };

    // 1. The ledger, with partner earned credit kept back where `pec: keep` says so.
    for (const e of this.ledger.values()) {
      const sum = Rational.fromDecimal(e.sum.value);
      if (e.pec === '' || this.rules.pecKeepTarget === undefined) {
        pushFlow(e.channel, e.destination, e.family, sum);
        continue;
      }
      const beforePec = sum.div(Rational.ONE.minus(Rational.fromDecimal(new Dec(e.pec))));
      pushFlow(e.channel, e.destination, e.family, beforePec);
      pushFlow(PEC_CREDIT, { kind: 'target', target: this.rules.pecKeepTarget }, e.family, sum.minus(beforePec));
    }

    // 2. Commitment purchases: over the usage they covered (by retail value), else to `unused:`, else by the rules.
    for (const [key, c] of this.commitments) {
      if (c.purchaseLines === 0) continue;
      const P = Rational.fromDecimal(c.purchase);
      const weights = [...c.weights.values()].filter((w) => w.sum.value.gt(0));
      const W = weights.reduce((a, w) => a.plus(Rational.fromDecimal(w.sum.value)), Rational.ZERO);
      let routingEntry: CommitmentRouting;
      if (!W.isZero()) {
        const parts = weights.map((w) => ({
          channel: w.channel,
          destination: w.destination as LineDestination,
          family: w.family,
          fraction: Rational.fromDecimal(w.sum.value).div(W),
        }));
        for (const part of parts) pushFlow(part.channel, part.destination, part.family, P.times(part.fraction));
        routingEntry = {
          kind: 'amortized',
          parts: parts.map(({ channel, destination, family, fraction }) => ({
            channel,
            destination,
            family,
            fraction,
          })),
          purchase: c.purchase,
          weight: weights.reduce((a, w) => a.plus(w.sum.value), ZERO),
        };
      } else if (this.rules.unusedCommitmentTarget !== undefined) {
        pushFlow(UNUSED_COMMITMENT, { kind: 'unusedTarget' }, 'other', P);
        routingEntry = { kind: 'unused', target: this.rules.unusedCommitmentTarget };
        warnings.push({
          code: 'commitment-unused',
          severity: 'info',
          message: `Commitment ${key} (${money(c.purchase)}, ${c.purchaseLines} purchase line(s)) covered no usage in the data; it went to '${this.rules.targets[this.rules.unusedCommitmentTarget].id}' (commitments: unused).`,
          source: c.firstPurchase,
          amount: c.purchase,
          range: model.commitments?.unused?.range,
        });
      } else {
        for (const f of c.fallback.values())
          pushFlow(f.channel, f.destination, f.family, Rational.fromDecimal(f.sum.value));
        routingEntry = { kind: 'rules' };
        warnings.push({
          code: 'commitment-unused',
          severity: 'info',
          message: `Commitment ${key} (${money(c.purchase)}) covered no usage in the data; its purchase lines were allocated by the rules. Name a target in \`commitments: { unused: ... }\` to collect such cost.`,
          source: c.firstPurchase,
          amount: c.purchase,
          range: model.commitments?.range,
        });
      }
      routing.commitments.set(key, routingEntry);
    }

    // 3. Direct cost per target and family: the weights of proportional splits.
    const direct = Array.from({ length: T }, () => ({
      total: Rational.ZERO,
      compute: Rational.ZERO,
      storage: Rational.ZERO,
      network: Rational.ZERO,
    }));
    for (const f of flows) {
      if (!f.direct || f.sink >= T) continue;
      const d = direct[f.sink];
      d.total = d.total.plus(f.amount);
      if (f.family === 'compute' || f.family === 'storage' || f.family === 'network')
        d[f.family] = d[f.family].plus(f.amount);
    }

    // 4. Pools, divided after every direct allocation.
    for (const rule of this.rules.rules) {
      const dest = rule.destination;
      if (dest.kind !== 'split') continue;
      const pool = pools.get(rule.index) ?? Rational.ZERO;
      let weights: Rational[];
      if (dest.method === 'evenly') weights = dest.targets.map(() => Rational.ONE);
      else if (dest.method === 'percent') weights = dest.percents!;
      else {
        const basis: Basis = dest.basis;
        weights = dest.targets.map((t) => (basis === 'direct' ? direct[t].total : direct[t][basis]));
        const negative = dest.targets.filter((_, i) => weights[i].isNegative());
        if (negative.length > 0) {
          weights = weights.map((w) => (w.isNegative() ? Rational.ZERO : w));
          if (!pool.isZero()) {
            warnings.push({
              code: 'weights-negative',
              severity: 'warning',
              message: `Rule '${rule.name}': ${negative.map((t) => this.rules.targets[t].id).join(', ')} had negative ${basis} cost (credits); counted as zero weight.`,
              ruleIndex: rule.index,
              range: rule.decl.split?.basis?.range ?? rule.decl.split?.methodRange,
            });
          }
        }
        if (weights.every((w) => w.isZero())) {
          weights = dest.targets.map(() => Rational.ONE);
          if (!pool.isZero()) {
            warnings.push({
              code: 'weights-all-zero',
              severity: 'warning',
              message: `Rule '${rule.name}': no listed target has ${basis === 'direct' ? 'direct' : basis} cost, so its pool of ${money(pool.toDecimal())} was split evenly.`,
              ruleIndex: rule.index,
              amount: pool.toDecimal(),
              range: rule.decl.split?.methodRange,
            });
          }
        }
      }
      const W = weights.reduce((a, w) => a.plus(w), Rational.ZERO);
      const shares = dest.targets.map((target, i) => ({ target, fraction: weights[i].div(W) }));
      routing.poolShares.set(rule.index, shares);
      for (const s of shares) {
        const amount = pool.times(s.fraction);
        if (!amount.isZero())
          flows.push({ channel: rule.index, sink: s.target, family: 'split', direct: false, amount });
      }
    }

    // 5. Conservation, exactly, before any rounding.
    const exactTotal = Rational.fromDecimal(sourceTotal);
    const flowTotal = flows.reduce((a, f) => a.plus(f.amount), Rational.ZERO);
    if (errors.length === 0 && !flowTotal.eq(exactTotal)) {
      throw new Error(
        `Allocation lost money: flows ${flowTotal.toDecimal().toFixed()} != source ${sourceTotal.toFixed()}`,
      );
    }

    // 6. Round each sink's total (targets in declaration order, unallocated last), then each breakdown.
    const total = roundCents(sourceTotal);
    const totalCents = BigInt(total.times(100).toFixed(0));
    const channelOrder = [...this.rules.rules.map((r) => r.index), ...PSEUDO_CHANNELS];
    const sinkTotals = Array.from({ length: T + 1 }, () => Rational.ZERO);
    const sinkChannels = Array.from({ length: T + 1 }, () => new Map<number, Rational>());
    const channelTotals = new Map<number, Rational>();
    for (const f of flows) {
      sinkTotals[f.sink] = sinkTotals[f.sink].plus(f.amount);
      const m = sinkChannels[f.sink];
      m.set(f.channel, (m.get(f.channel) ?? Rational.ZERO).plus(f.amount));
      channelTotals.set(f.channel, (channelTotals.get(f.channel) ?? Rational.ZERO).plus(f.amount));
    }
    const ok = errors.length === 0;
    const sinkCents = ok ? largestRemainder(sinkTotals, totalCents) : sinkTotals.map(() => 0n);
    const channelLabel = (ch: number): string =>
      ch >= 0
        ? this.rules.rules[ch].name
        : ch === UNMATCHED
          ? UNMATCHED_LABEL
          : ch === UNUSED_COMMITMENT
            ? UNUSED_COMMITMENT_LABEL
            : PEC_LABEL;
    const breakdownOf = (sink: number): RuleShare[] => {
      const m = sinkChannels[sink];
      const channels = channelOrder.filter((ch) => m.has(ch));
      const cents = largestRemainder(
        channels.map((ch) => m.get(ch)!),
        sinkCents[sink],
      );
      const markupPct = (ch: number): Decimal | undefined =>
        sink < T
          ? ((ch >= 0 ? this.rules.rules[ch].markup : undefined) ?? this.rules.targets[sink].markup?.value)
          : undefined;
      return channels.map((ch, i) => {
        const amount = unitsToDecimal(cents[i], 2);
        const pct = markupPct(ch);
        return {
          rule: channelLabel(ch),
          channel: ch,
          amount,
          markup: pct ? roundCents(amount.times(pct).div(100)) : ZERO,
        };
      });
    };
    const targets: TargetAllocation[] = this.rules.targets.map((t, i) => {
      const breakdown = ok ? breakdownOf(i) : [];
      const amount = unitsToDecimal(sinkCents[i], 2);
      const markup = breakdown.reduce((a, b) => a.plus(b.markup), ZERO as Decimal);
      return {
        id: t.id,
        name: t.name?.value,
        costCenter: t.costCenter?.value,
        account: t.account?.value,
        amount,
        markup,
        charged: amount.plus(markup),
        direct: direct[i].total.toDecimal(),
        breakdown,
      };
    });
    const unallocated = { amount: unitsToDecimal(sinkCents[UNALLOC], 2), breakdown: ok ? breakdownOf(UNALLOC) : [] };

    // 7. Rules and pseudo channels, rounded so that they too add up to the total.
    const channelCents = ok
      ? largestRemainder(
          channelOrder.map((ch) => channelTotals.get(ch) ?? Rational.ZERO),
          totalCents,
        )
      : channelOrder.map(() => 0n);
    const rules: RuleAllocation[] = this.rules.rules.map((r, i) => ({
      index: r.index,
      name: r.name,
      lines: this.ruleStats[i].lines,
      matched: this.ruleStats[i].matched,
      allocated: unitsToDecimal(channelCents[i], 2),
      shadowedBy: this.ruleStats[i].lines === 0 ? this.ruleStats[i].shadowedBy : undefined,
      matchedAnyLine: this.ruleStats[i].matchedAnyLine,
      sample: this.ruleStats[i].sample,
    }));
    const channelLines = new Map<number, number>([
      [UNMATCHED, this.unmatched.lines],
      [UNUSED_COMMITMENT, this.unusedLines],
      [PEC_CREDIT, this.pecLines],
    ]);
    const channels: ChannelAllocation[] = PSEUDO_CHANNELS.map((ch, k) => ({
      channel: ch,
      label: channelLabel(ch),
      lines: channelLines.get(ch) ?? 0,
      allocated: unitsToDecimal(channelCents[this.rules.rules.length + k], 2),
    })).filter((c) => c.lines > 0 || !c.allocated.isZero());

    // 8. Warnings about the data.
    const unallocatedTo =
      this.rules.unallocatedTarget !== undefined
        ? `'${this.rules.targets[this.rules.unallocatedTarget].id}' (unallocated:)`
        : 'unallocated';
    for (const m of this.tagMisses.values()) {
      const rule = this.rules.rules[m.rule];
      const tagKey = rule.destination.kind === 'tag' ? rule.destination.tagKey : '';
      warnings.push({
        code: m.hasTag ? 'tag-value-no-target' : 'tag-missing',
        severity: 'warning',
        message: m.hasTag
          ? `Rule '${rule.name}': tag ${tagKey} = '${m.value}' names no target; ${money(m.amount)} (${m.lines} line(s)) went to ${unallocatedTo}.`
          : `Rule '${rule.name}': ${m.lines} line(s) without tag ${tagKey} (${money(m.amount)}) went to ${unallocatedTo}.`,
        ruleIndex: m.rule,
        range: rule.decl.to?.range,
        source: m.first,
        amount: m.amount,
      });
    }
    if (this.fallbacks.lines > 0) {
      warnings.push({
        code: 'amount-fallback',
        severity: 'warning',
        message: `${this.fallbacks.lines} line(s) have no ${this.rules.amount} amount (${this.rules.amount === 'retail' ? 'no unit price or quantity' : 'no EffectiveCost'}); their billed amount (${money(this.fallbacks.amount)}) was used.`,
        range: model.amountRange,
        source: this.fallbacks.first,
        amount: this.fallbacks.amount,
      });
    }
    if (this.usageWithoutRetail.lines > 0) {
      warnings.push({
        code: 'commitment-usage-without-retail',
        severity: 'warning',
        message: `${this.usageWithoutRetail.lines} line(s) of commitment-covered usage have no retail value, so they receive none of the purchase when it is amortized.`,
        range: model.commitments?.range,
        source: this.usageWithoutRetail.first,
      });
    }

    const label = model.period?.value ?? periodLabel(this.minDate, this.maxDate);
    return {
      ok,
      errors,
      warnings,
      name: model.name?.value,
      currency,
      amountKind: this.rules.amount,
      period: { start: this.minDate, end: this.maxDate, label },
      sourceTotal: sourceTotal,
      total: ok ? total : ZERO,
      lineCount: this.lineCount,
      targets,
      unallocated,
      rules,
      channels,
      currencies,
      unmatched: { lines: this.unmatched.lines, amount: this.unmatched.amount, sample: this.unmatched.sample },
      routing,
    };
  }
}

/** "2026-07" when the dates lie in one month, else "2026-06-15/2026-07-14", or "" when no line had a date. */
export function periodLabel(start: string | undefined, end: string | undefined): string {
  if (!start || !end) return '';
  if (start.slice(0, 7) === end.slice(0, 7)) return start.slice(0, 7);
  return `${start}/${end}`;
}
