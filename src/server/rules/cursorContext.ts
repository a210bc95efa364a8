/**
 * Where the cursor is in a chargeback rules file, in the language's terms: the path of keys from the top
 * (`['rules', 2, 'match']`), and whether a key or the value of a key is being typed, with the text typed so far.
 *
 * It reads the text by indentation and flow brackets rather than by a YAML parse, because completion happens on
 * half-typed lines (`    mat`, `to: `, `match: { meterCategory: [Band`) that are not valid YAML yet.
 */

export interface CursorContext {
  /** Keys (and list indexes) from the top level to the map the cursor is in. */
  path: (string | number)[];
  /** `key`: a key of the map at `path` is being typed; `value`: the value of `key` (or an item of its list). */
  kind: 'key' | 'value';
  /** For `value`: the key whose value is typed. */
  key?: string;
  /** What is typed so far of the key or value (without an opening quote). */
  prefix: string;
  /** Start character of the prefix on the cursor's line (where a completion replaces from). */
  prefixStart: number;
  /** Keys already present in the map at `path` (so that completion does not offer them again). */
  siblings: string[];
}

interface BlockLine {
  indent: number;
  /** Column of the key (after "- " for a list item), or -1 when the line has no key. */
  keyColumn: number;
  key?: string;
  /** Column of a list dash, or -1. */
  dash: number;
}

const KEY_LINE = /^(\s*)(-\s+)?(?:("[^"]*"|'[^']*'|[^\s:#{}[\],"'][^:#{}[\],]*?)\s*:(?=\s|$))?/;

function unquote(s: string): string {
  return /^["'].*["']$/.test(s) ? s.slice(1, -1) : s.trim();
}

function readBlockLine(text: string): BlockLine | undefined {
  if (/^\s*(#.*)?$/.test(text)) return undefined;
  const m = KEY_LINE.exec(text)!;
  const indent = m[1].length;
  const dash = m[2] ? indent : -1;
  const keyColumn = m[3] !== undefined ? indent + (m[2]?.length ?? 0) : -1;
  return { indent, keyColumn, key: m[3] !== undefined ? unquote(m[3]) : undefined, dash };
}

/**
 * The block path of a position: walks up the lines, in one of two modes. In a map (keys at column `col`): equal keys
 * are siblings; a less indented key is the parent; a dash left of `col` whose key is at `col` starts the list item
 * that holds the map. In a list (dashes at column `col`): dashes at `col` are earlier items (counted for the index);
 * the first key at or left of `col` owns the list.
 */
function blockPath(lines: string[], lineNo: number, contentColumn: number, ownDash: number): (string | number)[] {
  const path: (string | number)[] = [];
  let mode: 'map' | 'list' = ownDash >= 0 ? 'list' : 'map';
  let col = ownDash >= 0 ? ownDash : contentColumn;
  let seen = ownDash >= 0 ? 1 : 0;
  for (let i = lineNo - 1; i >= 0; i--) {
    const b = readBlockLine(lines[i]);
    if (!b) continue;
    if (mode === 'map') {
      if (b.dash >= 0 && b.dash < col && (b.keyColumn === col || b.keyColumn < 0)) {
        mode = 'list';
        col = b.dash;
        seen = 0;
        i++; // count this line as an item of that list
      } else if (b.key !== undefined && b.keyColumn < col) {
        path.unshift(b.key);
        col = b.keyColumn;
        if (b.dash >= 0) i++; // the key opens an item's map: read the line again as that item's start
      }
    } else if (b.dash === col) {
      seen++;
    } else if (b.key !== undefined && b.keyColumn <= col) {
      path.unshift(b.key, Math.max(0, seen - 1));
      mode = 'map';
      col = b.keyColumn;
      if (b.dash >= 0) i++;
    }
  }
  return path;
}

/** Keys of the block map whose keys are at `column` around line `lineNo`. */
function blockSiblings(lines: string[], lineNo: number, column: number): string[] {
  const keys: string[] = [];
  for (let i = lineNo - 1; i >= 0; i--) {
    const b = readBlockLine(lines[i]);
    if (!b) continue;
    if (b.keyColumn === column && b.key !== undefined) keys.push(b.key);
    if (b.dash >= 0 && b.dash < column) break; // the item that holds this map starts here
    if (b.indent < column && b.dash < 0) break;
  }
  for (let i = lineNo + 1; i < lines.length; i++) {
    const b = readBlockLine(lines[i]);
    if (!b) continue;
    if (b.indent < column || (b.dash >= 0 && b.dash < column)) break;
    if (b.keyColumn === column && b.key !== undefined && b.dash < 0) keys.push(b.key);
  }
  return keys;
}

interface FlowFrame {
  kind: 'map' | 'list';
  /** For maps: the key being given a value, once its colon has been seen. */
  key?: string;
  keys: string[];
}

/** Reads the flow part of a line (`{ a: x, b: [c, d`) up to the cursor. */
function readFlow(
  text: string,
): { frames: FlowFrame[]; token: string; tokenStart: number; afterColon: boolean } | undefined {
  const frames: FlowFrame[] = [];
  let token = '';
  let tokenStart = 0;
  let afterColon = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
      else token += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      if (token === '') tokenStart = i + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      frames.push({ kind: c === '{' ? 'map' : 'list', keys: [] });
      token = '';
      tokenStart = i + 1;
      afterColon = false;
      continue;
    }
    const top = frames[frames.length - 1];
    if (c === '}' || c === ']') {
      frames.pop();
      token = '';
      tokenStart = i + 1;
      continue;
    }
    if (c === ',') {
      if (top?.kind === 'map') top.key = undefined;
      token = '';
      tokenStart = i + 1;
      afterColon = false;
      continue;
    }
    if (c === ':' && top?.kind === 'map' && (i + 1 === text.length || text[i + 1] === ' ')) {
      top.key = token.trim();
      top.keys.push(top.key);
      token = '';
      tokenStart = i + 1;
      afterColon = true;
      continue;
    }
    if (c === ' ' && token === '') {
      tokenStart = i + 1;
      continue;
    }
    token += c;
  }
  if (frames.length === 0) return undefined;
  return { frames, token, tokenStart, afterColon };
}

export function cursorContext(text: string, line: number, character: number): CursorContext {
  const lines = text.split(/\r\n|\r|\n/);
  const current = lines[line] ?? '';
  const before = current.slice(0, character);
  const m = /^(\s*)(-\s+)?(.*)$/.exec(before)!;
  const indent = m[1].length;
  const ownDash = m[2] ? indent : -1;
  const contentColumn = indent + (m[2]?.length ?? 0);
  const rest = m[3];

  const keyValue = /^("[^"]*"|'[^']*'|[^\s:#{}[\],"'][^:#{}[\],]*?)\s*:(\s+|$)(.*)$/.exec(rest);
  const path = blockPath(lines, line, contentColumn, ownDash);
  if (!keyValue) {
    // A key at the start of a line; or, under "- ", an item of a block list (`path` then ends with its index, and
    // the caller tells from the vocabulary whether that list holds maps or plain values).
    const prefix = rest.replace(/^["']/, '');
    return {
      path,
      kind: 'key',
      prefix,
      prefixStart: character - prefix.length,
      siblings: ownDash >= 0 ? [] : blockSiblings(lines, line, contentColumn),
    };
  }
  const key = unquote(keyValue[1]);
  const valueText = keyValue[3];
  const valueStart = character - valueText.length;
  const flow = readFlow(valueText);
  if (!flow) {
    const prefix = valueText.replace(/^["']/, '');
    return { path, kind: 'value', key, prefix, prefixStart: character - prefix.length, siblings: [] };
  }
  // Inside a flow collection on this line: extend the path through its maps.
  const flowPath: (string | number)[] = [...path, key];
  for (let f = 0; f < flow.frames.length - 1; f++) {
    const frame = flow.frames[f];
    if (frame.kind === 'map' && frame.key !== undefined) flowPath.push(frame.key);
    else if (frame.kind === 'list') flowPath.push(0);
  }
  const top = flow.frames[flow.frames.length - 1];
  const prefixStart = valueStart + flow.tokenStart;
  if (top.kind === 'list') {
    const owner = flowPath.pop();
    if (typeof owner === 'string')
      return { path: flowPath, kind: 'value', key: owner, prefix: flow.token, prefixStart, siblings: [] };
    return { path: flowPath, kind: 'value', key: undefined, prefix: flow.token, prefixStart, siblings: [] };
  }
  if (top.key !== undefined && flow.afterColon) {
    return { path: flowPath, kind: 'value', key: top.key, prefix: flow.token, prefixStart, siblings: top.keys };
  }
  return { path: flowPath, kind: 'key', prefix: flow.token, prefixStart, siblings: top.keys };
}
