/**
 * Billing files too big for the editor path. VS Code does not hand documents over 50 MB to extensions, so a real
 * month opened with "Open Anyway" would get no diagnostics and no totals. This module watches the editor tabs: a tab
 * showing a billing CSV (recognized by its header, read from disk) that VS Code did not sync, or whose file is at
 * least `chargeback.checkFromDiskAboveMB` big, is checked from disk by the language server (which reads the file
 * itself), with progress in the status bar; the findings go to Problems, the totals to the status bar, and the file
 * is checked again when it changes on disk. Closing its last tab stops the watching.
 */
import { open, stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  CheckFileRequest,
  CheckProgressNotification,
  type CheckFileResult,
  type CheckProgressParams,
} from '../shared/protocol';
import { billingKindOfHeader } from './billingFileRecognition';
import type { FileSummaries } from './summaries';

/** VS Code's own limit: documents over this many characters never reach extensions. */
export const EDITOR_SYNC_LIMIT_MB = 50;

/** The file URI the active tab shows, whether or not VS Code synced its document to extensions. */
export function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputText ? input.uri : undefined;
}

/** The first line of a file on disk (at most 64 KiB of it), without reading the rest. */
async function firstLine(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.search(/\r?\n/);
    return end < 0 ? text : text.slice(0, end);
  } finally {
    await handle.close();
  }
}

export class BigFiles implements vscode.Disposable {
  /** Files checked from disk, by URI string: their watcher and the check in flight. */
  private readonly tracked = new Map<
    string,
    { watcher: vscode.Disposable; running?: vscode.CancellationTokenSource; timer?: NodeJS.Timeout }
  >();
  private readonly disposables: vscode.Disposable[] = [];

  /** Progress of the server's checks from disk, per file URI (one handler for the notification). */
  private readonly progressListeners = new Map<string, (p: CheckProgressParams) => void>();

  constructor(
    private readonly client: LanguageClient,
    private readonly summaries: FileSummaries,
  ) {
    this.disposables.push(
      client.onNotification(CheckProgressNotification, (p) => this.progressListeners.get(p.uri)?.(p)),
      vscode.window.tabGroups.onDidChangeTabs(() => void this.scanTabs()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('chargeback.checkFromDiskAboveMB')) void this.scanTabs();
      }),
    );
    void this.scanTabs();
  }

  /** Looks at every open tab: starts checking the billing files the editor path cannot, forgets closed ones. */
  async scanTabs(): Promise<void> {
    const open = new Set<string>();
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === 'file')
          open.add(tab.input.uri.toString());
      }
    }
    for (const [key, t] of this.tracked) {
      if (open.has(key)) continue;
      t.running?.cancel();
      if (t.timer) clearTimeout(t.timer);
      t.watcher.dispose();
      this.tracked.delete(key);
      this.summaries.release(key);
    }
    for (const key of open) {
      if (this.tracked.has(key)) continue;
      const uri = vscode.Uri.parse(key);
      if (await this.needsDiskCheck(uri)) this.track(uri);
    }
  }

  private async needsDiskCheck(uri: vscode.Uri): Promise<boolean> {
    try {
      const size = (await stat(uri.fsPath)).size;
      const limitMb = vscode.workspace
        .getConfiguration('chargeback', uri)
        .get<number>('checkFromDiskAboveMB', EDITOR_SYNC_LIMIT_MB);
      const synced = vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());
      if (synced && size < limitMb * 1024 * 1024) return false;
      return billingKindOfHeader(await firstLine(uri.fsPath)) !== undefined;
    } catch {
      return false; // gone, unreadable or not a file: nothing to check
    }
  }

  private track(uri: vscode.Uri): void {
    const key = uri.toString();
    const slash = uri.path.lastIndexOf('/');
    const folder = uri.with({ path: uri.path.slice(0, slash) });
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(folder, uri.path.slice(slash + 1)),
    );
    const again = (): void => {
      const t = this.tracked.get(key);
      if (!t) return;
      // A file being written changes many times: check once it has been quiet for a moment.
      if (t.timer) clearTimeout(t.timer);
      t.timer = setTimeout(() => void this.check(uri), 750);
    };
    watcher.onDidChange(again);
    watcher.onDidCreate(again);
    this.tracked.set(key, { watcher });
    this.summaries.claim(key);
    void this.check(uri);
  }

  /** Checks a file from disk with progress in the status bar; a newer check of the same file cancels the older. */
  async check(
    uri: vscode.Uri,
    location: vscode.ProgressLocation = vscode.ProgressLocation.Window,
  ): Promise<CheckFileResult | undefined> {
    const key = uri.toString();
    const t = this.tracked.get(key);
    t?.running?.cancel();
    const source = new vscode.CancellationTokenSource();
    if (t) t.running = source;
    const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    try {
      return await vscode.window.withProgress(
        { location, title: `Checking ${name}`, cancellable: location === vscode.ProgressLocation.Notification },
        async (progress, token) => {
          token.onCancellationRequested(() => source.cancel());
          this.progressListeners.set(key, (p) =>
            progress.report({
              message: `${p.rows.toLocaleString('en-US')} rows${p.passes > 1 ? ` (pass ${p.pass} of ${p.passes})` : ''}`,
            }),
          );
          try {
            const result: CheckFileResult = await this.client.sendRequest(CheckFileRequest, { uri: key }, source.token);
            if (result.summary.complete) this.summaries.set({ ...result.summary, fromDisk: true });
            return result;
          } finally {
            this.progressListeners.delete(key);
          }
        },
      );
    } catch (e) {
      if (source.token.isCancellationRequested) return undefined;
      throw e;
    } finally {
      if (t?.running === source) t.running = undefined;
      source.dispose();
    }
  }

  dispose(): void {
    for (const [key, t] of this.tracked) {
      this.summaries.release(key);
      t.running?.cancel();
      if (t.timer) clearTimeout(t.timer);
      t.watcher.dispose();
    }
    this.tracked.clear();
    for (const d of this.disposables) d.dispose();
  }
}

/** Watches the tabs for billing files the editor path cannot check; `Check Billing File` runs through it too. */
export function registerBigFiles(
  context: vscode.ExtensionContext,
  client: LanguageClient,
  summaries: FileSummaries,
): BigFiles {
  const bigFiles = new BigFiles(client, summaries);
  context.subscriptions.push(bigFiles);
  return bigFiles;
}
