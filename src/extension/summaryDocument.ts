/**
 * The billing file summary as a read-only Markdown document beside the file (the status bar opens it): the billed
 * total, the money at stake, and one line per finding code with its count and where it first occurs, from the
 * diagnostics the check published. A virtual document, so nothing is written to disk and it can never go stale: it
 * is rebuilt from the latest summary each time it opens.
 */
import * as vscode from 'vscode';
import type { FileSummary } from '../shared/protocol';
import { money } from './statusBar';
import type { FileSummaries } from './summaries';

export const SUMMARY_SCHEME = 'chargeback-summary';

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '');
}

/** The Markdown text of a summary, with the per-code lines taken from the file's diagnostics. */
export function summaryMarkdown(s: FileSummary, diagnostics: readonly vscode.Diagnostic[]): string {
  const file = vscode.Uri.parse(s.uri);
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  const first = new Map<string, vscode.Diagnostic>();
  for (const d of diagnostics) {
    const code = codeOf(d);
    const seen = first.get(code);
    if (d.range.start.line > 0 && (!seen || seen.range.start.line === 0 || d.range.start.line < seen.range.start.line))
      first.set(code, d);
    else if (!seen) first.set(code, d);
  }
  const lines = [
    `# ${name}`,
    '',
    `${s.kindLabel}${s.fromDisk ? ', checked from disk' : ''}: **${s.rows.toLocaleString('en-US')} rows**, billed **${money(s.currency, s.billedTotal)}**.`,
    '',
    '| | |',
    '|---|---|',
    `| Findings | ${s.findings} (${s.errors} errors, ${s.warnings} warnings, ${s.infos} info) |`,
    `| Overcharged | ${money(s.currency, s.overcharge)} |`,
    `| Undercharged | ${money(s.currency, s.undercharge.replace('-', ''))} |`,
    `| Checked in | ${s.elapsedMs.toLocaleString('en-US')} ms${s.complete ? '' : ' (cancelled before the end)'} |`,
    '',
  ];
  const codes = Object.entries(s.byCode).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0) {
    lines.push('## Findings per code', '', '| Code | Rows | First at | First message |', '|---|---:|---|---|');
    for (const [code, n] of codes) {
      const d = first.get(code);
      const where = d ? `line ${d.range.start.line + 1}` : '';
      const message = d ? d.message.split('\n')[0].replace(/\|/g, '\\|') : '';
      lines.push(`| \`${code}\` | ${n.toLocaleString('en-US')} | ${where} | ${message} |`);
    }
    lines.push('');
  }
  if (s.notShown > 0)
    lines.push(
      `${s.notShown} findings are not shown as diagnostics (\`chargeback.maxDiagnostics\`); \`chargeback check\` lists them all.`,
      '',
    );
  return lines.join('\n');
}

export class SummaryDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly registration: vscode.Disposable;

  constructor(private readonly summaries: FileSummaries) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const file = new URLSearchParams(uri.query).get('file') ?? '';
    const s = this.summaries.get(file);
    return s
      ? summaryMarkdown(s, vscode.languages.getDiagnostics(vscode.Uri.parse(file)))
      : 'No summary: the file has not been checked yet.';
  }

  /** Opens the summary of a file beside it. */
  async show(s: FileSummary): Promise<void> {
    const file = vscode.Uri.parse(s.uri);
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    // A new query each time: VS Code caches a virtual document's text per URI.
    const uri = vscode.Uri.from({
      scheme: SUMMARY_SCHEME,
      path: `/${name} summary.md`,
      query: new URLSearchParams({ file: s.uri, at: String(Date.now()) }).toString(),
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
      preserveFocus: true,
    });
  }

  dispose(): void {
    this.registration.dispose();
  }
}
