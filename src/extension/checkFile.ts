/**
 * The "Check Billing File" command: the server checks a file from disk (any size, also files too big for the
 * editor to open), with progress and cancel; the findings go to the Problems view and the output channel.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { kindOfLanguage } from '../core/billing/fileKinds';
import {
  CheckFileRequest,
  CheckProgressNotification,
  type CheckFileResult,
  type CheckProgressParams,
} from '../shared/protocol';
import type { FileSummaries } from './summaries';
import { formatSummary } from './summaryCommand';

export function registerCheckFile(
  context: vscode.ExtensionContext,
  client: LanguageClient,
  summaries: FileSummaries,
  output: vscode.OutputChannel,
): void {
  const progressListeners = new Map<string, (p: CheckProgressParams) => void>();
  context.subscriptions.push(
    client.onNotification(CheckProgressNotification, (p) => progressListeners.get(p.uri)?.(p)),
    vscode.commands.registerCommand('chargeback.checkFile', async (uri?: vscode.Uri): Promise<CheckFileResult | undefined> => {
      const target = uri ?? (await pickBillingFile());
      if (!target) return undefined;
      if (target.scheme !== 'file') {
        void vscode.window.showErrorMessage('Chargeback: only files on disk can be checked from disk.');
        return undefined;
      }
      const name = target.path.slice(target.path.lastIndexOf('/') + 1);
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Checking ${name}`, cancellable: true },
        async (progress, token) => {
          progressListeners.set(target.toString(), (p) => progress.report({ message: `${p.rows.toLocaleString('en-US')} rows${p.passes > 1 ? ` (pass ${p.pass} of ${p.passes})` : ''}` }));
          try {
            return await client.sendRequest(CheckFileRequest, { uri: target.toString() }, token);
          } finally {
            progressListeners.delete(target.toString());
          }
        },
      );
      summaries.set(result.summary);
      output.appendLine(`Checked ${target.fsPath} from disk:`);
      for (const line of result.lines) output.appendLine(line);
      if (result.summary.findings > result.lines.length) {
        output.appendLine(`... ${result.summary.findings - result.lines.length} more findings not listed here; run \`chargeback check\` for the full list.`);
      }
      output.appendLine(formatSummary(result.summary));
      if (!result.summary.complete) {
        void vscode.window.showWarningMessage(`Chargeback: the check of ${name} was cancelled.`);
      } else {
        void vscode.window
          .showInformationMessage(`${name}: ${result.summary.rows.toLocaleString('en-US')} rows, ${result.summary.findings} findings (${result.summary.errors} errors).`, 'Show Problems', 'Show Output')
          .then((choice) => {
            if (choice === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
            if (choice === 'Show Output') output.show(true);
          });
      }
      return result;
    }),
  );
}

async function pickBillingFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && kindOfLanguage(active.languageId) && active.uri.scheme === 'file') return active.uri;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Billing files': ['csv'] }, openLabel: 'Check billing file' });
  return picked?.[0];
}
