/**
 * The general-ledger journal: balanced double entry for the chargeback. Each target's expense account (with its
 * cost center) is debited with its cost, one clearing account is credited with the total; markups are debited to
 * the targets as well and credited to a markup income account; unallocated cost is debited to the unallocated
 * account (by default the clearing account itself, which is what "it stays in clearing" means in the ledger).
 * A negative amount (a credit, such as kept partner earned credit) is written on the other side. Debits equal
 * credits exactly, and the debits of cost lines add up to the source total.
 */
import type Decimal from 'decimal.js';
import { ZERO } from '../money';
import type { RulesFile } from '../allocation/model';
import type { AllocationResult } from '../allocation/result';
import { cents, csvRow } from './csv';
import type { CsvValue } from './csv';

export const DEFAULT_CLEARING_ACCOUNT = 'clearing';

export interface JournalOptions {
  /** Overrides `journal.reference` (default `CB-<period>`). */
  reference?: string;
  clearingAccount?: string;
  expenseAccount?: string;
  markupAccount?: string;
  unallocatedAccount?: string;
}

export interface JournalLine {
  account: string;
  costCenter: string;
  debit: Decimal;
  credit: Decimal;
  description: string;
  target: string;
}

/** The journal lines, in order: target debits, unallocated, markups, then the credits. */
export function journalLines(result: AllocationResult, model: RulesFile, options: JournalOptions = {}): JournalLine[] {
  if (!result.ok) throw new Error('journalLines: the allocation has errors');
  const j = model.journal;
  const clearing = options.clearingAccount ?? j?.clearingAccount?.value ?? DEFAULT_CLEARING_ACCOUNT;
  const expense = options.expenseAccount ?? j?.expenseAccount?.value ?? '';
  const markupAccount = options.markupAccount ?? j?.markupAccount?.value ?? clearing;
  const unallocatedAccount = options.unallocatedAccount ?? j?.unallocatedAccount?.value ?? clearing;
  const title = result.name ? `${result.name}: ` : 'Chargeback: ';
  const lines: JournalLine[] = [];
  const entry = (
    account: string,
    costCenter: string,
    amount: Decimal,
    description: string,
    target: string,
    side: 'debit' | 'credit',
  ): void => {
    if (amount.isZero()) return;
    // A negative debit is a credit (and the other way round): amounts in a journal are never negative.
    const debitSide = (side === 'debit') !== amount.isNegative();
    const abs = amount.abs();
    lines.push({
      account,
      costCenter,
      debit: debitSide ? abs : ZERO,
      credit: debitSide ? ZERO : abs,
      description,
      target,
    });
  };
  for (const t of result.targets) {
    entry(t.account ?? expense, t.costCenter ?? '', t.amount, `${title}${t.name ?? t.id}`, t.id, 'debit');
  }
  entry(unallocatedAccount, '', result.unallocated.amount, `${title}unallocated`, '', 'debit');
  let markupTotal: Decimal = ZERO;
  for (const t of result.targets) {
    entry(t.account ?? expense, t.costCenter ?? '', t.markup, `${title}markup ${t.name ?? t.id}`, t.id, 'debit');
    markupTotal = markupTotal.plus(t.markup);
  }
  entry(clearing, '', result.total, `${title}charged back`, '', 'credit');
  entry(markupAccount, '', markupTotal, `${title}markup income`, '', 'credit');
  return lines;
}

export function journalCsv(result: AllocationResult, model: RulesFile, options: JournalOptions = {}): string {
  const period = result.period.label;
  const reference = options.reference ?? model.journal?.reference?.value ?? (period ? `CB-${period}` : 'CB');
  let out = csvRow([
    'Period',
    'Reference',
    'Account',
    'CostCenter',
    'Debit',
    'Credit',
    'Currency',
    'Description',
    'Target',
  ]);
  for (const l of journalLines(result, model, options)) {
    const cells: CsvValue[] = [
      period,
      reference,
      l.account,
      l.costCenter,
      l.debit.isZero() ? '' : cents(l.debit),
      l.credit.isZero() ? '' : cents(l.credit),
      result.currency,
      l.description,
      l.target,
    ];
    out += csvRow(cells);
  }
  return out;
}
