/**
 * Everyday actions in a real VS Code: the month opened beside its rules (the walkthrough's first step), and an export
 * that refuses before asking anything when the rules file has errors.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExportResult } from '../../src/shared/protocol';
import { screenshot } from './runner';

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

  const temporary: string[] = [];
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('opens the billing month a rules file names beside the rules', async () => {
    const rules = fixture('team.chargeback.yaml');
    const opened = await vscode.commands.executeCommand<{ rules: vscode.Uri; billing?: vscode.Uri }>(
      'chargeback.openMonth',
      rules,
    );
    assert.equal(opened.rules.toString(), rules.toString());
    assert.ok(opened.billing, 'the rules name a billing file');
    const columns = vscode.window.visibleTextEditors.map((e) => [e.viewColumn, e.document.uri.path.split('/').pop()]);
    assert.deepEqual(
      columns.sort(),
      [
        [vscode.ViewColumn.One, opened.billing.path.split('/').pop()],
        [vscode.ViewColumn.Two, 'team.chargeback.yaml'],
      ].sort(),
    );
  });

  it('keeps the last good code lenses on screen, marked stale, while a typo breaks the rules', async () => {
    // A copy of the fixture rules and data: the edit below must never reach the fixtures, whatever happens.
    const dir = mkdtempSync(join(tmpdir(), 'chargeback-stale-'));
    temporary.push(dir);
    for (const f of ['team.chargeback.yaml', 'contoso-usage.csv']) copyFileSync(fixture(f).fsPath, join(dir, f));
    const uri = vscode.Uri.file(join(dir, 'team.chargeback.yaml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const lensTitles = async () =>
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)).map(
        (l) => l.command?.title ?? '',
      );
    const titlesWhere = async (what: string, ok: (titles: string[]) => boolean): Promise<string[]> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const titles = await lensTitles();
        if (ok(titles)) return titles;
        if (Date.now() > deadline) assert.fail(`${what}: ${titles.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    };
    const titles = await titlesWhere('lenses with amounts', (ts) => ts.some((t) => t.startsWith('total USD')));
    assert.ok(
      titles.some((t) => t.startsWith('total USD 412.10')),
      titles.join(' | '),
    );
    // A typo in a target reference: the file has an error now.
    const to = doc.getText().indexOf('to: web');
    assert.ok(to >= 0);
    await editor.edit((b) => b.replace(new vscode.Range(doc.positionAt(to + 4), doc.positionAt(to + 7)), 'wbe'));
    const stale = await titlesWhere('stale lenses', (ts) => ts.some((t) => t.includes('stale')));
    assert.ok(
      stale.some((t) => /stale: the rules have errors; last good evaluation · total USD 412\.10/.test(t)),
      stale.join(' | '),
    );
    // The data warning of the good version (a rule the first one leaves no line to) stays, marked as such.
    const kept = await until('the kept data warning', () =>
      vscode.languages.getDiagnostics(uri).find((d) => /from the last version without errors/.test(d.message)),
    );
    assert.equal(kept.severity, vscode.DiagnosticSeverity.Warning);
    await new Promise((r) => setTimeout(r, 1500)); // the editor redraws its lenses after a pause
    await screenshot('rules-stale-lenses');
    // Fixed again: the lenses are fresh again.
    await editor.edit((b) => b.replace(new vscode.Range(doc.positionAt(to + 4), doc.positionAt(to + 7)), 'web'));
    await titlesWhere(
      'fresh lenses',
      (ts) => ts.some((t) => t.startsWith('total USD 412.10')) && !ts.some((t) => t.includes('stale')),
    );
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('indents under a list item on Enter, and offers no words from the text in rules files', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'chargeback-rules',
      content: 'chargeback: 1\nrules:\n  - name: New rule\n',
    });
    const editor = await vscode.window.showTextDocument(doc);
    const typeEnterAtEndOf = async (line: number): Promise<string> => {
      const end = doc.lineAt(line).range.end;
      editor.selection = new vscode.Selection(end, end);
      await vscode.commands.executeCommand('type', { text: '\n' });
      return doc.lineAt(line + 1).text;
    };
    assert.equal(await typeEnterAtEndOf(2), '    ', 'under "- name:" the next key lines up with name');
    await editor.edit((b) => b.insert(doc.lineAt(3).range.end, 'match:'));
    assert.equal(await typeEnterAtEndOf(3), '      ', 'under "match:" one level deeper');
    const words = vscode.workspace
      .getConfiguration('editor', { languageId: 'chargeback-rules' })
      .get('wordBasedSuggestions');
    assert.equal(words, 'off');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('offers quick fixes: the did-you-mean target, creating it, percentages that add up', async () => {
    const uri = fixture('broken.chargeback.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diagnostics = await until('the errors of the broken rules', () => {
      const ds = vscode.languages.getDiagnostics(uri);
      return ds.some((d) => String(typeof d.code === 'object' ? d.code.value : d.code) === 'percent-sum')
        ? ds
        : undefined;
    });
    const titlesAt = async (d: vscode.Diagnostic) =>
      (
        await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          uri,
          d.range,
          vscode.CodeActionKind.QuickFix.value,
        )
      ).map((a) => a.title);
    const code = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);
    const unknown = diagnostics.find((d) => code(d) === 'unknown-target')!;
    assert.deepEqual((await titlesAt(unknown)).sort(), ["Change to 'web'", "Create target 'wbe'"]);
    const percent = diagnostics.find((d) => code(d) === 'percent-sum')!;
    assert.deepEqual(await titlesAt(percent), ['Make the percentages add up to 100 (data: 40)']);
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(unknown.range.start, unknown.range.start);
    await vscode.commands.executeCommand('editor.action.quickFix');
    await new Promise((r) => setTimeout(r, 800));
    await screenshot('rules-quick-fix');
  });

  it('refuses an export of a rules file with errors before asking where to save it', async () => {
    const uri = fixture('broken.chargeback.yaml');
    await vscode.window.showTextDocument(uri);
    await until('the errors of the broken rules', () =>
      vscode.languages.getDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error)
        ? true
        : undefined,
    );
    // No target given: were the rules not checked first, a save dialog would wait here for an answer.
    const result = await vscode.commands.executeCommand<ExportResult>('chargeback.exportReport', uri);
    assert.equal(result?.written, false);
    assert.match(result!.message, /error/);
  });
});
