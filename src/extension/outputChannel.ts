/** The "FinOps Chargeback" output channel, where the commands write summaries and findings. */
import * as vscode from 'vscode';

export function registerOutputChannel(context: vscode.ExtensionContext): vscode.OutputChannel {
  const output = vscode.window.createOutputChannel('FinOps Chargeback');
  context.subscriptions.push(output);
  return output;
}
