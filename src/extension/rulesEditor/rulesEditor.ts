/**
 * The visual rules editor: a custom text editor for `*.chargeback.yaml` whose only model is the YAML text
 * document. The webview renders the server's preview (where every cent goes) and asks for edits; each edit becomes
 * the minimal WorkspaceEdit that rulesEdits computes, so undo, redo, dirty state, save, hot exit and diff are the
 * document's own (Ctrl+Z in the webview reaches the workbench's undo, which undoes the text). Text edits, in an
 * editor beside it or elsewhere, update the webview. The engine stays in the language server.
 */
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { planRulesEdit } from '../../core/allocation/rulesEdits';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  RulesLinesRequest,
  RulesPreviewRequest,
  type RulesLinesParams,
  type RulesPreview,
  type RulesPreviewParams,
} from '../../shared/rulesPreview';
import { parseFromWebview, type FromWebview, type ToWebview, type WebviewSnapshot } from '../../shared/webviewProtocol';
import { rulesEditorHtml, webviewRoot } from './html';

export const RULES_EDITOR_VIEW_TYPE = 'chargeback.rulesEditor';
/** Files VS Code opens for extensions at most (bigger ones are opened by the editor alone, with a selection). */
const EXTENSION_FILE_LIMIT = 50 * 1024 * 1024;

export function registerRulesEditor(context: vscode.ExtensionContext, client: LanguageClient): void {
  const provider = new RulesEditorProvider(context.extensionUri, client);
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(RULES_EDITOR_VIEW_TYPE, provider, {
      supportsMultipleEditorsPerDocument: true,
    }),
    vscode.commands.registerCommand('chargeback.openRulesEditor', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target || !/\.chargeback\.ya?ml$/i.test(target.path)) {
        void vscode.window.showErrorMessage('Chargeback: open a *.chargeback.yaml rules file first.');
        return;
      }
      await vscode.commands.executeCommand('vscode.openWith', target, RULES_EDITOR_VIEW_TYPE);
    }),
    // What the open editor of a rules file shows, read from its webview (for integration tests and scripts).
    vscode.commands.registerCommand('chargeback.rulesEditor.snapshot', (uri: vscode.Uri) => provider.snapshot(uri)),
  );
}

class RulesEditorProvider implements vscode.CustomTextEditorProvider {
  private readonly sessions = new Set<EditorSession>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: LanguageClient,
  ) {}

  resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot(this.extensionUri)] };
    panel.webview.html = rulesEditorHtml(panel.webview, this.extensionUri);
    const session = new EditorSession(document, panel, this.client);
    this.sessions.add(session);
    panel.onDidDispose(() => {
      this.sessions.delete(session);
      session.dispose();
    });
  }

  async snapshot(uri: vscode.Uri): Promise<WebviewSnapshot | undefined> {
    const session = [...this.sessions].find((s) => s.document.uri.toString() === uri.toString());
    return session?.snapshot();
  }
}

class EditorSession {
  private readonly disposables: vscode.Disposable[] = [];
  private preview?: RulesPreview | null;
  /** The next preview follows an edit made here: the server analyses it at once instead of after a typing pause. */
  private immediate = false;
  private refreshing?: vscode.CancellationTokenSource;
  private snapshots = new Map<number, (s: WebviewSnapshot) => void>();
  private nextSnapshot = 1;

  constructor(
    readonly document: vscode.TextDocument,
    private readonly panel: vscode.WebviewPanel,
    private readonly client: LanguageClient,
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => {
        const message = parseFromWebview(raw);
        if (message) void this.handle(message);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === document && e.contentChanges.length > 0) void this.refresh();
      }),
      // Billing data saved meanwhile (another editor, a regenerated month): the server re-reads it.
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d !== document && /\.csv$/i.test(d.uri.path)) void this.refresh();
      }),
    );
  }

  dispose(): void {
    this.refreshing?.cancel();
    for (const d of this.disposables) d.dispose();
  }

  private post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  /** Asks the server for the preview of the document's current text; an older answer never overwrites a newer. */
  private async refresh(): Promise<void> {
    this.refreshing?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.refreshing = cts;
    const version = this.document.version;
    this.post({ type: 'pending', version });
    const params: RulesPreviewParams = { uri: this.document.uri.toString(), immediate: this.immediate };
    this.immediate = false;
    try {
      const preview = await this.client.sendRequest(RulesPreviewRequest, params, cts.token);
      if (cts.token.isCancellationRequested || this.document.version !== version) return;
      this.preview = preview;
      this.post({ type: 'preview', version, preview });
    } catch (e) {
      if (!cts.token.isCancellationRequested)
        void vscode.window.showErrorMessage(`Chargeback: the rules preview failed: ${(e as Error).message}`);
    }
  }

  private async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.refresh();
      case 'edit': {
        const outcome = planRulesEdit(this.document.getText(), message.edit);
        if (!outcome.ok) {
          this.post({ type: 'editRefused', message: outcome.message });
          return;
        }
        if (outcome.splices.length === 0) return;
        const edit = new vscode.WorkspaceEdit();
        for (const s of outcome.splices) {
          const range = new vscode.Range(
            this.document.positionAt(s.offset),
            this.document.positionAt(s.offset + s.length),
          );
          edit.replace(this.document.uri, range, s.text);
        }
        this.immediate = true;
        if (!(await vscode.workspace.applyEdit(edit))) {
          this.immediate = false;
          this.post({ type: 'editRefused', message: 'VS Code did not apply the edit (is the file read-only?).' });
        }
        return;
      }
      case 'lines': {
        const params: RulesLinesParams = {
          uri: this.document.uri.toString(),
          of: message.of,
          offset: message.offset,
          count: message.count,
        };
        const result = await this.client.sendRequest(RulesLinesRequest, params);
        this.post({ type: 'lines', seq: message.seq, result });
        return;
      }
      case 'revealRules': {
        const r = message.range;
        const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
        const editor = await vscode.window.showTextDocument(this.document, {
          viewColumn: vscode.ViewColumn.Beside,
          selection: range,
        });
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        return;
      }
      case 'revealLine':
        return this.revealLine(message.file, message.line);
      case 'openText':
        await vscode.window.showTextDocument(this.document, { viewColumn: vscode.ViewColumn.Beside });
        return;
      case 'checkFile':
        if (this.knownFile(message.file))
          await vscode.commands.executeCommand('chargeback.checkFile', vscode.Uri.file(message.file));
        return;
      case 'snapshotReply':
        this.snapshots.get(message.id)?.(message.snapshot);
        this.snapshots.delete(message.id);
        return;
    }
  }

  /** Only the billing files of the preview may be opened from the webview (it never names an arbitrary path). */
  private knownFile(file: string): boolean {
    return !!this.preview?.files.some((f) => f.path === file) || !!this.preview?.problems.some((p) => p.file === file);
  }

  private async revealLine(file: string, line: number): Promise<void> {
    if (!this.knownFile(file)) return;
    const uri = vscode.Uri.file(file);
    const selection = new vscode.Range(line - 1, 0, line - 1, 0);
    let size = 0;
    try {
      size = (await stat(file)).size;
    } catch {
      void vscode.window.showErrorMessage(`Chargeback: ${file} cannot be read any more.`);
      return;
    }
    if (size > EXTENSION_FILE_LIMIT) {
      // Too big for an extension to open as a document: the editor opens it by itself (it may ask first).
      void vscode.window.showInformationMessage(
        `${file.split(/[\\/]/).pop()} is ${(size / 1048576).toFixed(0)} MB: VS Code opens it without extensions; line ${line} is selected.`,
      );
      await vscode.commands.executeCommand('vscode.open', uri, { selection, viewColumn: vscode.ViewColumn.Beside });
      return;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const full = doc.lineAt(Math.min(line - 1, doc.lineCount - 1)).range;
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      selection: full,
      preview: true,
    });
    editor.revealRange(full, vscode.TextEditorRevealType.InCenter);
  }

  snapshot(timeoutMs = 5000): Promise<WebviewSnapshot | undefined> {
    const id = this.nextSnapshot++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.snapshots.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.snapshots.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.post({ type: 'snapshot', id });
    });
  }
}
