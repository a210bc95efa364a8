/** Code lenses of a rules file: each rule's amount and line count, each target's charge, the total. */
import { CodeLens, Range } from 'vscode-languageserver';
import type { ParsedRules } from '../../core/allocation/parseRules';
import { money, resultCurrency, type RulesData } from './rulesData';
import type { AllocationResult } from '../../core/allocation/result';
import { budgetLensText } from '../../core/allocation/budgets';

/** Allocated against budget (and the forecast while the month is open) for a target that has a `budget:`. */
function budgetLens(id: string, result: AllocationResult, currency: string): string {
  const b = result.budgets?.find((x) => x.target === id);
  return b ? ` · ${budgetLensText(b, currency)}` : '';
}

export function rulesCodeLenses(parsed: ParsedRules, data?: RulesData): CodeLens[] {
  const result = data?.result;
  if (!result) return [];
  const currency = resultCurrency(data!);
  const lenses: CodeLens[] = [];
  for (const rule of parsed.model.rules) {
    const r = result.rules.find((x) => x.index === rule.index);
    if (!r) continue;
    const title = r.lines === 0
      ? r.shadowedBy !== undefined ? `takes no line: shadowed by ${JSON.stringify(result.rules[r.shadowedBy]?.name)}` : 'matches no line'
      : `${money(r.matched, currency)} · ${r.lines.toLocaleString('en-US')} line${r.lines === 1 ? '' : 's'}`;
    const at = rule.nameRange ?? rule.range;
    lenses.push({ range: Range.create(at.start.line, 0, at.start.line, 0), command: { title, command: '' } });
  }
  for (const target of parsed.model.targets) {
    const t = result.targets.find((x) => x.id === target.id);
    if (!t) continue;
    lenses.push({
      range: Range.create(target.idRange.start.line, 0, target.idRange.start.line, 0),
      command: { title: `charged ${money(t.charged, currency)}${budgetLens(target.id, result, currency)}`, command: '' },
    });
  }
  const unallocatedAt = parsed.model.keyRanges['unallocated'] ?? parsed.model.keyRanges['rules'];
  if (unallocatedAt) {
    lenses.push({
      range: Range.create(unallocatedAt.start.line, 0, unallocatedAt.start.line, 0),
      command: { title: `total ${money(result.total, currency)} · unallocated ${money(result.unallocated.amount, currency)}`, command: '' },
    });
  }
  return lenses;
}
