/**
 * What the VS Code client and the language server say to each other beyond standard LSP, and the settings both
 * read. One file, imported by both sides, so the two can never disagree on a name or a shape.
 */
import type { ExportKind } from '../core/exports/exportContent';

/** Settings under "chargeback.*" (package.json contributes.configuration mirrors these). */
export interface ChargebackSettings {
  /** How slash dates (7/1/2026) are read. */
  dateOrder: 'MDY' | 'DMY';
  /** Azure plan price list CSV, absolute or relative to the workspace folder; empty for none. */
  priceList: string;
  /** A total off by at least this amount (billing currency) is an error; less is a warning. */
  errorThreshold: string;
  /** At most this many row diagnostics per file reach the editor; the rest are summarized per code. */
  maxDiagnostics: number;
}

export const DEFAULT_SETTINGS: ChargebackSettings = {
  dateOrder: 'MDY',
  priceList: '',
  errorThreshold: '1.00',
  maxDiagnostics: 500,
};

/** The totals of one checked billing file, as the status bar and the output channel show them. */
export interface FileSummary {
  uri: string;
  kind: string;
  kindLabel: string;
  rows: number;
  findings: number;
  errors: number;
  warnings: number;
  infos: number;
  byCode: Record<string, number>;
  billedTotal: string;
  overcharge: string;
  undercharge: string;
  currency: string;
  complete: boolean;
  /** Findings that did not become diagnostics because of maxDiagnostics. */
  notShown: number;
  /** Milliseconds the check took. */
  elapsedMs: number;
  /** Set by the client when the file was checked from disk (too big for the editor path, or checked by command). */
  fromDisk?: boolean;
}

/** Server -> client notification after every check of a document or file. */
export const SUMMARY_NOTIFICATION = 'chargeback/fileSummary';

/** Client -> server request: check a file from disk (any size) and publish its diagnostics. */
export const CHECK_FILE_REQUEST = 'chargeback/checkFile';
export interface CheckFileParams {
  uri: string;
}
export interface CheckFileResult {
  summary: FileSummary;
  /** Compiler-style lines (path:line:col: severity code: message) for the output channel, at most `listed`. */
  lines: string[];
  listed: number;
}

/** Server -> client notification while a file is being checked from disk. */
export const CHECK_PROGRESS_NOTIFICATION = 'chargeback/checkProgress';
export interface CheckProgressParams {
  uri: string;
  rows: number;
  pass: number;
  passes: number;
}

/** Client -> server request: allocate a rules file afresh and write one export (atomically; never silently replaces). */
export const EXPORT_REQUEST = 'chargeback/export';
export type { ExportKind } from '../core/exports/exportContent';
export interface ExportParams {
  uri: string;
  kind: ExportKind;
  /** Absolute path of the file to write. */
  out: string;
  /** Replace an existing file (the user confirmed it). */
  overwrite: boolean;
}
export interface ExportResult {
  written: boolean;
  path: string;
  message: string;
  /** True when nothing was written because the file exists. */
  exists?: boolean;
  total?: string;
  currency?: string;
  bytes?: number;
}
