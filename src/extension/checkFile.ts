/**
 * The "Check Billing File" command: the server checks a file from disk (any size, also files too big for the
 * editor to open), with progress and cancel; the findings go to the Problems view and the output channel. Without a
 * file given it takes the active tab's, whether or not VS Code handed that file to extensions.
 */
import * as vscode from 'vscode';
import { kindOfLanguage } from '../core/billing/fileKinds';
import type { CheckFileResult } from '../shared/protocol';
import { activeTabUri, type BigFiles } from './bigFiles';
import type { FileSummaries } from './summaries';
import { formatSummary } from './summaryCommand';

export function registerCheckFile(
  context: vscode.ExtensionContext,
  diskChecks: BigFiles,
  summaries: FileSummaries,
  output: vscode.OutputChannel,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(
      'chargeback.checkFile',
      async (uri?: vscode.Uri): Promise<CheckFileResult | undefined> => {
        const target = uri ?? (await pickBillingFile());
        if (!target) return undefined;
        if (target.scheme !== 'file') {
          void vscode.window.showErrorMessage('Chargeback: only files on disk can be checked from disk.');
          return undefined;
        }
        const name = target.path.slice(target.path.lastIndexOf('/') + 1);
        const result = await diskChecks.check(target, vscode.ProgressLocation.Notification);
        if (!result) {
          void vscode.window.showWarningMessage(`Chargeback: the check of ${name} was cancelled.`);
          return undefined;
        }
        summaries.set({ ...result.summary, fromDisk: true });
        output.appendLine(`Checked ${target.fsPath} from disk:`);
        for (const line of result.lines) output.appendLine(line);
        if (result.summary.findings > result.lines.length) {
          output.appendLine(
            `... ${result.summary.findings - result.lines.length} more findings not listed here; run \`chargeback check\` for the full list.`,
          );
        }
        output.appendLine(formatSummary(result.summary));
        if (!result.summary.complete) {
          void vscode.window.showWarningMessage(`Chargeback: the check of ${name} was cancelled.`);
        } else {
          void vscode.window
            .showInformationMessage(
              `${name}: ${result.summary.rows.toLocaleString('en-US')} rows, ${result.summary.findings} findings (${result.summary.errors} errors).`,
              'Show Problems',
              'Show Output',
            )
            .then((choice) => {
              if (choice === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
              if (choice === 'Show Output') output.show(true);
            });
        }
        return result;
      },
    ),
  );
}

async function pickBillingFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && kindOfLanguage(active.languageId) && active.uri.scheme === 'file') return active.uri;
  // A big file's tab has no text editor for extensions: the tab still says which file it shows.
  const tab = activeTabUri();
  if (tab?.scheme === 'file' && /\.(csv|txt)$/i.test(tab.path)) return tab;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { 'Billing files': ['csv'] },
    openLabel: 'Check billing file',
  });
  return picked?.[0];
}
