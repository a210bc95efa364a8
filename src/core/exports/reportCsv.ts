/**
 * The chargeback report: one row per target x rule (target id, name, cost center, rule, amount, currency, period),
 * the rows of unallocated cost last (empty target id). The amounts are the rounded breakdown of the allocation,
 * so the rows of a target add up to its total and all rows add up to the source total, to the cent. Markup and
 * Charged columns appear when the rules define a markup.
 */
import type { AllocationResult } from '../allocation/result';
import { cents, csvRow } from './csv';
import type { CsvValue } from './csv';

export const UNALLOCATED_NAME = '(unallocated)';

export function chargebackReportCsv(result: AllocationResult): string {
  if (!result.ok) throw new Error('chargebackReportCsv: the allocation has errors');
  const withMarkup = result.targets.some((t) => !t.markup.isZero() || t.breakdown.some((b) => !b.markup.isZero()));
  const header: CsvValue[] = ['TargetId', 'TargetName', 'CostCenter', 'Rule', 'Amount', 'Currency', 'Period'];
  if (withMarkup) header.push('Markup', 'Charged');
  let out = csvRow(header);
  const period = result.period.label;
  for (const t of result.targets) {
    const rows = t.breakdown.length > 0 ? t.breakdown : [{ rule: '', amount: t.amount, markup: t.markup }];
    for (const b of rows) {
      const cells: CsvValue[] = [
        t.id,
        t.name ?? '',
        t.costCenter ?? '',
        b.rule,
        cents(b.amount),
        result.currency,
        period,
      ];
      if (withMarkup) cells.push(cents(b.markup), cents(b.amount.plus(b.markup)));
      out += csvRow(cells);
    }
  }
  for (const b of result.unallocated.breakdown) {
    const cells: CsvValue[] = ['', UNALLOCATED_NAME, '', b.rule, cents(b.amount), result.currency, period];
    if (withMarkup) cells.push(cents(b.markup), cents(b.amount));
    out += csvRow(cells);
  }
  return out;
}
