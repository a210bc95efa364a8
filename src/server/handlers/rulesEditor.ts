/**
 * The rules editor's two requests to the language server: the preview of a rules document (after its pending
 * analysis, which an edit from the visual editor starts at once) and pages of billing lines for the drill-down.
 * Wiring only: the rules service analyses, buildRulesPreview shapes, RulesLines keeps the lines.
 */
import type { Connection } from 'vscode-languageserver';
import type { DateOrder } from '../../core/billing/dates';
import { RulesLinesRequest, RulesPreviewRequest } from '../../shared/rulesPreview';
import { onRequest } from './messages';
import { buildRulesPreview } from '../rules/rulesPreview';
import { RulesLines } from '../rules/rulesLines';
import type { RulesService } from '../rules/rulesService';

export function registerRulesPreview(
  connection: Connection,
  rules: RulesService,
  dateOrder: (uri: string) => Promise<DateOrder>,
): void {
  const lines = new RulesLines();
  onRequest(connection, RulesPreviewRequest, async (params) => {
    if (params.immediate) rules.flush(params.uri);
    await rules.settledLatest(params.uri);
    const parsed = rules.parsed(params.uri);
    if (!parsed) return null;
    const analysis = rules.analysis(params.uri);
    return buildRulesPreview({
      uri: params.uri,
      parsed,
      data: rules.data(params.uri),
      issues: analysis?.issues,
      analysisMs: analysis?.analysisMs,
    });
  });
  onRequest(connection, RulesLinesRequest, async (params) => {
    await rules.settledLatest(params.uri);
    const parsed = rules.parsed(params.uri);
    const data = rules.data(params.uri);
    if (!parsed || !data) return { total: 0, offset: 0, lines: [], note: 'The billing data has not been read yet.' };
    return lines.page(parsed.model, data.files, await dateOrder(params.uri), params.of, params.offset, params.count);
  });
}
