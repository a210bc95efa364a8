/**
 * Findings made and written by a worker thread, handed whole to the thread that reports them. A month where one
 * defect repeats on most rows has a finding on most rows, and writing each (its message, its JSON) costs as much as
 * checking it: the daily check's second pass therefore lets its worker write the findings of the worker's share of
 * the rows, as the consumer would write them (`FindingRender`: the CLI's JSON or text lines), into a file. What the
 * consumer does with each finding besides writing it (count it, group it by meter and code, sum its money) comes
 * with the text as a few numbers per finding and, per group, its first findings whole (the groups' first rows and
 * the samples the text output prints): the consumer gives each block to the same counts and groups, so that its
 * output is byte for byte the output of one thread.
 *
 * A group's first findings are kept as their JSON in a file of their own, by place, not as objects: on a month with
 * a finding on most rows every chunk holds most meters' groups, and keeping their first findings as objects for the
 * whole of the worker's share made its small heap collect its old generation again and again (a fifth of its time).
 * The consumer reads back only those it takes (a group it has not met, a sample not yet full): few.
 *
 * Only consumers that say how they write findings (RunOptions.blocks in ../rating/check.ts) are given blocks; the
 * editor, which keeps every finding as a diagnostic, is given findings one by one.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { SEVERITY_RANK, type Finding, type FindingCode } from './findings';
import { FindingJsonWriter, findingLine } from './findingRender';
import { wholeCentsOf } from './money';

/**
 * How a consumer writes each finding: `json`, FindingJsonWriter's text after a comma; `text`, findingLine's line
 * for `path`; `none`, nothing (it only counts and groups them).
 */
export type FindingRender = { format: 'json' } | { format: 'text'; path: string } | { format: 'none' };

/** A group's first findings a block keeps whole: as many as any consumer's FindingGrouper samples. */
export const BLOCK_SAMPLES = 3;

/** `currency` of a finding without one. */
const NO_CURRENCY = 255;

/** A block as it crosses from the worker: typed arrays, strings, and plain findings (structured clone). */
export interface FindingBlockData {
  /** The written text of the findings, one after the other ('' when the render is `none`), and its length. */
  file: string;
  bytes: number;
  count: number;
  /** Per finding: its code (index into `codes`), severity (SEVERITY_RANK), group (index into `groups`, -1
   * when it belongs to none), currency (index into `currencies`, 255 none), impact in whole cents (NaN: none, or
   * not whole cents, then in `impacts`), and its place among its group's findings in this block (capped at
   * BLOCK_SAMPLES). */
  code: Uint8Array;
  severity: Uint8Array;
  group: Int32Array;
  currency: Uint8Array;
  cents: Float64Array;
  ordinal: Uint8Array;
  codes: FindingCode[];
  currencies: string[];
  /** Impacts that are not whole cents, by finding index. */
  impacts: [number, string][];
  /** The groups (FindingGrouper's: code and meter) of each segment in the order their first findings came, each
   * with those first findings (indexes into `firstAt`). A slice is always within one segment. */
  groups: { code: FindingCode; meter: string; first: number[] }[];
  /** The file of the groups' first findings, as JSON one after the other ('' when there are none); where each
   * starts and how many bytes it has (BlockFirsts reads one back). */
  firsts: string;
  firstAt: Float64Array;
  firstBytes: Int32Array;
}

/** The findings [from, to) of a block, whose text is the bytes [bytesFrom, bytesTo) of its file. */
export interface FindingBlockSlice {
  block: FindingBlockData;
  from: number;
  to: number;
  bytesFrom: number;
  bytesTo: number;
}

/** A growable array of small integers or doubles, as a typed array at the end. */
class Column<T extends Uint8Array | Int32Array | Float64Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1 << 12);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/** The worker's side: writes each finding as `render` says into `file`, and keeps what the consumer needs of it. */
export class FindingBlockWriter {
  private readonly json = new FindingJsonWriter();
  count = 0;
  private readonly code = new Column((n) => new Uint8Array(n));
  private readonly severity = new Column((n) => new Uint8Array(n));
  private readonly group = new Column((n) => new Int32Array(n));
  private readonly currency = new Column((n) => new Uint8Array(n));
  private readonly cents = new Column((n) => new Float64Array(n));
  private readonly ordinal = new Column((n) => new Uint8Array(n));
  private readonly codes: FindingCode[] = [];
  private readonly currencies: string[] = [];
  private readonly impacts: [number, string][] = [];
  private readonly groups: { code: FindingCode; meter: string; first: number[]; count: number }[] = [];
  private readonly groupIds = new Map<string, Map<string, number>>();
  /** The groups' first findings: their JSON's file, where each starts and its length. */
  private readonly firsts: FileWriter;
  private readonly firstAt = new Column((n) => new Float64Array(n));
  private readonly firstBytes = new Column((n) => new Int32Array(n));
  private readonly text: FileWriter | undefined;

  constructor(
    private readonly render: FindingRender,
    private readonly file: string,
  ) {
    if (render.format !== 'none') this.text = new FileWriter(file);
    this.firsts = new FileWriter(`${file}.first`);
  }

  /**
   * Starts a new run of findings that may be reported apart from those before it (another chunk of the file): its
   * groups are its own, so that a slice of it never depends on findings outside it.
   */
  segment(): void {
    this.groupIds.clear();
  }

  /** Bytes written so far (the text of the findings added so far). */
  get bytes(): number {
    return this.text?.bytes ?? 0;
  }

  add(f: Finding): void {
    const i = this.count++;
    if (this.render.format === 'json') {
      const text = ',' + this.json.json(f);
      this.text!.put(text, this.json.ascii);
    } else if (this.render.format === 'text') this.text!.put(findingLine(this.render.path, f), false);
    let code = this.codes.indexOf(f.code);
    if (code < 0) code = this.codes.push(f.code) - 1;
    this.code.push(code);
    this.severity.push(SEVERITY_RANK[f.severity]);
    let currency = NO_CURRENCY;
    if (f.currency !== undefined) {
      currency = this.currencies.indexOf(f.currency);
      if (currency < 0) {
        if (this.currencies.length >= NO_CURRENCY) throw new Error('a block takes at most 255 currencies');
        currency = this.currencies.push(f.currency) - 1;
      }
    }
    this.currency.push(currency);
    let cents = NaN;
    if (f.impact !== undefined) {
      const whole = wholeCentsOf(f.impact);
      if (whole !== undefined) cents = whole;
      else this.impacts.push([i, f.impact]);
    }
    this.cents.push(cents);
    // Grouped as FindingGrouper groups (groupKeyOf): a row's finding with a meter, by code and meter.
    let g = -1;
    if (f.record !== undefined && f.meter) {
      let byMeter = this.groupIds.get(f.code);
      if (!byMeter) this.groupIds.set(f.code, (byMeter = new Map()));
      g = byMeter.get(f.meter) ?? -1;
      if (g < 0) {
        g = this.groups.push({ code: f.code, meter: f.meter, first: [], count: 0 }) - 1;
        byMeter.set(f.meter, g);
      }
      const e = this.groups[g];
      if (e.first.length < BLOCK_SAMPLES) {
        this.firstAt.push(this.firsts.bytes);
        this.firstBytes.push(this.firsts.put(JSON.stringify(f), false));
        e.first.push(this.firstAt.length - 1);
      }
      this.ordinal.push(Math.min(e.count++, BLOCK_SAMPLES));
    } else this.ordinal.push(BLOCK_SAMPLES);
    this.group.push(g);
  }

  /** The block: its files complete and closed. */
  finish(): FindingBlockData {
    this.text?.flush();
    this.firsts.flush();
    this.close();
    return {
      file: this.render.format === 'none' ? '' : this.file,
      bytes: this.bytes,
      count: this.count,
      code: this.code.done(),
      severity: this.severity.done(),
      group: this.group.done(),
      currency: this.currency.done(),
      cents: this.cents.done(),
      ordinal: this.ordinal.done(),
      codes: this.codes,
      currencies: this.currencies,
      impacts: this.impacts,
      groups: this.groups.map(({ code, meter, first }) => ({ code, meter, first })),
      firsts: this.firstAt.length > 0 ? this.firsts.file : '',
      firstAt: this.firstAt.done(),
      firstBytes: this.firstBytes.done(),
    };
  }

  close(): void {
    this.text?.close();
    this.firsts.close();
  }
}

/** Text written to a file through a buffer of a MiB, at the offsets it counts. */
class FileWriter {
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private written = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w');
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.written + this.used;
  }

  /** Writes `text` (one byte per character when `ascii`, else UTF-8); returns how many bytes it took. */
  put(text: string, ascii: boolean): number {
    const most = ascii ? text.length : 3 * text.length;
    if (this.used + most > this.buf.length) this.flush();
    if (most > this.buf.length) {
      const bytes = Buffer.from(text, 'utf8');
      this.send(bytes);
      return bytes.length;
    }
    const n = this.buf.write(text, this.used, ascii ? 'latin1' : 'utf8');
    this.used += n;
    return n;
  }

  flush(): void {
    const n = this.used;
    this.used = 0;
    if (n > 0) this.send(this.buf.subarray(0, n));
  }

  private send(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd!, bytes, at, bytes.length - at, this.written + at);
    this.written += bytes.length;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Reads a block's first findings back (`groups[k].first` holds their indexes), opening its file on the first read;
 * `close` when done.
 */
export class BlockFirsts {
  private fd: number | undefined;
  constructor(private readonly block: FindingBlockData) {}

  get(index: number): Finding {
    const b = this.block;
    this.fd ??= openSync(b.firsts, 'r');
    const buf = Buffer.allocUnsafe(b.firstBytes[index]);
    for (let at = 0; at < buf.length;) {
      const n = readSync(this.fd, buf, at, buf.length - at, b.firstAt[index] + at);
      if (n === 0) throw new Error(`the findings file ${b.firsts} ended early`);
      at += n;
    }
    return JSON.parse(buf.toString('utf8')) as Finding;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Hands the slice's text to `write` in pieces of at most a MiB (each a view of one reused buffer: `write` copies or
 * writes it before it returns), leaving out its first `skip` bytes.
 */
export function copyBlockText(s: FindingBlockSlice, write: (bytes: Uint8Array) => void, skip = 0): void {
  const from = s.bytesFrom + skip;
  if (from >= s.bytesTo) return;
  const fd = openSync(s.block.file, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, s.bytesTo - from));
    for (let at = from; at < s.bytesTo;) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, s.bytesTo - at), at);
      if (n === 0) throw new Error(`the findings file ${s.block.file} ended early`);
      write(buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The slice's text as strings, for a consumer that writes text only (UTF-8 sequences cut between pieces joined). */
export function blockTextPieces(s: FindingBlockSlice, write: (text: string) => void, skip = 0): void {
  const decoder = new StringDecoder('utf8');
  copyBlockText(s, (bytes) => write(decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))), skip);
  const rest = decoder.end();
  if (rest) write(rest);
}
