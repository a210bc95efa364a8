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
  private readonly claimed = new Set<string>();
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

  /** A file checked from disk owns its summary: the editor path's announcements no longer replace it. */
  claim(uri: string): void {
    this.claimed.add(uri);
  }

  release(uri: string): void {
    this.claimed.delete(uri);
  }

  isClaimed(uri: string): boolean {
    return this.claimed.has(uri);
  }

  /** A summary the server announced after checking a document (ignored for a file checked from disk). */
  announce(summary: FileSummary): void {
    if (!this.claimed.has(summary.uri)) this.set(summary);
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
    client.onNotification(FileSummaryNotification, (s) => summaries.announce(s)),
    vscode.workspace.onDidCloseTextDocument((doc) => summaries.delete(doc.uri.toString())),
  );
  return summaries;
}
