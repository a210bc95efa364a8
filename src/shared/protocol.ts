/**
 * What the VS Code client and the language server say to each other beyond standard LSP: every request and
 * notification as one typed object (method name, parameter and result types together), defined here once and used
 * by both sides, so that the two can never disagree on a name or a shape.
 *
 * This folder is imported by the client and by the server, so it may import only what both bundles can carry:
 * the core's types and the transport-free entry of `vscode-jsonrpc` (the message classes that both LSP packages
 * re-export), never `vscode-languageclient` or `vscode-languageserver` themselves, which would pull one side into
 * the other's bundle. Messages between a webview and the extension get a module of their own next to this one.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ExportKind } from '../core/exports/exportContent';

export type { ChargebackSettings } from './settings';
export { DEFAULT_SETTINGS } from './settings';
export type { ExportKind } from '../core/exports/exportContent';

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
export const FileSummaryNotification = new NotificationType<FileSummary>('chargeback/fileSummary');

export interface CheckFileParams {
  uri: string;
}
export interface CheckFileResult {
  summary: FileSummary;
  /** Compiler-style lines (path:line:col: severity code: message) for the output channel, at most `listed`. */
  lines: string[];
  listed: number;
}
/** Client -> server request: check a file from disk (any size) and publish its diagnostics. */
export const CheckFileRequest = new RequestType<CheckFileParams, CheckFileResult, void>('chargeback/checkFile');

export interface CheckProgressParams {
  uri: string;
  rows: number;
  pass: number;
  passes: number;
}
/** Server -> client notification while a file is being checked from disk. */
export const CheckProgressNotification = new NotificationType<CheckProgressParams>('chargeback/checkProgress');

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
/** Client -> server request: allocate a rules file afresh and write one export (atomically; never silently replaces). */
export const ExportRequest = new RequestType<ExportParams, ExportResult, void>('chargeback/export');
