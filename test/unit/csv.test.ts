import { strict as assert } from 'node:assert';
import { parse } from 'csv-parse/sync';
import { CsvTokenizer, detectDelimiter, tokenize, type CsvRecord } from '../../src/core/billing/csv';
import { seededRandom } from '../fixtures/allocation/lines';

function tokenizeInChunks(text: string, sizes: number[], delimiter = ','): CsvRecord[] {
  const out: CsvRecord[] = [];
  const t = new CsvTokenizer(delimiter, (r) => out.push(r));
  let at = 0;
  let k = 0;
  while (at < text.length) {
    const size = sizes[k++ % sizes.length];
    t.push(text.slice(at, at + size));
    at += size;
  }
  t.end();
  return out;
}

/** The position of (line, character) in text, counting CRLF, LF and CR as line ends like an editor. */
function offsetAt(text: string, line: number, character: number): number {
  let l = 0;
  let i = 0;
  while (l < line) {
    const c = text[i++];
    if (c === '\r') {
      if (text[i] === '\n') i++;
      l++;
    } else if (c === '\n') l++;
    if (i > text.length) throw new Error('line out of range');
  }
  return i + character;
}

describe('CSV tokenizer', () => {
  it('reads cells and their exact positions on a simple file', () => {
    const { records } = tokenize('a,bb,c\r\n1,22,333\r\n');
    assert.equal(records.length, 2);
    assert.deepEqual(records[1].cells, ['1', '22', '333']);
    assert.deepEqual(records[1].pos, [1, 0, 1, 1, 1, 2, 1, 4, 1, 5, 1, 8]);
  });

  it('keeps quotes, embedded delimiters and line breaks inside a quoted cell, and moves later cells to the right line', () => {
    const text = 'h1,h2,h3\n1,"x, ""y""\r\nz",3\n';
    const { records } = tokenize(text);
    assert.deepEqual(records[1].cells, ['1', 'x, "y"\r\nz', '3']);
    // The quoted cell starts on line 1 at its opening quote and ends on line 2 after its closing quote.
    assert.deepEqual(records[1].pos.slice(4, 8), [1, 2, 2, 2]);
    assert.deepEqual(records[1].pos.slice(8, 12), [2, 3, 2, 4]);
  });

  it('skips blank lines and treats a lone CR as a line break', () => {
    const { records } = tokenize('a,b\r\rx,y\r\n\r\nz,w');
    assert.deepEqual(
      records.map((r) => r.cells),
      [
        ['a', 'b'],
        ['x', 'y'],
        ['z', 'w'],
      ],
    );
    assert.deepEqual(
      records.map((r) => r.pos[0]),
      [0, 2, 4],
    );
  });

  it('reports an unterminated quote at the opening quote and does not invent a record', () => {
    const { records, problems } = tokenize('a,b\n1,"never closed\n2,3\n');
    assert.equal(records.length, 1);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].code, 'unterminated-quote');
    assert.deepEqual([problems[0].line, problems[0].character], [1, 2]);
  });

  it('reports text after a closing quote and keeps reading', () => {
    const { records, problems } = tokenize('a,b\n"x"y,2\n');
    assert.deepEqual(records[1].cells, ['xy', '2']);
    assert.equal(problems[0].code, 'text-after-quote');
    assert.deepEqual([problems[0].line, problems[0].character], [1, 3]);
  });

  it('gives the same records whatever the chunk sizes, even with CRLF and quotes split across chunks', () => {
    const text = 'a,b,c\r\n"q,""1""\r\n",2,3\r\n4,"",6\r\n"7"\r\n';
    const whole = tokenize(text).records;
    for (const sizes of [[1], [2], [3, 1], [5, 7, 2], [1000]]) {
      assert.deepEqual(tokenizeInChunks(text, sizes), whole, `chunk sizes ${sizes}`);
    }
  });

  it('agrees with csv-parse (the reference) on a fuzzed corpus, and every position points at its cell', () => {
    const rnd = seededRandom(20260701);
    const alphabet = ['a', 'b', '1', '.', ' ', 'é', '€', '😀', ',', ';', '"', '\n', '\r\n', '\r'];
    for (let caseNo = 0; caseNo < 400; caseNo++) {
      const delimiter = rnd() < 0.3 ? ';' : ',';
      const rows: string[] = [];
      const nRows = 1 + Math.floor(rnd() * 6);
      const nCols = 1 + Math.floor(rnd() * 5);
      for (let r = 0; r < nRows; r++) {
        const cells: string[] = [];
        for (let c = 0; c < nCols; c++) {
          let v = '';
          const len = Math.floor(rnd() * 6);
          for (let k = 0; k < len; k++) v += alphabet[Math.floor(rnd() * alphabet.length)];
          const needsQuotes = /[",;\r\n]/.test(v) || rnd() < 0.2;
          cells.push(needsQuotes ? `"${v.replace(/"/g, '""')}"` : v);
        }
        rows.push(cells.join(delimiter));
      }
      const eol = rnd() < 0.5 ? '\r\n' : '\n';
      const text = rows.join(eol) + (rnd() < 0.5 ? eol : '');
      const ours = tokenizeInChunks(text, [1 + Math.floor(rnd() * 9)], delimiter);
      const reference: string[][] = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true });
      // csv-parse drops a record that is one empty unquoted cell (a blank line); so do we.
      assert.deepEqual(
        ours.map((r) => r.cells),
        reference,
        `case ${caseNo}: ${JSON.stringify(text)}`,
      );
      for (const rec of ours) {
        for (let c = 0; c < rec.cells.length; c++) {
          const [sl, sc, el, ec] = rec.pos.slice(4 * c, 4 * c + 4);
          const raw = text.slice(offsetAt(text, sl, sc), offsetAt(text, el, ec));
          const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw;
          assert.equal(unquoted, rec.cells[c], `case ${caseNo} record ${rec.index} cell ${c}`);
        }
      }
    }
  });

  it('detects comma, semicolon and tab delimiters from the header, ignoring quoted text', () => {
    assert.equal(detectDelimiter('PartnerId,PartnerName,CustomerId'), ',');
    assert.equal(detectDelimiter('PartnerId;PartnerName;"a,b,c,d"'), ';');
    assert.equal(detectDelimiter('a\tb\tc'), '\t');
  });
});
