/**
 * The VS Code client. It starts the language server (which owns all checking), recognizes billing files by their
 * header whatever their name, shows the file's totals in the status bar, and runs the commands. The only core code
 * it uses is the pure header detection, so that a billing file gets its language before the server ever sees it.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { detectDelimiter, tokenize } from '../core/billing/csv';
import { detectKind, LANGUAGE_IDS, kindOfLanguage } from '../core/billing/fileKinds';
import {
  CHECK_FILE_REQUEST,
  CHECK_PROGRESS_NOTIFICATION,
  EXPORT_REQUEST,
  SUMMARY_NOTIFICATION,
  type CheckFileResult,
  type ExportKind,
  type ExportResult,
  type CheckProgressParams,
  type FileSummary,
} from '../shared/protocol';
import { StatusBar } from './statusBar';
import { displayText } from '../core/text/displayText';
import { WORKSPACE_TRUSTED_NOTIFICATION, type TrustInitializationOptions } from '../shared/trust';

const BILLING_LANGUAGES = Object.values(LANGUAGE_IDS) as string[];
const RULES_LANGUAGE = 'chargeback-rules';

const EXPORTS: { kind: ExportKind; command: string; label: string; extension: string; filter: string }[] = [
  { kind: 'report', command: 'chargeback.exportReport', label: 'chargeback report', extension: 'csv', filter: 'CSV' },
  { kind: 'journal', command: 'chargeback.exportJournal', label: 'general-ledger journal', extension: 'csv', filter: 'CSV' },
  { kind: 'focus', command: 'chargeback.exportFocus', label: 'allocated cost lines (FOCUS)', extension: 'csv', filter: 'CSV' },
  { kind: 'json', command: 'chargeback.exportJson', label: 'allocation result (JSON)', extension: 'json', filter: 'JSON' },
];
/** Languages a billing file may open as before we recognize it (no CSV extension installed: plaintext). */
const SNIFFED_LANGUAGES = new Set(['csv', 'plaintext', 'tsv', 'csv (semicolon)', 'csv (pipe)']);

let client: LanguageClient | undefined;

/** What the extension exposes to other extensions and to its integration tests. */
export interface ChargebackApi {
  /** The latest summary of a checked billing file (by URI string). */
  summary(uri: string): FileSummary | undefined;
  /** Resolves with the next summary of that file (after the pending check). */
  nextSummary(uri: string): Promise<FileSummary>;
}

export async function activate(context: vscode.ExtensionContext): Promise<ChargebackApi> {
  const output = vscode.window.createOutputChannel('FinOps Chargeback');
  context.subscriptions.push(output);
  const summaries = new Map<string, FileSummary>();
  const waiters = new Map<string, ((s: FileSummary) => void)[]>();
  const statusBar = new StatusBar(summaries);
  context.subscriptions.push(statusBar);

  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [...BILLING_LANGUAGES, RULES_LANGUAGE].map((language) => ({ language })),
    synchronize: { configurationSection: 'chargeback' },
    initializationOptions: { trusted: vscode.workspace.isTrusted } satisfies TrustInitializationOptions,
  };
  client = new LanguageClient('chargeback', 'FinOps Chargeback', serverOptions, clientOptions);
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION)));
  const progressListeners = new Map<string, (p: CheckProgressParams) => void>();
  context.subscriptions.push(
    client.onNotification(SUMMARY_NOTIFICATION, (s: FileSummary) => {
      summaries.set(s.uri, s);
      statusBar.update();
      for (const resolve of waiters.get(s.uri) ?? []) resolve(s);
      waiters.delete(s.uri);
    }),
    client.onNotification(CHECK_PROGRESS_NOTIFICATION, (p: CheckProgressParams) => progressListeners.get(p.uri)?.(p)),
  );
  await client.start();

  // Recognize billing files by content: whatever they are called, whatever language they opened as.
  const recognize = (doc: vscode.TextDocument): void => {
    if (!SNIFFED_LANGUAGES.has(doc.languageId) || doc.lineCount === 0) return;
    const kind = billingKindOfHeader(doc.lineAt(0).text);
    const language = kind && LANGUAGE_IDS[kind];
    if (language && language !== doc.languageId) void vscode.languages.setTextDocumentLanguage(doc, language);
  };
  vscode.workspace.textDocuments.forEach(recognize);
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(recognize),
    vscode.window.onDidChangeActiveTextEditor(() => statusBar.update()),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      summaries.delete(doc.uri.toString());
      statusBar.update();
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('chargeback.showSummary', (uri?: vscode.Uri) => {
      const key = (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
      const summary = key ? summaries.get(key) : undefined;
      if (!summary) {
        void vscode.window.showInformationMessage('Chargeback: open a Partner Center billing file to see its totals.');
        return undefined;
      }
      output.appendLine(displayText(formatSummary(summary)));
      output.show(true);
      return summary;
    }),
    vscode.commands.registerCommand('chargeback.checkFile', async (uri?: vscode.Uri): Promise<CheckFileResult | undefined> => {
      const target = uri ?? (await pickBillingFile());
      if (!target) return undefined;
      if (target.scheme !== 'file') {
        void vscode.window.showErrorMessage('Chargeback: only files on disk can be checked from disk.');
        return undefined;
      }
      const name = target.path.slice(target.path.lastIndexOf('/') + 1);
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Checking ${name}`, cancellable: true },
        async (progress, token) => {
          progressListeners.set(target.toString(), (p) => progress.report({ message: `${p.rows.toLocaleString('en-US')} rows${p.passes > 1 ? ` (pass ${p.pass} of ${p.passes})` : ''}` }));
          try {
            return await client!.sendRequest<CheckFileResult>(CHECK_FILE_REQUEST, { uri: target.toString() }, token);
          } finally {
            progressListeners.delete(target.toString());
          }
        },
      );
      summaries.set(result.summary.uri, result.summary);
      statusBar.update();
      output.appendLine(displayText(`Checked ${target.fsPath} from disk:`));
      for (const line of result.lines) output.appendLine(displayText(line));
      if (result.summary.findings > result.lines.length) {
        output.appendLine(`... ${result.summary.findings - result.lines.length} more findings not listed here; run \`chargeback check\` for the full list.`);
      }
      output.appendLine(displayText(formatSummary(result.summary)));
      if (!result.summary.complete) {
        void vscode.window.showWarningMessage(`Chargeback: the check of ${name} was cancelled.`);
      } else {
        void vscode.window
          .showInformationMessage(`${name}: ${result.summary.rows.toLocaleString('en-US')} rows, ${result.summary.findings} findings (${result.summary.errors} errors).`, 'Show Problems', 'Show Output')
          .then((choice) => {
            if (choice === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
            if (choice === 'Show Output') output.show(true);
          });
      }
      return result;
    }),
  );

  for (const e of EXPORTS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(e.command, (rulesUri?: vscode.Uri, target?: vscode.Uri | string) => exportCommand(e, rulesUri, target)),
    );
  }

  return {
    summary: (uri) => summaries.get(uri),
    nextSummary: (uri) => new Promise((resolve) => waiters.set(uri, [...(waiters.get(uri) ?? []), resolve])),
  };
}

/**
 * Writes one export of the active (or given) rules file. Asks where to save unless a target is given (scripts and
 * tests pass one); an existing file is replaced only after the user says so, and the server writes atomically.
 */
async function exportCommand(e: (typeof EXPORTS)[number], rulesUri?: vscode.Uri, target?: vscode.Uri | string): Promise<ExportResult | undefined> {
  const doc = rulesUri
    ? await vscode.workspace.openTextDocument(rulesUri)
    : vscode.window.activeTextEditor?.document.languageId === RULES_LANGUAGE ? vscode.window.activeTextEditor.document : undefined;
  if (!doc || doc.languageId !== RULES_LANGUAGE || doc.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Chargeback: open a saved *.chargeback.yaml rules file to export its allocation.');
    return undefined;
  }
  let out: vscode.Uri | undefined = typeof target === 'string' ? vscode.Uri.file(target) : target;
  const interactive = !out;
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
  const send = (overwrite: boolean) => client!.sendRequest<ExportResult>(EXPORT_REQUEST, { uri: doc.uri.toString(), kind: e.kind, out: out!.fsPath, overwrite });
  let result = await send(false);
  if (!result.written && result.exists && interactive) {
    const replace = await vscode.window.showWarningMessage(`${out.fsPath} already exists. Replace it?`, { modal: true }, 'Replace');
    if (replace !== 'Replace') return result;
    result = await send(true);
  }
  if (result.written) {
    void vscode.window.showInformationMessage(`Exported the ${e.label}: ${result.currency} ${result.total} to ${out.fsPath}`, 'Open').then((choice) => {
      if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', out);
    });
  } else {
    void vscode.window.showErrorMessage(`Chargeback: ${result.message}`);
  }
  return result;
}

async function pickBillingFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && kindOfLanguage(active.languageId) && active.uri.scheme === 'file') return active.uri;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Billing files': ['csv'] }, openLabel: 'Check billing file' });
  return picked?.[0];
}

/** The billing kind named by a header line, if it is one the editor has a language for. */
export function billingKindOfHeader(line: string): keyof typeof LANGUAGE_IDS | undefined {
  const { records } = tokenize(line.replace(/^\uFEFF/, ''), detectDelimiter(line));
  const kind = records[0] ? detectKind(records[0].cells) : 'unknown';
  return kind in LANGUAGE_IDS ? (kind as keyof typeof LANGUAGE_IDS) : undefined;
}

export function formatSummary(s: FileSummary): string {
  const money = [
    s.billedTotal !== '0.00' ? `billed ${s.currency} ${s.billedTotal}` : '',
    s.overcharge !== '0.00' ? `overcharged ${s.currency} ${s.overcharge}` : '',
    s.undercharge !== '0.00' ? `undercharged ${s.currency} ${s.undercharge.replace('-', '')}` : '',
  ].filter(Boolean);
  const codes = Object.entries(s.byCode).map(([code, n]) => `${code} ${n}`).join(', ');
  return `${vscode.Uri.parse(s.uri).fsPath}: ${s.kindLabel}, ${s.rows.toLocaleString('en-US')} rows, ${s.findings} findings `
    + `(${s.errors} errors, ${s.warnings} warnings, ${s.infos} info)${codes ? ` [${codes}]` : ''}`
    + `${money.length ? ', ' + money.join(', ') : ''}${s.notShown ? `; ${s.notShown} not shown as diagnostics` : ''}; checked in ${s.elapsedMs} ms.`;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
