/**
 * The "Show Billing File Summary" command (also the status bar's click): the active billing file's summary as a
 * document beside it (per finding code), and its totals in the output channel as the one line the check-file
 * command writes too.
 */
import * as vscode from 'vscode';
import type { FileSummary } from '../shared/protocol';
import type { StatusBar } from './statusBar';
import type { FileSummaries } from './summaries';
import { SummaryDocuments } from './summaryDocument';

export function registerShowSummary(
  context: vscode.ExtensionContext,
  summaries: FileSummaries,
  statusBar: StatusBar,
  output: vscode.OutputChannel,
): void {
  const documents = new SummaryDocuments(summaries);
  context.subscriptions.push(
    documents,
    vscode.commands.registerCommand('chargeback.showSummary', async (uri?: vscode.Uri) => {
      const key = uri?.toString() ?? statusBar.activeBillingUri();
      const summary = key ? summaries.get(key) : undefined;
      if (!summary) {
        void vscode.window.showInformationMessage('Chargeback: open a Partner Center billing file to see its totals.');
        return undefined;
      }
      output.appendLine(formatSummary(summary));
      await documents.show(summary);
      return summary;
    }),
  );
}

export function formatSummary(s: FileSummary): string {
  const money = [
    s.billedTotal !== '0.00' ? `billed ${s.currency} ${s.billedTotal}` : '',
    s.overcharge !== '0.00' ? `overcharged ${s.currency} ${s.overcharge}` : '',
    s.undercharge !== '0.00' ? `undercharged ${s.currency} ${s.undercharge.replace('-', '')}` : '',
  ].filter(Boolean);
  const codes = Object.entries(s.byCode)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return (
    `${vscode.Uri.parse(s.uri).fsPath}: ${s.kindLabel}, ${s.rows.toLocaleString('en-US')} rows, ${s.findings} findings ` +
    `(${s.errors} errors, ${s.warnings} warnings, ${s.infos} info)${codes ? ` [${codes}]` : ''}` +
    `${money.length ? ', ' + money.join(', ') : ''}${s.notShown ? `; ${s.notShown} not shown as diagnostics` : ''}; checked in ${s.elapsedMs} ms.`
  );
}
