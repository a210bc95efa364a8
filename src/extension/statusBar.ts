/**
 * The status bar item for the active billing file: rows, findings and the money at stake; a click shows the full
 * summary in the output channel.
 */
import * as vscode from 'vscode';
import { kindOfLanguage } from '../core/billing/fileKinds';
import type { FileSummaries } from './summaries';

/** Shows the active billing file's totals, kept current as summaries arrive and editors change. */
export function registerStatusBar(context: vscode.ExtensionContext, summaries: FileSummaries): StatusBar {
  const statusBar = new StatusBar(summaries);
  context.subscriptions.push(
    statusBar,
    summaries.onDidChange(() => statusBar.update()),
    vscode.window.onDidChangeActiveTextEditor(() => statusBar.update()),
  );
  return statusBar;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('chargeback.fileSummary', vscode.StatusBarAlignment.Left, 10);

  constructor(private readonly summaries: FileSummaries) {
    this.item.name = 'Chargeback: billing file totals';
    this.item.command = 'chargeback.showSummary';
    this.update();
  }

  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !kindOfLanguage(doc.languageId)) {
      this.item.hide();
      return;
    }
    const s = this.summaries.get(doc.uri.toString());
    if (!s) {
      this.item.text = '$(sync~spin) Checking billing file…';
      this.item.tooltip = 'Re-rating every row of this file';
      this.item.show();
      return;
    }
    const icon = s.errors > 0 ? '$(error)' : s.warnings > 0 ? '$(warning)' : '$(pass)';
    const money = s.overcharge !== '0.00' ? ` · over ${s.currency} ${s.overcharge}` : '';
    const under = s.undercharge !== '0.00' ? ` · under ${s.currency} ${s.undercharge.replace('-', '')}` : '';
    this.item.text = `${icon} ${s.rows.toLocaleString('en-US')} rows · ${s.findings} finding${s.findings === 1 ? '' : 's'}${money}${under}`;
    const tooltip = new vscode.MarkdownString(
      `**${s.kindLabel}**\n\n`
      + `${s.rows.toLocaleString('en-US')} rows, billed ${s.currency} ${s.billedTotal}\n\n`
      + `${s.errors} errors, ${s.warnings} warnings, ${s.infos} info`
      + (s.notShown ? ` (${s.notShown} not shown as diagnostics)` : '')
      + `\n\nOvercharged ${s.currency} ${s.overcharge}, undercharged ${s.currency} ${s.undercharge.replace('-', '')}\n\nClick for the full summary.`,
    );
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
