/**
 * Billing files too big for the editor path, in a real VS Code. A real month (80 MB+) is beyond what VS Code hands
 * to extensions; writing and opening one would take minutes on a test machine, so the test lowers the size setting
 * (`chargeback.checkFromDiskAboveMB`) below its file's size instead: the same path then takes over (tab seen,
 * header read from disk, server reads the file, findings in Problems, totals in the status bar, re-check on change).
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FileSummary } from '../../src/shared/protocol';
import { dailyCsv } from '../support/billingFixtures';
import { screenshot } from './runner';

const EXTENSION_ID = 'finops-chargeback.finops-chargeback';

interface Api {
  summary(uri: string): FileSummary | undefined;
  nextSummary(uri: string): Promise<FileSummary>;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function month(rows: number, wrongAt: number): string {
  const cells = Array.from({ length: rows }, (_, i) => ({
    UsageDate: '2026-08-03',
    Quantity: '0.001',
    EffectiveUnitPrice: '0.7378',
    BillingPreTaxTotal: '0',
    PricingPreTaxTotal: '0',
    MeterId: `m-${i}`,
  }));
  cells[wrongAt] = { ...cells[wrongAt], EffectiveUnitPrice: '0.868' };
  return dailyCsv(cells);
}

describe('billing files too big for the editor', function () {
  this.timeout(180_000);
  let api: Api;
  let dir: string;
  const config = () => vscode.workspace.getConfiguration('chargeback');

  before(async () => {
    api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as Api;
    dir = mkdtempSync(join(tmpdir(), 'chargeback-tab-'));
    await config().update('checkFromDiskAboveMB', 1, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('checkFromDiskAboveMB', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks a big billing file open in a tab from disk: Problems, status bar totals, and again when it changes', async () => {
    const path = join(dir, 'august-usage.csv');
    writeFileSync(path, month(6000, 4321)); // about 2 MB: over the lowered limit
    const uri = vscode.Uri.file(path);
    await vscode.commands.executeCommand('vscode.open', uri);
    // The editor path may report first (VS Code does sync a 2 MB file); the disk check's summary replaces it.
    const summary = await until('the disk check', () =>
      api.summary(uri.toString())?.fromDisk ? api.summary(uri.toString()) : undefined,
    );
    assert.equal(summary.rows, 6000);
    assert.equal(summary.errors, 1);
    const problems = await until('the finding in Problems', () => {
      const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.range.start.line > 0);
      return ds.length > 0 ? ds : undefined;
    });
    assert.deepEqual(
      problems.map((d) => [typeof d.code === 'object' ? d.code.value : d.code, d.range.start.line]),
      [['eup-mismatch', 4322]],
    );
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await screenshot('big-file-checked-from-disk');

    // "Check Billing File" acts on the active tab's file without asking for one.
    const checked = await vscode.commands.executeCommand<{ summary: FileSummary }>('chargeback.checkFile');
    assert.equal(checked?.summary.uri, uri.toString());

    // The file changes on disk (the next day's export): checked again, new totals.
    const next = api.nextSummary(uri.toString());
    writeFileSync(path, month(6500, 10));
    const again = await next;
    assert.equal(again.rows, 6500);
    assert.equal(api.summary(uri.toString())?.rows, 6500);
    const moved = await until('the finding on its new row', () => {
      const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.range.start.line > 0);
      return ds.length === 1 && ds[0].range.start.line === 11 ? ds : undefined;
    });
    assert.equal(moved.length, 1);

    // The status bar's summary: a document beside the file, with the billed total and the findings per code.
    const shown = await vscode.commands.executeCommand<FileSummary>('chargeback.showSummary', uri);
    assert.equal(shown?.rows, 6500);
    const doc = await until('the summary document', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'chargeback-summary'),
    );
    assert.match(doc.getText(), /6,500 rows/);
    assert.match(doc.getText(), /\| `eup-mismatch` \| 1 \| line 12 \|/);
    await screenshot('billing-file-summary');
  });

  it('leaves a CSV that is not billing data alone, however big', async () => {
    const path = join(dir, 'inventory.csv');
    writeFileSync(path, 'Name,Count\n' + 'widget,1\n'.repeat(200_000)); // about 1.8 MB
    const uri = vscode.Uri.file(path);
    await vscode.commands.executeCommand('vscode.open', uri);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(api.summary(uri.toString()), undefined);
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
  });
});
