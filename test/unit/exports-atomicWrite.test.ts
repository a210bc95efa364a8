/**
 * Writing exports to disk: atomic (temp file + rename), never overwriting unless told to, no debris on failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite } from '../../src/core/exports/atomicWrite';

describe('exports: atomic writes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-export-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a new file and leaves no temporary file behind', async () => {
    const path = join(dir, 'report.csv');
    const r = await atomicWrite(path, 'a,b\n');
    assert.deepEqual(r, { written: true, path, bytes: 4 });
    assert.equal(readFileSync(path, 'utf8'), 'a,b\n');
    assert.deepEqual(readdirSync(dir), ['report.csv']);
  });

  it('refuses to overwrite an existing file unless told to', async () => {
    const path = join(dir, 'report.csv');
    writeFileSync(path, 'old');
    const refused = await atomicWrite(path, 'new');
    assert.equal(refused.written, false);
    assert.equal(refused.written === false && refused.reason, 'exists');
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['report.csv']);
    const r = await atomicWrite(path, 'new', { overwrite: true });
    assert.equal(r.written, true);
    assert.equal(readFileSync(path, 'utf8'), 'new');
  });

  it('writes streamed chunks (async iterables) as they come', async () => {
    async function* chunks(): AsyncGenerator<string> {
      yield 'header\n';
      yield 'row 1\n';
    }
    const path = join(dir, 'focus.csv');
    await atomicWrite(path, chunks());
    assert.equal(readFileSync(path, 'utf8'), 'header\nrow 1\n');
  });

  it('reports a failed write as a value and removes its temporary file', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield 'partial';
      throw new Error('disk on fire');
    }
    const path = join(dir, 'broken.csv');
    const r = await atomicWrite(path, failing());
    assert.equal(r.written, false);
    assert.equal(r.written === false && r.reason, 'io');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('reports a folder that does not exist as a value', async () => {
    const r = await atomicWrite(join(dir, 'missing', 'x.csv'), 'x');
    assert.equal(r.written, false);
  });
});
