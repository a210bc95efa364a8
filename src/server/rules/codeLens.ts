/**
 * The code lenses of a rules file: one set of numbers with the CLI and the exports. A rule's lens says what the
 * rule takes from the billing data and, when that differs, what it allocates (amortized commitment purchases and
 * kept partner earned credit move money between rules); the total lens shows the sum: the rules' allocations plus
 * the money no rule carried (unused commitments, kept credit) make the billing total, to the cent. After an edit
 * that breaks the file, the last good evaluation stays on screen, marked stale, until the file parses again.
 */
import type Decimal from 'decimal.js';
import { Range, type CodeLens } from 'vscode-languageserver';
import type { ParsedRules } from '../../core/allocation/parseRules';
import type { AllocationResult } from '../../core/allocation/result';
import { budgetLensText, budgetLensTooltip } from '../../core/allocation/budgets';
import { money, type RulesData } from './rulesData';

/** Allocated against budget (and the forecast while the month is open) for a target that has a `budget:`. */
function budgetLens(id: string, result: AllocationResult, currency: string): string {
  const b = result.budgets?.find((x) => x.target === id);
  return b ? ` · ${budgetLensText(b, currency)}` : '';
}

/** The budget lens's hover: the figures in full, the forecast method, and a whole month's forecast check. */
function budgetTooltip(id: string, result: AllocationResult, currency: string): { tooltip?: string } {
  const b = result.budgets?.find((x) => x.target === id);
  return b ? { tooltip: budgetLensTooltip(b, currency) } : {};
}

/**
 * What a target is charged, as `chargeback allocate` prints it: the amount invoiced, and for a target with a markup
 * the markup it includes (the allocated cost is the difference; budgets and the rule lenses count that cost).
 */
function chargedText(t: AllocationResult['targets'][number], currency: string): string {
  return `charged ${money(t.charged, currency)}${t.markup.isZero() ? '' : ` (incl. markup ${money(t.markup, '')})`}`;
}

function signed(amount: Decimal): string {
  return `${amount.isNegative() ? '−' : '+'}${money(amount.abs(), '')}`;
}

/** What the lens of one rule says. */
export function ruleLensTitle(result: AllocationResult, index: number, amortize: boolean): string | undefined {
  const r = result.rules.find((x) => x.index === index);
  if (!r) return undefined;
  const currency = result.currency;
  if (r.lines === 0 && r.allocated.isZero()) {
    return r.shadowedBy !== undefined
      ? `takes no line: shadowed by ${JSON.stringify(result.rules[r.shadowedBy]?.name)}`
      : 'matches no line';
  }
  const lines = `${r.lines.toLocaleString('en-US')} line${r.lines === 1 ? '' : 's'}`;
  const takes = r.matched.toDecimalPlaces(2);
  const moved = r.allocated.minus(takes);
  if (moved.isZero()) return `${money(r.allocated, currency)} · ${lines}`;
  const why = amortize ? ' amortized' : '';
  return `takes ${money(takes, currency)} · allocates ${money(r.allocated, currency)} (${signed(moved)}${why}) · ${lines}`;
}

/** The total lens: the billing total as the sum the rule lenses show, plus what no rule carried. */
export function totalLensTitle(result: AllocationResult): string {
  const currency = result.currency;
  const rules = result.rules.reduce((a, r) => a.plus(r.allocated), result.total.times(0));
  const n = result.rules.filter((r) => !r.allocated.isZero() || r.lines > 0).length;
  const parts = [`${n} rule${n === 1 ? '' : 's'} ${money(rules, currency)}`];
  for (const c of result.channels)
    if (!c.allocated.isZero()) parts.push(`${c.label.replace(/[()]/g, '')} ${money(c.allocated, currency)}`);
  return `total ${money(result.total, currency)} = ${parts.join(' + ')} · unallocated ${money(result.unallocated.amount, currency)}`;
}

export function rulesCodeLenses(parsed: ParsedRules, data?: RulesData): CodeLens[] {
  const fresh = data?.result;
  const evaluation = fresh ? { result: fresh, parsed } : data?.stale;
  if (!evaluation) return [];
  const { result } = evaluation;
  const stale = !fresh;
  const mark = (title: string): string => (stale ? `$(history) stale · ${title}` : title);
  const amortize = evaluation.parsed.model.commitments?.amortize?.value === true;
  const lenses: CodeLens[] = [];
  // Rules and targets are found in the text as it is now (by name and id), so a stale lens sits on its own rule.
  for (const rule of evaluation.parsed.model.rules) {
    const title = ruleLensTitle(result, rule.index, amortize);
    const now = stale ? parsed.model.rules.find((r) => r.name === rule.name) : rule;
    if (!title || !now) continue;
    const at = now.nameRange ?? now.range;
    lenses.push({
      range: Range.create(at.start.line, 0, at.start.line, 0),
      command: { title: mark(title), command: '' },
    });
  }
  for (const target of parsed.model.targets) {
    const t = result.targets.find((x) => x.id === target.id);
    if (!t) continue;
    lenses.push({
      range: Range.create(target.idRange.start.line, 0, target.idRange.start.line, 0),
      command: {
        title: mark(`${chargedText(t, result.currency)}${budgetLens(target.id, result, result.currency)}`),
        command: '',
        ...budgetTooltip(target.id, result, result.currency),
      },
    });
  }
  const totalAt = parsed.model.keyRanges['unallocated'] ?? parsed.model.keyRanges['rules'];
  if (totalAt) {
    const title = totalLensTitle(result);
    lenses.push({
      range: Range.create(totalAt.start.line, 0, totalAt.start.line, 0),
      command: {
        title: stale ? `$(history) stale: the rules have errors; last good evaluation · ${title}` : title,
        command: '',
      },
    });
  }
  return lenses;
}
