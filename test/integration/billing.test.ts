/**
 * Billing files in a real VS Code: recognition by header, diagnostics on the exact cell, hover, the status bar
 * command, editing, and the check of a file from disk. Runs in the extension host with the workspace
 * test/fixtures/workspace open.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CheckFileResult, FileSummary } from '../../src/shared/protocol';
import { dailyCsv } from '../support/billingFixtures';
import { screenshot } from './runner';

const EXTENSION_ID = 'finops-chargeback.finops-chargeback';

function fixture(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Waits until `predicate` holds for the diagnostics of `uri` (they arrive asynchronously from the server). */
async function diagnosticsWhere(
  uri: vscode.Uri,
  predicate: (d: vscode.Diagnostic[]) => boolean,
  timeoutMs = 30_000,
): Promise<vscode.Diagnostic[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const diagnostics = vscode.languages.getDiagnostics(uri);
    if (predicate(diagnostics)) return diagnostics;
    if (Date.now() > deadline) {
      assert.fail(
        `diagnostics of ${uri.path} never matched; last: ${JSON.stringify(diagnostics.map((d) => [d.code, d.range.start.line, d.message]))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function languageBecomes(
  doc: vscode.TextDocument,
  languageId: string,
  timeoutMs = 10_000,
): Promise<vscode.TextDocument> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = vscode.workspace.textDocuments.find((d) => d.uri.toString() === doc.uri.toString());
    if (current?.languageId === languageId) return current;
    if (Date.now() > deadline) assert.fail(`${doc.uri.path} is ${current?.languageId}, not ${languageId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rowCode = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
/** Row findings, without the per-code summaries on the header. */
const rowDiagnostics = (ds: vscode.Diagnostic[]) => ds.filter((d) => d.range.start.line > 0);

describe('billing files in the editor', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('recognizes a daily usage file by its header and puts the wrong price on the EffectiveUnitPrice cell', async () => {
    const uri = fixture('contoso-usage.csv');
    const doc = await languageBecomes(await vscode.workspace.openTextDocument(uri), 'pc-daily-usage');
    await vscode.window.showTextDocument(doc);
    const diagnostics = rowDiagnostics(await diagnosticsWhere(uri, (ds) => rowDiagnostics(ds).length > 0));
    assert.equal(diagnostics.length, 1);
    const d = diagnostics[0];
    assert.equal(rowCode(d), 'eup-mismatch');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.source, 'chargeback');
    assert.equal(d.range.start.line, 2);
    assert.equal(doc.getText(d.range), '0.868');
    const header = doc.lineAt(0).text.split(',');
    assert.equal(doc.lineAt(2).text.split(',')[header.indexOf('EffectiveUnitPrice')], '0.868');
    assert.match(d.message, /should be 0\.737586206896552/);
    assert.match(d.message, /overcharged USD 1\.96/);
    // For people reading the test run: the squiggle on the cell and the Problems panel.
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(d.range.start, d.range.start);
    editor.revealRange(d.range, vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await screenshot('daily-usage-diagnostics');
  });

  it('recognizes a billing file whatever its name (a .txt export) by content', async () => {
    const uri = fixture('usage-export.txt');
    const doc = await languageBecomes(await vscode.workspace.openTextDocument(uri), 'pc-daily-usage');
    const diagnostics = rowDiagnostics(await diagnosticsWhere(uri, (ds) => rowDiagnostics(ds).length > 0));
    assert.deepEqual(
      diagnostics.map((d) => [rowCode(d), d.range.start.line, doc.getText(d.range)]),
      [['total-mismatch', 2, '13.02']],
    );
  });

  it('leaves a CSV that is not a billing file alone', async () => {
    const uri = fixture('team-budgets.csv');
    const doc = await vscode.workspace.openTextDocument(uri);
    await new Promise((r) => setTimeout(r, 1500));
    const current = vscode.workspace.textDocuments.find((d) => d.uri.toString() === doc.uri.toString())!;
    assert.ok(!current.languageId.startsWith('pc-'), `language is ${current.languageId}`);
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
  });

  it('checks reconciliation subtotals with the seat formula', async () => {
    const uri = fixture('reconciliation.csv');
    const doc = await languageBecomes(await vscode.workspace.openTextDocument(uri), 'pc-reconciliation');
    const diagnostics = rowDiagnostics(await diagnosticsWhere(uri, (ds) => rowDiagnostics(ds).length > 0));
    assert.deepEqual(
      diagnostics.map((d) => [rowCode(d), d.range.start.line, doc.getText(d.range)]),
      [['subtotal-mismatch', 2, '341.20']],
    );
    assert.match(diagnostics[0].message, /seat formula/);
  });

  it('hovers a cell with its column name, and an EffectiveUnitPrice with its derivation', async () => {
    const uri = fixture('contoso-usage.csv');
    const doc = await languageBecomes(await vscode.workspace.openTextDocument(uri), 'pc-daily-usage');
    await diagnosticsWhere(uri, (ds) => rowDiagnostics(ds).length > 0);
    const header = doc.lineAt(0).text.split(',');
    const line = doc.lineAt(1).text;
    const column = (name: string) => line.split(',').slice(0, header.indexOf(name)).join(',').length + 1;
    const hoverText = async (character: number) => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        uri,
        new vscode.Position(1, character),
      );
      return hovers
        .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)))
        .join('\n');
    };
    assert.match(await hoverText(column('MeterId')), /\*\*MeterId\*\* · column 24 of 55/);
    const eup = await hoverText(column('EffectiveUnitPrice'));
    assert.match(eup, /\*\*EffectiveUnitPrice\*\*/);
    assert.match(eup, /BCU: units month to date \| 29 \|/);
    assert.match(eup, /BC = FLOOR\(gross × \(1 − 15%\), 2\) \| 21\.39 \|/);
    assert.match(eup, /0\.737586206896552 ✓ consistent/);
    // The verdict comes first, right under the column name: the hover fits without scrolling.
    assert.match(eup, /^\*\*EffectiveUnitPrice\*\*[^\n]*\n\n\*\*0\.737586206896552 ✓ consistent\*\*/);
    assert.ok(eup.split('\n').length <= 15, `${eup.split('\n').length} lines`);
    // The hover names the reading of the credit columns it used.
    assert.match(
      eup,
      /Credits read as \| CreditType "Partner Earned Credit Applied": CreditPercentage is the PEC, counted once \|/,
    );
    // The wrong price's hover, as a user sees it.
    const editor = await vscode.window.showTextDocument(doc);
    const defect = new vscode.Position(
      2,
      doc.lineAt(2).text.split(',').slice(0, header.indexOf('EffectiveUnitPrice')).join(',').length + 2,
    );
    editor.selection = new vscode.Selection(defect, defect);
    await vscode.commands.executeCommand('editor.action.showHover');
    await new Promise((r) => setTimeout(r, 800));
    await screenshot('effective-unit-price-hover');
  });

  it('shows the file totals in the status bar; its command returns them', async () => {
    const uri = fixture('contoso-usage.csv');
    const doc = await languageBecomes(await vscode.workspace.openTextDocument(uri), 'pc-daily-usage');
    await vscode.window.showTextDocument(doc);
    await diagnosticsWhere(uri, (ds) => rowDiagnostics(ds).length > 0);
    const summary = await vscode.commands.executeCommand<FileSummary>('chargeback.showSummary');
    assert.ok(summary, 'a summary for the active billing file');
    assert.equal(summary.rows, 4);
    assert.equal(summary.errors, 1);
    assert.equal(summary.overcharge, '1.96');
    assert.equal(summary.billedTotal, '412.10');
  });

  it('re-checks while typing: fixing the price in an unsaved document clears the finding', async () => {
    const text = dailyCsv([{ EffectiveUnitPrice: '0.868', BillingPreTaxTotal: '25.17', PricingPreTaxTotal: '25.17' }]);
    const doc = await languageBecomes(
      await vscode.workspace.openTextDocument({ language: 'plaintext', content: text }),
      'pc-daily-usage',
    );
    const editor = await vscode.window.showTextDocument(doc);
    const [d] = rowDiagnostics(await diagnosticsWhere(doc.uri, (ds) => rowDiagnostics(ds).length > 0));
    assert.equal(rowCode(d), 'eup-mismatch');
    // Put the right price and total in; the file on disk is untouched (this document is untitled).
    const header = doc.lineAt(0).text.split(',');
    const cells = doc.lineAt(1).text.split(',');
    cells[header.indexOf('EffectiveUnitPrice')] = '0.737586206896552';
    cells[header.indexOf('BillingPreTaxTotal')] = '21.39';
    cells[header.indexOf('PricingPreTaxTotal')] = '21.39';
    await editor.edit((b) => b.replace(doc.lineAt(1).range, cells.join(',')));
    await diagnosticsWhere(doc.uri, (ds) => ds.length === 0);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('checks a file from disk with the "Check Billing File" command, without opening it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeback-big-'));
    try {
      const rows = Array.from({ length: 20_000 }, (_, i) => ({
        UsageDate: '2026-08-03',
        Quantity: '0.001',
        EffectiveUnitPrice: '0.7378',
        BillingPreTaxTotal: '0',
        PricingPreTaxTotal: '0',
        MeterId: `m-${i}`,
      }));
      // Billed from the wrong price, so money is at stake: an error (a wrong price billed right would be a warning).
      rows[12_345] = {
        ...rows[12_345],
        Quantity: '10',
        EffectiveUnitPrice: '0.868',
        BillingPreTaxTotal: '8.68',
        PricingPreTaxTotal: '8.68',
      };
      const path = join(dir, 'big-usage.csv');
      writeFileSync(path, dailyCsv(rows));
      const uri = vscode.Uri.file(path);
      const result = await vscode.commands.executeCommand<CheckFileResult>('chargeback.checkFile', uri);
      assert.equal(result.summary.rows, 20_000);
      assert.equal(result.summary.kind, 'daily-usage');
      assert.equal(result.summary.findings, 1);
      assert.match(result.lines[0], /big-usage\.csv:12347:\d+: error eup-mismatch/);
      assert.ok(
        !vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()),
        'the file was not opened',
      );
      const diagnostics = rowDiagnostics(await diagnosticsWhere(uri, (ds) => rowDiagnostics(ds).length > 0));
      assert.deepEqual(
        diagnostics.map((d) => [rowCode(d), d.range.start.line]),
        [['eup-mismatch', 12_346]],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
