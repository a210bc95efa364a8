/**
 * The fast reader: CSV records found in raw UTF-8 bytes, without decoding text or making a string per cell. It
 * tells where each cell's bytes are (quotes excluded) and on which line each record starts; callers decode only the
 * few cells they need, or rebuild a full `CsvRecord` with `decodeRecord` for a row that needs the reference path.
 *
 * It reads regular CSV only and says so when it meets anything else (text after a closing quote, an unterminated
 * quote, a record wider than `maxCells`): the caller then falls back to the reference reader (`CsvTokenizer`),
 * which reports such problems with their positions. On regular input both agree record for record and cell for
 * cell (test/unit/byteCsv.test.ts holds them, and csv-parse, to that on a fuzzed corpus).
 *
 * Memory: one buffer of `chunkBytes` (grown only for a record longer than that), whatever the file size.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CsvTokenizer, type CsvRecord } from './csv';

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** Where the bytes come from: a file on disk (read with plain reads, in chunks) or bytes already in memory. */
export type ByteInput = { path: string } | { bytes: Uint8Array };

export interface ByteRecord {
  /** The bytes the offsets below point into (a window of the file, reused between chunks). */
  buf: Buffer;
  /** Number of cells. */
  cells: number;
  /** Cell content bounds in `buf` (quotes excluded); `flags[i]`: 0 plain, 1 quoted, 2 quoted with escaped quotes. */
  start: Int32Array;
  end: Int32Array;
  flags: Uint8Array;
  /** The record's bytes in `buf`, line break excluded. */
  recordStart: number;
  recordEnd: number;
  /** Offset of buf[0] in the input (recordStart + base is the record's byte offset in the file). */
  base: number;
  /** 0-based line and record index at which the record starts, counted from where the scan started. */
  line: number;
  index: number;
}

export interface ScanOptions {
  delimiter?: number;
  /** Byte offset to start at (a record start) and offset at or past which no new record is read. */
  from?: number;
  to?: number;
  chunkBytes?: number;
  maxCells?: number;
}

export interface ScanResult {
  records: number;
  /** Lines consumed (every line break, including those inside quoted cells and after the last record). */
  lines: number;
  /** Byte offset where the scan stopped (the start of the first record not read, or the end of the input). */
  endOffset: number;
  /** Set when the input is not regular CSV (or a callback asked to stop); the scan stopped there. */
  irregular?: { reason: string; line: number; offset: number };
  stopped: boolean;
}

/** Thrown-free control: a callback returns false to stop the scan. */
export type OnByteRecord = (r: ByteRecord) => boolean | void;

/**
 * Scans `input` from `from` (after a UTF-8 BOM when from is 0) to `to`, calling `onRecord` for each record. Blank
 * lines are not records (as in CsvTokenizer).
 */
export function scanRecords(input: ByteInput, onRecord: OnByteRecord, options: ScanOptions = {}): ScanResult {
  const delim = options.delimiter ?? 44;
  const maxCells = options.maxCells ?? 512;
  const to = options.to ?? Infinity;
  const rec: ByteRecord = {
    buf: Buffer.alloc(0), cells: 0, start: new Int32Array(maxCells), end: new Int32Array(maxCells), flags: new Uint8Array(maxCells),
    recordStart: 0, recordEnd: 0, base: 0, line: 0, index: 0,
  };
  const result: ScanResult = { records: 0, lines: 0, endOffset: options.from ?? 0, stopped: false };

  let fd = -1;
  let buf: Buffer;
  let have = 0; // valid bytes in buf
  let base = options.from ?? 0; // input offset of buf[0]
  let eof = false;
  let readAt = base;
  if ('bytes' in input) {
    const b = input.bytes;
    buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength).subarray(base);
    have = buf.length;
    eof = true;
  } else {
    fd = openSync(input.path, 'r');
    buf = Buffer.allocUnsafe(options.chunkBytes ?? 4 << 20);
  }
  const fill = (): void => {
    if (fd < 0 || eof) return;
    if (have === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, have);
      buf = bigger;
    }
    const n = readSync(fd, buf, have, buf.length - have, readAt);
    if (n === 0) eof = true;
    readAt += n;
    have += n;
  };

  try {
    fill();
    while (fd >= 0 && have < 3 && !eof) fill();
    let i = 0;
    if (base === 0 && have >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
    let line = 0;
    const start = rec.start;
    const end = rec.end;
    const flags = rec.flags;
    for (;;) {
      // Skip blank lines between records.
      while (i < have) {
        const c = buf[i];
        if (c === LF) {
          line++;
          i++;
        } else if (c === CR) {
          line++;
          i++;
          if (i === have && !eof) {
            // The LF of a CRLF may be in the next chunk.
            buf.copy(buf, 0, i, have);
            base += i;
            have -= i;
            i = 0;
            fill();
          }
          if (i < have && buf[i] === LF) i++;
        } else break;
      }
      if (i >= have) {
        if (eof) break;
        base += i;
        have -= i;
        buf.copy(buf, 0, i, i + have);
        i = 0;
        fill();
        continue;
      }
      if (base + i >= to) break;

      // One record from i; on running out of bytes, move the record to the front, read more and start it again.
      const recordStart = i;
      const recordLine = line;
      let cells = 0;
      let j = i;
      let complete = false;
      let irregular: string | undefined;
      let linesInside = 0;
      for (;;) {
        if (cells === maxCells) {
          irregular = `a record has more than ${maxCells} cells`;
          break;
        }
        if (j < have && buf[j] === QUOTE) {
          // Quoted cell: to the closing quote ("" is an escaped quote).
          let k = j + 1;
          let flag = 1;
          let closed = -1;
          while (k < have) {
            const c = buf[k];
            if (c === QUOTE) {
              if (k + 1 >= have && !eof) break; // cannot tell "" from a closing quote yet
              if (k + 1 < have && buf[k + 1] === QUOTE) {
                flag = 2;
                k += 2;
                continue;
              }
              closed = k;
              break;
            }
            if (c === LF) linesInside++;
            else if (c === CR) {
              if (k + 1 >= have && !eof) break;
              if (buf[k + 1] !== LF) linesInside++;
            }
            k++;
          }
          if (closed < 0) {
            if (eof && k >= have) irregular = 'a quoted cell is never closed';
            break; // need more bytes (or irregular)
          }
          start[cells] = j + 1;
          end[cells] = closed;
          flags[cells] = flag;
          cells++;
          j = closed + 1;
          if (j >= have) {
            if (!eof) break;
            complete = true;
            break;
          }
          const c = buf[j];
          if (c === delim) {
            j++;
            if (j >= have && eof) {
              start[cells] = j;
              end[cells] = j;
              flags[cells] = 0;
              cells++;
              complete = true;
              break;
            }
            continue;
          }
          if (c === LF || c === CR) {
            complete = true;
            break;
          }
          irregular = 'text after the closing quote of a quoted cell';
          break;
        }
        // Unquoted cell: to the next delimiter or line break (a quote inside it is an ordinary character).
        let k = j;
        while (k < have) {
          const c = buf[k];
          if (c === delim || c === LF || c === CR) break;
          k++;
        }
        if (k >= have && !eof) break;
        start[cells] = j;
        end[cells] = k;
        flags[cells] = 0;
        cells++;
        if (k >= have) {
          j = k;
          complete = true;
          break;
        }
        if (buf[k] === delim) {
          j = k + 1;
          if (j >= have && eof) {
            start[cells] = j;
            end[cells] = j;
            flags[cells] = 0;
            cells++;
            complete = true;
            break;
          }
          continue;
        }
        j = k;
        complete = true;
        break;
      }
      if (irregular) {
        result.irregular = { reason: irregular, line: recordLine, offset: base + recordStart };
        break;
      }
      if (!complete) {
        // Out of bytes mid-record: keep it, read on, and scan it again.
        if (eof) break;
        buf.copy(buf, 0, recordStart, have);
        base += recordStart;
        have -= recordStart;
        i = 0;
        fill();
        continue;
      }
      // j is at the line break ending the record, or at the end of the input.
      rec.buf = buf;
      rec.cells = cells;
      rec.recordStart = recordStart;
      rec.recordEnd = j;
      rec.base = base;
      rec.line = recordLine;
      rec.index = result.records;
      result.records++;
      line += linesInside;
      i = j;
      if (onRecord(rec) === false) {
        result.stopped = true;
        if (i < have) {
          i++;
          line++;
          if (buf[i - 1] === CR && i < have && buf[i] === LF) i++;
        }
        result.endOffset = base + i;
        result.lines = line;
        return result;
      }
      // The line break after the record (offsets in rec are stale once the buffer moves below).
      if (i < have) {
        const c = buf[i];
        line++;
        i++;
        if (c === CR) {
          if (i === have && !eof) {
            buf.copy(buf, 0, i, have);
            base += i;
            have -= i;
            i = 0;
            fill();
          }
          if (i < have && buf[i] === LF) i++;
        }
      }
    }
    result.endOffset = base + i;
    result.lines = line;
    return result;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The text of cell `c` (UTF-8 decoded, escaped quotes undone). */
export function cellText(r: ByteRecord, c: number): string {
  const s = r.buf.toString('utf8', r.start[c], r.end[c]);
  return r.flags[c] === 2 ? s.replace(/""/g, '"') : s;
}

/** The cell's raw bytes as a one-byte string: cheap, exact as a key, not for display. */
export function cellKey(r: ByteRecord, c: number): string {
  return r.buf.toString('latin1', r.start[c], r.end[c]);
}

/**
 * The record as the reference reader gives it: cells and positions (lines offset by `lineOffset`, record index
 * `index`), from the reference tokenizer run on the record's own text. Used for the rare rows that take the
 * reference path, so that their findings are exactly the reference's.
 */
export function decodeRecord(r: ByteRecord, delimiter: string, index: number, lineOffset: number): CsvRecord {
  const text = r.buf.toString('utf8', r.recordStart, r.recordEnd);
  let out: CsvRecord | undefined;
  const t = new CsvTokenizer(delimiter, (rec) => {
    out ??= rec;
  });
  t.push(text);
  t.end();
  const rec = out ?? { index, cells: [''], pos: [0, 0, 0, 0] };
  rec.index = index;
  if (lineOffset !== 0) for (let p = 0; p < rec.pos.length; p += 2) rec.pos[p] += lineOffset;
  return rec;
}

/**
 * Exact reading of a plain decimal `-?digits[.digits]` in bytes [s, e): sets NUM and returns true, or returns
 * false for anything else (spaces, exponents, more than 15 digits on either side: the reference path decides).
 * Each part is an integer below 10^15, so exact in a double.
 */
export const NUM = { neg: false, int: 0, frac: 0, decimals: 0 };

export function parsePlainDecimal(buf: Uint8Array, s: number, e: number): boolean {
  if (s >= e) return false;
  let k = s;
  let neg = false;
  if (buf[k] === 45) {
    neg = true;
    k++;
  }
  let int = 0;
  const intStart = k;
  while (k < e) {
    const c = buf[k] - 48;
    if (c < 0 || c > 9) break;
    int = int * 10 + c;
    k++;
  }
  const intDigits = k - intStart;
  if (intDigits === 0 || intDigits > 15) return false;
  let frac = 0;
  let decimals = 0;
  if (k < e) {
    if (buf[k] !== 46) return false;
    k++;
    const fracStart = k;
    while (k < e) {
      const c = buf[k] - 48;
      if (c < 0 || c > 9) return false;
      frac = frac * 10 + c;
      k++;
    }
    decimals = k - fracStart;
    if (decimals === 0 || decimals > 15) return false;
  }
  NUM.neg = neg;
  NUM.int = int;
  NUM.frac = frac;
  NUM.decimals = decimals;
  return true;
}

/** Powers of ten that are exact doubles. */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
