/**
 * Month close in a real VS Code: the "Billing Months" view lists each month of the fixture workspace with its files,
 * invoice total and tie-out status; the planted mismatch of September (48 units billed that the daily file lacks)
 * becomes a diagnostic on the reconciliation line with related information on the daily rows; the dispute packet is
 * exported as CSV and HTML and holds that finding.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import * as vscode from 'vscode';
import type { BillingMonthsResult, DisputeExportResult } from '../../src/shared/monthClose';
import { screenshot } from './runner';

const EXTENSION_ID = 'finops-chargeback.finops-chargeback';

function fixture(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

describe('billing months view', function () {
  this.timeout(120_000);
  let out: string;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    out = mkdtempSync(join(tmpdir(), 'chargeback-dispute-'));
  });

  after(async () => {
    rmSync(out, { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows each month with its paired files, invoice total and whether it ties out', async () => {
    const result = await vscode.commands.executeCommand<BillingMonthsResult>('chargeback.billingMonths.tieOut');
    const labels = result.items.map((i) => i.label);
    assert.ok(labels.includes('2026-08 · invoice G000000001'), labels.join(' | '));
    assert.ok(labels.includes('2026-09 · invoice G000000002'), labels.join(' | '));
    const september = result.items.find((i) => i.label === '2026-09 · invoice G000000002')!;
    assert.equal(september.description, '1 difference · total EUR 5.59 · EUR 3.67 at stake');
    const children = september.children.map((c) => [c.label.replace(/^.*[\\/]/, ''), c.description]);
    assert.deepEqual(children.slice(0, 2), [
      ['DailyRatedUsage_2026-09.csv', 'daily usage'],
      ['InvoiceReconciliation_2026-09.csv', 'reconciliation'],
    ]);
    assert.deepEqual(children.slice(2), [
      ['2 reconciliation lines', '1 mismatch, 1 explained-rounding'],
      ['1 finding', ''],
    ]);
    assert.equal(september.children[3].children[0].label, 'mismatch: EUR 3.67');

    await vscode.commands.executeCommand('workbench.view.explorer');
    await vscode.commands.executeCommand('chargeback.billingMonths.focus');
    await screenshot('billing-months-view');
  });

  it('puts the mismatch on the reconciliation line, with the daily rows as related information', async () => {
    const recon = fixture('month-close/InvoiceReconciliation_2026-09.csv');
    const deadline = Date.now() + 30_000;
    let diagnostics = vscode.languages.getDiagnostics(recon).filter((d) => d.source === 'chargeback month close');
    while (diagnostics.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      diagnostics = vscode.languages.getDiagnostics(recon).filter((d) => d.source === 'chargeback month close');
    }
    assert.equal(diagnostics.length, 1);
    const [d] = diagnostics;
    assert.equal(d.code, 'recon-daily-mismatch');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.range.start.line, 1);
    const doc = await vscode.workspace.openTextDocument(recon);
    assert.equal(doc.getText(d.range), '68.5', 'the BillableQuantity cell');
    assert.match(d.message, /overbilled EUR 3\.67/);
    assert.deepEqual(
      d.relatedInformation!.map((r) => [r.location.uri.path.replace(/^.*\//, ''), r.location.range.start.line]),
      [
        ['DailyRatedUsage_2026-09.csv', 1],
        ['DailyRatedUsage_2026-09.csv', 2],
      ],
    );
    const opened = await vscode.commands.executeCommand<number>('chargeback.billingMonths.openFindings', 'G000000002');
    assert.equal(opened, 1);
    assert.equal(vscode.window.activeTextEditor?.document.uri.path, recon.path);
    assert.equal(vscode.window.activeTextEditor?.selection.start.line, 1);
  });

  it('exports the dispute packet as CSV and HTML with the finding and its evidence', async () => {
    const r = await vscode.commands.executeCommand<DisputeExportResult>(
      'chargeback.exportDisputePacket',
      'G000000002',
      out,
    );
    assert.deepEqual(r.problems, []);
    assert.equal(r.items, 1);
    const csvPath = join(out, 'dispute-G000000002.csv');
    const htmlPath = join(out, 'dispute-G000000002.html');
    assert.deepEqual(r.written.sort(), [csvPath, htmlPath].sort());
    const csv = parse(readFileSync(csvPath, 'utf8')) as string[][];
    assert.equal(csv.length, 2);
    const [header, row] = csv;
    assert.equal(row[header.indexOf('InvoiceNumber')], 'G000000002');
    assert.equal(row[header.indexOf('Label')], 'mismatch');
    assert.equal(row[header.indexOf('BillableQuantity')], '68.5');
    assert.equal(row[header.indexOf('DailyQuantity')], '20.5');
    assert.equal(row[header.indexOf('Expected')], '1.56');
    assert.equal(row[header.indexOf('Billed')], '5.23');
    assert.equal(row[header.indexOf('Difference')], '3.67');
    const html = readFileSync(htmlPath, 'utf8');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'nonce-/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /Invoice G000000002/);
    assert.match(html, /EUR 3\.67/);
    // A second export does not replace the first without being asked to.
    const again = await vscode.commands.executeCommand<DisputeExportResult>(
      'chargeback.exportDisputePacket',
      'G000000002',
      out,
    );
    assert.deepEqual(again.written, []);
    assert.match(again.problems.join(' '), /already exists/);
    assert.ok(existsSync(csvPath));
  });
});
