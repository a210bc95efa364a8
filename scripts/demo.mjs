#!/usr/bin/env node
// `npm run demo`: packages the extension (.vsix), installs it into a demo code-server (a real VS Code in the
// browser, from the cache of scripts/vscode/setup-code-server.mjs) and opens the samples/ folder in it. The extension
// then opens the sample month beside its rules file, with the getting-started walkthrough (first run of a folder).
//
//   node scripts/demo.mjs [--port 8080]                 serve until Ctrl-C; open the printed URL in a browser
//   node scripts/demo.mjs --screenshot FILE.png [--open samples/REL/PATH.csv[:LINE[:COL]]] [--problems] [--settle-ms 6000]
//                                                       save what a user sees (headless Chromium) and exit
// FINOPS_DEMO_SCREENSHOT=FILE.png works like --screenshot.
//
// The demo's state (user data, the installed .vsix) lives in a fresh <cache>/demo-XXXXXX per run, removed at the
// end, so what it shows does not depend on earlier sessions; code-server's log goes to test-results/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';
import { cacheRoot, ensureCodeServer } from './vscode/setup-code-server.mjs';
import {
  QUIET_SETTINGS,
  installExtension,
  killTree,
  launchChromium,
  sleep,
  startCodeServer,
  waitForWorkbench,
  withTimeout,
} from './vscode/code-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const samples = join(root, 'samples');
const vsix = join(root, 'dist', 'finops-chargeback.vsix'); // where `npm run package` writes it
const args = parseArgs(process.argv.slice(2));

const cleanups = [];
let stopping;
function stop(code) {
  stopping ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await withTimeout(fn(), 15_000, 'cleanup step');
      } catch (err) {
        console.error(`[demo] cleanup: ${err.message}`);
      }
    }
    process.exit(code);
  })();
  return stopping;
}
for (const [signal, code] of [
  ['SIGINT', 0],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
])
  process.on(signal, () => {
    console.log('\n[demo] stopping');
    stop(code);
  });

try {
  await main();
} catch (err) {
  console.error(`[demo] ${err.message}`);
  await stop(1);
}

async function main() {
  ensureDependencies(root);
  await runInherited('npm', ['run', '--silent', 'package']);
  if (!existsSync(vsix)) throw new Error(`npm run package did not produce ${vsix}`);
  mkdirSync(samples, { recursive: true });
  const install = await ensureCodeServer();

  // A fresh state folder per run (also keeps two demos on one machine apart), removed when the demo stops.
  mkdirSync(cacheRoot(), { recursive: true });
  const stateDir = mkdtempSync(join(cacheRoot(), 'demo-'));
  cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
  await installExtension(install, stateDir, vsix);
  const logFile = join(root, 'test-results', 'demo-code-server.log');

  const port = args.port ?? (args.screenshot ? 0 : await firstFreePort([8080, 0]));
  // As a user has it: no test driver (with it VS Code shows no notifications). Only a scripted screenshot of a given
  // file needs the driver, for the payload that opens the file.
  const testDriver = Boolean(args.screenshot && args.open);
  // samples/ sits inside this repository: no offer to open the repository in git.
  const settings = { ...QUIET_SETTINGS, 'git.openRepositoryInParentFolders': 'never' };
  const starting = startCodeServer(install, { folder: samples, stateDir, logFile, port, testDriver, settings });
  cleanups.push(async () => (await starting.catch(() => undefined))?.stop());
  const server = await starting;
  console.log(`[demo] VS Code ${install.vscode} (code-server ${install.codeServer}) with FinOps Chargeback installed`);

  if (args.screenshot) {
    await screenshot(server);
    await stop(0);
    return;
  }
  console.log(`\n  FinOps Chargeback demo: open ${server.url} in a browser (samples/ is the workspace).`);
  console.log(
    `  From another machine: ssh -L ${server.port}:127.0.0.1:${server.port} <this machine>, then the same URL.`,
  );
  console.log('  Ctrl-C stops it.\n');
  const { code, signal } = await server.exited;
  if (stopping) return; // Ctrl-C: stop() is already under way
  console.error(`[demo] code-server stopped (${signal ?? code}); log: ${logFile}`);
  await stop(code === 0 ? 0 : 1);
}

/** Opens the demo in headless Chromium, waits for the workbench (and the optional file), saves a PNG. */
async function screenshot(server) {
  const launching = launchChromium();
  cleanups.push(async () => {
    const browser = await launching.catch(() => undefined);
    const pid = browser?.process?.()?.pid;
    await browser?.close().catch(() => {});
    if (pid) await killTree(pid, 1000);
  });
  const browser = await launching;
  const page = await browser.newPage({ viewport: { width: args.width, height: args.height } });
  let url = server.url;
  if (args.open) {
    // The workbench opens payload's openFile (a remote URI, optionally with :line:col) once it has started.
    const [file, ...position] = args.open.split(':');
    const full = resolve(root, file);
    if (!existsSync(full)) throw new Error(`--open: ${full} does not exist`);
    const payload = [
      ['openFile', `vscode-remote://127.0.0.1:${server.port}${full}${position.length ? `:${position.join(':')}` : ''}`],
    ];
    if (position.length) payload.push(['gotoLineMode', 'true']);
    url += `?folder=${encodeURIComponent(samples)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await waitForWorkbench(page);
  if (args.open) await page.waitForSelector('.editor-group-container .monaco-editor', { timeout: 30_000 });
  await sleep(args.settleMs / 2); // extension activation, language server start, first diagnostics
  if (args.problems) await page.keyboard.press('Control+Shift+M');
  await sleep(args.settleMs / 2);
  // Then until no status bar item spins (a check still running), for at most a minute.
  await page
    .waitForFunction(() => !document.querySelector('.statusbar .codicon-modifier-spin'), null, { timeout: 60_000 })
    .catch(() => console.error('[demo] the status bar still shows work in progress; taking the screenshot anyway'));
  mkdirSync(dirname(args.screenshot), { recursive: true });
  await page.screenshot({ path: args.screenshot });
  console.log(`[demo] screenshot saved to ${args.screenshot}`);
}

function runInherited(cmd, cmdArgs) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${cmdArgs.join(' ')} failed (${signal ?? code})`)),
    );
  });
}

/** The first of `ports` that is free on 127.0.0.1 (0 means any free port). */
async function firstFreePort(ports) {
  for (const port of ports) {
    const free = await new Promise((r) => {
      const probe = createServer()
        .once('error', () => r(false))
        .listen(port, '127.0.0.1', () => probe.close(() => r(true)));
    });
    if (free) return port;
  }
  return 0;
}

function parseArgs(argv) {
  const parsed = {
    port: undefined,
    screenshot: process.env.FINOPS_DEMO_SCREENSHOT,
    open: undefined,
    problems: false,
    settleMs: 6000,
    width: 1400,
    height: 900,
  };
  const value = (i) => {
    if (i >= argv.length) usage();
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') parsed.port = Number(value(++i));
    else if (a === '--screenshot') parsed.screenshot = value(++i);
    else if (a === '--open') parsed.open = value(++i);
    else if (a === '--problems') parsed.problems = true;
    else if (a === '--settle-ms') parsed.settleMs = Number(value(++i));
    else if (a === '--size') [parsed.width, parsed.height] = value(++i).split('x').map(Number);
    else usage();
  }
  if (parsed.screenshot) parsed.screenshot = resolve(parsed.screenshot);
  if (parsed.port !== undefined && !(parsed.port >= 0)) usage();
  return parsed;
}

function usage() {
  console.error(
    'usage: node scripts/demo.mjs [--port N] [--screenshot FILE.png [--open PATH[:LINE[:COL]]] [--problems] [--settle-ms N] [--size 1400x900]]',
  );
  process.exit(2);
}
