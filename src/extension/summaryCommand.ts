/**
 * The "Show Billing File Summary" command (also the status bar's click): the active billing file's totals in the
 * output channel, as one line that the check-file command writes too.
 */
import * as vscode from 'vscode';
import type { FileSummary } from '../shared/protocol';
import type { FileSummaries } from './summaries';

export function registerShowSummary(
  context: vscode.ExtensionContext,
  summaries: FileSummaries,
  output: vscode.OutputChannel,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('chargeback.showSummary', (uri?: vscode.Uri) => {
      const key = (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
      const summary = key ? summaries.get(key) : undefined;
      if (!summary) {
        void vscode.window.showInformationMessage('Chargeback: open a Partner Center billing file to see its totals.');
        return undefined;
      }
      output.appendLine(formatSummary(summary));
      output.show(true);
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
  const codes = Object.entries(s.byCode).map(([code, n]) => `${code} ${n}`).join(', ');
  return `${vscode.Uri.parse(s.uri).fsPath}: ${s.kindLabel}, ${s.rows.toLocaleString('en-US')} rows, ${s.findings} findings `
    + `(${s.errors} errors, ${s.warnings} warnings, ${s.infos} info)${codes ? ` [${codes}]` : ''}`
    + `${money.length ? ', ' + money.join(', ') : ''}${s.notShown ? `; ${s.notShown} not shown as diagnostics` : ''}; checked in ${s.elapsedMs} ms.`;
}
