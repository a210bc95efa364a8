/**
 * (Part of the fast path: its design, for a newcomer, is in README.md.)
 *
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
import { CsvTokenizer, MAX_CELL_CHARS, type CsvRecord } from '../billing/csv';
import {
  CELL_ESCAPED,
  CELL_PLAIN,
  CELL_QUOTED,
  CONF_COUNT,
  CONF_I32,
  GROUPS_END,
  GROUPS_IRREGULAR,
  GROUPS_LIMIT,
  GROUPS_NEED_MORE,
  GROUP_ALIGN,
  GROUP_BYTES,
  GROUP_I32,
  GROUP_I64,
  GROUP_CHECKED,
  GROUP_LINES,
  NO_COLUMN,
  NO_GROUP,
  REGIONS,
  RESULT_I32,
  SCAN_NEED_MORE,
  SCAN_TEXT_AFTER_QUOTE,
  SCAN_TOO_WIDE,
  SCAN_UNTERMINATED,
} from './scannerLayout';
import { fastPathTesting } from './fastPathTesting';
import { SCANNER_WASM } from './scannerWasm';

export {
  CELL_ESCAPED,
  CELL_PLAIN,
  CELL_QUOTED,
  DATE_INVALID,
  GROUP_NOT_LOOKED_UP,
  LANE_AMOUNT,
  LANE_CHECKED,
  LANE_DATE,
  LANE_FIRST,
  LANE_NEW_GROUP,
  LANE_RAGGED,
  NO_GROUP,
} from './scannerLayout';

const QUOTE = 34;
const CR = 13;
const LF = 10;

import type { ByteInput } from '../billing/source';

export type { ByteInput };

export interface ByteRecord {
  /** The bytes the offsets below point into (a window of the file, reused between chunks). */
  buf: Buffer;
  /** Number of cells. */
  cells: number;
  /** Cell content bounds in `buf` (quotes excluded); `flags[i]`: CELL_PLAIN, CELL_QUOTED or CELL_ESCAPED. */
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
  /** Line breaks inside the record's quoted cells (-1: not counted, as GroupLane.scan does not). */
  lineBreaks: number;
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
  /**
   * Bytes in memory are scanned as a file is, copied a window at a time into the WebAssembly scanner's memory: the
   * SIMD scanner reads them, and a lane can group their records (else scanOne reads them where they are).
   */
  windowed?: boolean;
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

/** What `scanOne` found besides its return value: the caller's, made once per scan (the hot loop allocates nothing). */
interface RecordFound {
  cells: number;
  lines: number;
}

/**
 * Reads one record starting at i: fills start/end/flags, sets found.cells and found.lines (line breaks inside quoted
 * cells), and returns the index of the line break that ends it (or `have` at the end of the input), SCAN_NEED_MORE
 * when the bytes run out first, or another SCAN_* code (scanner.wat's codes: the two scanners are one). Plain locals
 * only: this is the loop every byte goes through.
 */
function scanOne(
  buf: Uint8Array,
  i: number,
  have: number,
  eof: boolean,
  delim: number,
  maxCells: number,
  start: Int32Array,
  end: Int32Array,
  flags: Uint8Array,
  found: RecordFound,
): number {
  let cells = 0;
  let lines = 0;
  let j = i;
  const stopAbove = delim > CR ? delim : CR;
  for (;;) {
    if (cells === maxCells) return SCAN_TOO_WIDE;
    if (j < have && buf[j] === QUOTE) {
      // Quoted cell: to the closing quote ("" is an escaped quote).
      let k = j + 1;
      let flag = CELL_QUOTED;
      for (;;) {
        if (k >= have) return eof ? SCAN_UNTERMINATED : SCAN_NEED_MORE;
        const c = buf[k];
        if (c === QUOTE) {
          if (k + 1 >= have) {
            if (!eof) return SCAN_NEED_MORE;
            break;
          }
          if (buf[k + 1] === QUOTE) {
            flag = CELL_ESCAPED;
            k += 2;
            continue;
          }
          break;
        }
        if (c === LF) lines++;
        else if (c === CR) {
          if (k + 1 >= have && !eof) return SCAN_NEED_MORE;
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
      if (k >= have && !eof) return SCAN_NEED_MORE;
      start[cells] = j;
      end[cells] = k;
      flags[cells] = CELL_PLAIN;
      cells++;
      j = k;
    }
    // After a cell: the end of the input, a delimiter (then another cell, empty if the input ends), or a line break.
    if (j >= have) {
      if (!eof) return SCAN_NEED_MORE;
      break;
    }
    const c = buf[j];
    if (c === delim) {
      j++;
      if (j >= have) {
        if (!eof) return SCAN_NEED_MORE;
        start[cells] = j;
        end[cells] = j;
        flags[cells] = CELL_PLAIN;
        cells++;
        break;
      }
      continue;
    }
    if (c === LF || c === CR) break;
    // Only a quoted cell can be followed by anything else.
    return SCAN_TEXT_AFTER_QUOTE;
  }
  found.cells = cells;
  found.lines = lines;
  return j;
}

/** The little of the WebAssembly API this needs (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/**
 * The longest record the fast scanner takes; a longer one ends the scan as irregular, and the reference reader
 * (which keeps at most MAX_CELL_CHARS of a cell) reads the file in flat memory. A record no longer than this has
 * no cell longer than MAX_CELL_CHARS characters, so the fast path never meets a cell the reference would refuse.
 */
export const MAX_FAST_RECORD_BYTES = MAX_CELL_CHARS;

/** The scanner's read window (its memory's first bytes) and the widest record it takes. */
const WASM_WINDOW: number = REGIONS.WINDOW.bytes;
const WASM_MAX_CELLS: number = REGIONS.START.count;
/** CONF's i32 fields (configuration, state, event), before its i64 powers of ten. */
const CONF_I32_LENGTH = CONF_I32.keyColumns + CONF_COUNT.keyColumns;

interface WasmExports {
  scan(i: number, have: number, eof: number, delim: number, maxCells: number): number;
  groups(have: number, eof: number, limit: number): number;
  find(): number;
  insert(flags: number): number;
  addDate(s: number, e: number, date: number): void;
  reset(): void;
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
}

interface WasmScanner {
  exports: WasmExports;
  scan: WasmExports['scan'];
  /** Views of the memory, made again whenever it grows (growing detaches the old ones). */
  window: Buffer;
  start: Int32Array;
  end: Int32Array;
  flags: Uint8Array;
  result: Int32Array;
  /** CONF's i32 fields, indexed by CONF_I32. */
  conf: Int32Array;
  /** GROUPS: the address of each group's GROUP record, by number. */
  groups: Int32Array;
  /** The whole memory as i32 and i64, for the GROUP records in ARENA (field f of the one at a: a / 4 + f, a / 8 + f). */
  mem32: Int32Array;
  mem64: BigInt64Array;
  /** The whole memory as bytes (a group's key, whose words are not aligned). */
  mem8: Uint8Array;
  arena: number;
  refresh(): void;
}

let wasmScanner: WasmScanner | null | undefined;

/**
 * The record scanner compiled to WebAssembly (scanner.wat: scanOne's rules, SIMD inside cells, and the grouping
 * lane), one per thread; null where WebAssembly SIMD is missing or FINOPS_CHARGEBACK_WASM=0 (then scanOne does the
 * work and there is no lane).
 */
function scanner(): WasmScanner | null {
  if (wasmScanner !== undefined) return wasmScanner;
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api || process.env.FINOPS_CHARGEBACK_WASM === '0') return (wasmScanner = null);
  try {
    const instance = new api.Instance(new api.Module(Buffer.from(SCANNER_WASM, 'base64')));
    const x = instance.exports;
    // The module exports its regions' addresses: they must be the layout this code was generated with.
    for (const name of ['START', 'END', 'FLAGS', 'RESULT', 'CONF', 'GROUPS', 'ARENA'] as const) {
      if ((x[name] as { value: number }).value !== REGIONS[name].at) throw new Error(`scanner.wat: ${name} moved`);
    }
    const fns = x as unknown as WasmExports;
    const w = { exports: fns, scan: fns.scan, arena: REGIONS.ARENA.at } as WasmScanner;
    const { START, END, FLAGS, RESULT, CONF, GROUPS } = REGIONS;
    w.refresh = () => {
      const memory = fns.memory.buffer;
      w.window = Buffer.from(memory, REGIONS.WINDOW.at, WASM_WINDOW);
      w.start = new Int32Array(memory, START.at, START.count);
      w.end = new Int32Array(memory, END.at, END.count);
      w.flags = new Uint8Array(memory, FLAGS.at, FLAGS.count);
      w.result = new Int32Array(memory, RESULT.at, RESULT.bytes / 4);
      w.conf = new Int32Array(memory, CONF.at, CONF_I32_LENGTH);
      w.groups = new Int32Array(memory, GROUPS.at, GROUPS.count);
      w.mem32 = new Int32Array(memory);
      w.mem8 = new Uint8Array(memory);
      w.mem64 = new BigInt64Array(memory);
    };
    w.refresh();
    wasmScanner = w;
  } catch {
    wasmScanner = null;
  }
  return wasmScanner;
}

/**
 * The bytes in view: a window of the file (refilled by plain reads) or of bytes in memory (refilled by copies), or
 * the whole input in memory.
 */
class Window {
  buf: Buffer;
  have = 0;
  base: number;
  eof = false;
  /** Set while the window lives in the WebAssembly scanner's memory (files read from disk, windowed bytes). */
  wasm: WasmScanner | null = null;
  private windowBytes = 0;
  private readonly fd: number;
  /** Windowed bytes in memory: the window is refilled from them (fd is then -1). */
  private readonly source: Buffer | undefined;
  private readAt: number;

  constructor(
    input: ByteInput,
    from: number,
    chunkBytes: number,
    private readonly scratch?: { buf?: Buffer },
    maxCells = WASM_MAX_CELLS,
    windowed = false,
  ) {
    this.base = from;
    this.readAt = from;
    const inWindows = 'path' in input || (windowed && !fastPathTesting.jsScannerInMemory);
    const wasm = inWindows && maxCells <= WASM_MAX_CELLS ? scanner() : null;
    if (wasm) {
      // The file is read straight into the scanner's memory, bytes in memory copied there.
      if ('path' in input) this.fd = openSync(input.path, 'r');
      else {
        this.fd = -1;
        this.source = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
      }
      this.wasm = wasm;
      this.windowBytes = Math.min(chunkBytes, WASM_WINDOW);
      this.buf = wasm.window.subarray(0, this.windowBytes);
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
    if ((this.fd < 0 && !this.source) || this.eof) return keep;
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
    const room = this.buf.length - this.have;
    const n = this.source
      ? this.source.copy(this.buf, this.have, this.readAt, Math.min(this.source.length, this.readAt + room))
      : readSync(this.fd, this.buf, this.have, room, this.readAt);
    if (n === 0) this.eof = true;
    this.readAt += n;
    this.have += n;
    return 0;
  }

  /** After the scanner's memory grew: the window's bytes are where they were, seen through a new view. */
  rebind(): void {
    if (this.wasm) this.buf = this.wasm.window.subarray(0, this.windowBytes);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
  }
}

/** The index after the line break at i: CRLF is one break, joined first when a read split it. */
function pastBreak(w: Window, i: number): number {
  const c = w.buf[i++];
  if (c === CR) {
    if (i === w.have && !w.eof) i = w.refill(i);
    if (i < w.have && w.buf[i] === LF) i++;
  }
  return i;
}

/** A record of `cells` cells with room for `room`, over no bytes yet (filled in place by whoever reads into it). */
function emptyRecord(cells: number, room: number): ByteRecord {
  return {
    buf: Buffer.alloc(0),
    cells,
    start: new Int32Array(room),
    end: new Int32Array(room),
    flags: new Uint8Array(room),
    recordStart: 0,
    recordEnd: 0,
    base: 0,
    line: 0,
    index: 0,
    lineBreaks: 0,
  };
}

/**
 * Scans `input` from `from` (after a UTF-8 BOM when from is 0) to `to`, calling `onRecord` for each record. Blank
 * lines are not records (as in CsvTokenizer).
 */
export function scanRecords(input: ByteInput, onRecord: OnByteRecord, options: ScanOptions = {}): ScanResult {
  const delim = options.delimiter ?? 44;
  const maxCells = options.maxCells ?? 512;
  const to = options.to ?? Infinity;
  const rec = emptyRecord(0, maxCells);
  const result: ScanResult = { records: 0, lines: 0, endOffset: options.from ?? 0, stopped: false };
  const w = new Window(
    input,
    options.from ?? 0,
    options.chunkBytes ?? 4 << 20,
    options.scratch,
    maxCells,
    options.windowed,
  );
  const { start, end, flags } = rec;
  const found: RecordFound = { cells: 0, lines: 0 };
  try {
    let i = w.refill(0);
    while (w.have < 3 && !w.eof) i = w.refill(0);
    if (w.base === 0 && w.have >= 3 && w.buf[0] === 0xef && w.buf[1] === 0xbb && w.buf[2] === 0xbf) i = 3;
    let line = 0;
    let buf = w.buf;
    let have = w.have;
    for (;;) {
      // Blank lines between records.
      while (i < have) {
        const c = buf[i];
        if (c !== LF && c !== CR) break;
        line++;
        i = pastBreak(w, i);
        buf = w.buf;
        have = w.have;
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
          found.cells = wasm.result[RESULT_I32.cells];
          found.lines = wasm.result[RESULT_I32.lines];
          rec.start = wasm.start;
          rec.end = wasm.end;
          rec.flags = wasm.flags;
        }
      } else {
        j = scanOne(buf, i, have, w.eof, delim, maxCells, start, end, flags, found);
        rec.start = start;
        rec.end = end;
        rec.flags = flags;
      }
      if (j === SCAN_NEED_MORE) {
        // A record this long is not a billing row (see MAX_CELL_CHARS): the reference reader says so in flat
        // memory, where the window would double without end.
        if (have - i > MAX_FAST_RECORD_BYTES) {
          result.irregular = {
            reason: `a record is longer than ${MAX_FAST_RECORD_BYTES} bytes`,
            line,
            offset: w.base + i,
          };
          break;
        }
        // Out of bytes mid-record: keep it, read on, and scan it again.
        i = w.refill(i);
        buf = w.buf;
        have = w.have;
        continue;
      }
      if (j < 0) {
        result.irregular = { reason: irregularReason(j, maxCells), line, offset: w.base + i };
        break;
      }
      if (j - i > MAX_FAST_RECORD_BYTES) {
        result.irregular = {
          reason: `a record is longer than ${MAX_FAST_RECORD_BYTES} bytes`,
          line,
          offset: w.base + i,
        };
        break;
      }
      rec.buf = w.buf;
      rec.cells = found.cells;
      rec.recordStart = i;
      rec.recordEnd = j;
      rec.base = w.base;
      rec.line = line;
      rec.index = result.records;
      rec.lineBreaks = found.lines;
      result.records++;
      line += found.lines;
      i = j;
      const stop = onRecord(rec) === false;
      // The line break after the record (offsets in rec are stale once the window moves below).
      if (i < have) {
        line++;
        i = pastBreak(w, i);
        buf = w.buf;
        have = w.have;
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

/** Why a scan stopped on irregular CSV (a SCAN_* code below SCAN_NEED_MORE), in the user's words. */
function irregularReason(code: number, maxCells: number): string {
  return code === SCAN_UNTERMINATED
    ? 'a quoted cell is never closed'
    : code === SCAN_TEXT_AFTER_QUOTE
      ? 'text after the closing quote of a quoted cell'
      : `a record has more than ${maxCells} cells`;
}

/** Groups the lane holds (scanner.wat's GROUPS region). */
export const LANE_MAX_GROUPS: number = REGIONS.GROUPS.count;
/**
 * ARENA bytes a group takes besides its key (its GROUP record, its lines, the padding to GROUP_ALIGN), with the 16
 * bytes past a key that its comparison may read.
 */
const GROUP_ROOM = GROUP_BYTES + 4 * GROUP_LINES + 2 * GROUP_ALIGN + 16;
/** The group a record has in the lane: a group number (0 and up), NO_GROUP or GROUP_NOT_LOOKED_UP (scanner.wat). */
export type LaneGroupId = number;
/** findRecord: the record's cells are not in the scanner's memory (a record longer than the read window). */
export const RECORD_OUTSIDE_LANE = -3;

export interface GroupLaneConfig {
  /** Cells a record has (more are allowed when empty: anything else is LANE_RAGGED). */
  width: number;
  /** Cells whose bytes make the group (in this order). */
  keyColumns: readonly number[];
  /** The cell summed per group (a plain decimal; anything else is LANE_AMOUNT). */
  sumColumn: number;
  /** The cell whose date is kept as each group's first and last (NO_COLUMN: none). */
  dateColumn: number;
  /** Up to three cells that must be empty or plain decimals on the rows of groups inserted with `checked`. */
  checkColumns: readonly number[];
  delimiter?: number;
}

/** What the lane summed into one group (the rows JavaScript handled itself are not in it). */
export interface LaneGroup {
  rows: number;
  /** yyyymmdd, 0 when no row had a date. */
  firstDate: number;
  lastDate: number;
  /** Lines (as the scans numbered them) of the group's first rows, at most eight, ascending. */
  lines: number[];
  /** The exact sum: units + femtos x 10^-15, 0 <= femtos < 10^15. */
  units: bigint;
  femtos: bigint;
}

let laneInUse = false;

/**
 * The grouping lane: rows summed into groups of equal key bytes inside WebAssembly (scanner.wat), JavaScript called
 * only for the rows it must decide itself (a new group, a date not yet read, an amount that is not a plain decimal).
 * One per thread at a time (its groups live in the scanner's memory): `acquire` gives null when it is taken, when
 * there is no WebAssembly scanner, or for keys wider than it takes; the caller then reads the file its own way.
 */
export class GroupLane {
  private constructor(
    private readonly w: WasmScanner,
    private readonly config: GroupLaneConfig,
  ) {}

  static acquire(config: GroupLaneConfig): GroupLane | null {
    const w = scanner();
    if (
      !w ||
      laneInUse ||
      config.keyColumns.length > CONF_COUNT.keyColumns ||
      config.checkColumns.length > CONF_COUNT.checkColumns
    )
      return null;
    if (
      [config.width, config.sumColumn, ...config.keyColumns, ...config.checkColumns].some(
        (c) => c < 0 || c >= WASM_MAX_CELLS,
      ) ||
      config.dateColumn >= WASM_MAX_CELLS
    )
      return null;
    laneInUse = true;
    const lane = new GroupLane(w, config);
    const c = w.conf;
    c.fill(0);
    c[CONF_I32.width] = config.width;
    c[CONF_I32.sumColumn] = config.sumColumn;
    c[CONF_I32.dateColumn] = config.dateColumn;
    c[CONF_I32.keyCount] = config.keyColumns.length;
    for (let k = 0; k < CONF_COUNT.checkColumns; k++)
      c[CONF_I32.checkColumns + k] = config.checkColumns[k] ?? NO_COLUMN;
    c[CONF_I32.delimiter] = config.delimiter ?? 44;
    c[CONF_I32.maxCells] = WASM_MAX_CELLS;
    c[CONF_I32.groupCapacity] = LANE_MAX_GROUPS;
    c[CONF_I32.constantHash] = fastPathTesting.laneConstantHash ? 1 : 0;
    config.keyColumns.forEach((col, k) => (c[CONF_I32.keyColumns + k] = col));
    w.exports.reset();
    return lane;
  }

  release(): void {
    laneInUse = false;
  }

  /** Number of groups. */
  get size(): number {
    return this.w.conf[CONF_I32.groups];
  }

  /** The group of the record last handed to onEvent, or NO_GROUP. */
  find(): LaneGroupId {
    return this.w.exports.find();
  }

  /** Makes the key of the record last handed to onEvent a new group (numbered `size` before it); NO_GROUP when full. */
  insert(checked: boolean): LaneGroupId {
    return this.w.exports.insert(checked ? GROUP_CHECKED : 0);
  }

  /**
   * The lane as a lookup table for records that scanRecords hands out (read from a file, so their cells are in the
   * scanner's memory): the group of record r, NO_GROUP when its key is no group yet, RECORD_OUTSIDE_LANE when r's
   * cells are not in the scanner's memory (a record longer than the read window), where the lane cannot look.
   */
  findRecord(r: ByteRecord): LaneGroupId {
    return r.start === this.w.start ? this.w.exports.find() : RECORD_OUTSIDE_LANE;
  }

  /** Makes record r's key a new group; NO_GROUP when the groups or the room kept for keys are full (see reserve). */
  insertRecord(r: ByteRecord, checked: boolean): LaneGroupId {
    if (r.start !== this.w.start) return NO_GROUP;
    const room = this.w.exports.memory.buffer.byteLength - this.w.arena - this.w.conf[CONF_I32.arenaEnd];
    if (room < r.recordEnd - r.recordStart + 4 * this.config.keyColumns.length + GROUP_ROOM) return NO_GROUP;
    return this.w.exports.insert(checked ? GROUP_CHECKED : 0);
  }

  /**
   * Makes room for `bytes` of keys. Growing the memory moves the views of it, so this is for before scanRecords
   * starts (its window is a view); during lane.scan the lane keeps its own room.
   */
  reserve(bytes: number): void {
    const w = this.w;
    const need = w.arena + w.conf[CONF_I32.arenaEnd] + bytes;
    const have = w.exports.memory.buffer.byteLength;
    if (need <= have) return;
    w.exports.memory.grow(Math.ceil((need - have) / 65536));
    w.refresh();
  }

  /** Tells the lane what the date cell of the record last handed to onEvent says: yyyymmdd, or DATE_INVALID. */
  addDate(r: ByteRecord, yyyymmdd: number): void {
    const c = this.config.dateColumn;
    if (c >= 0 && r.end[c] > r.start[c]) this.w.exports.addDate(r.start[c], r.end[c], yyyymmdd);
  }

  /**
   * The key of group `id` as the lane keeps it (per key column, (length << 2 | quote flag) as a little-endian i32,
   * then the cell's bytes; the layout recordKey writes): a view of the scanner's memory, valid until the lane's next
   * call, so copy it before.
   */
  groupKey(id: number): Uint8Array {
    const at = this.w.groups[id] + GROUP_BYTES;
    const m = this.w.mem8;
    let end = at;
    // The words are not aligned (each follows its cell's bytes): read byte by byte.
    for (let k = 0; k < this.config.keyColumns.length; k++)
      end += 4 + ((m[end] | (m[end + 1] << 8) | (m[end + 2] << 16) | (m[end + 3] << 24)) >>> 2);
    return m.subarray(at, end);
  }

  /**
   * The group whose key is `key` (groupKey's layout), NO_GROUP when there is none: the key's cells are written into
   * the scanner's window and looked up as a record's would be. For after a scan (the window's bytes are lost).
   */
  findKey(key: Uint8Array): LaneGroupId {
    const w = this.w;
    if (key.length + 16 > WASM_WINDOW) return NO_GROUP;
    w.window.set(key, 0);
    keyCells(key, this.config.keyColumns, w);
    return w.exports.find();
  }

  group(id: number): LaneGroup {
    const address = this.w.groups[id];
    const m = this.w.mem32;
    const at = address / 4;
    const n = Math.min(m[at + GROUP_I32.linesKept], GROUP_LINES);
    const lines: number[] = [];
    const linesAt = m[at + GROUP_I32.linesAt] / 4;
    for (let k = 0; k < n; k++) lines.push(m[linesAt + k]);
    const at64 = address / 8;
    return {
      rows: m[at + GROUP_I32.rows],
      firstDate: m[at + GROUP_I32.firstDate],
      lastDate: m[at + GROUP_I32.lastDate],
      lines,
      units: this.w.mem64[at64 + GROUP_I64.units],
      femtos: this.w.mem64[at64 + GROUP_I64.femtos],
    };
  }

  /**
   * Scans a file from `from` (a record start; after a UTF-8 BOM when 0) to the first record at or past `to`, like
   * scanRecords, summing what it can and calling onEvent for the rest (returning false stops the scan). Lines are
   * counted from `from`; groups keep `lineBase` + that + 1. With `first`, the first record is an event
   * (LANE_FIRST: the header). Records too wide or too long for the scanner end the scan as irregular.
   * `chunkBytes` (tests): a smaller read window, so that records straddle reads.
   */
  scan(
    path: string,
    onEvent: (r: ByteRecord, reason: number, group: LaneGroupId) => boolean | void,
    options: { from: number; to: number; lineBase: number; first: boolean; chunkBytes?: number },
  ): ScanResult {
    const w = this.w;
    const result: ScanResult = { records: 0, lines: 0, endOffset: options.from, stopped: false };
    const win = new Window(
      { path },
      options.from,
      Math.min(options.chunkBytes ?? WASM_WINDOW, WASM_WINDOW),
      undefined,
      WASM_MAX_CELLS,
    );
    const rec: ByteRecord = {
      buf: win.buf,
      cells: 0,
      start: w.start,
      end: w.end,
      flags: w.flags,
      recordStart: 0,
      recordEnd: 0,
      base: 0,
      line: 0,
      index: 0,
      lineBreaks: -1,
    };
    try {
      let i = win.refill(0);
      while (win.have < 3 && !win.eof) i = win.refill(0);
      if (win.base === 0 && win.have >= 3 && win.buf[0] === 0xef && win.buf[1] === 0xbb && win.buf[2] === 0xbf) i = 3;
      w.conf[CONF_I32.firstIsEvent] = options.first ? 1 : 0;
      w.conf[CONF_I32.lineBase] = options.lineBase;
      w.conf[CONF_I32.position] = i;
      w.conf[CONF_I32.lines] = 0;
      w.conf[CONF_I32.records] = 0;
      for (;;) {
        this.keepRoom(win);
        const limit = Math.max(0, Math.min(0x7fffffff, options.to - win.base));
        const code = w.exports.groups(win.have, win.eof ? 1 : 0, limit);
        const c = w.conf;
        i = c[CONF_I32.position];
        if (code === GROUPS_NEED_MORE) {
          if (win.eof) break;
          i = win.refill(i);
          if (!win.wasm) {
            const line = c[CONF_I32.lines];
            result.irregular = { reason: 'a record is longer than the read window', line, offset: win.base };
            break;
          }
          c[CONF_I32.position] = i;
          continue;
        }
        if (code === GROUPS_END || code === GROUPS_LIMIT) break;
        if (code === GROUPS_IRREGULAR) {
          const reason = irregularReason(c[CONF_I32.scanCode], WASM_MAX_CELLS);
          result.irregular = { reason, line: c[CONF_I32.lines], offset: win.base + i };
          break;
        }
        // GROUPS_EVENT: a record for onEvent.
        rec.buf = win.buf;
        rec.start = w.start;
        rec.end = w.end;
        rec.flags = w.flags;
        rec.cells = c[CONF_I32.recordCells];
        rec.recordStart = c[CONF_I32.recordStart];
        rec.recordEnd = c[CONF_I32.recordEnd];
        rec.base = win.base;
        rec.line = c[CONF_I32.recordLine];
        rec.index = c[CONF_I32.recordIndex];
        if (onEvent(rec, c[CONF_I32.eventReason], c[CONF_I32.eventGroup]) === false) {
          result.stopped = true;
          break;
        }
      }
      result.endOffset = win.base + i;
      result.lines = w.conf[CONF_I32.lines];
      result.records = w.conf[CONF_I32.records];
      return result;
    } finally {
      win.close();
    }
  }

  /** Grows the memory while the arena has less room than the longest key a window can hold (before each call). */
  private keepRoom(win: Window): void {
    const w = this.w;
    const need = w.arena + w.conf[CONF_I32.arenaEnd] + WASM_WINDOW + (64 << 10);
    const have = w.exports.memory.buffer.byteLength;
    if (need <= have) return;
    w.exports.memory.grow(Math.ceil((need - have + (8 << 20)) / 65536));
    w.refresh();
    win.rebind();
  }
}

/** Which scanner reads files from disk in this thread: the WebAssembly one, or scanOne (tests make sure of it). */
export function fileScanner(): 'wasm' | 'js' {
  return scanner() ? 'wasm' : 'js';
}

/** The text of cell `c` (UTF-8 decoded, escaped quotes undone). */
export function cellText(r: ByteRecord, c: number): string {
  const s = r.buf.toString('utf8', r.start[c], r.end[c]);
  return r.flags[c] === CELL_ESCAPED ? s.replace(/""/g, '"') : s;
}

/**
 * Record r's key over `keyColumns` in the lane's layout (GroupLane.groupKey): per column, (length << 2 | quote flag)
 * as a little-endian i32, then the cell's bytes. Two records have equal keys exactly when the lane (and ByteKeyTable)
 * would put them in one group.
 */
export function recordKey(r: ByteRecord, keyColumns: readonly number[]): Uint8Array {
  let n = 0;
  for (const c of keyColumns) n += 4 + r.end[c] - r.start[c];
  const out = new Uint8Array(n);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const c of keyColumns) {
    const len = r.end[c] - r.start[c];
    view.setInt32(at, (len << 2) | r.flags[c], true);
    out.set(r.buf.subarray(r.start[c], r.end[c]), at + 4);
    at += 4 + len;
  }
  return out;
}

/**
 * The cells of a key in recordKey's layout, as a record's: for each of `keyColumns`, where its bytes lie in the key
 * (`start`, `end`) and its quote flag; the other columns are left as they are.
 */
export function keyCells(
  key: Uint8Array,
  keyColumns: readonly number[],
  into: { start: Int32Array; end: Int32Array; flags: Uint8Array },
): void {
  let at = 0;
  for (const c of keyColumns) {
    const word = key[at] | (key[at + 1] << 8) | (key[at + 2] << 16) | (key[at + 3] << 24);
    into.start[c] = at + 4;
    into.end[c] = at + 4 + (word >>> 2);
    into.flags[c] = word & 3;
    at += 4 + (word >>> 2);
  }
}

/**
 * A key in recordKey's layout seen as a record (its bytes the buffer, its key cells where the key has them), for
 * lookups by key in the tables that take records (ByteKeyTable) and for decoding a key's cells (cellText). One
 * record, reused: `of` returns the same object each time.
 */
export class KeyRecord {
  private readonly r: ByteRecord;

  constructor(
    width: number,
    private readonly keyColumns: readonly number[],
  ) {
    this.r = emptyRecord(width, width);
  }

  of(key: Uint8Array): ByteRecord {
    this.r.buf = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    keyCells(key, this.keyColumns, this.r);
    return this.r;
  }
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
  // An ASCII record is decoded once and its cells are pieces of that text (byte offsets are character offsets).
  const text = r.buf.toString('latin1', r.recordStart, r.recordEnd);
  if (!NON_ASCII.test(text)) {
    const at = r.recordStart;
    for (let c = 0; c < r.cells; c++) {
      const s = text.slice(r.start[c] - at, r.end[c] - at);
      cells[c] = r.flags[c] === CELL_ESCAPED ? s.replace(/""/g, '"') : s;
    }
  } else for (let c = 0; c < r.cells; c++) cells[c] = cellText(r, c);
  return { index, cells, pos: [line, 0, line, 0] };
}

// eslint-disable-next-line no-control-regex -- the whole ASCII range, NUL included, is the point
const NON_ASCII = /[^\x00-\x7f]/;

/** The same for a record's bytes [start, end) in any buffer (a record read again from the file). */
export function decodeBytes(
  buf: Buffer,
  start: number,
  end: number,
  delimiter: string,
  index: number,
  lineOffset: number,
): CsvRecord {
  return decodeText(buf.toString('utf8', start, end), delimiter, index, lineOffset);
}

/** The same for a record's text (a record another thread read). */
export function decodeText(text: string, delimiter: string, index: number, lineOffset: number): CsvRecord {
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
 * A number read exactly from a cell: `int` + `frac` / 10^`decimals`, negative when `neg`. Each part is an integer
 * below 10^15, so exact in a double. The reader owns one and passes it to every parse (nothing is allocated per
 * cell); its fields are those of the last successful parse into it, and nothing else writes them.
 */
export class ParsedNumber {
  neg = false;
  int = 0;
  frac = 0;
  decimals = 0;
}

/**
 * Exact reading of a plain decimal `-?digits[.digits]` in bytes [s, e) into `out`: true, or false for anything
 * else (spaces, exponents, more than 15 digits on either side: the reference path decides; `out` is then untouched).
 */
export function parsePlainDecimal(buf: Uint8Array, s: number, e: number, out: ParsedNumber): boolean {
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
  out.neg = neg;
  out.int = int;
  out.frac = frac;
  out.decimals = decimals;
  return true;
}

/**
 * Exact reading of a number as billing exports print it, in bytes [s, e): a plain decimal (as parsePlainDecimal),
 * the same guarded by a leading apostrophe (`'22.000000`, written by tools that keep Excel from reformatting it),
 * or scientific notation `-?digits[.digits](e|E)[+-]digits` (`7.10833E-05`, `0.00E+00`). Sets `out` to the value's
 * digits moved by the exponent, and out.decimals to the decimals the number prints (money.printedDecimals: the
 * mantissa's decimals less the exponent, at least 0), so `0.00E+00` reads as 0.00. False for anything else, or when
 * either side needs more than 15 digits: the reference path decides (parseDecimal reads every form this reads).
 */
export function parseNumberBytes(buf: Uint8Array, s: number, e: number, out: ParsedNumber): boolean {
  if (s < e && buf[s] === 39) s++;
  let x = s;
  while (x < e && buf[x] !== 69 && buf[x] !== 101) x++;
  if (x === e) return parsePlainDecimal(buf, s, e, out);
  // The exponent: a sign and at most three digits.
  let k = x + 1;
  let expNeg = false;
  if (k < e && (buf[k] === 43 || buf[k] === 45)) expNeg = buf[k++] === 45;
  if (k === e || e - k > 3) return false;
  let exp = 0;
  for (; k < e; k++) {
    const c = buf[k] - 48;
    if (c < 0 || c > 9) return false;
    exp = exp * 10 + c;
  }
  if (expNeg) exp = -exp;
  // The mantissa, a plain decimal; its digits (sign and point left out) then sit `point` digits from the start.
  k = s;
  const neg = k < x && buf[k] === 45;
  if (neg) k++;
  const digits: number[] = [];
  let point = -1;
  for (; k < x; k++) {
    const b = buf[k];
    if (b === 46 && point < 0 && digits.length > 0) point = digits.length;
    else if (b >= 48 && b <= 57) digits.push(b - 48);
    else return false;
  }
  if (digits.length === 0 || point === digits.length) return false;
  if (point < 0) point = digits.length;
  const at = point + exp;
  const decimals = Math.max(0, digits.length - at);
  if (decimals > 15) return false;
  let int = 0;
  let intDigits = 0;
  for (let d = 0; d < at; d++) {
    const c = d < digits.length ? digits[d] : 0;
    if ((intDigits > 0 || c > 0) && ++intDigits > 15) return false;
    int = int * 10 + c;
  }
  let frac = 0;
  for (let d = at; d < at + decimals; d++) frac = frac * 10 + (d >= 0 ? digits[d] : 0);
  out.neg = neg;
  out.int = int;
  out.frac = frac;
  out.decimals = decimals;
  return true;
}

/** Powers of ten that are exact doubles. */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
