/**
 * How findings are written for a program to read (`chargeback check --format json`) and as the lines of the text
 * output: one finding's JSON text exactly as JSON.stringify would write its documented shape, made fast enough for a
 * month with a million findings, and one finding's text line. In the core, not the CLI, because the daily check's
 * worker thread writes the findings of its share of the rows the same way (findingBlock.ts): the two must agree
 * byte for byte.
 */
import type { Finding } from './findings';
import { displayText } from './text/displayText';

/** Where a FindingJsonWriter writes: the CLI's Output has this shape. */
export interface TextSink {
  write(text: string): void;
  /** The same for text proved ASCII: one byte per character. Optional. */
  writeAscii?(text: string): void;
}

/**
 * A finding as a line of the text output: `path:line:col: severity code: message`, escaped so that it stays one line
 * (displayText), ended by a line break.
 */
export function findingLine(path: string, f: Finding, message = f.message): string {
  return displayText(`${path}:${f.line + 1}:${f.character + 1}: ${f.severity} ${f.code}: ${message}`) + '\n';
}

/**
 * A string JSON carries between its quotes as it is, that is also ASCII: no `"`, `\\`, control character (below
 * 0x20), nothing above 0x7f (a lone surrogate is escaped by JSON.stringify, any other non-ASCII is not, but such
 * text is not ASCII either). Any such string is written as `"s"`; the others go through JSON.stringify.
 */
const RAW_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7f]*$/;

/** RAW_ASCII's test by a loop, for a short string (an amount, a price), where calling the regex costs more. */
function rawShort(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/**
 * Writes findings as `JSON.stringify(jsonFinding(f))` writes them, field by field: a million findings are a million
 * objects less, and the strings JSON writes as they are (most of them, and the long message) are tested, not
 * escaped (a test keeps the two identical). A writer belongs to one output: it remembers, per field, the string it
 * last proved raw (the column, currency and meter repeat from row to row), and whether the finding it is writing is
 * ASCII throughout.
 */
export class FindingJsonWriter {
  /** False once the finding being made holds a string that may not be ASCII (see `raw`). */
  private allAscii = true;
  /** Per field of a finding, the string last proved RAW_ASCII. */
  private readonly provedRaw: string[] = ['', '', '', '', '', ''];

  /**
   * Whether `s` is written between quotes as it is (RAW_ASCII); notes in `allAscii` what it could not prove, for
   * which the caller writes JSON.stringify(s). `field` names the finding's field (a slot of provedRaw), -1 for the
   * message (never the same twice).
   */
  private raw(s: string, field: number): boolean {
    if (field >= 0 && s === this.provedRaw[field]) return true;
    if (s.length < 48 ? rawShort(s) : RAW_ASCII.test(s)) {
      if (field >= 0) this.provedRaw[field] = s;
      return true;
    }
    this.allAscii = false;
    return false;
  }

  /** Whether the text `json` last made is ASCII throughout (one byte per character). */
  get ascii(): boolean {
    return this.allAscii;
  }

  /** The finding's JSON text. */
  json(f: Finding): string {
    this.allAscii = true;
    // code and severity are the fixed words of findings.ts, numbers print as ASCII digits.
    let s =
      `{"line":${f.line + 1},"character":${f.character + 1},"endLine":${f.endLine + 1},` +
      `"endCharacter":${f.endCharacter + 1}`;
    const { column, message, actual, expected, impact, currency, meter } = f;
    if (column !== undefined)
      s += this.raw(column, 0) ? `,"column":"${column}"` : `,"column":${JSON.stringify(column)}`;
    s += `,"code":"${f.code}","severity":"${f.severity}"`;
    s += this.raw(message, -1) ? `,"message":"${message}"` : `,"message":${JSON.stringify(message)}`;
    if (actual !== undefined)
      s += this.raw(actual, 1) ? `,"actual":"${actual}"` : `,"actual":${JSON.stringify(actual)}`;
    if (expected !== undefined)
      s += this.raw(expected, 2) ? `,"expected":"${expected}"` : `,"expected":${JSON.stringify(expected)}`;
    if (impact !== undefined)
      s += this.raw(impact, 3) ? `,"impact":"${impact}"` : `,"impact":${JSON.stringify(impact)}`;
    if (currency !== undefined)
      s += this.raw(currency, 4) ? `,"currency":"${currency}"` : `,"currency":${JSON.stringify(currency)}`;
    if (meter !== undefined) s += this.raw(meter, 5) ? `,"meter":"${meter}"` : `,"meter":${JSON.stringify(meter)}`;
    if (f.rows !== undefined) s += `,"rows":${JSON.stringify(f.rows)}`;
    return s + '}';
  }

  /**
   * Writes `lead` (ASCII) and the finding's JSON to `out`; as ASCII (one byte per character, no UTF-8 encoding)
   * when every string in it was proved ASCII and the output can take it.
   */
  write(out: TextSink, f: Finding, lead: string): void {
    const json = lead + this.json(f);
    if (this.allAscii && out.writeAscii) out.writeAscii(json);
    else out.write(json);
  }
}

/** One finding's JSON (FindingJsonWriter.json), for a caller that writes a single finding. */
export function findingJson(f: Finding): string {
  return new FindingJsonWriter().json(f);
}

/** The JSON shape of a finding: 1-based line and column like the text output; decimals as strings. */
export function jsonFinding(f: Finding): Record<string, unknown> {
  return {
    line: f.line + 1,
    character: f.character + 1,
    endLine: f.endLine + 1,
    endCharacter: f.endCharacter + 1,
    column: f.column,
    code: f.code,
    severity: f.severity,
    message: f.message,
    actual: f.actual,
    expected: f.expected,
    impact: f.impact,
    currency: f.currency,
    meter: f.meter,
    rows: f.rows,
  };
}
