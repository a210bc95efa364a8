/**
 * A finding: one data problem with its exact place in a file. Data problems are values, never exceptions; every
 * face (editor diagnostics, CLI text and JSON) renders the same findings.
 */

export type Severity = 'error' | 'warning' | 'info';

/** A 0-based range in editor coordinates (UTF-16 characters), end exclusive. */
export interface TextRange {
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
}

export type FindingCode =
  | 'eup-mismatch'
  | 'total-mismatch'
  | 'subtotal-mismatch'
  | 'unitprice-mismatch'
  | 'pec-not-eligible'
  | 'invalid-value'
  | 'missing-column'
  | 'ragged-row'
  | 'invalid-csv'
  | 'duplicate-column'
  | 'unsupported-encoding'
  | 'empty-file'
  | 'no-data-rows'
  | 'legacy-format'
  | 'credit-disagreement'
  | 'tiers-unverified'
  | 'date-order'
  | 'usage-date-outside-period';

export interface Finding extends TextRange {
  code: FindingCode;
  severity: Severity;
  message: string;
  /** The column the finding is about, spelled as in the file's header. */
  column?: string;
  /** Decimal strings: what the file says, what the rules give, and the money at stake in billing currency. */
  actual?: string;
  expected?: string;
  impact?: string;
  currency?: string;
  /** 0-based record index (the header is 0) when the finding belongs to a row. */
  record?: number;
  /** The MeterId of the row (daily usage), so that repeated defects of one meter can be grouped. */
  meter?: string;
  /** For a finding that stands for several rows (a meter's unverified tiered rows): how many. */
  rows?: number;
}

export const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
/** The severities in rank order: SEVERITIES[SEVERITY_RANK[s]] is s. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** The range of cell `i` of a record, from the tokenizer's flat position array. */
export function cellRange(pos: readonly number[], i: number): TextRange {
  return { line: pos[4 * i], character: pos[4 * i + 1], endLine: pos[4 * i + 2], endCharacter: pos[4 * i + 3] };
}

/** The range from the first cell's start to the last cell's end of a record. */
export function recordRange(pos: readonly number[]): TextRange {
  const last = pos.length / 4 - 1;
  return { line: pos[0], character: pos[1], endLine: pos[4 * last + 2], endCharacter: pos[4 * last + 3] };
}
