// Text output cannot be spoofed by what a file holds; the CLI's small usage rules.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayText } from '../../src/core/text/displayText';
import { main } from '../../src/cli/main';
import { dailyCsv } from '../support/billingFixtures';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('displayText', () => {
  it('writes newlines, ANSI escapes, C1 controls and bidi overrides as visible escapes', () => {
    assert.equal(displayText('a\nb\r\tc'), 'a\\nb\\r\\tc');
    assert.equal(displayText('\x1b[31mred'), '\\x1b[31mred');
    assert.equal(displayText('x\u0085y\u009bz'), 'x\\x85y\\x9bz');
    assert.equal(displayText('evil\u202egpj.csv'), 'evil\\u202egpj.csv');
    assert.equal(displayText('\u2066a\u2069\u2028'), '\\u2066a\\u2069\\u2028');
    assert.equal(displayText('\x00\x7f'), '\\x00\\x7f');
  });

  it('leaves ordinary text alone, accents and all', () => {
    for (const t of ['Fabrikam Süd GmbH', 'C:\\billing\\July.csv', 'Ōsaka 大阪 €12.00', ''])
      assert.equal(displayText(t), t);
  });
});

describe('CLI text output from hostile files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-spoof-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a target name with a newline cannot fake an "unallocated" line', async () => {
    writeFileSync(join(dir, 'usage.csv'), dailyCsv([{}]));
    const rules = join(dir, 'spoof.chargeback.yaml');
    writeFileSync(
      rules,
      [
        'chargeback: 1',
        'data: [./usage.csv]',
        'targets:',
        '  web: { name: "Web\\nunallocated      USD 999.99\\u001b[2K" }',
        'rules:',
        '  - name: all',
        '    match: { customer: "*" }',
        '    to: web',
        '',
      ].join('\n'),
    );
    const r = await run(['allocate', rules]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.filter((l) => l.startsWith('unallocated')).length, 1, r.stdout);
    assert.ok(r.stdout.includes('Web\\nunallocated      USD 999.99\\x1b[2K'), r.stdout);
    assert.ok(!r.stdout.includes('\x1b'));
  });

  it('a file name with a newline and an ANSI escape is printed escaped by check', async () => {
    const name = join(dir, 'x\n\x1b[1mfake.csv');
    writeFileSync(name, dailyCsv([{}]));
    const r = await run(['check', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 1, r.stdout);
    assert.ok(r.stdout.includes('x\\n\\x1b[1mfake.csv: daily-usage'), r.stdout);
  });
});

describe('CLI usage rules', () => {
  it('without arguments prints the usage and a reason line, exit 2', async () => {
    const r = await run([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Usage:/);
    assert.match(r.stderr.trim().split('\n').pop()!, /^chargeback: no command given/);
  });

  it('--price-list with an empty value is a usage error, not "no price list"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeback-pl-'));
    try {
      const f = join(dir, 'u.csv');
      writeFileSync(f, dailyCsv([{}]));
      const r = await run(['check', f, '--price-list', '']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--price-list needs a file name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
