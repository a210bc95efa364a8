/**
 * The "FinOps Chargeback" output channel, where the commands write summaries and findings. Lines carry paths, ids
 * and messages from files: the channel given to the features escapes control characters and bidi overrides in
 * everything written to it (core/text/displayText), so that no file can fake or reorder a line.
 */
import * as vscode from 'vscode';
import { displayText } from '../core/text/displayText';

export function registerOutputChannel(context: vscode.ExtensionContext): vscode.OutputChannel {
  const output = vscode.window.createOutputChannel('FinOps Chargeback');
  context.subscriptions.push(output);
  return new Proxy(output, {
    get(target, property) {
      if (property === 'appendLine') return (line: string) => target.appendLine(displayText(line));
      if (property === 'append') return (text: string) => target.append(displayText(text));
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
