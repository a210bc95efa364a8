/**
 * Customer invoicing in the editor: the command **Chargeback: Create Customer Invoices** runs the active rules file's
 * `invoicing:` section (the same core as `chargeback invoice`) and writes the invoices all or nothing into a folder;
 * every problem appears in the Problems panel at its place (the rules file or the billing row). In an invoice CSV the
 * billing rows of each line are links to those rows, and hovering a line explains where its amount comes from.
 * The core runs in the extension host: it only reads files, and nothing here needs the language server.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { tokenize } from '../core/billing/csv';
import { invoiceFiles, runInvoicing, writeInvoiceFiles, type InvoiceMode, type InvoicingRun } from '../core/invoicing';
import { formatCents } from '../core/money';

const RULES_LANGUAGE = 'chargeback-rules';
const INVOICE_CSV = { scheme: 'file', pattern: '**/*.{draft,final}.csv' };

/** What the command returns (scripts and tests read it). */
export interface CreateInvoicesResult {
  written: boolean;
  dir?: string;
  message: string;
  invoices: {
    id: string;
    status: string;
    customer: string;
    currency: string;
    total: string;
    paymentDue: string;
    balanceChange: string;
    lines: number;
  }[];
  errors: number;
}

export function registerInvoices(context: vscode.ExtensionContext): void {
  const diagnostics = vscode.languages.createDiagnosticCollection('chargeback-invoicing');
  context.subscriptions.push(
    diagnostics,
    vscode.commands.registerCommand(
      'chargeback.createInvoices',
      (rulesUri?: vscode.Uri, outDir?: vscode.Uri | string, mode?: InvoiceMode, overwrite?: boolean) =>
        createInvoices(diagnostics, rulesUri, outDir, mode, overwrite),
    ),
    vscode.languages.registerDocumentLinkProvider(INVOICE_CSV, { provideDocumentLinks: (doc) => sourceLinks(doc) }),
    vscode.languages.registerHoverProvider(INVOICE_CSV, { provideHover: (doc, pos) => lineHover(doc, pos) }),
  );
}

async function createInvoices(
  diagnostics: vscode.DiagnosticCollection,
  rulesUri?: vscode.Uri,
  target?: vscode.Uri | string,
  mode?: InvoiceMode,
  overwrite?: boolean,
): Promise<CreateInvoicesResult> {
  const editor = vscode.window.activeTextEditor;
  const doc = rulesUri
    ? await vscode.workspace.openTextDocument(rulesUri)
    : editor?.document.languageId === RULES_LANGUAGE
      ? editor.document
      : undefined;
  const fail = (message: string, errors = 0): CreateInvoicesResult => {
    void vscode.window.showErrorMessage(`Chargeback: ${message}`);
    return { written: false, message, invoices: [], errors };
  };
  if (!doc || doc.languageId !== RULES_LANGUAGE || doc.uri.scheme !== 'file')
    return fail('open a saved *.chargeback.yaml rules file with an `invoicing:` section.');
  const interactive = target === undefined;
  if (!mode && interactive) {
    const pick = await vscode.window.showQuickPick(
      [
        {
          label: 'Draft and final invoices',
          description: 'drafts from unbilled data; finals from billed data, with what changed',
          mode: 'both' as const,
        },
        { label: 'Final invoices', description: 'from billed data', mode: 'final' as const },
        { label: 'Draft invoices', description: 'from unbilled data', mode: 'draft' as const },
      ],
      { title: 'Create customer invoices' },
    );
    if (!pick) return { written: false, message: 'cancelled', invoices: [], errors: 0 };
    mode = pick.mode;
  }
  let out = typeof target === 'string' ? target : target?.fsPath;
  if (!out) {
    out = await vscode.window.showInputBox({
      title: 'Create customer invoices: output folder',
      prompt: 'The invoices (CSV, JSON, HTML) and their index are written into this folder, all or nothing.',
      value: join(dirname(doc.uri.fsPath), 'invoices'),
    });
    if (!out) return { written: false, message: 'cancelled', invoices: [], errors: 0 };
  }
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Chargeback: creating customer invoices' },
    () => runInvoicing(doc.uri.fsPath, doc.getText(), { mode: mode ?? 'both' }),
  );
  const errors = showProblems(diagnostics, doc, run);
  if (!run.ok)
    return fail(`the invoices were not made: ${errors} error(s), see the Problems panel. Nothing was written.`, errors);
  const title = `${run.parsed.model.name?.value ?? 'Customer invoices'}: invoices`;
  const inputs = [doc.uri.fsPath, ...run.sets.flatMap((s) => s.files)];
  const files = invoiceFiles(run, title, out);
  let written = await writeInvoiceFiles(out, files, { overwrite: overwrite === true, inputs });
  if (!written.written && interactive && /already holds/.test(written.message)) {
    const replace = await vscode.window.showWarningMessage(
      `${written.message.replace(/ \(use --force.*$/, '')}. Replace them?`,
      { modal: true },
      'Replace',
    );
    if (replace === 'Replace') written = await writeInvoiceFiles(out, files, { overwrite: true, inputs });
  }
  if (!written.written) return fail(written.message);
  const invoices = run.sets.flatMap((s) =>
    s.invoices.map((i) => ({
      id: i.id,
      status: i.status,
      customer: i.customer,
      currency: i.currency,
      total: formatCents(i.total),
      paymentDue: formatCents(i.paymentDue),
      balanceChange: formatCents(i.balanceChange),
      lines: i.lines.length,
    })),
  );
  const finals = run.sets.find((s) => s.status === 'final');
  const differences = run.sets.flatMap((s) => s.reconciliation).filter((c) => !c.ok).length;
  const reconciled =
    differences === 0
      ? 'with the billing files and the allocation'
      : `except ${differences} difference(s) (see index.html)`;
  const message =
    `Created ${invoices.length} invoice(s) in ` +
    `${written.dir}${finals ? `; final totals reconcile ${reconciled}` : ''}.`;
  void vscode.window.showInformationMessage(message, 'Open Index').then((choice) => {
    if (choice === 'Open Index')
      void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(join(written.dir, 'index.csv')));
  });
  return { written: true, dir: written.dir, message, invoices, errors: 0 };
}

/** Puts every problem of the run in the Problems panel, on the rules file or on the billing row; returns the errors. */
function showProblems(diagnostics: vscode.DiagnosticCollection, doc: vscode.TextDocument, run: InvoicingRun): number {
  diagnostics.clear();
  const byFile = new Map<string, vscode.Diagnostic[]>();
  const add = (path: string, d: vscode.Diagnostic): void => {
    let list = byFile.get(path);
    if (!list) byFile.set(path, (list = []));
    list.push(d);
  };
  const severity = (s: string): vscode.DiagnosticSeverity =>
    s === 'error'
      ? vscode.DiagnosticSeverity.Error
      : s === 'warning'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Information;
  let errors = 0;
  for (const p of run.problems) {
    if (p.severity === 'error') errors++;
    let range: vscode.Range;
    let path: string;
    if (p.source) {
      path = p.source.path;
      // The whole record's first line: the problem is about the row.
      range = new vscode.Range(p.source.line - 1, 0, p.source.line - 1, Number.MAX_SAFE_INTEGER);
    } else {
      path = doc.uri.fsPath;
      const r = p.range;
      range = r
        ? new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character)
        : new vscode.Range(0, 0, 0, 0);
    }
    const d = new vscode.Diagnostic(range, p.message, severity(p.severity));
    d.source = 'chargeback invoice';
    d.code = p.code;
    add(path, d);
  }
  // Rules-file errors are already shown by the language server; they are counted so that the message says why.
  errors += run.parsed.problems.filter((p) => p.severity === 'error').length;
  for (const [path, list] of byFile) diagnostics.set(vscode.Uri.file(path), list);
  return errors;
}

// ---- invoice CSV files: links to billing rows and an explanation on hover ----------------------------------------

interface InvoiceRow {
  /** 0-based line of the record in the document. */
  line: number;
  cells: Map<string, string>;
  /** Where the text of the sources cell starts (inside its quotes). */
  sourcesAt: vscode.Position;
}

/** The folder billing rows are named relative to: the rules file's, found through the invoices.json beside. */
async function sourcesBase(doc: vscode.TextDocument): Promise<string> {
  const folder = dirname(doc.uri.fsPath);
  try {
    const index = JSON.parse(await fs.readFile(join(folder, 'invoices.json'), 'utf8')) as { rulesFile?: string };
    if (index.rulesFile) return dirname(join(folder, index.rulesFile));
  } catch {
    // No index beside the file: the rows are looked up from the invoice's own folder.
  }
  return folder;
}

function invoiceRows(doc: vscode.TextDocument): InvoiceRow[] {
  const { records } = tokenize(doc.getText());
  if (records.length === 0) return [];
  const header = records[0].cells;
  if (header[0] !== 'invoice' || !header.includes('sources')) return [];
  const at = header.indexOf('sources');
  return records.slice(1).map((r) => {
    const cells = new Map(header.map((h, i) => [h, r.cells[i] ?? '']));
    const line = r.pos[at * 4] ?? r.pos[0];
    const character = r.pos[at * 4 + 1] ?? 0;
    const quoted = doc.lineAt(line).text[character] === '"';
    return { line: r.pos[0], cells, sourcesAt: new vscode.Position(line, character + (quoted ? 1 : 0)) };
  });
}

async function sourceLinks(doc: vscode.TextDocument): Promise<vscode.DocumentLink[]> {
  const base = await sourcesBase(doc);
  const links: vscode.DocumentLink[] = [];
  for (const row of invoiceRows(doc)) {
    const sources = row.cells.get('sources') ?? '';
    let offset = 0;
    for (const part of sources.split('; ')) {
      const m = /^(.+):(\d+)/.exec(part);
      if (m) {
        const start = row.sourcesAt.translate(0, offset);
        const end = start.translate(0, m[0].length);
        const link = new vscode.DocumentLink(
          new vscode.Range(start, end),
          vscode.Uri.file(join(base, m[1])).with({ fragment: `L${m[2]}` }),
        );
        link.tooltip = `Open the first billing row of this line (${m[1]} line ${m[2]})`;
        links.push(link);
      }
      offset += part.length + 2;
    }
  }
  return links;
}

function lineHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
  const row = invoiceRows(doc).find((r) => r.line === pos.line);
  if (!row) return undefined;
  const c = (k: string): string => row.cells.get(k) ?? '';
  const rows = c('sources')
    .split('; ')
    .reduce(
      (n, part) =>
        n +
        (part.split(':').pop() ?? '').split(',').reduce((m, r) => {
          const [a, b] = r.split('-').map(Number);
          return m + (b ? b - a + 1 : 1);
        }, 0),
      0,
    );
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escapeMd(c('description'))}**\n\n`);
  md.appendMarkdown(`Amount **${escapeMd(c('currency'))} ${escapeMd(c('amount'))}** = cost ${escapeMd(c('cost'))}`);
  md.appendMarkdown(
    `${c('pecKept') && !/^0(\.0+)?$/.test(c('pecKept')) ? ` + PEC kept ${escapeMd(c('pecKept'))}` : ''}, ` +
      `${escapeMd(c('price'))}\n\n`,
  );
  md.appendMarkdown(`${escapeMd(c('placement'))}\n\n`);
  md.appendMarkdown(
    `${rows} billing row(s). Full derivation: \`chargeback invoice <rules> --explain ` +
      `${escapeMd(c('invoice'))}:${escapeMd(c('line'))}\``,
  );
  return new vscode.Hover(md);
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, (ch) => `\\${ch}`);
}
