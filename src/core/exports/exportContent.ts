/**
 * The content of each export of an allocation, by the name the CLI and the editor commands use. The FOCUS export
 * goes line by line, so it reads the billing files a second time (streamed: memory stays flat).
 */
import type { AllocationResult } from '../allocation/result';
import type { RulesFile } from '../allocation/model';
import { linesAgain } from '../allocation/rulesRun';
import type { DateOrder } from '../billing/dates';
import { chargebackReportCsv } from './reportCsv';
import { journalCsv } from './journalCsv';
import { focusCsvChunks } from './focusCsv';
import { resultJsonText } from './resultJson';
import type { WriteContent } from './atomicWrite';

export type ExportKind = 'report' | 'journal' | 'focus' | 'json';
export const EXPORT_KINDS: readonly ExportKind[] = ['report', 'journal', 'focus', 'json'];

export function exportContent(
  kind: ExportKind,
  result: AllocationResult,
  model: RulesFile,
  files: readonly string[],
  dateOrder?: DateOrder,
): WriteContent {
  switch (kind) {
    case 'report':
      return chargebackReportCsv(result);
    case 'journal':
      return journalCsv(result, model);
    case 'json':
      return resultJsonText(result);
    case 'focus':
      return focusCsvChunks(result, model, linesAgain(files, { dateOrder, amount: model.amount }));
  }
}
