/**
 * The visual rules editor in a real VS Code (code-server + Chromium): the sample rules file opens in it, the totals
 * read from the webview's DOM are the CLI's (`chargeback allocate`, computed here by the same engine), a percentage
 * typed into the webview changes the YAML text and the totals, Ctrl+Z in the webview undoes one edit at a time,
 * a text edit updates the webview, and the view state comes back when the webview is rebuilt. Each target's budget
 * and forecast read from the page are the CLI's and the code lens's, on the sample month and on that month open
 * (forecast over budget) and whole (the forecast check); a resold customer's bar says what it is charged and the
 * markup included, as the CLI does. Screenshots in the light, dark and high-contrast themes.
 */
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { budgetLensText, type TargetBudget } from '../../src/core/allocation/budgets';
import { runRules } from '../../src/core/allocation/rulesRun';
import { formatCents } from '../../src/core/money';
import type { WebviewSnapshot } from '../../src/shared/webviewProtocol';
import { writeSampleMonth } from '../support/sampleMonth';
import { inWebview, screenshot } from './runner';

const EXTENSION_ID = 'finops-chargeback.finops-chargeback';
const VIEW_TYPE = 'chargeback.rulesEditor';

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The webview's money format: thousands separators, two decimals. */
function shown(amount: string): string {
  const [whole, cents] = amount.split('.');
  return `${whole.startsWith('-') ? '−' : ''}${whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** What `chargeback allocate` computes for this text (the CLI's reading of the data). */
async function cliNumbers(
  path: string,
  text: string,
): Promise<{
  targets: Record<string, string>;
  charged: Record<string, string>;
  total: string;
  unallocated: string;
  budgets: TargetBudget[];
  currency: string;
}> {
  const run = await runRules(path, text, { harvest: 'rules' });
  assert.ok(run.result?.ok, 'the CLI run allocates');
  const targets: Record<string, string> = {};
  const charged: Record<string, string> = {};
  for (const t of run.result!.targets) {
    targets[t.id] = shown(formatCents(t.amount));
    // The CLI's "EUR 1245.18 ... (incl. markup 92.24)" of a target with a markup, as the webview formats money.
    charged[t.id] = t.markup.isZero()
      ? shown(formatCents(t.amount))
      : `${shown(formatCents(t.charged))} (incl. markup ${shown(formatCents(t.markup))})`;
  }
  return {
    targets,
    charged,
    total: shown(formatCents(run.result!.total)),
    unallocated: shown(formatCents(run.result!.unallocated.amount)),
    budgets: run.result!.budgets ?? [],
    currency: run.result!.currency,
  };
}

/** The budget fields the webview renders for a target, from the CLI's figures. */
function budgetOnPage(b: TargetBudget): Record<string, string> {
  return {
    budget: `${shown(b.monthBudget)}${b.per === 'month' ? '' : ` of ${shown(b.budget)} a ${b.per}`}`,
    actual: shown(b.actual),
    used: `${b.usedPercent} %`,
    forecast: shown(b.forecast),
    forecastPercent: `${b.forecastPercent} %`,
    method: b.forecastMethod,
  };
}

/** The page's budget fields that the CLI's figures give (the status words and the check are asserted apart). */
function pageFigures(fields: Record<string, string>): Record<string, string> {
  const { budget, actual, used, forecast, forecastPercent, method } = fields;
  return { budget, actual, used, forecast, forecastPercent, method };
}

/** The code lens titles of a rules document, once the analysis has given them amounts. */
async function lensTitles(target: vscode.Uri): Promise<string[]> {
  return eventually('code lenses with amounts', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', target);
    const titles = lenses.map((l) => l.command?.title ?? '');
    return titles.some((t) => t.startsWith('charged ')) ? titles : undefined;
  });
}

describe('the visual rules editor', function () {
  this.timeout(180_000);
  let uri: vscode.Uri;
  let doc: vscode.TextDocument;
  let original: string;
  let folder: string;
  /** The file on disk: edits in the visual editor change the document, never the file (until it is saved). */
  const onDisk = () => readFileSync(uri.fsPath, 'utf8');
  /** Saves of the sample copy, with VS Code's reason (1 manual, 2 after a delay, 3 focus out). */
  const saves: string[] = [];

  const snap = (): Thenable<WebviewSnapshot | undefined> =>
    vscode.commands.executeCommand<WebviewSnapshot | undefined>('chargeback.rulesEditor.snapshot', uri);
  /** The next snapshot that is settled (not waiting for the server) and passes `ok`. */
  const snapshotWhere = (what: string, ok: (s: WebviewSnapshot) => boolean) =>
    eventually(what, async () => {
      const s = await snap();
      return s && s.status !== 'pending' && ok(s) ? s : undefined;
    });

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await extension.activate();
    // VS Code for the web (code-server) saves a changed file after a second by default; the desktop does not. Off
    // here, so that the tests see the document's own dirty state and undo history, as a desktop user would.
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    // A copy of the sample month, so that nothing the tests do can reach the project's files.
    folder = mkdtempSync(join(tmpdir(), 'chargeback-rules-editor-'));
    cpSync(join(extension.extensionPath, 'samples', 'billing'), join(folder, 'billing'), { recursive: true });
    cpSync(
      join(extension.extensionPath, 'samples', 'contoso.chargeback.yaml'),
      join(folder, 'contoso.chargeback.yaml'),
    );
    uri = vscode.Uri.file(join(folder, 'contoso.chargeback.yaml'));
    doc = await vscode.workspace.openTextDocument(uri);
    original = doc.getText();
    vscode.workspace.onWillSaveTextDocument((e) => {
      if (e.document.uri.toString() === uri.toString()) saves.push(`reason ${e.reason} at ${new Date().toISOString()}`);
    });
    await vscode.commands.executeCommand('chargeback.openRulesEditor', uri);
  });

  after(async () => {
    // The sample file is never saved: whatever the tests changed is reverted.
    if (doc.isDirty) {
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.workspace
      .getConfiguration('workbench')
      .update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(folder, { recursive: true, force: true });
  });

  it('shows the totals of `chargeback allocate`, balanced to the cent', async () => {
    const expected = await cliNumbers(uri.fsPath, original);
    const s = await snapshotWhere(
      'the rendered preview',
      (x) => x.status === 'ready' && Object.keys(x.targets).length > 0,
    );
    assert.deepEqual(s.targets, expected.targets);
    assert.equal(s.total, expected.total);
    assert.equal(s.unallocated, expected.unallocated);
    assert.equal(s.balanced, true);
    // The chart: what each target is charged, a resold customer's markup named as the CLI names it.
    assert.match(s.chart.fabrikam, /^[\d,]+\.\d\d \(incl\. markup [\d,]+\.\d\d\)$/);
    assert.deepEqual(s.chart, { ...expected.charged, unallocated: expected.unallocated });
    // Budgets: the CLI's figures, and each target's code lens in the text says the same.
    assert.deepEqual(Object.keys(s.budgets), ['web', 'data']);
    const titles = await lensTitles(uri);
    for (const b of expected.budgets) {
      assert.deepEqual(pageFigures(s.budgets[b.target]), budgetOnPage(b), b.target);
      const lens = budgetLensText(b, expected.currency);
      assert.ok(
        titles.some((t) => t.endsWith(` · ${lens}`)),
        `a code lens ends with ${lens}: ${titles.join(' | ')}`,
      );
    }
    assert.equal(s.budgets.web.status, 'past 80 %', 'web has used more than its warnAt: 80');
    assert.ok(
      Object.values(s.rules).every((a) => /^−?[\d,]+\.\d\d$/.test(a)),
      JSON.stringify(s.rules),
    );
  });

  it('takes a percentage typed in the webview into the YAML and the totals; Ctrl+Z undoes one edit at a time', async () => {
    const before = await snapshotWhere('the preview', (x) => x.status === 'ready');
    const key = Object.keys(before.percents).find((k) => k.endsWith('/web'))!;
    assert.ok(key, `percent fields: ${JSON.stringify(before.percents)}`);
    const rule = key.split('/')[0];
    const field = (target: string) => `vscode-textfield[data-focus-key="percent-${rule}-${target}"] input`;
    await inWebview({ action: 'click', selector: 'vscode-tab-header[data-tab="rules"]' });

    await inWebview({ action: 'fill', selector: field('web'), value: '55' });
    await inWebview({ action: 'press', selector: field('web'), key: 'Enter' });
    const halfway = await eventually('the first edit in the YAML', () =>
      doc.getText().includes('web: 55, data: 40') ? doc.getText() : undefined,
    );
    assert.equal(halfway.length, original.length, 'only the number changed');
    // 55 + 40 is not 100: the editor says so and keeps showing the last numbers that could be computed.
    const invalid = await snapshotWhere('the error', (x) => x.status === 'rules-errors');
    assert.ok(
      invalid.errors.some((e) => /100/.test(e)),
      JSON.stringify(invalid.errors),
    );
    assert.deepEqual(invalid.targets, before.targets);

    await inWebview({ action: 'fill', selector: field('data'), value: '45' });
    await inWebview({ action: 'press', selector: field('data'), key: 'Enter' });
    await eventually('the second edit in the YAML', () =>
      doc.getText().includes('web: 55, data: 45') ? true : undefined,
    );
    const expected = await cliNumbers(uri.fsPath, doc.getText());
    const after = await snapshotWhere(
      'the new totals',
      (x) => x.status === 'ready' && x.percents[`${rule}/data`] === '45',
    );
    assert.deepEqual(after.targets, expected.targets);
    assert.notDeepEqual(after.targets, before.targets, 'moving 5 % of the monitoring costs changes the totals');
    assert.equal(after.total, before.total, 'the billing total does not change');
    assert.equal(doc.isDirty, true);
    assert.equal(onDisk(), original, 'the edits are in the document, not on disk');
    await screenshot('rules-editor-after-edit');

    await inWebview({ action: 'keyboard', selector: 'h1', key: 'Control+z' });
    await eventually('one undo', () => (doc.getText() === halfway ? true : undefined));
    await inWebview({ action: 'keyboard', selector: 'h1', key: 'Control+z' });
    await eventually('the second undo', () => (doc.getText() === original ? true : undefined));
    const back = await snapshotWhere(
      'the original totals',
      (x) => x.status === 'ready' && x.percents[`${rule}/web`] === before.percents[`${rule}/web`],
    );
    assert.deepEqual(back.targets, before.targets);
  });

  it('follows edits of the text', async () => {
    const at = doc.getText().indexOf('web: 60, data: 40');
    assert.ok(at > 0);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(
      uri,
      new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'web: 60, data: 40'.length)),
      'web: 70, data: 30',
    );
    assert.ok(await vscode.workspace.applyEdit(edit));
    const expected = await cliNumbers(uri.fsPath, doc.getText());
    const s = await snapshotWhere(
      'the webview after the text edit',
      (x) => x.status === 'ready' && Object.values(x.percents).includes('70'),
    );
    assert.deepEqual(s.targets, expected.targets);
    await vscode.commands.executeCommand('undo');
    await eventually('the text undo', () => (doc.getText() === original ? true : undefined));
  });

  it('comes back with the same tab and drill-down when its webview is rebuilt', async () => {
    const ready = await snapshotWhere('the preview', (x) => x.status === 'ready');
    const ruleName = Object.keys(ready.rules)[0];
    await inWebview({ action: 'click', selector: 'vscode-tab-header[data-tab="rules"]' });
    await inWebview({ action: 'click', selector: 'vscode-button[data-focus-key="lines-0"]' });
    const drilled = await snapshotWhere('the drill-down', (x) => x.tab === 'rules' && !!x.drill && x.drill.total > 0);
    const run = await runRules(uri.fsPath, doc.getText(), { harvest: 'rules' });
    assert.equal(drilled.drill!.total, run.result!.rules[0].lines, `lines of ${ruleName}`);
    assert.ok(
      drilled.drill!.rows > 0 && drilled.drill!.rows <= 60,
      `only the visible rows are rendered (${drilled.drill!.rows})`,
    );
    await screenshot('rules-editor-drill-down');
    // Another editor in the same group hides the webview; without retainContextWhenHidden VS Code drops its page,
    // and showing it again builds it anew from the saved state and the document (as after a window reload).
    const other = await vscode.workspace.openTextDocument(
      vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'team-budgets.csv'),
    );
    await vscode.window.showTextDocument(other, { viewColumn: vscode.ViewColumn.Active });
    await new Promise((r) => setTimeout(r, 1000));
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const restored = await snapshotWhere(
      'the restored view',
      (x) => x.status === 'ready' && !!x.drill && x.drill.total > 0,
    );
    assert.equal(restored.tab, 'rules');
    assert.equal(restored.drill!.title, drilled.drill!.title);
    assert.equal(restored.drill!.total, drilled.drill!.total);
  });

  it('opens a drill-down line in its CSV file, on that line', async () => {
    const s = await snapshotWhere('a drill-down row', (x) => !!x.drill?.first);
    const [, file, line] = /^(.*):(\d+)$/.exec(s.drill!.first!)!;
    await inWebview({ action: 'click', selector: '.drill-rows .drill-row[title]' });
    const editor = await eventually('the CSV editor', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.fsPath === file ? e : undefined;
    });
    assert.equal(editor.selection.start.line, Number(line) - 1);
    assert.ok(editor.document.lineAt(Number(line) - 1).text.length > 0);
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
  });

  it("shows an open month's forecast over budget and a whole month's forecast check, as the CLI and the lens", async () => {
    const samples = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'samples');
    const months = [
      {
        name: 'open',
        path: writeSampleMonth(samples, folder, 'open', 20, { web: '{ monthly: 1000, warnAt: 80 }' }),
      },
      { name: 'whole', path: writeSampleMonth(samples, folder, 'whole', 31, { web: '{ monthly: 1500 }' }) },
    ];
    const workbench = vscode.workspace.getConfiguration('workbench');
    // One editor group, so that each month's editor has the window's width (and its page is the only webview).
    await vscode.commands.executeCommand('workbench.action.joinAllGroups');
    for (const month of months) {
      const monthUri = vscode.Uri.file(month.path);
      const expected = await cliNumbers(month.path, readFileSync(month.path, 'utf8'));
      const [web] = expected.budgets;
      await vscode.commands.executeCommand('chargeback.openRulesEditor', monthUri);
      const s = await eventually(`the ${month.name} month's budgets`, async () => {
        const x = await vscode.commands.executeCommand<WebviewSnapshot | undefined>(
          'chargeback.rulesEditor.snapshot',
          monthUri,
        );
        return x && x.status === 'ready' && x.budgets.web ? x : undefined;
      });
      assert.deepEqual(pageFigures(s.budgets.web), budgetOnPage(web));
      await vscode.workspace.openTextDocument(monthUri);
      const lens = budgetLensText(web, expected.currency);
      assert.ok(
        (await lensTitles(monthUri)).some((t) => t.endsWith(` · ${lens}`)),
        lens,
      );
      if (month.name === 'open') {
        assert.match(web.forecastMethod, /^linear fit over 20 days/);
        assert.equal(web.forecastStatus, 'over');
        assert.equal(
          s.budgets.web.warning,
          `⚠ web is forecast over budget: EUR ${shown(web.forecast)} at month end, ${web.forecastPercent} % of its ` +
            `monthly budget EUR ${shown(web.monthBudget)} (${web.forecastMethod}).`,
        );
        assert.equal(s.budgets.web.check, undefined, 'an open month has no forecast check');
      } else {
        const check = web.forecastCheck!;
        assert.ok(check, 'the CLI checks the whole month');
        assert.match(s.budgets.web.check, new RegExp(`^[✓✗] Forecast check: from days 1-${check.asOfDay} `));
        assert.ok(
          s.budgets.web.check.includes(`the actual is EUR ${check.actual}, an error of ${check.errorPercent}%`),
        );
        assert.equal(s.budgets.web.warning, undefined);
      }
      await inWebview({ action: 'click', selector: 'vscode-tab-header[data-tab="targets"]' });
      await vscode.commands.executeCommand('workbench.action.closePanel');
      for (const [theme, name] of [
        ['Default Light Modern', 'light'],
        ['Default Dark Modern', 'dark'],
      ]) {
        await workbench.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        await new Promise((r) => setTimeout(r, 1500));
        // A click on the section's heading (it does nothing) brings the budgets into view, as scrolling would.
        await inWebview({ action: 'click', selector: 'section.budgets h3' });
        await screenshot(`rules-editor-budgets-${month.name}-${name}`);
      }
      // Closed again: the next steps act on the sample's page.
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
  });

  it('looks right in the light, dark and high-contrast themes', async () => {
    await inWebview({ action: 'click', selector: 'vscode-tab-header[data-tab="targets"]' });
    await vscode.commands.executeCommand('workbench.action.closePanel');
    const workbench = vscode.workspace.getConfiguration('workbench');
    for (const [theme, name] of [
      ['Default Light Modern', 'light'],
      ['Default Dark Modern', 'dark'],
      ['Default High Contrast', 'high-contrast'],
    ]) {
      await workbench.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await new Promise((r) => setTimeout(r, 1500));
      const s = await snapshotWhere('the preview', (x) => x.status === 'ready' && x.tab === 'targets');
      assert.ok(s.balanced);
      const file = await screenshot(`rules-editor-${name}`);
      if (file) assert.ok(file.endsWith(`rules-editor-${name}.png`));
    }
    // Nothing here saves: an edit in the visual editor stays in the document, as typing would.
    assert.deepEqual(saves, [], 'nothing here saves the rules file');
    assert.equal(onDisk(), original);
  });
});
