/**
 * What integration tests can ask of the runner that drives VS Code (scripts/vscode/run-tests.mjs):
 *   log(...)              print to the test run's output (plain console.log only reaches test-results/workbench.log)
 *   await screenshot(n)   save test-results/screenshots/<n>.png of the workbench as the user sees it now
 *   await inWebview(a)    fill, press, click or type keys inside a webview, as the user would (webviews are iframes
 *                         of the workbench page, out of the extension host's reach)
 * Under @vscode/test-electron, log() is console.log and screenshot() does nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';

/**
 * In code-server the extension host's console reaches the runner mixed into the workbench's own log, one string
 * per call with printf placeholders left unexpanded; VS Code also makes console's methods unassignable. So lines
 * meant for the run's output are formatted here and start with this prefix (set by run-tests.mjs).
 */
const consolePrefix = process.env.FINOPS_TEST_CONSOLE_PREFIX;

/** The console lines the runner watches for; keep in sync with scripts/vscode/run-tests.mjs. */
const SCREENSHOT_REQUEST = '[finops-screenshot] ';
const WEBVIEW_REQUEST = '[finops-webview] ';

export function log(...args: unknown[]): void {
  if (!consolePrefix) {
    console.log(...args);
    return;
  }
  console.log(
    format(...args)
      .split('\n')
      .map((line) => consolePrefix + line)
      .join('\n'),
  );
}

export async function screenshot(name: string, timeoutMs = 15_000): Promise<string | undefined> {
  const dir = process.env.FINOPS_TEST_SCREENSHOTS;
  if (!dir) return undefined;
  const safeName = name.replace(/[^A-Za-z0-9._-]+/g, '-');
  const file = path.join(dir, `${safeName}.png`);
  fs.rmSync(file, { force: true });
  log(`${SCREENSHOT_REQUEST}${safeName}`);
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no screenshot ${file} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return file;
}

export type WebviewAction =
  | { action: 'fill'; selector: string; value: string }
  | { action: 'press'; selector: string; key: string }
  | { action: 'click'; selector: string }
  /** Focuses the element, then presses keys on the page's keyboard (shortcuts reach the workbench this way). */
  | { action: 'keyboard'; selector: string; key: string };

let webviewActions = 0;

export async function inWebview(action: WebviewAction, timeoutMs = 20_000): Promise<void> {
  const dir = process.env.FINOPS_TEST_WEBVIEW_ACTIONS;
  if (!dir) throw new Error('webview actions need the code-server runner (scripts/vscode/run-tests.mjs)');
  const id = `${process.pid}-${++webviewActions}`;
  const file = path.join(dir, `${id}.json`);
  log(`${WEBVIEW_REQUEST}${JSON.stringify({ id, timeoutMs: timeoutMs - 2000, ...action })}`);
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline)
      throw new Error(`no answer to webview action ${JSON.stringify(action)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const answer = JSON.parse(fs.readFileSync(file, 'utf8')) as { ok: boolean; error?: string };
  if (!answer.ok) throw new Error(`webview action ${JSON.stringify(action)} failed: ${answer.error}`);
}
