/**
 * Guards that run before the YAML parser sees a rules file, so that abusive input is refused quickly with a clear
 * message instead of exhausting memory or the stack: the `yaml` package can run out of memory on a few hundred
 * thousand nested brackets, and alias "billion laughs" bombs expand exponentially when resolved.
 *
 * The nesting estimate is a single pass over the text (quotes, comments and block scalars skipped) that counts
 * open flow brackets plus block indentation levels and compact `- - -` nesting. It can only over-estimate for
 * strange but legal text, and the limit is far above what a rules file needs.
 */

/** Rules files are small; this is generous (about 10,000 rules). In bytes of UTF-8, as the file is on disk. */
export const MAX_RULES_FILE_BYTES = 1024 * 1024;
/** The same bound for text already in memory (one character is at least one byte). */
export const MAX_RULES_TEXT_CHARS = MAX_RULES_FILE_BYTES;
/** Deepest nesting of maps and lists accepted (a rules file needs about 8). */
export const MAX_NESTING_DEPTH = 64;
/** Alias expansions accepted (passed to yaml's `maxAliasCount` and enforced by our own walker). */
export const MAX_ALIAS_COUNT = 100;
/** Nodes the model builder visits at most (aliases expanded). */
export const MAX_NODES = 200_000;

export interface LimitViolation {
  code: 'too-large' | 'too-deep';
  message: string;
  /** Offset in the text where the limit was crossed. */
  offset: number;
}

export function checkYamlLimits(text: string): LimitViolation | undefined {
  // Characters first (cheap), then bytes: the limit is the file's size on disk, whatever its script.
  const bytes = text.length > MAX_RULES_FILE_BYTES ? text.length : utf8Length(text);
  if (bytes > MAX_RULES_FILE_BYTES) {
    return {
      code: 'too-large',
      message: `This rules file has more than ${MAX_RULES_FILE_BYTES.toLocaleString('en-US')} bytes; at most that many (1 MiB) are accepted. It was not read.`,
      offset: 0,
    };
  }
  return checkNesting(text);
}

/** Bytes of the text in UTF-8, without encoding it (this module also runs in the webview, which has no Buffer). */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function tooDeep(offset: number): LimitViolation {
  return {
    code: 'too-deep',
    message: `Maps and lists are nested more than ${MAX_NESTING_DEPTH} levels deep here; the file was not read (a rules file needs fewer than 10).`,
    offset,
  };
}

function checkNesting(text: string): LimitViolation | undefined {
  const n = text.length;
  const indentStack: number[] = [];
  let flowDepth = 0;
  let blockDepth = 0;
  let lineIndent = 0;
  let blockScalarParentIndent = -1;
  let atLineStart = true;
  let prev = ' ';
  let i = 0;
  while (i < n) {
    if (atLineStart) {
      atLineStart = false;
      let indent = 0;
      while (i + indent < n && text[i + indent] === ' ') indent++;
      const c0 = text[i + indent];
      const blank = i + indent >= n || c0 === '\n' || c0 === '\r' || c0 === '#';
      if (blockScalarParentIndent >= 0 && (blank || indent > blockScalarParentIndent)) {
        i = skipToLineEnd(text, i);
        continue;
      }
      blockScalarParentIndent = -1;
      i += indent;
      prev = ' ';
      if (blank) continue;
      if (flowDepth === 0) {
        lineIndent = indent;
        while (indentStack.length > 0 && indentStack[indentStack.length - 1] > indent) indentStack.pop();
        if (indentStack.length === 0 || indentStack[indentStack.length - 1] < indent) indentStack.push(indent);
        // "- - - x" and "? " open one level each on the same line.
        let compact = 0;
        while (i + 1 < n && (text[i] === '-' || text[i] === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
          compact++;
          i += 2;
          while (i < n && text[i] === ' ') i++;
        }
        blockDepth = indentStack.length + compact;
        if (blockDepth > MAX_NESTING_DEPTH) return tooDeep(i);
      }
      continue;
    }
    const c = text[i];
    if (c === '\n') {
      atLineStart = true;
      i++;
      continue;
    }
    const tokenStart = prev === ' ' || prev === '\t' || prev === '[' || prev === '{' || prev === ',' || prev === ':';
    if (c === '#' && (prev === ' ' || prev === '\t')) {
      i = skipToLineEnd(text, i);
      continue;
    }
    if ((c === '"' || c === "'") && tokenStart) {
      i = skipQuoted(text, i);
      prev = c;
      continue;
    }
    if (
      (c === '|' || c === '>') &&
      flowDepth === 0 &&
      tokenStart &&
      /^[|>][-+0-9]*[ \t]*(#[^\n]*)?\r?(\n|$)/.test(text.slice(i, i + 200))
    ) {
      blockScalarParentIndent = lineIndent;
      i = skipToLineEnd(text, i);
      continue;
    }
    if ((c === '[' || c === '{') && (flowDepth > 0 || tokenStart)) {
      flowDepth++;
      if (blockDepth + flowDepth > MAX_NESTING_DEPTH) return tooDeep(i);
    } else if ((c === ']' || c === '}') && flowDepth > 0) flowDepth--;
    prev = c;
    i++;
  }
  return undefined;
}

/** Index of the next newline (or the end of the text). */
function skipToLineEnd(text: string, i: number): number {
  const eol = text.indexOf('\n', i);
  return eol < 0 ? text.length : eol;
}

/** Index just after the closing quote of the quoted scalar starting at `start` (or the end of the text). */
function skipQuoted(text: string, start: number): number {
  const q = text[start];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (q === '"' && c === '\\') i += 2;
    else if (c === q) {
      if (q === "'" && text[i + 1] === "'") i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}
