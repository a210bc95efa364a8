// Exports never replace their own inputs or a non-regular file; temporary files do not outlive the process.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { atomicWrite } from '../../src/core/exports/atomicWrite';
import { trackedTemps } from '../../src/core/tempFiles';
import { checkSource } from '../../src/core/rating/check';
import { defaultCheckOptions } from '../../src/core/rating/options';
import { fileSource } from '../../src/core/billing/source';
import { main } from '../../src/cli/main';
import { dailyCsv } from '../support/billingFixtures';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const outDir = resolve(__dirname, '../../src');

describe('exports never replace their inputs', () => {
  let dir: string;
  let rules: string;
  let usage: string;
  let usageBytes: Buffer;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-inputs-'));
    usage = join(dir, 'usage.csv');
    writeFileSync(usage, dailyCsv([{}, { BillingPreTaxTotal: '3.00' }]));
    usageBytes = readFileSync(usage);
    rules = join(dir, 'r.chargeback.yaml');
    writeFileSync(
      rules,
      'chargeback: 1\ndata: [./usage.csv]\ntargets: { web: {} }\nrules:\n  - { name: all, match: { customer: "*" }, to: web }\n',
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses --out on a billing file, the rules file, a link or hard link to them, with --force; exit 2', async () => {
    symlinkSync(usage, join(dir, 'soft.csv'));
    linkSync(usage, join(dir, 'hard.csv'));
    const rulesBytes = readFileSync(rules);
    const before = JSON.parse((await run(['allocate', rules, '--format', 'json'])).stdout).total;
    for (const out of [usage, join(dir, 'soft.csv'), join(dir, 'hard.csv'), join(dir, '.', 'usage.csv'), rules]) {
      for (const to of ['json', 'journal', 'focus', 'report']) {
        const r = await run(['export', rules, '--to', to, '--out', out, '--force']);
        assert.equal(r.code, 2, `${to} -> ${out}`);
        assert.match(r.stderr, /one of this export's inputs; an export never replaces its inputs/);
      }
      const a = await run(['allocate', rules, '--out', out, '--force']);
      assert.equal(a.code, 2);
    }
    assert.deepEqual(readFileSync(usage), usageBytes);
    assert.deepEqual(readFileSync(rules), rulesBytes);
    // The allocation still reads the true total afterwards.
    const after = await run(['allocate', rules, '--format', 'json']);
    assert.equal(JSON.parse(after.stdout).total, before);
    assert.notEqual(before, undefined);
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0);
  });

  it('refuses a FIFO or a device at --out, with --force, and leaves it what it was', async () => {
    const fifo = join(dir, 'out.csv');
    execFileSync('mkfifo', [fifo]);
    let r = await run(['export', rules, '--to', 'report', '--out', fifo, '--force']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is a named pipe \(FIFO\), not a regular file; an export never replaces it/);
    assert.ok(statSync(fifo).isFIFO());
    r = await run(['export', rules, '--to', 'report', '--out', '/dev/null', '--force']);
    assert.equal(r.code, 2);
    assert.ok(statSync('/dev/null').isCharacterDevice());
  });

  it('the atomic writer refuses an input compared by device and inode', async () => {
    const res = await atomicWrite(join(dir, 'hard2.csv'), 'x', { overwrite: true, inputs: [usage] });
    assert.equal(res.written, true);
    linkSync(usage, join(dir, 'hard3.csv'));
    const again = await atomicWrite(join(dir, 'hard3.csv'), 'x', { overwrite: true, inputs: [usage] });
    assert.equal(again.written, false);
    assert.equal(!again.written && again.reason, 'input');
  });
});

describe('temporary files do not outlive the process', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-temps-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a stale temp of a dead process is removed by the next export to that folder; a live one is kept', async () => {
    // A pid that cannot be running: above the kernel's largest pid.
    const dead = join(dir, '.report.csv.4194999.0123456789ab.tmp');
    const live = join(dir, `.report.csv.${process.ppid}.0123456789ab.tmp`);
    const other = join(dir, '.notes.4194999.tmp');
    for (const f of [dead, live, other]) writeFileSync(f, 'half an export');
    const res = await atomicWrite(join(dir, 'other.csv'), 'done');
    assert.equal(res.written, true);
    assert.equal(existsSync(dead), false);
    assert.equal(existsSync(live), true);
    assert.equal(existsSync(other), true);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`an export interrupted by ${signal} leaves no temp file beside the destination`, async function () {
      this.timeout(20_000);
      // A child writes an export whose content never ends, until it is interrupted.
      const script = `
        const { atomicWrite } = require(${JSON.stringify(join(outDir, 'core/exports/atomicWrite.js'))});
        async function* forever() { yield 'a,b\\n'.repeat(1000); process.stdout.write('started\\n'); await new Promise(() => setInterval(() => {}, 1000)); }
        atomicWrite(${JSON.stringify(join(dir, 'out.csv'))}, forever());`;
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolveStarted, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolveStarted());
        child.on('exit', () => reject(new Error('child ended early')));
      });
      assert.equal(readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 1);
      const ended = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, s) => r(s)));
      child.kill(signal);
      assert.equal(await ended, signal);
      assert.deepEqual(readdirSync(dir), []);
    });
  }

  it("a registered temp folder (the check's spool) is removed when the process is interrupted by SIGINT", async function () {
    this.timeout(20_000);
    const spool = join(dir, 'chargeback-check-x');
    const script = `
      const { mkdirSync, writeFileSync } = require('node:fs');
      const { trackTemp } = require(${JSON.stringify(join(outDir, 'core/tempFiles.js'))});
      mkdirSync(${JSON.stringify(spool)}); writeFileSync(${JSON.stringify(join(spool, 'rows.bin'))}, 'rows');
      trackTemp(${JSON.stringify(spool)}); process.stdout.write('started\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((ok) => child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && ok()));
    assert.equal(existsSync(join(spool, 'rows.bin')), true);
    const ended = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, s) => r(s)));
    child.kill('SIGINT');
    assert.equal(await ended, 'SIGINT');
    assert.equal(existsSync(spool), false);
  });

  it('the check registers its spool while it runs and removes it after', async () => {
    const usage = join(dir, 'usage.csv');
    writeFileSync(usage, dailyCsv(Array.from({ length: 50 }, () => ({}))));
    let during: string[] = [];
    await checkSource(fileSource(usage), defaultCheckOptions({}), () => undefined, {
      onProgress: () => void (during = trackedTemps()),
    });
    const spools = during.filter((p) => /chargeback-check-/.test(p));
    assert.equal(spools.length, 1, `tracked during the check: ${during.join(', ')}`);
    assert.equal(existsSync(spools[0]), false);
    assert.deepEqual(
      trackedTemps().filter((p) => /chargeback-check-/.test(p)),
      [],
    );
  });
});
