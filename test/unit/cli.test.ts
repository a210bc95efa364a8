import { strict as assert } from 'node:assert';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { FindingJsonWriter, findingJson, jsonFinding } from '../../src/core/findingRender';
import { BlockingOutput, type Output } from '../../src/cli/output';
import { CentsSum, formatWholeCents, wholeCentsOf } from '../../src/core/money';
import type { Finding } from '../../src/core/findings';
import { dailyCsv, reconCsv } from '../support/billingFixtures';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('chargeback check (CLI)', () => {
  let dir: string;
  let clean: string;
  let broken: string;
  let recon: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-cli-'));
    clean = join(dir, 'clean.csv');
    broken = join(dir, 'broken.csv');
    recon = join(dir, 'recon.csv');
    writeFileSync(clean, dailyCsv([{}]));
    writeFileSync(
      broken,
      dailyCsv([{ EffectiveUnitPrice: '0.868', BillingPreTaxTotal: '25.17', PricingPreTaxTotal: '25.17' }]),
    );
    writeFileSync(recon, reconCsv([{ Total: '411.17' }]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints a summary when a file has no error', async () => {
    const r = await run(['check', clean]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${clean}: daily-usage, 1 row, no findings, billed USD 21.39\n`);
  });

  it('prints findings like a compiler (file:line:col) and exits 1 on an error finding', async () => {
    const r = await run(['check', broken, recon]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.match(
      lines[0],
      new RegExp(
        `^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: error eup-mismatch: EffectiveUnitPrice 0\\.868 should be 0\\.737586206896552`,
      ),
    );
    assert.match(
      lines[2],
      /recon\.csv:2:\d+: error total-mismatch: Total 411\.17 is not Subtotal 410\.17 \+ TaxTotal 0 = 410\.17/,
    );
  });

  it('ends with a total line over all files, adding billed amounts only across files of one kind', async () => {
    const two = await run(['check', clean, broken]);
    const last = two.stdout.trim().split('\n').pop()!;
    // Billed: 21.39 + 25.17 (both daily usage files, USD); the wrong price overcharges 3.78 on the second.
    assert.match(
      last,
      /^total: 2 files, 2 rows, 1 finding \(1 error, 0 warnings, 0 info\), billed USD 46\.56, overcharged USD \d+\.\d{2}$/,
    );
    const mixed = (await run(['check', clean, recon])).stdout.trim().split('\n').pop()!;
    assert.match(mixed, /^total: 2 files, 2 rows, /);
    assert.doesNotMatch(mixed, /billed/, 'daily usage and reconciliation bill the same usage: no sum of the two');
    assert.doesNotMatch((await run(['check', clean])).stdout, /^total:/m, 'one file: its own line says it all');
    assert.doesNotMatch(two.stdout + (await run(['check', broken, recon])).stdout, /:0:/, 'never a line 0');
  });

  it('writes the documented JSON shape', async () => {
    const r = await run(['check', broken, '--format', 'json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.files.length, 1);
    const file = doc.files[0];
    assert.equal(file.path, broken);
    assert.equal(file.kind, 'daily-usage');
    assert.equal(file.rows, 1);
    assert.deepEqual(
      {
        line: file.findings[0].line,
        column: file.findings[0].column,
        code: file.findings[0].code,
        severity: file.findings[0].severity,
        actual: file.findings[0].actual,
        expected: file.findings[0].expected,
        impact: file.findings[0].impact,
      },
      {
        line: 2,
        column: 'EffectiveUnitPrice',
        code: 'eup-mismatch',
        severity: 'error',
        actual: '0.868',
        expected: '0.737586206896552',
        impact: '3.78',
      },
    );
    assert.equal(typeof file.findings[0].message, 'string');
  });

  it('exits 2 with a one-line reason for unreadable input and usage errors', async () => {
    const missing = await run(['check', join(dir, 'nope.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^chargeback: cannot read billing file .*nope\.csv: no such file\n$/);
    assert.equal(missing.stdout, '');
    assert.equal((await run(['check', dir])).code, 2);
    assert.equal((await run(['check'])).code, 2);
    assert.equal((await run(['check', clean, '--format', 'xml'])).code, 2);
    assert.equal((await run(['check', clean, '--bogus'])).code, 2);
    assert.equal((await run(['frobnicate'])).code, 2);
    const notAPriceList = await run(['check', clean, '--price-list', clean]);
    assert.equal(notAPriceList.code, 2);
    assert.match(notAPriceList.stderr, /not an Azure plan price list/);
  });
});

describe('chargeback check output, written for a million findings', () => {
  it('writes each finding as JSON.stringify writes its documented shape, character for character', () => {
    const base = { line: 4, character: 711, endLine: 4, endCharacter: 719, code: 'eup-mismatch' as const };
    const findings: Finding[] = [
      { ...base, severity: 'error', message: 'plain', column: 'EffectiveUnitPrice', actual: '1', expected: '0.85' },
      { ...base, severity: 'warning', message: 'quote " backslash \\ newline \n tab \t ü 株 \u0001', impact: '-0.05' },
      { ...base, severity: 'info', message: '', currency: 'EUR', meter: 'm-1', rows: 12, record: 3 },
      { ...base, severity: 'error', message: 'x', column: undefined, meter: undefined, impact: '0.00' },
    ];
    for (const f of findings) assert.equal(findingJson(f), JSON.stringify(jsonFinding(f)));
  });

  it('escapes what JSON must escape and nothing else, in every string field, as JSON.stringify does', () => {
    const base = { line: 0, character: 0, endLine: 0, endCharacter: 3, code: 'eup-mismatch' as const };
    // Each piece alone and inside longer text: quotes, backslashes, every control character, DEL, the printable
    // ASCII edges, Latin-1 and wider characters, surrogate pairs and lone surrogates of both halves.
    const pieces = [
      '"',
      '\\',
      '\\"',
      '/',
      ' ',
      '~',
      '\u007f',
      '\u0080',
      'ÿ',
      'ü',
      '€',
      '株',
      '😀',
      '\ud800',
      '\udfff',
      '\udc00\ud800',
      '\u2028\u2029',
      ...Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)),
    ];
    const texts = ['', 'plain ASCII, every printable: !#$%&()*+-.:;<=>?@[]^_`{|}', ...pieces];
    // Short texts (tested by a loop) and long ones (by the regex), the piece at the start, inside and at the end.
    for (const p of pieces) {
      texts.push(`EffectiveUnitPrice 0.5${p} should be 0.42 (${p}${p}); ${p}`);
      texts.push(`${p}${'x'.repeat(60)}`, `${'x'.repeat(30)}${p}${'x'.repeat(30)}`, `${'x'.repeat(60)}${p}`);
      texts.push(`${'x'.repeat(46)}${p}`, `${'x'.repeat(47)}${p}`);
    }
    // One writer throughout, as a run has: each text twice in a row (the second time its field remembers the
    // string it proved raw) and texts that need escaping between those it proved.
    const writer = new FindingJsonWriter();
    for (const text of texts) {
      for (const field of ['message', 'column', 'actual', 'expected', 'impact', 'currency', 'meter'] as const) {
        const f: Finding = { ...base, severity: 'error', message: 'm', record: 1, [field]: text };
        const expected = JSON.stringify(jsonFinding(f));
        assert.equal(findingJson(f), expected, `${field}: ${JSON.stringify(text)}`);
        assert.equal(writer.json(f), expected, `${field} (one writer): ${JSON.stringify(text)}`);
        assert.equal(writer.json(f), expected, `${field} (again): ${JSON.stringify(text)}`);
      }
    }
  });

  it('writes a finding as ASCII only when every string in it is ASCII, the same text either way', () => {
    const base = { line: 1, character: 2, endLine: 1, endCharacter: 9, code: 'eup-mismatch' as const };
    const calls: { ascii: boolean; text: string }[] = [];
    const out: Output = {
      write: (text) => void calls.push({ ascii: false, text }),
      writeAscii: (text) => void calls.push({ ascii: true, text }),
    };
    // ASCII only when every string is ASCII with nothing to escape: JSON.stringify's escapes (quotes, backslashes,
    // controls, lone surrogates) are ASCII too, but such text takes the escaping path and is written as UTF-8.
    const cases: [Partial<Finding>, boolean][] = [
      [{ message: 'EffectiveUnitPrice 1 should be 0.85', meter: 'm-1', currency: 'EUR', impact: '0.15' }, true],
      [{ message: 'DEL \u007f and ~ are ASCII', column: 'EffectiveUnitPrice' }, true],
      [{ message: 'a "quoted" name' }, false],
      [{ message: 'a\\b' }, false],
      [{ message: 'plain', column: 'Effective\tUnitPrice' }, false],
      [{ message: 'plain', currency: '€' }, false],
      [{ message: 'plain', meter: 'Zähler' }, false],
      [{ message: 'Größe' }, false],
      [{ message: 'the first past ASCII: \u0080' }, false],
      [{ message: 'lone \ud800' }, false],
      [{ message: 'pair 😀' }, false],
    ];
    // One writer for every case, as a run writes its findings: what it proved of one finding's fields must not
    // carry over to the next.
    const writer = new FindingJsonWriter();
    for (const [fields, ascii] of cases) {
      calls.length = 0;
      const f: Finding = { ...base, severity: 'warning', message: '', ...fields };
      writer.write(out, f, ',');
      assert.equal(calls.length, 1);
      assert.equal(calls[0].text, `,${JSON.stringify(jsonFinding(f))}`);
      assert.equal(calls[0].ascii, ascii, JSON.stringify(fields));
      if (calls[0].ascii) for (const c of calls[0].text) assert.ok(c.charCodeAt(0) < 0x80, calls[0].text);
    }
    // An output without writeAscii gets everything through write.
    const plain: string[] = [];
    writer.write({ write: (t) => void plain.push(t) }, { ...base, severity: 'info', message: 'x' }, '');
    assert.deepEqual(plain, [JSON.stringify(jsonFinding({ ...base, severity: 'info', message: 'x' }))]);
  });

  it('writes standard output in chunks, in order and whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeback-out-'));
    try {
      const path = join(dir, 'out.txt');
      const fd = openSync(path, 'w');
      const out = new BlockingOutput(fd, () => assert.fail('a file is never closed under us'), 120);
      let expected = '';
      for (let i = 0; i < 500; i++) {
        // Pieces shorter and longer than the buffer, with characters of two, three and four bytes.
        const piece = i % 50 === 7 ? `${'€'.repeat(300)}\n` : `${i}:${'é'.repeat(i % 7)}${i % 3 ? '😀' : '株'}\n`;
        out.write(piece);
        expected += piece;
        // ASCII pieces between them, written without encoding: shorter than the buffer, as long, and longer.
        const ascii = i % 40 === 3 ? `${'a'.repeat(119 + (i % 3))}\n` : `<${i} "\\ ~\u007f>`;
        out.writeAscii(ascii);
        expected += ascii;
      }
      out.flush();
      closeSync(fd);
      assert.equal(readFileSync(path, 'utf8'), expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('amounts in whole cents', () => {
  it('reads, prints and sums amounts printed in cents exactly, and any other amount with decimals', () => {
    assert.equal(wholeCentsOf('12.34'), 1234);
    assert.equal(wholeCentsOf('-0.05'), -5);
    assert.equal(wholeCentsOf('9999999999999.99'), 999999999999999);
    for (const bad of ['1.2', '1.234', '+1.00', '1e2.00', '', '-', '.00', '1,00', '12345678901234.00'])
      assert.equal(wholeCentsOf(bad), undefined, bad);
    for (const [cents, text] of [
      [0, '0.00'],
      [-0, '0.00'],
      [5, '0.05'],
      [-120, '-1.20'],
      [123456789, '1234567.89'],
    ] as const)
      assert.equal(formatWholeCents(cents), text);
    const sum = new CentsSum();
    for (const a of ['0.10', '-0.05', '1.5', '9999999999999.99', '9999999999999.99', '0.001']) sum.add(a);
    assert.equal(sum.value.toFixed(), '20000000000001.531');
  });
});
