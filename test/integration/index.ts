/**
 * The integration suite's entry point, loaded by VS Code's extension host as `extensionTestsPath`: both by
 * scripts/vscode/run-tests.mjs (code-server, offline) and by scripts/vscode/run-tests-electron.mjs
 * (@vscode/test-electron, needs internet). Runs every out/test/integration/**\/*.test.js with mocha (bdd).
 *
 * When FINOPS_TEST_RESULTS names a file, the counts are written there as JSON: the extension host inherits the
 * environment of the process that started VS Code, and a file is a more reliable channel back to the runner than
 * parsing console output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { log } from './runner';

export interface IntegrationResults {
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  failures: { title: string; message: string }[];
  /** Set when the suite could not run at all (a test file failed to load, ...). */
  error?: string;
}

export async function run(): Promise<void> {
  const started = Date.now();
  Mocha.reporters.Base.consoleLog = log; // mocha's reporters print through this (set at load time to console.log)
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // FINOPS_TEST_GREP runs only the tests whose title matches (while working on one feature).
  if (process.env.FINOPS_TEST_GREP) mocha.grep(process.env.FINOPS_TEST_GREP);
  const failures: IntegrationResults['failures'] = [];
  let results: IntegrationResults;
  try {
    for (const file of findTestFiles(__dirname)) mocha.addFile(file);
    const stats = await new Promise<Mocha.Stats>((resolve) => {
      const runner = mocha.run(() => resolve(runner.stats ?? ({ passes: 0, failures: 1, pending: 0 } as Mocha.Stats)));
      runner.on('fail', (test, err: Error) =>
        failures.push({ title: test.fullTitle(), message: String(err?.message ?? err) }),
      );
    });
    results = {
      passed: stats.passes,
      failed: stats.failures,
      skipped: stats.pending,
      durationMs: Date.now() - started,
      failures,
    };
  } catch (err) {
    results = {
      passed: 0,
      failed: 1,
      skipped: 0,
      durationMs: Date.now() - started,
      failures,
      error: String((err as Error)?.stack ?? err),
    };
    log(`integration suite could not run: ${results.error}`);
  }
  writeResults(results);
  if (results.error) throw new Error(results.error);
  if (results.failed > 0) throw new Error(`${results.failed} integration test(s) failed`);
}

function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

function writeResults(results: IntegrationResults): void {
  const file = process.env.FINOPS_TEST_RESULTS;
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2));
  fs.renameSync(`${file}.tmp`, file); // the runner polls for the file: it must never see half of it
}
