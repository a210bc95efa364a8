/**
 * Reads a billing file: sniffs the encoding, finds the delimiter and the header, tells the file's kind, and hands
 * every well-formed data row to the caller with its cell positions. File-level problems (encoding, empty file,
 * broken quoting, rows with the wrong number of cells) become findings; the reader never throws on bad data.
 */
import { CsvTokenizer, detectDelimiter, type CsvRecord } from './csv';
import { ColumnMap, detectKind, type FileKind } from './fileKinds';
import { sniffText, type TextSource } from './source';
import { recordRange, type Finding } from '../findings';

export interface BillingHeader {
  kind: FileKind;
  columns: ColumnMap;
  delimiter: string;
  /** Semicolon-delimited exports come from locales that write decimals with a comma. */
  decimalComma: boolean;
  record: CsvRecord;
}

export interface ReadHandlers {
  /** Called once with the header; return false to stop reading (for example, a file of unknown kind). */
  onHeader(header: BillingHeader): boolean | void;
  /** Called for each data row whose cell count matches the header. */
  onRow(record: CsvRecord): void;
  onFinding(finding: Finding): void;
  /** Called for every record, header and ragged rows included, with the 0-based line it starts on. */
  onRecordStart?(line: number): void;
}

export interface ReadOptions {
  /** Checked between chunks: reading stops early when it is aborted. */
  signal?: AbortSignal;
  /** Called between chunks with the number of data rows read so far. */
  onProgress?(rows: number): void;
}

export interface ReadSummary {
  /** Data rows (records after the header), including ragged ones. */
  rows: number;
  header?: BillingHeader;
  /** False when the read was cancelled or stopped by onHeader. */
  complete: boolean;
}

/** Cells beyond the header's count are tolerated when empty (a trailing delimiter is common in exports). */
function hasExtraContent(record: CsvRecord, width: number): boolean {
  for (let i = width; i < record.cells.length; i++) if (record.cells[i].trim() !== '') return true;
  return false;
}

/**
 * A header that names a column twice: on both (all) header cells. Reading the first and ignoring the second once
 * summed a file to 10,000.00 instead of 23.32, so neither is used: a check or an allocation that needs the column
 * says so (missing or ambiguous column) instead of guessing.
 */
export function duplicateColumnFindings(columns: ColumnMap, record: CsvRecord): Finding[] {
  const out: Finding[] = [];
  for (const indexes of columns.duplicates.values()) {
    const name = columns.nameAt(indexes[0]);
    const where = indexes.map((i) => i + 1).join(', ');
    for (const i of indexes) {
      out.push({
        code: 'duplicate-column',
        severity: 'warning',
        message: `The header has the column ${name} ${indexes.length} times (columns ${where}); it is ambiguous and neither is used.`,
        record: record.index,
        line: record.pos[4 * i],
        character: record.pos[4 * i + 1],
        endLine: record.pos[4 * i + 2],
        endCharacter: record.pos[4 * i + 3],
      });
    }
  }
  return out;
}

export async function readBillingFile(
  source: TextSource,
  handlers: ReadHandlers,
  options: ReadOptions = {},
): Promise<ReadSummary> {
  let tokenizer: CsvTokenizer | undefined;
  let header: BillingHeader | undefined;
  let stopped = false;
  let rows = 0;
  let pendingHead = '';
  let sawText = false;
  let pendingDelimiter = ',';

  const onRecord = (record: CsvRecord): void => {
    if (stopped) return;
    handlers.onRecordStart?.(record.pos[0]);
    // A cell over the length limit (reported as invalid-csv where it starts): a header so broken ends the read,
    // a row is counted and not used.
    if (record.overlong) {
      if (!header) stopped = true;
      else rows++;
      return;
    }
    if (!header) {
      const columns = new ColumnMap(record.cells);
      const delimiter = pendingDelimiter;
      header = { kind: detectKind(record.cells), columns, delimiter, decimalComma: delimiter === ';', record };
      if (handlers.onHeader(header) === false) stopped = true;
      else for (const f of duplicateColumnFindings(columns, record)) handlers.onFinding(f);
      return;
    }
    rows++;
    const width = header.columns.header.length;
    if (record.cells.length < width || hasExtraContent(record, width)) {
      handlers.onFinding({
        code: 'ragged-row',
        severity: 'error',
        message: `This row has ${record.cells.length} cells but the header has ${width}; the row was not checked.`,
        record: record.index,
        ...recordRange(record.pos),
      });
      return;
    }
    handlers.onRow(record);
  };
  let openQuoteInHeader: { line: number; character: number } | undefined;
  const onProblem = (p: { code: string; message: string; line: number; character: number }): void => {
    if (stopped) return;
    // A quote opened in the header and never closed swallows the whole file: say that, not "the file is empty".
    if (!header && p.code === 'unterminated-quote') {
      openQuoteInHeader = { line: p.line, character: p.character };
      return;
    }
    handlers.onFinding({
      code: 'invalid-csv',
      severity: 'error',
      message: p.message,
      line: p.line,
      character: p.character,
      endLine: p.line,
      endCharacter: p.character + 1,
    });
  };

  for await (const chunk of source.chunks()) {
    if (options.signal?.aborted) return { rows, header, complete: false };
    if (!tokenizer) {
      // Hold text back until the header line is complete, so that the delimiter is chosen from the whole line.
      pendingHead += chunk;
      if (!sawText) {
        const verdict = sniffText(pendingHead);
        if (!verdict.ok) {
          handlers.onFinding({
            code: 'unsupported-encoding',
            severity: 'error',
            message: verdict.message,
            line: 0,
            character: 0,
            endLine: 0,
            endCharacter: 0,
          });
          return { rows: 0, complete: true };
        }
        sawText = true;
      }
      const eol = pendingHead.search(/[\r\n]/);
      if (eol < 0 && pendingHead.length < 1 << 20) continue;
      pendingDelimiter = detectDelimiter(eol < 0 ? pendingHead : pendingHead.slice(0, eol));
      tokenizer = new CsvTokenizer(pendingDelimiter, onRecord, onProblem);
      // The header line first: a caller that only wants the header stops there, before the rest of the chunk.
      const headLength = eol < 0 ? pendingHead.length : eol + 1;
      tokenizer.push(pendingHead.slice(0, headLength));
      if (headLength < pendingHead.length && !stopped) tokenizer.push(pendingHead.slice(headLength));
      pendingHead = '';
    } else {
      tokenizer.push(chunk);
    }
    if (stopped) return { rows, header, complete: false };
    options.onProgress?.(rows);
  }
  if (!tokenizer && pendingHead.length > 0) {
    const verdict = sniffText(pendingHead);
    if (!verdict.ok) {
      handlers.onFinding({
        code: 'unsupported-encoding',
        severity: 'error',
        message: verdict.message,
        line: 0,
        character: 0,
        endLine: 0,
        endCharacter: 0,
      });
      return { rows: 0, complete: true };
    }
    pendingDelimiter = detectDelimiter(pendingHead);
    tokenizer = new CsvTokenizer(pendingDelimiter, onRecord, onProblem);
    tokenizer.push(pendingHead);
  }
  tokenizer?.end();
  if (stopped) return { rows, header, complete: false };
  if (!header && openQuoteInHeader) {
    const at = openQuoteInHeader;
    handlers.onFinding({
      code: 'invalid-csv',
      severity: 'error',
      line: at.line,
      character: at.character,
      endLine: at.line,
      endCharacter: at.character + 1,
      message:
        `The header row has a quote at line ${at.line + 1}, character ${at.character + 1} that is never closed, ` +
        'so the whole file reads as one unfinished header cell; remove or close that quote.',
    });
  } else if (!header) {
    handlers.onFinding({
      code: 'empty-file',
      severity: 'warning',
      message: 'The file is empty: there is no header row.',
      line: 0,
      character: 0,
      endLine: 0,
      endCharacter: 0,
    });
  }
  return { rows, header, complete: true };
}
