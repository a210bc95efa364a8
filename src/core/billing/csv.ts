/**
 * A streaming CSV tokenizer (RFC 4180) that knows where every cell is: each record carries the 0-based line and
 * UTF-16 character of the start and end of each cell, as an editor counts them (CRLF, LF and lone CR each end a line;
 * line breaks inside quoted cells move the position too). csv-parse reports no cell positions, which every finding
 * needs, so this tokenizer exists; csv-parse is the reference that the differential tests hold it to.
 *
 * Text arrives in chunks of any size (a cell, a quote pair or a CRLF may straddle two chunks); memory stays at one
 * record. Malformed input never throws: problems are reported with their position and tokenizing goes on.
 */

export interface CsvRecord {
  /** 0-based index among the file's records; the header is record 0. Blank lines are not records. */
  index: number;
  cells: string[];
  /**
   * Cell positions, four numbers per cell: start line, start character, end line, end character (end exclusive).
   * A quoted cell's range includes its quotes.
   */
  pos: number[];
  /** A cell of this record was longer than MAX_CELL_CHARS: its text was not kept (it is empty here). */
  overlong?: true;
}

export type CsvProblemCode = 'unterminated-quote' | 'text-after-quote' | 'cell-too-long';

/**
 * The longest cell kept, in characters (8 Mi). Partner Center's longest cells (AdditionalInfo, Tags) are a few
 * kilobytes; a longer one is a broken file, and keeping it would make memory grow with the file (a 300 MB cell
 * took 806 MB, a 512 Mi-character one crashed the string builder). The scan goes on through it in flat memory.
 * The fast readers hand any record longer than this many bytes to this tokenizer (byteCsv MAX_FAST_RECORD_BYTES),
 * so both readers see the same overlong cells.
 */
export const MAX_CELL_CHARS = 8 << 20;

export interface CsvProblem {
  code: CsvProblemCode;
  message: string;
  line: number;
  character: number;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

const enum State {
  /** Before the first character of a cell. */
  CellStart,
  /** Inside an unquoted cell. */
  Unquoted,
  /** Inside a quoted cell. */
  Quoted,
  /** Just after a quote inside a quoted cell: either an escaped quote or the closing quote follows. */
  QuoteInQuoted,
}

export class CsvTokenizer {
  private state = State.CellStart;
  /** Current line and the (chunk-relative) index at which it starts; character = i - lineStart. */
  private line = 0;
  private lineStart = 0;
  private previousWasCR = false;
  private cells: string[] = [];
  private pos: number[] = [];
  private recordIndex = 0;
  /** Text of the current cell from earlier chunks or escaped quotes, and where the rest starts in this chunk. */
  private acc = '';
  private sliceFrom = -1;
  private cellLine = 0;
  private cellChar = 0;
  /** The current cell passed MAX_CELL_CHARS: its text is no longer kept. */
  private cellTooLong = false;
  /** Where the first overlong cell of the current record starts. */
  private recordTooLong: { line: number; character: number } | undefined;

  constructor(
    private readonly delimiter: string,
    private readonly onRecord: (record: CsvRecord) => void,
    private readonly onProblem: (problem: CsvProblem) => void = () => {},
  ) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new Error(`invalid CSV delimiter ${JSON.stringify(delimiter)}`);
    }
  }

  /** Tokenizes the next chunk of text. */
  push(chunk: string): void {
    const delim = this.delimiter.charCodeAt(0);
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (c === LF && this.previousWasCR) {
        // Second half of a CRLF: the line (and any record) already ended at the CR.
        this.previousWasCR = false;
        if (this.state === State.Quoted && this.sliceFrom < 0) this.sliceFrom = i;
        i++;
        this.lineStart = i;
        continue;
      }
      this.previousWasCR = false;
      switch (this.state) {
        case State.CellStart: {
          this.cellLine = this.line;
          this.cellChar = i - this.lineStart;
          if (c === QUOTE) {
            this.state = State.Quoted;
            this.acc = '';
            this.sliceFrom = i + 1;
            i++;
          } else if (c === delim) {
            this.finishCell('', i);
            i++;
          } else if (c === CR || c === LF) {
            if (this.cells.length > 0) {
              this.finishCell('', i);
              this.finishRecord();
            }
            i = this.newline(c, i);
          } else {
            this.state = State.Unquoted;
            this.acc = '';
            this.sliceFrom = i;
            i++;
          }
          break;
        }
        case State.Unquoted: {
          // Fast scan to the next delimiter or line break.
          let j = i;
          while (j < n) {
            const d = chunk.charCodeAt(j);
            if (d === delim || d === CR || d === LF) break;
            j++;
          }
          if (j === n) {
            i = n;
            break;
          }
          this.append(chunk, this.sliceFrom, j);
          this.finishCell(this.acc, j);
          const d = chunk.charCodeAt(j);
          if (d === delim) {
            this.state = State.CellStart;
            i = j + 1;
          } else {
            this.finishRecord();
            i = this.newline(d, j);
          }
          break;
        }
        case State.Quoted: {
          let j = i;
          while (j < n) {
            const d = chunk.charCodeAt(j);
            if (d === QUOTE) break;
            if (d === CR) {
              this.line++;
              this.lineStart = j + 1;
              this.previousWasCR = true;
            } else if (d === LF) {
              if (!this.previousWasCR) this.line++;
              this.lineStart = j + 1;
              this.previousWasCR = false;
            } else {
              this.previousWasCR = false;
            }
            j++;
          }
          if (j === n) {
            i = n;
            break;
          }
          this.append(chunk, this.sliceFrom, j);
          this.sliceFrom = -1;
          this.previousWasCR = false;
          this.state = State.QuoteInQuoted;
          i = j + 1;
          break;
        }
        case State.QuoteInQuoted: {
          if (c === QUOTE) {
            this.append('"', 0, 1);
            this.sliceFrom = i + 1;
            this.state = State.Quoted;
            i++;
          } else if (c === delim) {
            this.finishCell(this.acc, i);
            this.state = State.CellStart;
            i++;
          } else if (c === CR || c === LF) {
            this.finishCell(this.acc, i);
            this.finishRecord();
            i = this.newline(c, i);
          } else {
            // `"abc"def`: keep the text, as csv-parse's relax_quotes does, and say where it went wrong.
            this.onProblem({
              code: 'text-after-quote',
              message: 'Text after the closing quote of a quoted cell; the cell was read up to the next delimiter.',
              line: this.line,
              character: i - this.lineStart,
            });
            this.state = State.Unquoted;
            this.sliceFrom = i;
            i++;
          }
          break;
        }
      }
    }
    // Carry the unfinished cell into the next chunk; positions become relative to the next chunk.
    if ((this.state === State.Unquoted || this.state === State.Quoted) && this.sliceFrom >= 0) {
      this.append(chunk, this.sliceFrom, n);
      this.sliceFrom = 0;
    } else if (this.state === State.Quoted) {
      this.sliceFrom = 0;
    }
    this.lineStart -= n;
  }

  /** Ends the input: the last record needs no line break; an open quote is reported, not guessed at. */
  end(): void {
    const endChar = -this.lineStart;
    switch (this.state) {
      case State.Quoted:
        this.onProblem({
          code: 'unterminated-quote',
          message: 'A quoted cell is never closed: everything after its opening quote was ignored.',
          line: this.cellLine,
          character: this.cellChar,
        });
        break;
      case State.Unquoted:
        this.finishCellAt(this.acc, this.line, endChar);
        this.finishRecord();
        break;
      case State.QuoteInQuoted:
        this.finishCellAt(this.acc, this.line, endChar);
        this.finishRecord();
        break;
      case State.CellStart:
        if (this.cells.length > 0) {
          this.cellLine = this.line;
          this.cellChar = endChar;
          this.finishCellAt('', this.line, endChar);
          this.finishRecord();
        }
        break;
    }
    this.state = State.CellStart;
    this.cells = [];
    this.pos = [];
    this.acc = '';
    this.sliceFrom = -1;
    this.cellTooLong = false;
    this.recordTooLong = undefined;
  }

  private finishCell(text: string, endIndex: number): void {
    this.finishCellAt(text, this.line, endIndex - this.lineStart);
  }

  /** Adds chunk[from, to) to the current cell's text, unless that would pass MAX_CELL_CHARS. */
  private append(chunk: string, from: number, to: number): void {
    if (this.cellTooLong || to <= from) return;
    if (this.acc.length + (to - from) > MAX_CELL_CHARS) {
      this.cellTooLong = true;
      this.acc = '';
      this.recordTooLong ??= { line: this.cellLine, character: this.cellChar };
      return;
    }
    this.acc += chunk.slice(from, to);
  }

  private finishCellAt(text: string, endLine: number, endChar: number): void {
    this.cells.push(this.cellTooLong ? '' : text);
    this.pos.push(this.cellLine, this.cellChar, endLine, endChar);
    this.acc = '';
    this.sliceFrom = -1;
    this.cellTooLong = false;
  }

  private finishRecord(): void {
    const record: CsvRecord = { index: this.recordIndex++, cells: this.cells, pos: this.pos };
    if (this.recordTooLong) {
      this.onProblem({
        code: 'cell-too-long',
        message: `This cell is longer than ${MAX_CELL_CHARS.toLocaleString('en-US')} characters, the most a billing cell may have; the row was not read.`,
        line: this.recordTooLong.line,
        character: this.recordTooLong.character,
      });
      record.overlong = true;
      this.recordTooLong = undefined;
    }
    this.onRecord(record);
    this.cells = [];
    this.pos = [];
    this.state = State.CellStart;
  }

  /** Moves past a line break at index i; returns the next index. */
  private newline(c: number, i: number): number {
    this.line++;
    this.lineStart = i + 1;
    this.previousWasCR = c === CR;
    this.state = State.CellStart;
    return i + 1;
  }
}

/** Tokenizes a whole string; convenient for tests and small documents. */
export function tokenize(text: string, delimiter = ','): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const t = new CsvTokenizer(
    delimiter,
    (r) => records.push(r),
    (p) => problems.push(p),
  );
  t.push(text);
  t.end();
  return { records, problems };
}

/**
 * Guesses the delimiter from the header line: the most frequent of comma, semicolon and tab outside quotes.
 * Non en-US exports use semicolons; a header never contains the delimiter inside a name.
 */
export function detectDelimiter(headerLine: string): ',' | ';' | '\t' {
  let comma = 0;
  let semicolon = 0;
  let tab = 0;
  let quoted = false;
  for (let i = 0; i < headerLine.length; i++) {
    const c = headerLine[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === ',') comma++;
    else if (c === ';') semicolon++;
    else if (c === '\t') tab++;
    else if (c === '\n' || c === '\r') break;
  }
  if (semicolon > comma && semicolon >= tab) return ';';
  if (tab > comma && tab > semicolon) return '\t';
  return ',';
}
