/**
 * Getting started: the command that opens a billing month beside its rules file (the walkthrough's first step), and
 * the first time a folder with a rules file is opened, that same pair plus the walkthrough (open a month, read a
 * finding, allocate, export), so a newcomer starts from something instead of an empty workbench. Once per folder;
 * never while the extension's tests run.
 */
import * as vscode from 'vscode';
import { resolveDataFiles, uniqueFiles } from '../core/allocation/dataFiles';
import { parseRules } from '../core/allocation/parseRules';

export const WALKTHROUGH_ID = 'finops-chargeback.finops-chargeback#chargeback.gettingStarted';
const WELCOMED_KEY = 'chargeback.welcomed';

/** The rules file to start from: the active one, else the first in the workspace. */
async function findRulesFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === 'chargeback-rules' && active.uri.scheme === 'file') return active.uri;
  const found = await vscode.workspace.findFiles('**/*.chargeback.{yaml,yml}', '**/node_modules/**', 20);
  return found.sort((a, b) => a.path.localeCompare(b.path))[0];
}

/** Opens the first billing file a rules file names (daily usage first) on the left and the rules on the right. */
export async function openMonth(rules?: vscode.Uri): Promise<{ rules: vscode.Uri; billing?: vscode.Uri } | undefined> {
  const rulesUri = rules ?? (await findRulesFile());
  if (!rulesUri) {
    void vscode.window.showInformationMessage(
      'Chargeback: no *.chargeback.yaml rules file in this folder. Open a Partner Center billing file (daily usage or reconciliation CSV) to check it.',
    );
    return undefined;
  }
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(rulesUri));
  const files = uniqueFiles(await resolveDataFiles(rulesUri.fsPath, parseRules(text).model.data).catch(() => []));
  const daily = files.find((f) => /daily/i.test(f)) ?? files[0];
  const billing = daily ? vscode.Uri.file(daily) : undefined;
  if (billing) await vscode.window.showTextDocument(billing, { viewColumn: vscode.ViewColumn.One, preview: false });
  await vscode.window.showTextDocument(rulesUri, {
    viewColumn: billing ? vscode.ViewColumn.Two : vscode.ViewColumn.One,
    preview: false,
  });
  return { rules: rulesUri, billing };
}

export function registerWalkthrough(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('chargeback.openMonth', (uri?: vscode.Uri) => openMonth(uri)),
  );
  if (context.extensionMode === vscode.ExtensionMode.Test || context.workspaceState.get<boolean>(WELCOMED_KEY)) return;
  void (async () => {
    // Only into an empty workbench: someone who already has files open knows where they are.
    if (vscode.window.tabGroups.all.some((g) => g.tabs.length > 0)) return;
    const rules = await findRulesFile();
    if (!rules) return;
    await context.workspaceState.update(WELCOMED_KEY, true);
    // The walkthrough first, so that it stays a tab behind the month: the month and its rules are what one sees.
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', { category: WALKTHROUGH_ID }, false);
    await openMonth(rules);
  })();
}
