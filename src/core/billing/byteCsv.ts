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
import { SCANNER_WASM } from './scannerWasm';

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
  /** A buffer to read into, kept between calls that scan one file in slices (it may be replaced by a bigger one). */
  scratch?: { buf?: Buffer };
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

/** What `scanOne` found besides its return value (module scratch: the hot loop allocates nothing). */
const ONE = { cells: 0, lines: 0 };
const NEED_MORE = -1;
const UNTERMINATED = -2;
const TEXT_AFTER_QUOTE = -3;
const TOO_WIDE = -4;

/**
 * Reads one record starting at i: fills start/end/flags, sets ONE.cells and ONE.lines (line breaks inside quoted
 * cells), and returns the index of the line break that ends it (or `have` at the end of the input), NEED_MORE when
 * the bytes run out first, or a negative reason code. Plain locals only: this is the loop every byte goes through.
 */
function scanOne(buf: Uint8Array, i: number, have: number, eof: boolean, delim: number, maxCells: number, start: Int32Array, end: Int32Array, flags: Uint8Array): number {
  let cells = 0;
  let lines = 0;
  let j = i;
  const stopAbove = delim > CR ? delim : CR;
  for (;;) {
    if (cells === maxCells) return TOO_WIDE;
    if (j < have && buf[j] === QUOTE) {
      // Quoted cell: to the closing quote ("" is an escaped quote).
      let k = j + 1;
      let flag = 1;
      for (;;) {
        if (k >= have) return eof ? UNTERMINATED : NEED_MORE;
        const c = buf[k];
        if (c === QUOTE) {
          if (k + 1 >= have) {
            if (!eof) return NEED_MORE;
            break;
          }
          if (buf[k + 1] === QUOTE) {
            flag = 2;
            k += 2;
            continue;
          }
          break;
        }
        if (c === LF) lines++;
        else if (c === CR) {
          if (k + 1 >= have && !eof) return NEED_MORE;
          if (buf[k + 1] !== LF) lines++;
        }
        k++;
      }
      start[cells] = j + 1;
      end[cells] = k;
      flags[cells] = flag;
      cells++;
      j = k + 1;
    } else {
      // Unquoted cell: to the next delimiter or line break (a quote inside it is an ordinary character).
      let k = j;
      while (k < have) {
        const c = buf[k];
        // Most bytes are letters and digits, above every stop byte: one comparison for them.
        if (c > stopAbove) {
          k++;
          continue;
        }
        if (c === delim || c === LF || c === CR) break;
        k++;
      }
      if (k >= have && !eof) return NEED_MORE;
      start[cells] = j;
      end[cells] = k;
      flags[cells] = 0;
      cells++;
      j = k;
    }
    // After a cell: the end of the input, a delimiter (then another cell, empty if the input ends), or a line break.
    if (j >= have) {
      if (!eof) return NEED_MORE;
      break;
    }
    const c = buf[j];
    if (c === delim) {
      j++;
      if (j >= have) {
        if (!eof) return NEED_MORE;
        start[cells] = j;
        end[cells] = j;
        flags[cells] = 0;
        cells++;
        break;
      }
      continue;
    }
    if (c === LF || c === CR) break;
    // Only a quoted cell can be followed by anything else.
    return TEXT_AFTER_QUOTE;
  }
  ONE.cells = cells;
  ONE.lines = lines;
  return j;
}

/** The little of the WebAssembly API this needs (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** Layout of the scanner's memory (scanner.wat). */
const WASM_WINDOW = 4 << 20;
const WASM_START = 4194368;
const WASM_END = 4196416;
const WASM_FLAGS = 4198464;
const WASM_RESULT = 4198976;
const WASM_MAX_CELLS = 512;

interface WasmScanner {
  scan(i: number, have: number, eof: number, delim: number, maxCells: number): number;
  window: Buffer;
  start: Int32Array;
  end: Int32Array;
  flags: Uint8Array;
  result: Int32Array;
}

let wasmScanner: WasmScanner | null | undefined;

/**
 * The record scanner compiled to WebAssembly (scanner.wat: scanOne's rules, SIMD inside cells), one per thread;
 * null where WebAssembly SIMD is missing or FINOPS_CHARGEBACK_WASM=0 (then scanOne does the work).
 */
function scanner(): WasmScanner | null {
  if (wasmScanner !== undefined) return wasmScanner;
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api || process.env.FINOPS_CHARGEBACK_WASM === '0') return (wasmScanner = null);
  try {
    const instance = new api.Instance(new api.Module(Buffer.from(SCANNER_WASM, 'base64')));
    const memory = (instance.exports.memory as { buffer: ArrayBuffer }).buffer;
    wasmScanner = {
      scan: instance.exports.scan as WasmScanner['scan'],
      window: Buffer.from(memory, 0, WASM_WINDOW),
      start: new Int32Array(memory, WASM_START, WASM_MAX_CELLS),
      end: new Int32Array(memory, WASM_END, WASM_MAX_CELLS),
      flags: new Uint8Array(memory, WASM_FLAGS, WASM_MAX_CELLS),
      result: new Int32Array(memory, WASM_RESULT, 2),
    };
  } catch {
    wasmScanner = null;
  }
  return wasmScanner;
}

/** The bytes in view: a window of the file (refilled by plain reads) or the whole input in memory. */
class Window {
  buf: Buffer;
  have = 0;
  base: number;
  eof = false;
  /** Set while the window lives in the WebAssembly scanner's memory (files read from disk). */
  wasm: WasmScanner | null = null;
  private readonly fd: number;
  private readAt: number;

  constructor(input: ByteInput, from: number, chunkBytes: number, private readonly scratch?: { buf?: Buffer }, maxCells = WASM_MAX_CELLS) {
    this.base = from;
    this.readAt = from;
    const wasm = 'path' in input && maxCells <= WASM_MAX_CELLS ? scanner() : null;
    if ('path' in input && wasm) {
      // The file is read straight into the scanner's memory.
      this.fd = openSync(input.path, 'r');
      this.wasm = wasm;
      this.buf = wasm.window.subarray(0, Math.min(chunkBytes, WASM_WINDOW));
    } else if ('bytes' in input) {
      const b = input.bytes;
      this.buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength).subarray(from);
      this.have = this.buf.length;
      this.eof = true;
      this.fd = -1;
    } else {
      this.fd = openSync(input.path, 'r');
      this.buf = scratch?.buf && scratch.buf.length >= chunkBytes ? scratch.buf : Buffer.allocUnsafe(chunkBytes);
      if (scratch) scratch.buf = this.buf;
    }
  }

  /** Drops the bytes before `keep` (they move to the front) and reads more; returns the new index of `keep`. */
  refill(keep: number): number {
    if (this.fd < 0 || this.eof) return keep;
    if (keep > 0) {
      this.buf.copy(this.buf, 0, keep, this.have);
      this.base += keep;
      this.have -= keep;
    }
    if (this.have === this.buf.length) {
      // A record longer than the window: a bigger buffer of our own, scanned by scanOne from here on.
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.have);
      this.buf = bigger;
      if (this.wasm) this.wasm = null;
      else if (this.scratch) this.scratch.buf = bigger;
    }
    const n = readSync(this.fd, this.buf, this.have, this.buf.length - this.have, this.readAt);
    if (n === 0) this.eof = true;
    this.readAt += n;
    this.have += n;
    return 0;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
  }
}

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
  const w = new Window(input, options.from ?? 0, options.chunkBytes ?? 4 << 20, options.scratch, maxCells);
  const { start, end, flags } = rec;
  try {
    let i = w.refill(0);
    while (w.have < 3 && !w.eof) i = w.refill(0);
    if (w.base === 0 && w.have >= 3 && w.buf[0] === 0xef && w.buf[1] === 0xbb && w.buf[2] === 0xbf) i = 3;
    let line = 0;
    let buf = w.buf;
    let have = w.have;
    for (;;) {
      // Blank lines between records (a CRLF split across reads is joined first).
      while (i < have) {
        const c = buf[i];
        if (c !== LF && c !== CR) break;
        line++;
        i++;
        if (c === CR) {
          if (i === have && !w.eof) {
            i = w.refill(i);
            buf = w.buf;
            have = w.have;
          }
          if (i < have && buf[i] === LF) i++;
        }
      }
      if (i >= have) {
        if (w.eof) break;
        i = w.refill(i);
        buf = w.buf;
        have = w.have;
        continue;
      }
      if (w.base + i >= to) break;

      let j: number;
      const wasm = w.wasm;
      if (wasm) {
        j = wasm.scan(i, have, w.eof ? 1 : 0, delim, maxCells);
        if (j >= 0) {
          ONE.cells = wasm.result[0];
          ONE.lines = wasm.result[1];
          rec.start = wasm.start;
          rec.end = wasm.end;
          rec.flags = wasm.flags;
        }
      } else {
        j = scanOne(buf, i, have, w.eof, delim, maxCells, start, end, flags);
        rec.start = start;
        rec.end = end;
        rec.flags = flags;
      }
      if (j === NEED_MORE) {
        // Out of bytes mid-record: keep it, read on, and scan it again.
        i = w.refill(i);
        buf = w.buf;
        have = w.have;
        continue;
      }
      if (j < 0) {
        const reason = j === UNTERMINATED ? 'a quoted cell is never closed' : j === TEXT_AFTER_QUOTE ? 'text after the closing quote of a quoted cell' : `a record has more than ${maxCells} cells`;
        result.irregular = { reason, line, offset: w.base + i };
        break;
      }
      rec.buf = w.buf;
      rec.cells = ONE.cells;
      rec.recordStart = i;
      rec.recordEnd = j;
      rec.base = w.base;
      rec.line = line;
      rec.index = result.records;
      result.records++;
      line += ONE.lines;
      i = j;
      const stop = onRecord(rec) === false;
      // The line break after the record (offsets in rec are stale once the window moves below).
      if (i < have) {
        const c = buf[i];
        line++;
        i++;
        if (c === CR) {
          if (i === have && !w.eof) {
            i = w.refill(i);
            buf = w.buf;
            have = w.have;
          }
          if (i < have && buf[i] === LF) i++;
        }
      }
      if (stop) {
        result.stopped = true;
        break;
      }
    }
    result.endOffset = w.base + i;
    result.lines = line;
    return result;
  } finally {
    w.close();
  }
}

/** Which scanner reads files from disk in this thread: the WebAssembly one, or scanOne (tests make sure of it). */
export function fileScanner(): 'wasm' | 'js' {
  return scanner() ? 'wasm' : 'js';
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
  return decodeBytes(r.buf, r.recordStart, r.recordEnd, delimiter, index, lineOffset);
}

/**
 * The record's cells as the reference reader gives them, without positions beyond the record's first line: for
 * code that reads values only (the mappers and parsers that decide a group or a class from its first row). Much
 * lighter than decodeRecord, which tokenizes the text again to place every cell.
 */
export function recordValues(r: ByteRecord, index: number, line: number): CsvRecord {
  const cells: string[] = new Array(r.cells);
  for (let c = 0; c < r.cells; c++) cells[c] = cellText(r, c);
  return { index, cells, pos: [line, 0, line, 0] };
}

/** The same for a record's bytes [start, end) in any buffer (a record read again from the file). */
export function decodeBytes(buf: Buffer, start: number, end: number, delimiter: string, index: number, lineOffset: number): CsvRecord {
  const text = buf.toString('utf8', start, end);
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
 * An exact key for a short cell of digits, '.', '/' and '-' (dates, prices) without making a string: the bytes as a
 * base-13 number after the length (distinct cells give distinct keys). Other cells get their bytes as a string.
 */
export function shortCellKey(buf: Uint8Array, s: number, e: number): number | string {
  if (e - s <= 13) {
    let key = e - s;
    let k = s;
    for (; k < e; k++) {
      const b = buf[k];
      const code = b >= 48 && b <= 57 ? b - 48 : b === 46 ? 10 : b === 47 ? 11 : b === 45 ? 12 : -1;
      if (code < 0) break;
      key = key * 13 + code;
    }
    if (k === e) return key;
  }
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', s, e);
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
