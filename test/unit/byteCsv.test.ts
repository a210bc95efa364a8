import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { tokenize, type CsvRecord } from '../../src/core/billing/csv';
import { execFileSync } from 'node:child_process';
import {
  ParsedNumber,
  cellText,
  decodeRecord,
  fileScanner,
  parseNumberBytes,
  parsePlainDecimal,
  scanRecords,
  type ByteInput,
} from '../../src/core/fast/byteCsv';
import { parseDecimal, printedDecimals } from '../../src/core/money';
import { seededRandom } from '../fixtures/allocation/lines';

/** Every record the byte reader finds, as the reference reader would give it (cells, positions, index). */
function fastRecords(
  input: ByteInput,
  delimiter = ',',
  chunkBytes?: number,
  maxCells?: number,
  windowed?: boolean,
): { records: CsvRecord[]; irregular: boolean; lines: number } {
  const records: CsvRecord[] = [];
  const r = scanRecords(
    input,
    (rec) => {
      const cells: string[] = [];
      for (let c = 0; c < rec.cells; c++) cells.push(cellText(rec, c));
      const decoded = decodeRecord(rec, delimiter, rec.index, rec.line);
      assert.deepEqual(decoded.cells, cells, 'decodeRecord gives the cells the scan found');
      records.push(decoded);
    },
    { delimiter: delimiter.charCodeAt(0), chunkBytes, maxCells, windowed },
  );
  return { records, irregular: !!r.irregular, lines: r.lines };
}

function corpus(seed: number, cases: number): { text: string; delimiter: string; broken: boolean }[] {
  const rnd = seededRandom(seed);
  const alphabet = ['a', 'b', '1', '.', ' ', 'é', '€', '😀', ',', ';', '"', '\n', '\r\n', '\r'];
  const out: { text: string; delimiter: string; broken: boolean }[] = [];
  for (let caseNo = 0; caseNo < cases; caseNo++) {
    const delimiter = rnd() < 0.3 ? ';' : ',';
    let broken = false;
    const rows: string[] = [];
    const nRows = 1 + Math.floor(rnd() * 8);
    const nCols = 1 + Math.floor(rnd() * 6);
    for (let r = 0; r < nRows; r++) {
      // Ragged rows and blank lines too.
      const cols = rnd() < 0.1 ? Math.max(1, nCols + Math.floor(rnd() * 3) - 1) : nCols;
      if (rnd() < 0.05) {
        rows.push('');
        continue;
      }
      const cells: string[] = [];
      for (let c = 0; c < cols; c++) {
        let v = '';
        const len = Math.floor(rnd() * 7);
        for (let k = 0; k < len; k++) v += alphabet[Math.floor(rnd() * alphabet.length)];
        const needsQuotes = /[",;\r\n]/.test(v) || rnd() < 0.2;
        // Now and then, broken quoting: the reference reports it, the byte reader must give up.
        if (rnd() < 0.02) {
          broken = true;
          cells.push(`"${v}"x`);
        } else cells.push(needsQuotes ? `"${v.replace(/"/g, '""')}"` : v.replace(/^"/, 'q'));
      }
      rows.push(cells.join(delimiter));
    }
    const eol = rnd() < 0.4 ? '\r\n' : rnd() < 0.9 ? '\n' : '\r';
    let text = rows.join(eol) + (rnd() < 0.5 ? eol : '');
    if (rnd() < 0.1) text = '\uFEFF' + text;
    if (rnd() < 0.02) {
      broken = true;
      text += '"open';
    }
    out.push({ text, delimiter, broken });
  }
  return out;
}

describe('Byte-level CSV reader (the fast path) against the reference readers', function () {
  // 1500 fuzzed files through three readers: beyond mocha's 2 s on a loaded machine (speed is the benchmark's job).
  this.timeout(30_000);
  it('finds the same records, cells and cell positions as CsvTokenizer, and the same cells as csv-parse, on 1500 fuzzed files', () => {
    let regular = 0;
    for (const [n, { text, delimiter, broken }] of corpus(20261123, 1500).entries()) {
      const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
      const reference = tokenize(body, delimiter);
      const fast = fastRecords({ bytes: Buffer.from(text, 'utf8') }, delimiter);
      const where = `case ${n}: ${JSON.stringify(text)}`;
      if (reference.problems.length > 0) {
        assert.equal(
          fast.irregular,
          true,
          `the byte reader must give up where the reference reports a problem, ${where}`,
        );
        continue;
      }
      regular++;
      assert.equal(fast.irregular, false, where);
      assert.deepEqual(fast.records, reference.records, where);
      if (broken) continue;
      const csvParse: string[][] = parse(body, {
        delimiter,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
      });
      assert.deepEqual(
        fast.records.map((r) => r.cells),
        csvParse,
        `csv-parse, ${where}`,
      );
    }
    assert.ok(regular > 1000, `most cases are regular CSV (${regular})`);
  });

  it('reads files from disk with the WebAssembly scanner, which agrees with CsvTokenizer on the same 1500 fuzzed files', () => {
    assert.equal(fileScanner(), 'wasm', 'Node 20 has WebAssembly SIMD: files are scanned by scanner.wat');
    const dir = mkdtempSync(join(tmpdir(), 'bytecsv-wasm-'));
    try {
      for (const [n, { text, delimiter }] of corpus(20261123, 1500).entries()) {
        const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
        const reference = tokenize(body, delimiter);
        const path = join(dir, `c${n}.csv`);
        writeFileSync(path, text);
        // From the file, and from bytes in memory copied into the scanner's windows (an editor's document).
        for (const [from, fast] of [
          ['file', fastRecords({ path }, delimiter)],
          ['windowed bytes', fastRecords({ bytes: Buffer.from(text, 'utf8') }, delimiter, undefined, undefined, true)],
        ] as const) {
          const where = `case ${n}, ${from}: ${JSON.stringify(text)}`;
          if (reference.problems.length > 0) {
            assert.equal(
              fast.irregular,
              true,
              `the scanner must give up where the reference reports a problem, ${where}`,
            );
            continue;
          }
          assert.equal(fast.irregular, false, where);
          assert.deepEqual(fast.records, reference.records, where);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the committed WebAssembly bytes assembled from scanner.wat and scannerLayout.json as they stand', function () {
    this.timeout(20_000);
    const root = join(__dirname, '..', '..', '..');
    const out = execFileSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), '--check'], {
      encoding: 'utf8',
    });
    assert.match(out, /scannerLayout\.ts and scannerWasm\.ts match scannerLayout\.json and scanner\.wat/);
  });

  it('gives the same records from a file read in tiny chunks, and from bytes in memory copied in windows as small (records, quotes and CRLF split across reads)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bytecsv-'));
    try {
      for (const [n, { text, delimiter }] of corpus(7, 300).entries()) {
        const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
        const reference = tokenize(body, delimiter);
        if (reference.problems.length > 0) continue;
        const path = join(dir, `c${n}.csv`);
        writeFileSync(path, text);
        for (const chunk of [1, 2, 3, 7, 64]) {
          // maxCells above the WebAssembly scanner's 512 makes scanOne read the file: both are held to the reference.
          for (const maxCells of [512, 1024]) {
            const fast = fastRecords({ path }, delimiter, chunk, maxCells);
            assert.equal(fast.irregular, false);
            assert.deepEqual(
              fast.records,
              reference.records,
              `case ${n}, chunks of ${chunk}, max ${maxCells} cells: ${JSON.stringify(text)}`,
            );
          }
          // Bytes in memory copied into windows of the same sizes.
          const bytes = Buffer.from(text, 'utf8');
          const windowed = fastRecords({ bytes }, delimiter, chunk, undefined, true);
          assert.equal(windowed.irregular, false);
          assert.deepEqual(
            windowed.records,
            reference.records,
            `case ${n}, bytes in windows of ${chunk}: ${JSON.stringify(text)}`,
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops before the first record that starts at or after `to`, and resumes from a record start with `from`', () => {
    const text = 'h1,h2\na,"b\nc"\nd,e\nf,g\n';
    const bytes = Buffer.from(text);
    const third = text.indexOf('d,e');
    const head = scanRecords({ bytes }, () => undefined, { to: third });
    assert.equal(head.records, 2);
    assert.equal(head.endOffset, third);
    assert.equal(head.lines, 3, 'the quoted line break counts as a line');
    const tail: string[] = [];
    const rest = scanRecords({ bytes }, (r) => void tail.push(cellText(r, 0)), { from: head.endOffset });
    assert.deepEqual(tail, ['d', 'f']);
    assert.equal(rest.records, 2);
  });

  it('reads plain decimals exactly and leaves everything else to the reference parser', () => {
    const num = new ParsedNumber();
    const ok = (t: string): boolean => parsePlainDecimal(Buffer.from(t), 0, Buffer.byteLength(t), num);
    assert.equal(ok('0.152967017172388'), true);
    assert.deepEqual({ ...num }, { neg: false, int: 0, frac: 152967017172388, decimals: 15 });
    assert.equal(ok('-12.50'), true);
    assert.deepEqual({ ...num }, { neg: true, int: 12, frac: 50, decimals: 2 });
    assert.equal(ok('24'), true);
    assert.deepEqual({ ...num }, { neg: false, int: 24, frac: 0, decimals: 0 });
    for (const t of ['', ' 1', '1 ', '1e5', '1,5', '.5', '5.', '+1', '-', '1.0000000000000001', '1234567890123456']) {
      assert.equal(ok(t), false, t);
    }
  });

  it('reads scientific notation and apostrophe-guarded numbers exactly, as real exports print them', () => {
    const num = new ParsedNumber();
    const read = (t: string): ParsedNumber | undefined =>
      parseNumberBytes(Buffer.from(t), 0, Buffer.byteLength(t), num) ? { ...num } : undefined;
    assert.deepEqual(read('7.10833E-05'), { neg: false, int: 0, frac: 710833, decimals: 10 });
    assert.deepEqual(read('0.00E+00'), { neg: false, int: 0, frac: 0, decimals: 2 });
    assert.deepEqual(read("'22.000000"), { neg: false, int: 22, frac: 0, decimals: 6 });
    assert.deepEqual(read('-1.5e3'), { neg: true, int: 1500, frac: 0, decimals: 0 });
    assert.deepEqual(read('1.23456789012345E+14'), { neg: false, int: 123456789012345, frac: 0, decimals: 0 });
    assert.deepEqual(read("'4.4268"), { neg: false, int: 4, frac: 4268, decimals: 4 });
    for (const t of [
      '1E',
      '1E+',
      'E5',
      '.5E1',
      '5.E1',
      '+1E2',
      '1.2.3E1',
      '1E+1234',
      '1e-16',
      '1E+15',
      "' 5",
      "''5",
      "'",
      '1 E2',
    ]) {
      assert.equal(read(t), undefined, t);
    }
  });

  it('reads every number it accepts exactly as the reference parser does (value and printed decimals)', () => {
    const rnd = seededRandom(7108);
    const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');
    let accepted = 0;
    const num = new ParsedNumber();
    for (let i = 0; i < 20_000; i++) {
      const mantissa =
        digits(1 + Math.floor(rnd() * 8)) + (rnd() < 0.7 ? '.' + digits(1 + Math.floor(rnd() * 10)) : '');
      const exp =
        rnd() < 0.8
          ? `${rnd() < 0.5 ? 'E' : 'e'}${['', '+', '-'][Math.floor(rnd() * 3)]}${digits(1 + Math.floor(rnd() * 2))}`
          : '';
      const t = `${rnd() < 0.2 ? "'" : ''}${rnd() < 0.3 ? '-' : ''}${mantissa}${exp}`;
      const bytes = Buffer.from(t);
      if (!parseNumberBytes(bytes, 0, bytes.length, num)) continue;
      accepted++;
      const reference = parseDecimal(t);
      assert.ok(reference, t);
      const value = (num.neg ? '-' : '') + `${num.int}.${String(num.frac).padStart(num.decimals, '0')}`;
      assert.equal(reference.eq(value), true, `${t}: ${value} vs ${reference.toString()}`);
      assert.equal(num.decimals, printedDecimals(t), `${t}: decimals`);
      assert.ok(num.frac < 10 ** num.decimals || (num.decimals === 0 && num.frac === 0), `${t}: fraction digits`);
    }
    assert.ok(accepted > 10_000, `${accepted} accepted`);
  });
});
