/**
 * The "Billing Months" view in the explorer: every month found in the workspace's billing files, its files paired,
 * the invoice total, whether it ties out, the findings and the money at stake; with actions to check the files, tie
 * the month out again, open the findings (diagnostics on the reconciliation line, related information on the daily
 * rows) and export the dispute packet. The tie-out reads each file once, so it runs in the extension host on the
 * files on disk; the language server keeps checking open documents as before.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import * as vscode from 'vscode';
import { detectDelimiter, tokenize } from '../core/billing/csv';
import { detectKind } from '../core/billing/fileKinds';
import { fileSource } from '../core/billing/source';
import { defaultCheckOptions } from '../core/rating/options';
import { Dec } from '../core/money';
import { tieOutFiles, type TieOutFinding, type TieOutMonth, type TieOutResult } from '../core/monthClose/tieOut';
import { writeDisputePacket } from '../core/monthClose/writePacket';
import type { BillingMonthItem, BillingMonthsResult, DisputeExportResult } from '../shared/monthClose';

const VIEW_ID = 'chargeback.billingMonths';
/** Enough files for any month close, few enough that a huge workspace does not stall the view. */
const MAX_FILES = 500;

type Node =
  | { type: 'month'; month: TieOutMonth }
  | { type: 'file'; month: TieOutMonth; path: string; kind: string }
  | { type: 'findings'; month: TieOutMonth }
  | { type: 'finding'; month: TieOutMonth; finding: TieOutFinding }
  | { type: 'lines'; month: TieOutMonth }
  | { type: 'empty'; message: string };

function monthKey(m: TieOutMonth): string {
  return m.draft ? `draft:${m.period}` : `invoice:${m.invoiceNumber}`;
}

/** Reads the first line of a file (without loading it) to tell whether it is a billing file the tie-out reads. */
function billingKindOfFile(path: string): string | undefined {
  const buf = Buffer.alloc(16 * 1024);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const line = text.split(/\r?\n/, 1)[0];
    const { records } = tokenize(line, detectDelimiter(line));
    const kind = records[0] ? detectKind(records[0].cells) : 'unknown';
    return kind === 'daily-usage' || kind === 'reconciliation' ? kind : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function statusWords(m: TieOutMonth): string {
  const flagged = m.findings.filter((f) => f.severity !== 'info').length;
  switch (m.status) {
    case 'ties-out':
      return 'ties out';
    case 'differences':
      return `${flagged} difference${flagged === 1 ? '' : 's'}`;
    case 'draft':
      return 'draft estimate';
    default:
      return m.lines.length === 0 ? 'no reconciliation file' : 'no daily usage file';
  }
}

function monthLabel(m: TieOutMonth): string {
  const month = m.period.slice(0, 7);
  return m.draft ? `${month} (unbilled)` : `${month} · invoice ${m.invoiceNumber}`;
}

function monthDescription(m: TieOutMonth): string {
  const parts = [statusWords(m)];
  if (m.invoiceTotal) parts.push(`total ${m.currency} ${m.invoiceTotal}`);
  if (m.atStake !== '0.00') parts.push(`${m.currency} ${m.atStake} at stake`);
  return parts.join(' · ');
}

class BillingMonthsProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  result: TieOutResult = { months: [], fileFindings: [] };
  scanned = false;

  refresh(result: TieOutResult): void {
    this.result = result;
    this.scanned = true;
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      if (this.result.months.length === 0) {
        return [
          {
            type: 'empty',
            message: this.scanned
              ? 'No Partner Center daily usage or reconciliation file in the workspace.'
              : 'Tying out...',
          },
        ];
      }
      return this.result.months.map((month) => ({ type: 'month', month }));
    }
    if (node.type === 'month') {
      const m = node.month;
      return [
        ...m.files.map((f) => ({ type: 'file' as const, month: m, path: f.path, kind: f.kind })),
        { type: 'lines', month: m },
        { type: 'findings', month: m },
      ];
    }
    if (node.type === 'findings')
      return node.month.findings.map((finding) => ({ type: 'finding', month: node.month, finding }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'empty':
        return new vscode.TreeItem(node.message);
      case 'month': {
        const m = node.month;
        const item = new vscode.TreeItem(monthLabel(m), vscode.TreeItemCollapsibleState.Expanded);
        item.id = monthKey(m);
        item.description = monthDescription(m);
        item.contextValue = 'billingMonth';
        item.iconPath = new vscode.ThemeIcon(
          m.status === 'ties-out' ? 'pass' : m.status === 'differences' ? 'warning' : 'info',
        );
        item.tooltip = new vscode.MarkdownString().appendText(
          `${monthLabel(m)}: ${monthDescription(m)}` +
            (m.draft ? '\nUnbilled usage: every amount is an estimate until the month is invoiced.' : ''),
        );
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(vscode.Uri.file(node.path), vscode.TreeItemCollapsibleState.None);
        item.id = `${monthKey(node.month)}|file|${node.path}`;
        item.description = node.kind === 'daily-usage' ? 'daily usage' : 'reconciliation';
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.path)] };
        item.contextValue = 'billingMonthFile';
        return item;
      }
      case 'lines': {
        const byLabel = new Map<string, number>();
        for (const l of node.month.lines) byLabel.set(l.label, (byLabel.get(l.label) ?? 0) + 1);
        const item = new vscode.TreeItem(
          `${node.month.lines.length} reconciliation lines`,
          vscode.TreeItemCollapsibleState.None,
        );
        item.id = `${monthKey(node.month)}|lines`;
        item.description = [...byLabel].map(([k, n]) => `${n} ${k}`).join(', ');
        item.iconPath = new vscode.ThemeIcon('list-flat');
        return item;
      }
      case 'findings': {
        const n = node.month.findings.length;
        const item = new vscode.TreeItem(
          `${n} finding${n === 1 ? '' : 's'}`,
          n > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `${monthKey(node.month)}|findings`;
        item.contextValue = 'billingMonthFindings';
        item.iconPath = new vscode.ThemeIcon('list-unordered');
        return item;
      }
      case 'finding': {
        const f = node.finding;
        const item = new vscode.TreeItem(
          `${f.label ?? f.code}${f.impact && f.impact !== '0.00' ? `: ${f.currency ?? ''} ${f.impact}` : ''}`.trim(),
        );
        item.id = `${monthKey(node.month)}|finding|${f.path}|${f.line}|${f.character}|${f.code}`;
        item.description = `${vscode.workspace.asRelativePath(f.path)}:${f.line + 1}`;
        item.tooltip = f.message;
        item.iconPath = new vscode.ThemeIcon(
          f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'info',
        );
        item.command = {
          command: 'vscode.open',
          title: 'Show',
          arguments: [vscode.Uri.file(f.path), { selection: range(f) }],
        };
        return item;
      }
    }
  }
}

function range(p: { line: number; character: number; endLine: number; endCharacter: number }): vscode.Range {
  return new vscode.Range(p.line, p.character, p.endLine, p.endCharacter);
}

const SEVERITY: Record<TieOutFinding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Rendered top-level items and their children: what the view shows, for scripts and the integration tests. */
function render(provider: BillingMonthsProvider): BillingMonthItem[] {
  const label = (i: vscode.TreeItem): string =>
    typeof i.label === 'string' ? i.label : (i.label?.label ?? (i.resourceUri ? i.resourceUri.fsPath : ''));
  const toItem = (n: Node): BillingMonthItem => {
    const i = provider.getTreeItem(n);
    return {
      label: label(i),
      description: typeof i.description === 'string' ? i.description : '',
      children: provider.getChildren(n).map(toItem),
    };
  };
  return provider.getChildren().map(toItem);
}

export function registerBillingMonths(context: vscode.ExtensionContext): void {
  const provider = new BillingMonthsProvider();
  const diagnostics = vscode.languages.createDiagnosticCollection('chargeback-month-close');
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  context.subscriptions.push(diagnostics, view);

  let running: Promise<BillingMonthsResult> | undefined;
  let again = false;
  const tieOut = async (): Promise<BillingMonthsResult> => {
    const uris = await vscode.workspace.findFiles('**/*.{csv,CSV}', '**/{node_modules,.git}/**', MAX_FILES);
    const files = uris
      .filter((u) => u.scheme === 'file')
      .map((u) => u.fsPath)
      .filter((p) => billingKindOfFile(p))
      .sort();
    const config = vscode.workspace.getConfiguration('chargeback');
    const threshold = config.get<string>('errorThreshold', '1.00');
    const check = defaultCheckOptions({
      dateOrder: config.get<'MDY' | 'DMY'>('dateOrder', 'MDY'),
      errorThreshold: /^\d+(\.\d+)?$/.test(threshold) ? new Dec(threshold) : new Dec('1.00'),
    });
    // The tokenizer's reader yields between chunks, so that a big month never freezes the extension host.
    const result = await tieOutFiles(
      files.map((path) => ({ path, source: fileSource(path) })),
      { check, reader: 'reference' },
    );
    provider.refresh(result);
    publish(result);
    view.message = result.months.length > 0 ? undefined : 'No billing month found.';
    return { months: result.months, items: render(provider) };
  };
  /** One tie-out at a time; a change during a run asks for one more run after it. */
  const refresh = (): Promise<BillingMonthsResult> => {
    if (running) {
      again = true;
      return running;
    }
    running = tieOut().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void refresh();
      }
    });
    return running;
  };

  const publish = (result: TieOutResult): void => {
    diagnostics.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    // Information (price drift explained, drafts, files without a partner) stays in the view: the Problems panel is
    // for what needs attention.
    for (const f of [...result.fileFindings, ...result.months.flatMap((m) => m.findings)].filter(
      (x) => x.severity !== 'info',
    )) {
      const d = new vscode.Diagnostic(range(f), f.message, SEVERITY[f.severity]);
      d.source = 'chargeback month close';
      d.code = f.code;
      if (f.related)
        d.relatedInformation = f.related.map(
          (r) =>
            new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(r.path), range(r)), r.message),
        );
      byFile.set(f.path, [...(byFile.get(f.path) ?? []), d]);
    }
    for (const [path, ds] of byFile) diagnostics.set(vscode.Uri.file(path), ds);
  };

  const pickMonth = async (arg?: Node | string): Promise<TieOutMonth | undefined> => {
    if (arg && typeof arg === 'object' && 'month' in arg) return arg.month;
    const months = provider.result.months.length > 0 ? provider.result.months : (await refresh()).months;
    if (typeof arg === 'string') return months.find((m) => monthKey(m) === arg || m.invoiceNumber === arg);
    if (months.length === 1) return months[0];
    const picked = await vscode.window.showQuickPick(
      months.map((m) => ({ label: monthLabel(m), description: monthDescription(m), month: m })),
      { title: 'Billing month' },
    );
    return picked?.month;
  };

  const exportPacket = async (
    arg?: Node | string,
    outDir?: string,
    overwrite = false,
  ): Promise<DisputeExportResult | undefined> => {
    const month = await pickMonth(arg);
    if (!month) return undefined;
    let dir = outDir;
    if (!dir) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: 'Export dispute packet here',
        title: `Dispute packet of ${monthLabel(month)}`,
      });
      if (!picked?.[0]) return undefined;
      dir = picked[0].fsPath;
    }
    const only: TieOutResult = { months: [month], fileFindings: [] };
    let r = await writeDisputePacket(
      only,
      dir,
      month.files.map((f) => f.path),
      overwrite,
    );
    if (r.written.length === 0 && r.problems.some((p) => /already exists/.test(p)) && !outDir) {
      const replace = await vscode.window.showWarningMessage(
        `A dispute packet of ${monthLabel(month)} already exists in ${dir}. Replace it?`,
        { modal: true },
        'Replace',
      );
      if (replace === 'Replace')
        r = await writeDisputePacket(
          only,
          dir,
          month.files.map((f) => f.path),
          true,
        );
    }
    if (r.written.length > 0) {
      const html = r.written.find((p) => p.endsWith('.html'));
      void vscode.window
        .showInformationMessage(
          `Dispute packet of ${monthLabel(month)}: ${r.items} finding${r.items === 1 ? '' : 's'} with money, written ` +
            `to ${dir}.`,
          'Open CSV',
        )
        .then((choice) => {
          const csv = r.written.find((p) => p.endsWith('.csv'));
          if (choice === 'Open CSV' && csv) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(csv));
        });
      return { written: r.written, items: r.items, problems: r.problems, html };
    }
    void vscode.window.showErrorMessage(`Chargeback: ${r.problems.join('; ')}`);
    return { written: [], items: r.items, problems: r.problems };
  };

  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{csv,CSV}');
  let timer: NodeJS.Timeout | undefined;
  const soon = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 1000);
  };
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate(soon),
    watcher.onDidChange(soon),
    watcher.onDidDelete(soon),
    { dispose: () => timer && clearTimeout(timer) },
    vscode.commands.registerCommand('chargeback.billingMonths.tieOut', () => refresh()),
    vscode.commands.registerCommand('chargeback.billingMonths.check', async (arg?: Node | string) => {
      const month = await pickMonth(arg);
      if (!month) return undefined;
      const results = [];
      for (const f of month.files)
        results.push(await vscode.commands.executeCommand('chargeback.checkFile', vscode.Uri.file(f.path)));
      return results;
    }),
    vscode.commands.registerCommand('chargeback.billingMonths.openFindings', async (arg?: Node | string) => {
      const month = await pickMonth(arg);
      const first = month?.findings.find((f) => f.severity !== 'info') ?? month?.findings[0];
      if (first)
        await vscode.window.showTextDocument(vscode.Uri.file(first.path), { selection: range(first), preview: true });
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      return month?.findings.length ?? 0;
    }),
    vscode.commands.registerCommand(
      'chargeback.exportDisputePacket',
      (arg?: Node | string, outDir?: string, overwrite?: boolean) => exportPacket(arg, outDir, overwrite),
    ),
  );
  void refresh();
}
