/**
 * What changed between a draft invoice (unbilled data) and its final invoice (billed data): line by line, matched
 * by the line's key (class, subscription and what was charged), so that the final invoice can show the customer
 * exactly which charges moved when the draft charges became final.
 */
import type Decimal from 'decimal.js';
import { ZERO } from '../money';
import type { Invoice, InvoiceChange, InvoiceChanges } from './model';

export function changesSinceDraft(final: Invoice, draft: Invoice | undefined): InvoiceChanges {
  if (!draft) {
    return {
      difference: final.total,
      lines: final.lines.map((l) => ({
        key: l.key,
        description: l.description,
        final: l.amount,
        difference: l.amount,
      })),
    };
  }
  const draftByKey = new Map(draft.lines.map((l) => [l.key, l]));
  const lines: InvoiceChange[] = [];
  for (const l of final.lines) {
    const d = draftByKey.get(l.key);
    draftByKey.delete(l.key);
    const before: Decimal = d?.amount ?? ZERO;
    if (d && before.eq(l.amount)) continue;
    lines.push({
      key: l.key,
      description: l.description,
      draft: d?.amount,
      final: l.amount,
      difference: l.amount.minus(before),
    });
  }
  for (const d of draftByKey.values())
    lines.push({ key: d.key, description: d.description, draft: d.amount, difference: d.amount.neg() });
  return { draftTotal: draft.total, difference: final.total.minus(draft.total), lines };
}
