/** The VS Code client: starts the language server and owns commands, the status bar and the output channel. */
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('chargeback.ping', () => 'pong'),
  );
}

export function deactivate(): void {}
