// What `data:` may read: regular files only, inside the rules file's folder unless allowed, globs in linear time,
// walks that survive link loops and unreadable entries; rules files read with a byte bound.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandPatternDetailed, resolveDataFiles, segmentMatches } from '../../src/core/allocation/dataFiles';
import { readRulesFile } from '../../src/core/allocation/readRulesFile';
import { main } from '../../src/cli/main';
import { dailyCsv } from '../support/billingFixtures';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const at = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const located = (value: string) => ({ value, range: at });

function rules(data: string[], extra = ''): string {
  return [
    'chargeback: 1',
    `data: [${data.map((d) => JSON.stringify(d)).join(', ')}]`,
    extra,
    'targets: { web: {} }',
    'rules:',
    '  - name: all',
    '    match: { customer: "*" }',
    '    to: web',
    '',
  ].join('\n');
}

describe('data globs and walks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-data-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('matches a segment of 30 stars against a long name in linear time', () => {
    const pattern = '*'.repeat(30) + 'x';
    const name = 'a'.repeat(5000);
    // The old regular expressions took over 20 s on 12 stars and 39 characters, and backtracking grows
    // exponentially with the stars: on 30 stars and 5,000 characters only linear matching ends within the runner's
    // hang guard.
    for (let i = 0; i < 20; i++) assert.equal(segmentMatches(pattern, name), false);
    assert.equal(segmentMatches('*a*b*c*', 'xxaxxbxxcxx'), true);
    assert.equal(segmentMatches('Daily?ated*.csv', 'DailyRatedUsage.csv'), true);
    assert.equal(segmentMatches('*.csv', 'x.CSV'), false);
    assert.equal(segmentMatches('a?c', 'ac'), false);
  });

  it('skips a FIFO and a dangling link under a glob with a warning, and ends on a link loop', async function () {
    this.timeout(20_000);
    writeFileSync(join(dir, 'usage.csv'), dailyCsv([{}]));
    execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
    symlinkSync('nowhere.csv', join(dir, 'dangling.csv'));
    symlinkSync('.', join(dir, 'loop'));
    const deep = './' + Array.from({ length: 24 }, () => '*').join('/') + '/*.csv';
    const all = await expandPatternDetailed(dir, './**/*.csv');
    assert.deepEqual(all.files, [join(dir, 'usage.csv')]);
    assert.ok(
      all.skipped.some((s) => /pipe\.csv: a named pipe \(FIFO\), skipped/.test(s)),
      all.skipped.join('\n'),
    );
    assert.ok(
      all.skipped.some((s) => /dangling\.csv: a dangling link, skipped/.test(s)),
      all.skipped.join('\n'),
    );
    const loop = await expandPatternDetailed(dir, deep);
    assert.ok(loop.files.length <= 1);
    // Through the CLI: the run ends, reads usage.csv once (not once per path through the loop), warns, exits 0.
    const path = join(dir, 'r.chargeback.yaml');
    writeFileSync(path, rules(['./**/*.csv', deep, './*.csv']));
    const r = await run(['allocate', path, '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).lines, 1);
    assert.match(r.stderr, /warning data-entry-skipped: .*pipe\.csv: a named pipe/);
  });

  it('an entry that cannot be read under a glob (a link loop) is a warning, not the end of the run', async () => {
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'usage.csv'), dailyCsv([{}]));
    symlinkSync('y.csv', join(dir, 'a', 'x.csv'));
    symlinkSync('x.csv', join(dir, 'a', 'y.csv'));
    const got = await expandPatternDetailed(dir, './*/*.csv');
    assert.deepEqual(got.files, [join(dir, 'a', 'usage.csv')]);
    assert.ok(
      got.skipped.some((s) => /x\.csv: a link loop, skipped/.test(s)),
      got.skipped.join('\n'),
    );
  });

  it('a FIFO named directly in data: is an error at its entry; the run does not block', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
    const [m] = await resolveDataFiles(join(dir, 'r.chargeback.yaml'), [located('./pipe.csv')]);
    assert.equal(m.refused?.code, 'data-not-regular-file');
    const path = join(dir, 'r.chargeback.yaml');
    writeFileSync(path, rules(['./pipe.csv']));
    const r = await run(['allocate', path]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /r\.chargeback\.yaml:2:\d+: error data-not-regular-file: '\.\/pipe\.csv' is a named pipe/);
  });

  it("data: outside the rules file's folder is an error at the entry unless allowOutside: true", async () => {
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'usage.csv'), dailyCsv([{}]));
    const path = join(dir, 'rules', 'r.chargeback.yaml');
    for (const entry of ['../usage.csv', join(dir, 'usage.csv'), '/*/*.csv', './*/../../usage.csv']) {
      writeFileSync(path, rules([entry]));
      const r = await run(['allocate', path]);
      assert.equal(r.code, 1, entry);
      assert.match(
        r.stdout,
        /:2:\d+: error data-outside-folder: .*reaches outside the folder of this rules file; add `allowOutside: true`/,
      );
    }
    writeFileSync(path, rules(['../usage.csv'], 'allowOutside: true'));
    const r = await run(['allocate', path, '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).lines, 1);
  });

  it('confined to a workspace (untrusted), a link out of it is not followed even with allowOutside', async () => {
    mkdirSync(join(dir, 'ws'));
    writeFileSync(join(dir, 'secret.csv'), dailyCsv([{}]));
    symlinkSync(join(dir, 'secret.csv'), join(dir, 'ws', 'link.csv'));
    const [m] = await resolveDataFiles(join(dir, 'ws', 'r.chargeback.yaml'), [located('./*.csv')], {
      allowOutside: true,
      confineTo: [join(dir, 'ws')],
    });
    assert.deepEqual(m.files, []);
    assert.equal(m.refused?.code, 'data-outside-folder');
    const [n] = await resolveDataFiles(join(dir, 'ws', 'r.chargeback.yaml'), [located('../secret.csv')], {
      allowOutside: true,
      confineTo: [join(dir, 'ws')],
    });
    assert.deepEqual(n.files, []);
  });
});

describe('rules files are read with a byte bound', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-rulesread-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses /dev/zero, a FIFO and a sparse 3 GB file at once, exit 2', async function () {
    this.timeout(10_000);
    execFileSync('mkfifo', [join(dir, 'pipe.chargeback.yaml')]);
    execFileSync('truncate', ['-s', '3G', join(dir, 'sparse.chargeback.yaml')]);
    for (const [file, message] of [
      ['/dev/zero', /is a device or socket, not a regular file/],
      ['/dev/urandom', /is a device or socket, not a regular file/],
      [join(dir, 'pipe.chargeback.yaml'), /is a named pipe \(FIFO\), not a regular file/],
      [join(dir, 'sparse.chargeback.yaml'), /at most 1,048,576 bytes/],
    ] as const) {
      const r = await run(['allocate', file]);
      assert.equal(r.code, 2, file);
      assert.match(r.stderr, message);
    }
  });

  it('counts the limit in bytes, not characters', async () => {
    const path = join(dir, 'wide.chargeback.yaml');
    // 400,000 three-byte characters: under a million characters, over a million bytes.
    writeFileSync(path, 'chargeback: 1\nname: "' + '€'.repeat(400_000) + '"\n');
    const read = await readRulesFile(path);
    assert.equal(read.ok, false);
    const small = await readRulesFile(path, 2_000_000);
    assert.equal(small.ok, true);
  });

  it('a billing file or price list that is a FIFO is refused by check, exit 2', async () => {
    execFileSync('mkfifo', [join(dir, 'usage.csv')]);
    writeFileSync(join(dir, 'ok.csv'), dailyCsv([{}]));
    let r = await run(['check', join(dir, 'usage.csv')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /billing file .*usage\.csv is a named pipe \(FIFO\), not a regular file/);
    r = await run(['check', join(dir, 'ok.csv'), '--price-list', join(dir, 'usage.csv')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /price list .* is a named pipe/);
  });
});
