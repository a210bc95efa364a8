/**
 * CSV cells of every export: formula injection neutralized, numbers kept as numbers, quoting where needed.
 */
import assert from 'node:assert/strict';
import { Dec } from '../../src/core/money';
import { CsvNumber, cents, csvCell, csvRow, exact } from '../../src/core/exports/csv';

describe('exports: CSV cells', () => {
  it('neutralizes text starting with =, +, -, @, tab or carriage return', () => {
    assert.equal(csvCell('=SUM(A1:A9)'), "'=SUM(A1:A9)");
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-CC-1003'), "'-CC-1003");
    assert.equal(csvCell('@cmd'), "'@cmd");
    assert.equal(csvCell('\tx'), "'\tx");
    assert.equal(csvCell('\rx'), `"'\rx"`);
  });

  it('leaves ordinary text alone, and formula characters that are not at the start', () => {
    assert.equal(csvCell('Web shop'), 'Web shop');
    assert.equal(csvCell('a=b'), 'a=b');
  });

  it('keeps numbers numbers: negative amounts keep their minus sign', () => {
    assert.equal(csvCell(new Dec('-12.5')), '-12.5');
    assert.equal(csvCell(cents(new Dec('-12.5'))), '-12.50');
    assert.equal(csvCell(exact(new Dec('0.000123'))), '0.000123');
    assert.equal(csvCell(exact(new Dec('7'))), '7.00');
    assert.equal(csvCell(cents(new Dec('-0.001'))), '0.00');
    assert.equal(csvCell(new Dec('1e-9')), '0.000000001');
    assert.equal(csvCell(42), '42');
  });

  it('refuses to write text as a number', () => {
    assert.throws(() => new CsvNumber('=1+1'));
  });

  it('quotes cells with commas, quotes, line breaks or surrounding spaces', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(' padded'), '" padded"');
    assert.equal(csvRow(['a', undefined, cents(new Dec(1))]), 'a,,1.00\n');
  });
});
