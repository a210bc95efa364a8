/**
 * The status bar item for the active billing file: the billed total, rows, findings and the money at stake; a click
 * opens the summary. It follows the active tab too, for files too big for VS Code to hand to extensions.
 */
import * as vscode from 'vscode';
import { kindOfLanguage } from '../core/billing/fileKinds';
import { activeTabUri } from './bigFiles';
import type { FileSummaries } from './summaries';

/** Money as people read it: EUR 1,234.56 (the summaries carry exact decimal strings). */
export function money(currency: string, amount: string): string {
  const [whole, cents] = amount.replace('-', '').split('.');
  return `${amount.startsWith('-') ? '-' : ''}${currency} ${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${cents ? '.' + cents : ''}`;
}

/** Shows the active billing file's totals, kept current as summaries arrive and editors and tabs change. */
export function registerStatusBar(context: vscode.ExtensionContext, summaries: FileSummaries): StatusBar {
  const statusBar = new StatusBar(summaries);
  context.subscriptions.push(
    statusBar,
    summaries.onDidChange(() => statusBar.update()),
    vscode.window.onDidChangeActiveTextEditor(() => statusBar.update()),
    // A big file's tab has no text editor: only the tabs say that it became the active one.
    vscode.window.tabGroups.onDidChangeTabs(() => statusBar.update()),
  );
  return statusBar;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'chargeback.fileSummary',
    vscode.StatusBarAlignment.Left,
    10,
  );

  constructor(private readonly summaries: FileSummaries) {
    this.item.name = 'Chargeback: billing file totals';
    this.item.command = 'chargeback.showSummary';
    this.update();
  }

  /** The billing file the user looks at: the active editor's, else the active tab's (a big file has no editor). */
  activeBillingUri(): string | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && kindOfLanguage(doc.languageId)) return doc.uri.toString();
    const tab = activeTabUri()?.toString();
    if (tab && (this.summaries.get(tab) || this.summaries.isClaimed(tab))) return tab;
    return undefined;
  }

  update(): void {
    const key = this.activeBillingUri();
    if (!key) {
      this.item.hide();
      return;
    }
    const s = this.summaries.get(key);
    if (!s) {
      this.item.text = '$(sync~spin) Checking billing file…';
      this.item.tooltip = 'Re-rating every row of this file';
      this.item.show();
      return;
    }
    const icon = s.errors > 0 ? '$(error)' : s.warnings > 0 ? '$(warning)' : '$(pass)';
    const over = s.overcharge !== '0.00' ? ` · over ${money(s.currency, s.overcharge)}` : '';
    const under = s.undercharge !== '0.00' ? ` · under ${money(s.currency, s.undercharge.replace('-', ''))}` : '';
    const findings = `${s.findings} finding${s.findings === 1 ? '' : 's'}`;
    this.item.text = `${icon} ${money(s.currency, s.billedTotal)} · ${s.rows.toLocaleString('en-US')} rows · ${findings}${over}${under}`;
    const tooltip = new vscode.MarkdownString(
      `**${s.kindLabel}**\n\n` +
        `${s.rows.toLocaleString('en-US')} rows, billed ${money(s.currency, s.billedTotal)}${s.fromDisk ? ' (checked from disk)' : ''}\n\n` +
        `${s.errors} errors, ${s.warnings} warnings, ${s.infos} info` +
        (s.notShown ? ` (${s.notShown} not shown as diagnostics)` : '') +
        `\n\nOvercharged ${money(s.currency, s.overcharge)}, undercharged ${money(s.currency, s.undercharge.replace('-', ''))}` +
        '\n\nClick for the summary per finding code.',
    );
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
