/**
 * Text from a file (paths, target ids and names, cell values, messages that quote them) made safe to print on a
 * terminal or in an output channel. A rules file or a billing file may hold newlines, ANSI escape sequences or bidi
 * overrides; printed raw, they could fake a line of the report ("unallocated EUR 999.99") or recolour it. Every
 * such character is shown as a visible escape instead: `\n`, `\r`, `\t`, `\x1b`, `\u202e` ... JSON output needs
 * none of this (JSON.stringify escapes C0 itself, and a JSON reader never interprets the rest).
 */

/**
 * C0 controls, DEL, C1 controls, the line and paragraph separators, and the bidirectional formatting characters
 * (embeddings, overrides, isolates, marks) that reorder what a terminal shows.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this module escapes
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- the same set, to test for
const ANY_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control, separator and bidi formatting character written as a visible escape. */
export function displayText(text: string): string {
  return ANY_UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}
