/**
 * Restricted mode: the server is started knowing whether the workspace is trusted (languageClient.ts) and is told
 * when the user grants trust, so that rules files are analysed again with their full reach.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { WorkspaceTrustedNotification } from '../shared/trust';

export function registerWorkspaceTrust(context: vscode.ExtensionContext, client: LanguageClient): void {
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client.sendNotification(WorkspaceTrustedNotification, {})),
  );
}
