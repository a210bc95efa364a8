/**
 * The settings under "chargeback.*" as the language server reads them, with their defaults. package.json
 * contributes.configuration mirrors these; the server pulls them per document (src/server/service/settings.ts).
 */

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
