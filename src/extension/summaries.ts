/**
 * The latest summary of every checked billing file, as the server announces them (FileSummaryNotification) or a
 * check from disk returns them. The status bar, the summary command and the extension's API read from here.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { FileSummaryNotification, type FileSummary } from '../shared/protocol';

export class FileSummaries implements vscode.Disposable {
  private readonly byUri = new Map<string, FileSummary>();
  private readonly waiters = new Map<string, ((s: FileSummary) => void)[]>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after a summary was added or removed. */
  readonly onDidChange = this.changed.event;

  get(uri: string): FileSummary | undefined {
    return this.byUri.get(uri);
  }

  set(summary: FileSummary): void {
    this.byUri.set(summary.uri, summary);
    this.changed.fire();
    for (const resolve of this.waiters.get(summary.uri) ?? []) resolve(summary);
    this.waiters.delete(summary.uri);
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
    this.changed.fire();
  }

  /** Resolves with the next summary of that file (after the pending check). */
  next(uri: string): Promise<FileSummary> {
    return new Promise((resolve) => this.waiters.set(uri, [...(this.waiters.get(uri) ?? []), resolve]));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Keeps the summaries of open files: filled by the server's notifications, emptied when a document closes. */
export function registerFileSummaries(context: vscode.ExtensionContext, client: LanguageClient): FileSummaries {
  const summaries = new FileSummaries();
  context.subscriptions.push(
    summaries,
    client.onNotification(FileSummaryNotification, (s) => summaries.set(s)),
    vscode.workspace.onDidCloseTextDocument((doc) => summaries.delete(doc.uri.toString())),
  );
  return summaries;
}
