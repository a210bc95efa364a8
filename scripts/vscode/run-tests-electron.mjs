#!/usr/bin/env node
// The integration suite in a desktop VS Code through @vscode/test-electron, for developers with internet (it
// downloads VS Code into .vscode-test/). CI and offline machines use scripts/vscode/run-tests.mjs instead; both run
// the same out/test/integration/index.js against the same workspace.
//
//   node scripts/build.mjs && node scripts/vscode/run-tests-electron.mjs
//   VSCODE_VERSION=1.100.0 node scripts/vscode/run-tests-electron.mjs     (default: stable)
//
// On a machine without a display, wrap it in xvfb-run.
import { runTests } from '@vscode/test-electron';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const extensionTestsPath = join(root, 'out', 'test', 'integration', 'index.js');
if (!existsSync(extensionTestsPath)) {
  console.error(`${extensionTestsPath} is missing: build first (node scripts/build.mjs)`);
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'finops-electron-test-'));
const resultsFile = join(scratch, 'results.json');

let exitCode = 1;
try {
  await runTests({
    version: process.env.VSCODE_VERSION || 'stable',
    extensionDevelopmentPath: root,
    extensionTestsPath,
    extensionTestsEnv: { FINOPS_TEST_RESULTS: resultsFile },
    launchArgs: [
      join(root, 'test', 'fixtures', 'workspace'),
      '--disable-extensions', // every extension but the one under test
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), // Electron refuses to run as root with its sandbox
    ],
  });
  exitCode = 0;
} catch (err) {
  console.error(`integration tests failed: ${err.message}`);
}
try {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  console.log(`integration: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
} catch {
  console.log('integration: the suite wrote no results');
  exitCode = 1;
}
rmSync(scratch, { recursive: true, force: true });
process.exit(exitCode);
