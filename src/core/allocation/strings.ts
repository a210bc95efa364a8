/**
 * String helpers for the hot paths of reading and matching millions of cells.
 *
 * - Case-insensitive comparison without allocating lower-cased copies (per UTF-16 unit: ASCII folded directly,
 *   other characters through toLowerCase).
 * - Detached copies: cells of billing files are slices of large text chunks, and a slice keeps its whole chunk
 *   alive. Anything kept for long (cache keys, harvested values) is copied first, so memory stays flat.
 */

/** The lower-case code of one UTF-16 unit. */
export function lowerCode(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c < 128) return c;
  const lower = String.fromCharCode(c).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : c;
}

/** The string with each unit lower-cased as lowerCode does (so patterns and values fold the same way). */
export function lowerUnits(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(lowerCode(s.charCodeAt(i)));
  return out;
}

/** True when `value` holds `lower` (already lower-cased) at `offset`, ignoring case. */
export function regionEqualsIgnoreCase(value: string, offset: number, lower: string): boolean {
  if (offset + lower.length > value.length) return false;
  for (let k = 0; k < lower.length; k++) {
    const c = value.charCodeAt(offset + k);
    const l = lower.charCodeAt(k);
    if (c !== l && lowerCode(c) !== l) return false;
  }
  return true;
}

/**
 * A copy of a string that shares no memory with the text it was sliced from. Through JSON, which writes any string
 * (lone surrogates escaped) and reads it back the same, into new memory: about 0.6 us for a 150-character resource
 * id, against 2.2 to 2.5 us split into characters and joined.
 */
export function detach(s: string): string {
  return s.length === 0 ? '' : (JSON.parse(JSON.stringify(s)) as string);
}
