#!/usr/bin/env node
// Runs the integration suite (out/test/integration/index.js) inside a real VS Code, offline: code-server from the
// npm-built cache (scripts/vscode/setup-code-server.mjs) and Debian's Chromium driven by playwright-core.
//
//   node scripts/vscode/run-tests.mjs [--json FILE] [--timeout-s 900] [--no-screenshot]
//
// Expects a build (node scripts/build.mjs): out/ for the tests, dist/ for the extension itself.
// Prints the extension host's console (mocha's spec output) and a summary; exit code 0 only if every test passed.
// --json FILE receives { suite, passed, failed, skipped, ok, problem? } in every case, also after a crash or timeout.
//
// How the result comes back: the workbench calls window.codeAutomationExit(code) when run() settles, and
// test/integration/index.ts writes the counts to $FINOPS_TEST_RESULTS (the extension host inherits code-server's
// environment). The file is the source of the counts; the exit code only turns "0 failed" into a failure.
// Artifacts in test-results/: code-server.log, workbench.log (the workbench's whole log, of which only the extension
// host's console is printed), workbench.png (the workbench at the end), screenshots/ (requested by tests).
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from './setup-code-server.mjs';
import { killTree, launchChromium, sleep, startCodeServer, withTimeout } from './code-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOT_REQUEST = '[finops-screenshot] '; // see test/integration/runner.ts
const WEBVIEW_REQUEST = '[finops-webview] '; // a user action inside a webview; see test/integration/runner.ts
const CONSOLE_PREFIX = '[exthost] '; // marks the extension host's console lines; see test/integration/runner.ts
const EXIT_GRACE_MS = 30_000; // results written but no codeAutomationExit: stop waiting after this

const args = parseArgs(process.argv.slice(2));
const resultsDir = join(root, 'test-results');
const indexJs = join(root, 'out', 'test', 'integration', 'index.js');
const workspace = join(root, 'test', 'fixtures', 'workspace');

let cleanupPromise;
const cleanups = [];
function cleanup() {
  cleanupPromise ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await withTimeout(fn(), 15_000, 'cleanup step');
      } catch (err) {
        log(`cleanup: ${err.message}`);
      }
    }
  })();
  return cleanupPromise;
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    report({ passed: 0, failed: 1, skipped: 0, problem: `interrupted by ${signal}` });
    cleanup().finally(() => process.exit(code));
  });
}

const outcome = await main().catch((err) => ({ passed: 0, failed: 1, skipped: 0, problem: err.message }));
await cleanup();
const ok = report(outcome);
process.exit(ok ? 0 : 1);

async function main() {
  if (!existsSync(indexJs)) throw new Error(`${indexJs} is missing: build first (node scripts/build.mjs)`);
  const install = await ensureCodeServer();
  const started = Date.now();
  const timeoutMs = args.timeoutS * 1000;
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ problem: `time limit of ${args.timeoutS} s reached` }), timeoutMs);
  });
  try {
    return await runSuite(install, timedOut, started);
  } finally {
    clearTimeout(timer);
  }
}

async function runSuite(install, timedOut, started) {
  const runDir = mkdtempSync(join(tmpdir(), 'finops-vscode-test-'));
  cleanups.push(async () => rmSync(runDir, { recursive: true, force: true }));
  const resultsFile = join(runDir, 'results.json');
  const screenshotsDir = join(resultsDir, 'screenshots');
  const webviewDir = join(runDir, 'webview-actions');
  mkdirSync(webviewDir, { recursive: true });
  rmSync(screenshotsDir, { recursive: true, force: true });
  mkdirSync(screenshotsDir, { recursive: true });
  log(`VS Code ${install.vscode} (code-server ${install.codeServer}, way ${install.way}); workspace ${workspace}`);

  // Cleanups are registered before awaiting, so that a time limit hit while starting still stops what started.
  const starting = startCodeServer(install, {
    folder: workspace,
    stateDir: runDir,
    logFile: join(resultsDir, 'code-server.log'),
    env: {
      FINOPS_TEST_RESULTS: resultsFile,
      FINOPS_TEST_SCREENSHOTS: screenshotsDir,
      FINOPS_TEST_CONSOLE_PREFIX: CONSOLE_PREFIX,
      FINOPS_TEST_WEBVIEW_ACTIONS: webviewDir,
    },
  });
  cleanups.push(async () => (await starting.catch(() => undefined))?.stop());
  const server = await raceWith(timedOut, starting);

  const launching = launchChromium();
  // Playwright owns Chromium's process; close() ends it, killTree catches anything close() leaves behind.
  cleanups.push(async () => {
    const browser = await launching.catch(() => undefined);
    if (!browser) return;
    const pid = browser.process?.()?.pid;
    await withTimeout(browser.close(), 10_000, 'closing Chromium').catch(() => {});
    if (pid) await killTree(pid, 1000);
  });
  const browser = await raceWith(timedOut, launching);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

  let signalExit;
  const exitCode = new Promise((resolve) => {
    signalExit = resolve;
  });
  let screenshots = Promise.resolve();
  // The workbench's whole log arrives here (level, message); lines the extension host printed carry
  // CONSOLE_PREFIX (see test/integration/runner.ts) and go to stdout, everything goes to workbench.log.
  const workbenchLog = createWriteStream(join(resultsDir, 'workbench.log'));
  cleanups.push(async () => {
    workbenchLog.end();
  });
  await page.exposeFunction('codeAutomationLog', (level, message) => {
    const text = Array.isArray(message) ? message.map(String).join(' ') : String(message);
    if (!workbenchLog.writableEnded) workbenchLog.write(`${level}: ${text}\n`); // the page may log while closing
    for (const line of text.split('\n')) {
      const at = line.indexOf(CONSOLE_PREFIX);
      if (at < 0) continue;
      const own = line.slice(at + CONSOLE_PREFIX.length);
      process.stdout.write(`${own}\n`);
      if (own.startsWith(SCREENSHOT_REQUEST)) {
        const name = own.slice(SCREENSHOT_REQUEST.length).trim();
        screenshots = screenshots.then(() => saveScreenshot(page, join(screenshotsDir, `${name}.png`)));
      }
      if (own.startsWith(WEBVIEW_REQUEST)) {
        screenshots = screenshots.then(() => webviewAction(page, webviewDir, own.slice(WEBVIEW_REQUEST.length)));
      }
    }
  });
  await page.exposeFunction('codeAutomationExit', (code) => {
    signalExit(Number(code));
  });
  page.on('crash', () => signalExit('page crashed'));
  page.on('pageerror', (err) => log(`page error: ${err.message}`));

  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(indexJs)],
    ['skipWelcome', 'true'],
  ];
  const url = `${server.url}?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await raceWith(timedOut, page.goto(url, { waitUntil: 'domcontentloaded' }));
  log(`workbench loading at ${server.url} (${((Date.now() - started) / 1000).toFixed(1)} s since start)`);

  const resultsWritten = (async () => {
    while (!existsSync(resultsFile)) await sleep(500);
    await sleep(EXIT_GRACE_MS);
    return {
      problem: `the test run wrote its results but VS Code did not report an exit within ${EXIT_GRACE_MS / 1000} s`,
    };
  })();
  const serverDied = server.exited.then(({ code, signal }) => ({
    problem: `code-server exited unexpectedly (${signal ?? code})`,
  }));
  const ended = await Promise.race([
    exitCode.then((code) => (typeof code === 'number' ? { exitCode: code } : { problem: code })),
    resultsWritten,
    serverDied,
    timedOut,
  ]);
  await screenshots;
  await saveScreenshot(page, join(resultsDir, 'workbench.png'));

  let results;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    results = undefined;
  }
  return judge(results, ended);
}

/** Turns what came back into counts; anything short of a clean run counts as at least one failure. */
function judge(results, ended) {
  if (!results) {
    const problem =
      ended.problem ??
      `VS Code exited with code ${ended.exitCode} but the suite wrote no results` +
        ' (did the extension host start? see test-results/workbench.log and code-server.log)';
    return { passed: 0, failed: 1, skipped: 0, problem };
  }
  const outcome = {
    passed: results.passed,
    failed: results.failed,
    skipped: results.skipped,
    failures: results.failures,
  };
  if (results.error) outcome.problem = `the suite could not run: ${results.error.split('\n')[0]}`;
  else if (ended.exitCode !== undefined && ended.exitCode !== 0 && results.failed === 0) {
    outcome.problem = `VS Code reported exit code ${ended.exitCode} although no test failed`;
  } else if (ended.problem && ended.exitCode === undefined) {
    log(`note: ${ended.problem}`); // the results are complete; only the exit signal was missing
  }
  if (outcome.problem && outcome.failed === 0) outcome.failed = 1;
  return outcome;
}

/** Prints the summary, writes --json, returns whether the suite passed. */
function report(outcome) {
  if (report.done) return report.done.ok;
  const ok = outcome.failed === 0 && !outcome.problem;
  const summary = {
    suite: 'integration',
    passed: outcome.passed,
    failed: outcome.failed,
    skipped: outcome.skipped,
    ok,
  };
  if (outcome.problem) summary.problem = outcome.problem;
  report.done = summary;
  for (const f of outcome.failures ?? []) log(`failed: ${f.title}: ${f.message}`);
  if (outcome.problem) log(`problem: ${outcome.problem}`);
  log(`integration: ${outcome.passed} passed, ${outcome.failed} failed, ${outcome.skipped} skipped`);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify(summary, null, 2));
  }
  return ok;
}

async function saveScreenshot(page, file) {
  if (!args.screenshot || cleanupPromise) return; // after a signal the browser is already closing
  try {
    mkdirSync(dirname(file), { recursive: true });
    await page.screenshot({ path: `${file}.tmp.png`, timeout: 10_000 });
    renameSync(`${file}.tmp.png`, file); // the test waiting for it must never see half a file
  } catch (err) {
    log(`screenshot ${file} failed: ${err.message.split('\n')[0]}`);
  }
}

/**
 * Does what a user does inside a webview (webviews are nested iframes the extension host cannot reach): finds the
 * frame that holds `selector` and fills, presses or clicks there, as the user's mouse and keyboard would. The
 * answer goes to <dir>/<id>.json: { ok, error? }.
 */
async function webviewAction(page, dir, json) {
  let request;
  try {
    request = JSON.parse(json);
  } catch {
    return;
  }
  const answer = (body) => {
    writeFileSync(join(dir, `${request.id}.tmp`), JSON.stringify(body));
    renameSync(join(dir, `${request.id}.tmp`), join(dir, `${request.id}.json`));
  };
  try {
    const deadline = Date.now() + (request.timeoutMs ?? 10_000);
    let frame;
    while (!frame) {
      for (const f of page.frames()) {
        if (await f.$(request.selector).catch(() => null)) {
          frame = f;
          break;
        }
      }
      if (!frame) {
        if (Date.now() > deadline) throw new Error(`no webview frame has ${request.selector}`);
        await sleep(200);
      }
    }
    const target = frame.locator(request.selector).first();
    if (request.action === 'fill') await target.fill(request.value, { timeout: 5000 });
    else if (request.action === 'press') await target.press(request.key, { timeout: 5000 });
    else if (request.action === 'click') await target.click({ timeout: 5000 });
    else if (request.action === 'keyboard') {
      await target.focus({ timeout: 5000 });
      await page.keyboard.press(request.key);
    } else throw new Error(`unknown webview action ${request.action}`);
    answer({ ok: true });
  } catch (err) {
    answer({ ok: false, error: err.message.split('\n')[0] });
  }
}

/** Awaits `promise` unless the time limit ends first (then throws with the limit's message). */
async function raceWith(timedOut, promise) {
  const result = await Promise.race([promise.then((value) => ({ value })), timedOut]);
  if ('problem' in result) throw new Error(result.problem);
  return result.value;
}

function parseArgs(argv) {
  const parsed = {
    json: undefined,
    timeoutS: Number(process.env.FINOPS_INTEGRATION_TIMEOUT_S || 900),
    screenshot: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') parsed.json = resolve(argv[++i]);
    else if (a === '--timeout-s') parsed.timeoutS = Number(argv[++i]);
    else if (a === '--no-screenshot') parsed.screenshot = false;
    else {
      console.error('usage: node scripts/vscode/run-tests.mjs [--json FILE] [--timeout-s SECONDS] [--no-screenshot]');
      process.exit(2);
    }
  }
  if (!(parsed.timeoutS > 0)) throw new Error('--timeout-s must be a positive number');
  return parsed;
}

function log(message) {
  console.log(`[run-tests] ${message}`);
}
