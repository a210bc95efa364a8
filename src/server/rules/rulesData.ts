/**
 * What the server knows of the billing data a rules file names (after reading and allocating it), and how its
 * money is written, shared by the rules language features (completion, hover, code lenses, diagnostics).
 */
import type Decimal from 'decimal.js';
import type { ParsedRules } from '../../core/allocation/parseRules';
import type { Problem } from '../../core/allocation/problems';
import type { DataHarvest } from '../../core/allocation/harvest';
import type { AllocationResult } from '../../core/allocation/result';
import { formatCents } from '../../core/money';

/** What the server knows of the billing data a rules file names (after reading it). */
export interface RulesData {
  harvest?: DataHarvest;
  result?: AllocationResult;
  /** Data-dependent problems (globs matching no file, shadowed rules, currency mix, ...). */
  problems: Problem[];
  /** Problems reading the billing data (unreadable amounts, files that are not billing files), shown on `data:`. */
  issues?: { severity: 'error' | 'warning' | 'info'; message: string }[];
  /** Billing files the `data:` globs matched. */
  files: string[];
  /** CSV files near the rules file, relative to it, for completing `data:`. */
  candidates?: string[];
  /** While the rules have errors: the last evaluation of a version without errors (shown marked stale). */
  stale?: { parsed: ParsedRules; result: AllocationResult; problems?: Problem[] };
  /** The parse the result belongs to. */
  parsedWith?: ParsedRules;
}

export function money(amount: Decimal, currency: string): string {
  const [whole, cents] = formatCents(amount).split('.');
  return `${currency ? currency + ' ' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** The one currency of the billing data, or empty when there are none or several. */
export function dataCurrency(data?: RulesData): string {
  const currencies = data?.harvest?.currencies ?? [];
  return currencies.length === 1 ? currencies[0].value : '';
}

/** The allocation's currency, else the data's. */
export function resultCurrency(data: RulesData): string {
  return data.result?.currency || dataCurrency(data);
}
