/**
 * Everyday actions in a real VS Code: the month opened beside its rules (the walkthrough's first step), and an export
 * that refuses before asking anything when the rules file has errors.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExportResult } from '../../src/shared/protocol';

const EXTENSION_ID = 'finops-chargeback.finops-chargeback';

function fixture(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('everyday actions', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the billing month a rules file names beside the rules', async () => {
    const rules = fixture('team.chargeback.yaml');
    const opened = await vscode.commands.executeCommand<{ rules: vscode.Uri; billing?: vscode.Uri }>('chargeback.openMonth', rules);
    assert.equal(opened.rules.toString(), rules.toString());
    assert.ok(opened.billing, 'the rules name a billing file');
    const columns = vscode.window.visibleTextEditors.map((e) => [e.viewColumn, e.document.uri.path.split('/').pop()]);
    assert.deepEqual(columns.sort(), [[vscode.ViewColumn.One, opened.billing.path.split('/').pop()], [vscode.ViewColumn.Two, 'team.chargeback.yaml']].sort());
  });

  it('refuses an export of a rules file with errors before asking where to save it', async () => {
    const uri = fixture('broken.chargeback.yaml');
    await vscode.window.showTextDocument(uri);
    await until('the errors of the broken rules', () =>
      vscode.languages.getDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error) ? true : undefined);
    // No target given: were the rules not checked first, a save dialog would wait here for an answer.
    const result = await vscode.commands.executeCommand<ExportResult>('chargeback.exportReport', uri);
    assert.equal(result?.written, false);
    assert.match(result!.message, /error/);
  });
});
