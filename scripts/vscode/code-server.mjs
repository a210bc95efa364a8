// What the integration test runner and the demo share: starting code-server on loopback, opening it in Debian's
// Chromium through playwright-core, and stopping every process they started (code-server's extension host,
// pty host, file watcher and whatever the extension itself spawns, such as the language server).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
];

/** User settings for test and demo runs: no welcome page, no network-bound features, no chat side bar. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
};

/**
 * Starts code-server on 127.0.0.1 (port 0 = a free port chosen by the OS) in its own process group.
 * Its log goes to `logFile`. Resolves once it listens: { child, port, url, exited, stop() }.
 *   stateDir: this run's folder (config, user data with `settings`, extensions, code-server's own logs);
 *   env: added to code-server's environment, which the extension host (so the extension and its tests) inherits;
 *   testDriver: false runs VS Code as a user has it (no smoke-test driver: notifications show, payloads are ignored).
 */
export async function startCodeServer(
  install,
  { folder, stateDir, logFile, port = 0, env = {}, extraArgs = [], settings = QUIET_SETTINGS, testDriver = true },
) {
  const userDataDir = join(stateDir, 'user-data');
  const extensionsDir = join(stateDir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const args = [
    ...codeServerArgs(install, stateDir),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    // Tests need the smoke-test driver (for their payload); it also hides notifications, so a demo runs without it.
    ...(install.smokeTestDriver && testDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...extraArgs,
    folder,
  ];
  const log = createWriteStream(logFile);
  const child = spawn(install.node, args, {
    detached: true, // own process group: stop() can reach every descendant even if one re-parents
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...codeServerEnv(stateDir), ...env },
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk) => {
      log.write(chunk);
      buffered = (buffered + chunk).slice(-4000);
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(buffered);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    exited.then(({ code, signal }) =>
      reject(new Error(`code-server exited (${signal ?? code}) before listening:\n${buffered}`)),
    );
    setTimeout(() => reject(new Error(`code-server did not listen within 60 s:\n${buffered}`)), 60_000).unref();
  });
  // Last resort if this process dies without running its cleanup: take the whole group down with it.
  const onExit = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', onExit);
  const stop = async () => {
    await killTree(child.pid);
    process.off('exit', onExit);
    log.end();
  };
  try {
    const actualPort = await listening;
    return {
      child,
      port: actualPort,
      url: `http://127.0.0.1:${actualPort}/`,
      exited,
      stop,
      userDataDir,
      extensionsDir,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Installs a .vsix into the given state folder's extensions dir (code-server's own CLI; no network). */
export async function installExtension(install, stateDir, vsix) {
  const out = await new Promise((resolve, reject) => {
    const child = spawn(install.node, [...codeServerArgs(install, stateDir), '--install-extension', vsix, '--force'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...codeServerEnv(stateDir) },
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.stderr.on('data', (d) => {
      text += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`--install-extension failed (${code}):\n${text}`)),
    );
  });
  if (!/successfully installed/i.test(out)) throw new Error(`--install-extension did not confirm:\n${out}`);
  return out;
}

function codeServerArgs(install, stateDir) {
  const config = join(stateDir, 'config.yaml');
  mkdirSync(stateDir, { recursive: true });
  // An explicit config keeps code-server from writing ~/.config/code-server/config.yaml.
  if (!existsSync(config)) writeFileSync(config, 'auth: none\n');
  return [
    install.entry,
    '--config',
    config,
    '--auth',
    'none',
    '--user-data-dir',
    join(stateDir, 'user-data'),
    '--extensions-dir',
    join(stateDir, 'extensions'),
  ];
}

function codeServerEnv(stateDir) {
  // code-server and VS Code's server write logs, a device id and defaults under the XDG folders; keep them with
  // this run instead of in ~/.local, ~/.cache and ~/.config.
  return {
    XDG_DATA_HOME: join(stateDir, 'xdg-data'),
    XDG_CACHE_HOME: join(stateDir, 'xdg-cache'),
    XDG_CONFIG_HOME: join(stateDir, 'xdg-config'),
  };
}

/** Launches headless Chromium (Debian's, or $CHROMIUM_PATH) through playwright-core. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  const executablePath = candidates.find((p) => p && existsSync(p));
  if (!executablePath) throw new Error('no Chromium found: apt-get install chromium, or set CHROMIUM_PATH');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/** Waits until the VS Code workbench has rendered in the page. */
export async function waitForWorkbench(page, timeoutMs = 60_000) {
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: timeoutMs });
}

/** Every live descendant of pid (Linux /proc), children before grandchildren. */
export function descendants(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  const found = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Stops pid, its process group and every descendant: SIGTERM, then SIGKILL after `graceMs` for whatever is left.
 * The tree is read before signalling, because children of a dead parent re-parent and could no longer be found.
 */
export async function killTree(pid, graceMs = 3000) {
  if (!pid) return;
  const pids = new Set([pid, ...descendants(pid)]);
  const signalAll = (signal) => {
    for (const p of descendants(pid)) pids.add(p);
    try {
      process.kill(-pid, signal);
    } catch {
      /* no such group */
    }
    for (const p of pids) {
      try {
        process.kill(p, signal);
      } catch {
        /* gone */
      }
    }
  };
  signalAll('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && [...pids].some(isAlive)) await sleep(100);
  if ([...pids].some(isAlive)) signalAll('SIGKILL');
  const hardDeadline = Date.now() + 5000;
  while (Date.now() < hardDeadline && [...pids].some(isAlive)) await sleep(100);
}

function isAlive(pid) {
  try {
    // A zombie (exited, not yet reaped by its parent) counts as gone.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Promise.race with a deadline that rejects with `what`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
