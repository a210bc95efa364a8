/**
 * Customer invoicing in a real VS Code: **Chargeback: Create Customer Invoices** on the reseller sample writes the
 * draft and final invoices (CSV, JSON, HTML, index) into a folder; an invoice CSV links each line to its billing rows
 * and explains the line on hover; bad input (a final invoice from unbilled data) writes nothing and puts the error on
 * the billing row in the Problems panel.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { CreateInvoicesResult } from '../../src/extension/invoices';

const EXTENSION_ID = 'finops-chargeback.finops-chargeback';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

describe('customer invoices in the editor', function () {
  this.timeout(120_000);
  let out: string;
  let scratch: string;
  const rules = join(repoRoot(), 'samples', 'reseller', 'northwind-resale.chargeback.yaml');

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    scratch = mkdtempSync(join(tmpdir(), 'chargeback-invoices-it-'));
    out = join(scratch, 'invoices');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('creates the draft and final invoices of the reseller sample, all files at once', async () => {
    const result = await vscode.commands.executeCommand<CreateInvoicesResult>(
      'chargeback.createInvoices',
      vscode.Uri.file(rules),
      out,
      'both',
    );
    assert.equal(result.written, true, result.message);
    assert.equal(result.invoices.length, 10);
    assert.match(result.message, /reconcile with the billing files and the allocation/);
    const names = readdirSync(out);
    assert.equal(names.length, 10 * 3 + 3);
    const tailspin = result.invoices.find((i) => i.id === '2026-08-tailspin-toys-postpaid' && i.status === 'final')!;
    assert.ok(tailspin.total.startsWith('-'), 'the reservation refund takes the postpaid invoice below zero');
    assert.equal(tailspin.paymentDue, '0.00');
    // The same numbers as the command line's JSON contract, written beside the invoices.
    const doc = JSON.parse(readFileSync(join(out, 'invoices.json'), 'utf8')) as {
      invoices: { id: string; status: string; total: string }[];
    };
    assert.equal(doc.invoices.find((i) => i.id === tailspin.id && i.status === 'final')!.total, tailspin.total);
  });

  it('links each line of an invoice CSV to its billing rows and explains it on hover', async () => {
    const uri = vscode.Uri.file(join(out, '2026-08-fabrikam-sud-gmbh-postpaid.final.csv'));
    const csv = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(csv);
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', uri, 50);
    const toDaily = links.filter((l) => l.target && /DailyRatedUsage_2026-08\.csv$/.test(l.target.path));
    assert.ok(
      toDaily.length >= 3,
      `links to the daily usage file (got ${links.map((l) => l.target?.toString()).join(', ')})`,
    );
    assert.match(toDaily[0].target!.fragment, /^L\d+$/);
    assert.ok(existsSync(toDaily[0].target!.fsPath), 'the link points at the billing file next to the rules file');
    assert.match(csv.getText(toDaily[0].range), /^billing\/2026-08\/DailyRatedUsage_2026-08\.csv:\d+$/);
    const reservationLine = csv
      .getText()
      .split('\n')
      .findIndex((l) => l.includes(',reservation,'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(reservationLine, 5),
    );
    const text = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')))
      .join('\n');
    assert.match(text, /shared reservation/);
    assert.match(text, /first subscription not in status Deleted/);
    assert.match(text, /billing row\(s\)/);
  });

  it('writes nothing for a final invoice from unbilled data and shows the error on the billing row', async () => {
    const dir = join(scratch, 'bad');
    mkdirSync(join(dir, 'unbilled'), { recursive: true });
    const daily = readFileSync(
      join(repoRoot(), 'samples', 'reseller', 'billing', '2026-08-unbilled', 'DailyRatedUsage_2026-08_unbilled.csv'),
    );
    writeFileSync(join(dir, 'unbilled', 'daily.csv'), daily);
    const bad = join(dir, 'bad.chargeback.yaml');
    writeFileSync(bad, 'chargeback: 1\ninvoicing:\n  final: ./unbilled/*.csv\n');
    const target = join(dir, 'invoices');
    const result = await vscode.commands.executeCommand<CreateInvoicesResult>(
      'chargeback.createInvoices',
      vscode.Uri.file(bad),
      target,
      'final',
    );
    assert.equal(result.written, false);
    assert.equal(existsSync(target), false);
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(join(dir, 'unbilled', 'daily.csv')));
    const d = diagnostics.find((x) => x.code === 'final-from-unbilled');
    assert.ok(d, 'a diagnostic on the unbilled file');
    assert.equal(d.range.start.line, 1, 'on the first unbilled row (line 2)');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
  });
});
