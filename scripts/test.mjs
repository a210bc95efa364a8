#!/usr/bin/env node
// `npm test`: lints (ESLint with the layer rules of eslint.config.mjs; one check, failed when any file has an
// error), builds, runs the unit suite (mocha in Node, out/test/unit/**/*.test.js) and the integration suite
// (inside a real VS Code: scripts/vscode/run-tests.mjs, which installs code-server on first use), then prints one
// line of its own, last and alone: `N passed, N failed` (`, N skipped` when any were skipped), summed over suites.
//
//   node scripts/test.mjs [--lint] [--unit] [--integration]     (no flag: all three)
//
// Exit code 0 only if the build succeeded and every suite ran to the end without a failure. A suite that could
// not run, crashed or hit its time limit counts as (at least) one failure, never as "0 failed".
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const unknown = argv.filter((a) => a !== '--unit' && a !== '--integration' && a !== '--lint');
if (unknown.length) {
  console.error('usage: node scripts/test.mjs [--lint] [--unit] [--integration]');
  process.exit(2);
}
const all = argv.length === 0;
const runLint = all || argv.includes('--lint');
const runUnit = all || argv.includes('--unit');
const runIntegration = all || argv.includes('--integration');
const LINT_TIME_LIMIT_S = Number(process.env.FINOPS_LINT_TIMEOUT_S || 600);
const UNIT_TIME_LIMIT_S = Number(process.env.FINOPS_UNIT_TIMEOUT_S || 600);
const UNIT_EXIT_GRACE_MS = 10_000;

const scratch = mkdtempSync(join(tmpdir(), 'finops-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];
let current; // the running child, so that SIGTERM/SIGINT reach it (run-tests.mjs then stops VS Code)
let interrupted;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    problems.push(`interrupted by ${signal}`);
    // The child stops what it started and reports; the rest of the run is skipped. finish() counts the
    // interruption as a failure. If the child does not end in time, finish without it.
    if (current) {
      current.kill(signal);
      setTimeout(finish, 30_000).unref();
    } else finish();
  });
}

try {
  ensureDependencies(root);
} catch (err) {
  problems.push(err.message);
  totals.failed += 1;
  finish();
}
if (runLint && !interrupted) await lintSuite();
const build = await run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
if (build.code !== 0) {
  problems.push(`build failed (${build.why})`);
  totals.failed += 1;
} else {
  if (runUnit && !interrupted) await unitSuite();
  if (runIntegration && !interrupted) await integrationSuite();
}
finish();

/** ESLint over the repository (the layers, no import cycles between modules or folders): one check. */
async function lintSuite() {
  console.log('\nlint: eslint .');
  const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const ran = await run(process.execPath, [eslint, '.'], { timeLimitMs: LINT_TIME_LIMIT_S * 1000 });
  const ok = ran.code === 0;
  add('lint', { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 }, ok ? undefined : `eslint ${ran.why}`);
  // The formatter's check (Prettier, 120 columns) is a second check: `npm run format` fixes what it reports.
  console.log('\nlint: prettier --check');
  const prettier = join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  const formatted = await run(
    process.execPath,
    [prettier, '--check', '--log-level', 'warn', 'src', 'test', 'scripts', 'webview', 'eslint.config.mjs'],
    { timeLimitMs: LINT_TIME_LIMIT_S * 1000 },
  );
  const tidy = formatted.code === 0;
  add(
    'format',
    { passed: tidy ? 1 : 0, failed: tidy ? 0 : 1, skipped: 0 },
    tidy ? undefined : `prettier --check ${formatted.why} (run npm run format)`,
  );
}

async function unitSuite() {
  const files = findTests(join(root, 'out', 'test', 'unit'));
  if (files.length === 0) {
    console.log('\nunit: no test files in out/test/unit');
    return;
  }
  const output = join(scratch, 'unit.json');
  const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const reporter = join(root, 'scripts', 'mocha-summary-reporter.cjs');
  console.log(`\nunit: ${files.length} test file(s)`);
  // mocha's 2 s default per test is a hang guard, not a speed check: on a loaded 2-core machine a fuzzed
  // differential test can take longer without anything being wrong. Speed is the bench's job.
  const ran = await run(
    process.execPath,
    [
      mocha,
      '--timeout',
      '20000',
      '--reporter',
      reporter,
      '--reporter-option',
      `output=${output}`,
      ...files.map((f) => relative(root, f)),
    ],
    { timeLimitMs: UNIT_TIME_LIMIT_S * 1000, doneWhen: output },
  );
  const counts = readJson(output);
  if (ran.lingered)
    console.log(
      `unit: WARNING: mocha had not exited ${UNIT_EXIT_GRACE_MS / 1000} s after the run ended (open handles?); stopped it`,
    );
  add('unit', counts, ran.code === 0 || ran.lingered || (counts && counts.failed > 0) ? undefined : `mocha ${ran.why}`);
}

async function integrationSuite() {
  const output = join(scratch, 'integration.json');
  console.log('\nintegration: inside VS Code (code-server + Chromium)');
  const ran = await run(process.execPath, [join(root, 'scripts', 'vscode', 'run-tests.mjs'), '--json', output]);
  const counts = readJson(output);
  add('integration', counts, ran.code === 0 ? counts?.problem : (counts?.problem ?? `runner ${ran.why}`));
}

/** Adds a suite's counts; a problem (or missing counts) makes sure the suite shows at least one failure. */
function add(suite, counts, problem) {
  const c = { passed: counts?.passed ?? 0, failed: counts?.failed ?? 0, skipped: counts?.skipped ?? 0 };
  if (!counts) problem ??= 'no results were written';
  if (problem) {
    problems.push(`${suite}: ${problem}`);
    if (c.failed === 0) c.failed = 1;
  }
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
  console.log(
    `${suite}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped${problem ? ` (${problem})` : ''}`,
  );
}

function finish() {
  if (finish.done) return;
  finish.done = true;
  rmSync(scratch, { recursive: true, force: true });
  if (problems.length && totals.failed === 0) totals.failed = 1; // e.g. interrupted between suites
  for (const p of problems) console.log(`problem: ${p}`);
  const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
  console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
  process.exit(totals.failed > 0 || problems.length > 0 ? 1 : 0);
}

/**
 * Runs a child with inherited output. Resolves { code, why, lingered }. With timeLimitMs the child is killed when
 * it runs too long; with doneWhen (a file the child writes when its work is over) a child that has not exited
 * UNIT_EXIT_GRACE_MS after the file appeared is stopped and reported as `lingered`.
 */
function run(cmd, args, { timeLimitMs, doneWhen } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    current = child;
    let why;
    let lingered = false;
    const timers = [];
    if (timeLimitMs)
      timers.push(
        setTimeout(() => {
          why = `hit its time limit of ${timeLimitMs / 1000} s`;
          child.kill('SIGKILL');
        }, timeLimitMs),
      );
    if (doneWhen) {
      const poll = setInterval(() => {
        if (!existsSync(doneWhen)) return;
        clearInterval(poll);
        timers.push(
          setTimeout(() => {
            lingered = true;
            child.kill('SIGKILL');
          }, UNIT_EXIT_GRACE_MS),
        );
      }, 500);
      timers.push(poll);
    }
    child.on('error', (err) => {
      why = err.message;
    });
    child.on('close', (code, signal) => {
      for (const t of timers) {
        clearTimeout(t);
        clearInterval(t);
      }
      current = undefined;
      resolvePromise({
        code: code ?? 1,
        why: why ?? (signal ? `was killed by ${signal}` : `exited with code ${code}`),
        lingered,
      });
    });
  });
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
