/**
 * The export commands of a rules file (chargeback report, general-ledger journal, FOCUS cost lines, JSON result):
 * the rules are checked first, the server allocates afresh and writes the file atomically, and the message says what
 * was written (the amount, the path, an Open button).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ExportRequest, type ExportKind, type ExportResult } from '../shared/protocol';
import { RULES_LANGUAGE } from '../shared/languages';
import { money } from './statusBar';

const EXPORTS: { kind: ExportKind; command: string; label: string; extension: string; filter: string }[] = [
  { kind: 'report', command: 'chargeback.exportReport', label: 'chargeback report', extension: 'csv', filter: 'CSV' },
  {
    kind: 'journal',
    command: 'chargeback.exportJournal',
    label: 'general-ledger journal',
    extension: 'csv',
    filter: 'CSV',
  },
  {
    kind: 'focus',
    command: 'chargeback.exportFocus',
    label: 'allocated cost lines (FOCUS)',
    extension: 'csv',
    filter: 'CSV',
  },
  {
    kind: 'json',
    command: 'chargeback.exportJson',
    label: 'allocation result (JSON)',
    extension: 'json',
    filter: 'JSON',
  },
];

export function registerExports(context: vscode.ExtensionContext, client: LanguageClient): void {
  for (const e of EXPORTS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(e.command, (rulesUri?: vscode.Uri, target?: vscode.Uri | string) =>
        exportCommand(client, e, rulesUri, target),
      ),
    );
  }
}

/**
 * Writes one export of the active (or given) rules file. Refuses before asking anything when the rules have errors;
 * asks where to save unless a target is given (scripts and tests pass one, and a given file is never replaced); the
 * save dialog's own confirmation is the one question before replacing a file; the server writes atomically.
 */
async function exportCommand(
  client: LanguageClient,
  e: (typeof EXPORTS)[number],
  rulesUri?: vscode.Uri,
  target?: vscode.Uri | string,
): Promise<ExportResult | undefined> {
  const doc = rulesUri
    ? await vscode.workspace.openTextDocument(rulesUri)
    : [vscode.window.activeTextEditor, ...vscode.window.visibleTextEditors].find(
        (ed) => ed?.document.languageId === RULES_LANGUAGE,
      )?.document;
  if (!doc || doc.languageId !== RULES_LANGUAGE || doc.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(
      'Chargeback: open a saved *.chargeback.yaml rules file to export its allocation.',
    );
    return undefined;
  }
  let out: vscode.Uri | undefined = typeof target === 'string' ? vscode.Uri.file(target) : target;
  const interactive = !out;
  // The rules first: no save dialog for an export that cannot be made.
  const errors = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
  if (errors.length > 0) {
    const first = errors[0];
    const what = `${errors.length} error${errors.length > 1 ? 's' : ''} (line ${first.range.start.line + 1}: ${first.message.split('\n')[0]})`;
    void vscode.window
      .showErrorMessage(`Chargeback: nothing exported: the rules file has ${what}.`, 'Show Problems')
      .then((choice) => choice && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return { written: false, path: out?.fsPath ?? '', message: `the rules file has ${errors.length} error(s)` };
  }
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
  // The save dialog already asked before replacing a file: the user's answer there is the only question.
  const result = await client.sendRequest(ExportRequest, {
    uri: doc.uri.toString(),
    kind: e.kind,
    out: out.fsPath,
    overwrite: interactive,
  });
  if (result.written) {
    const amount = result.total !== undefined && result.currency ? `${money(result.currency, result.total)} ` : '';
    void vscode.window
      .showInformationMessage(`Exported the ${e.label}: ${amount}to ${out.fsPath}`, 'Open')
      .then((choice) => {
        if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', out);
      });
  } else {
    void vscode.window.showErrorMessage(`Chargeback: ${result.message}`);
  }
  return result;
}
