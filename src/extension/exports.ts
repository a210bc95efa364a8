/**
 * The export commands of a rules file (chargeback report, general-ledger journal, FOCUS cost lines, JSON result):
 * the server allocates afresh and writes the file atomically; an existing file is replaced only after the user says
 * so.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ExportRequest, type ExportKind, type ExportResult } from '../shared/protocol';
import { RULES_LANGUAGE } from '../shared/languages';

const EXPORTS: { kind: ExportKind; command: string; label: string; extension: string; filter: string }[] = [
  { kind: 'report', command: 'chargeback.exportReport', label: 'chargeback report', extension: 'csv', filter: 'CSV' },
  { kind: 'journal', command: 'chargeback.exportJournal', label: 'general-ledger journal', extension: 'csv', filter: 'CSV' },
  { kind: 'focus', command: 'chargeback.exportFocus', label: 'allocated cost lines (FOCUS)', extension: 'csv', filter: 'CSV' },
  { kind: 'json', command: 'chargeback.exportJson', label: 'allocation result (JSON)', extension: 'json', filter: 'JSON' },
];

export function registerExports(context: vscode.ExtensionContext, client: LanguageClient): void {
  for (const e of EXPORTS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(e.command, (rulesUri?: vscode.Uri, target?: vscode.Uri | string) => exportCommand(client, e, rulesUri, target)),
    );
  }
}

/**
 * Writes one export of the active (or given) rules file. Asks where to save unless a target is given (scripts and
 * tests pass one); an existing file is replaced only after the user says so, and the server writes atomically.
 */
async function exportCommand(client: LanguageClient, e: (typeof EXPORTS)[number], rulesUri?: vscode.Uri, target?: vscode.Uri | string): Promise<ExportResult | undefined> {
  const doc = rulesUri
    ? await vscode.workspace.openTextDocument(rulesUri)
    : vscode.window.activeTextEditor?.document.languageId === RULES_LANGUAGE ? vscode.window.activeTextEditor.document : undefined;
  if (!doc || doc.languageId !== RULES_LANGUAGE || doc.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Chargeback: open a saved *.chargeback.yaml rules file to export its allocation.');
    return undefined;
  }
  let out: vscode.Uri | undefined = typeof target === 'string' ? vscode.Uri.file(target) : target;
  const interactive = !out;
  if (!out) {
    const base = doc.uri.path.replace(/\.chargeback\.ya?ml$/i, '');
    out = await vscode.window.showSaveDialog({
      defaultUri: doc.uri.with({ path: `${base}-${e.kind}.${e.extension}` }),
      filters: { [e.filter]: [e.extension] },
      saveLabel: `Export ${e.label}`,
      title: `Export the ${e.label}`,
    });
    if (!out) return undefined;
  }
  const send = (overwrite: boolean) => client.sendRequest(ExportRequest, { uri: doc.uri.toString(), kind: e.kind, out: out!.fsPath, overwrite });
  let result = await send(false);
  if (!result.written && result.exists && interactive) {
    const replace = await vscode.window.showWarningMessage(`${out.fsPath} already exists. Replace it?`, { modal: true }, 'Replace');
    if (replace !== 'Replace') return result;
    result = await send(true);
  }
  if (result.written) {
    void vscode.window.showInformationMessage(`Exported the ${e.label}: ${result.currency} ${result.total} to ${out.fsPath}`, 'Open').then((choice) => {
      if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', out);
    });
  } else {
    void vscode.window.showErrorMessage(`Chargeback: ${result.message}`);
  }
  return result;
}
