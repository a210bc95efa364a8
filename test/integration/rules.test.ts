/**
 * Chargeback rules files in a real VS Code: diagnostics with ranges, completion from the billing data, hover,
 * definition, outline, code lenses, and an export command whose file reconciles with the allocation.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExportResult } from '../../src/shared/protocol';
import { screenshot } from './runner';

const EXTENSION_ID = 'finops-chargeback.finops-chargeback';

function fixture(name: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, name);
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

describe('chargeback rules files in the editor', function () {
  this.timeout(120_000);
  let doc: vscode.TextDocument;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    doc = await vscode.workspace.openTextDocument(fixture('team.chargeback.yaml'));
    assert.equal(doc.languageId, 'chargeback-rules');
    await vscode.window.showTextDocument(doc);
    // The data-dependent analysis has run once the code lenses carry amounts.
    await eventually('code lenses with amounts', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return lenses.some((l) => /USD/.test(l.command?.title ?? '')) ? lenses : undefined;
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows every mistake of a broken rules file on its exact range', async () => {
    const uri = fixture('broken.chargeback.yaml');
    const broken = await vscode.workspace.openTextDocument(uri);
    const diagnostics = await eventually('diagnostics', () => {
      const ds = vscode.languages.getDiagnostics(uri);
      return ds.length >= 3 ? ds : undefined;
    });
    const byCode = (code: string) => diagnostics.find((d) => codeOf(d) === code);
    const unknownTarget = byCode('unknown-target')!;
    assert.equal(broken.getText(unknownTarget.range), 'wbe');
    assert.match(unknownTarget.message, /wbe/);
    const percent = byCode('percent-sum')!;
    assert.equal(percent.range.start.line, 13);
    assert.match(broken.getText(percent.range), /web: 60, data: 30/);
    const unknownKey = byCode('unknown-key')!;
    assert.equal(broken.getText(unknownKey.range), 'colour');
    assert.ok(diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length >= 3);
  });

  it('warns, from the data, about a rule that an earlier rule leaves no line to', async () => {
    const diagnostics = await eventually('a shadowed-rule warning', () =>
      vscode.languages
        .getDiagnostics(doc.uri)
        .find((d) => codeOf(d) === 'rule-shadowed' || codeOf(d) === 'rule-matches-nothing'),
    );
    assert.equal(diagnostics.range.start.line, 11);
    assert.equal(diagnostics.severity, vscode.DiagnosticSeverity.Warning);
  });

  it('completes match values from the billing data the file names', async () => {
    const line = doc.lineAt(9).text;
    const position = new vscode.Position(9, line.indexOf('Virtual Machines'));
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      doc.uri,
      position,
    );
    const vm = list.items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'Virtual Machines');
    assert.ok(
      vm,
      `completion items: ${list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label)).join(', ')}`,
    );
    assert.match(String(vm.detail), /4 lines · USD 412\.10/);
  });

  it('completes target ids after to:', async () => {
    const position = new vscode.Position(10, doc.lineAt(10).text.length);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      doc.uri,
      position,
    );
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('web') && labels.includes('data'), labels.join(', '));
  });

  it('hovers a rule with the money it takes', async () => {
    const position = new vscode.Position(8, doc.lineAt(8).text.indexOf('Virtual') + 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      position,
    );
    const text = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)))
      .join('\n');
    assert.match(text, /Takes \*\*4\*\* lines worth \*\*USD 412\.10\*\*/);
  });

  it('goes from a target reference to its declaration', async () => {
    const position = new vscode.Position(10, doc.lineAt(10).text.indexOf('web') + 1);
    const locations = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
      'vscode.executeDefinitionProvider',
      doc.uri,
      position,
    );
    assert.equal(locations.length, 1);
    const range = 'range' in locations[0] ? locations[0].range : locations[0].targetRange;
    assert.equal(range.start.line, 5);
  });

  it('outlines targets and rules', async () => {
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
      'vscode.executeDocumentSymbolProvider',
      doc.uri,
    );
    assert.deepEqual(
      symbols.map((s) => [s.name, s.children.map((c) => c.name)]),
      [
        ['targets', ['web', 'data']],
        ['rules', ['Virtual machines', 'Everything else']],
      ],
    );
  });

  it('shows each rule amount and line count in a code lens', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const titles = lenses.map((l) => [l.range.start.line, l.command?.title]);
    assert.deepEqual(
      titles.find(([line]) => line === 8),
      [8, 'USD 412.10 · 4 lines'],
    );
    assert.ok(
      titles.some(([, title]) => title === 'total USD 412.10 = 1 rule USD 412.10 · unallocated USD 0.00'),
      JSON.stringify(titles),
    );
    await screenshot('rules-code-lenses');
  });

  it("marks a data: entry outside the rules file's folder on its range, and reads it with allowOutside: true", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeback-reach-'));
    try {
      mkdirSync(join(dir, 'rules'));
      writeFileSync(join(dir, 'usage.csv'), readFileSync(fixture('contoso-usage.csv').fsPath));
      const path = join(dir, 'rules', 'reach.chargeback.yaml');
      const text = (extra: string) =>
        `chargeback: 1\ndata: [../usage.csv]\n${extra}targets: { web: {} }\nrules:\n  - { name: all, match: { meterCategory: "*" }, to: web }\n`;
      writeFileSync(path, text(''));
      const uri = vscode.Uri.file(path);
      const reach = await vscode.workspace.openTextDocument(uri);
      const outside = await eventually('data-outside-folder', () =>
        vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'data-outside-folder'),
      );
      assert.equal(reach.getText(outside.range), '../usage.csv');
      assert.equal(outside.severity, vscode.DiagnosticSeverity.Error);
      assert.match(outside.message, /allowOutside: true/);
      const editor = await vscode.window.showTextDocument(reach);
      await editor.edit((e) => e.insert(new vscode.Position(2, 0), 'allowOutside: true\n'));
      // The data was read once the rule's code lens carries an amount.
      await eventually('a code lens with an amount', async () => {
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
        return lenses.some((l) => /USD/.test(l.command?.title ?? '')) ? lenses : undefined;
      });
      assert.deepEqual(
        vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error),
        [],
      );
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports the chargeback report to a file whose amounts add up to the allocation total, and never overwrites silently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeback-export-'));
    try {
      const out = join(dir, 'report.csv');
      const result = await vscode.commands.executeCommand<ExportResult>('chargeback.exportReport', doc.uri, out);
      assert.equal(result.written, true, result.message);
      assert.equal(result.total, '412.10');
      const rows = readFileSync(out, 'utf8').trim().split(/\r?\n/);
      const header = rows[0].split(',').map((h) => h.toLowerCase());
      const amount = header.indexOf('amount');
      assert.ok(amount >= 0, `report header: ${rows[0]}`);
      const cents = rows.slice(1).reduce((sum, r) => sum + Math.round(Number(r.split(',')[amount]) * 100), 0);
      assert.equal(cents, 41210);
      writeFileSync(out, 'keep me');
      const again = await vscode.commands.executeCommand<ExportResult>('chargeback.exportReport', doc.uri, out);
      assert.equal(again.written, false);
      assert.equal(readFileSync(out, 'utf8'), 'keep me');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
