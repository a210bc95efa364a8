/**
 * Globs of the rules language: `*` (any text, also none), `?` (exactly one character), `\` escapes the next
 * character; everything else is literal; matching is case-insensitive and covers the whole value. Matching never
 * uses regular expressions, so a hostile pattern cannot make it backtrack exponentially: the worst case is
 * pattern length x value length.
 */

import { lowerUnits, regionEqualsIgnoreCase } from './strings';

export const MAX_GLOB_LENGTH = 1000;

type Token = { kind: 'text'; text: string } | { kind: 'star' } | { kind: 'one' };

export interface Glob {
  /** The pattern as written. */
  source: string;
  matches(value: string): boolean;
}

export interface GlobIssue {
  severity: 'error' | 'info';
  message: string;
  code: 'invalid-glob' | 'literal-glob-character';
}

/** What is wrong or surprising about a pattern; an empty list when it is fine. */
export function checkGlob(pattern: string): GlobIssue[] {
  const issues: GlobIssue[] = [];
  if (pattern.length > MAX_GLOB_LENGTH) {
    issues.push({
      severity: 'error',
      code: 'invalid-glob',
      message: `A glob may have at most ${MAX_GLOB_LENGTH} characters.`,
    });
    return issues;
  }
  let literalBrackets = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (i === pattern.length - 1) {
        issues.push({
          severity: 'error',
          code: 'invalid-glob',
          message:
            'The glob ends with a lone "\\": a backslash escapes the next character (write "\\\\" for a backslash).',
        });
      }
      i++;
    } else if (c === '[' || c === ']' || c === '{' || c === '}') literalBrackets = true;
    else if (c < ' ' && c !== '\t') {
      issues.push({ severity: 'error', code: 'invalid-glob', message: 'The glob contains a control character.' });
      break;
    }
  }
  if (literalBrackets) {
    issues.push({
      severity: 'info',
      code: 'literal-glob-character',
      message: 'Brackets and braces are matched literally here: only "*" and "?" are wildcards.',
    });
  }
  return issues;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let text = '';
  const flush = (): void => {
    if (text) tokens.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) text += lowerUnits(pattern[++i]);
    else if (c === '*') {
      flush();
      if (tokens.length === 0 || tokens[tokens.length - 1].kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      flush();
      tokens.push({ kind: 'one' });
    } else text += lowerUnits(c);
  }
  flush();
  return tokens;
}

/** Compiles a pattern (check it with checkGlob first; a trailing lone backslash is taken literally). */
export function compileGlob(pattern: string): Glob {
  const tokens = tokenize(pattern);
  const source = pattern;
  if (tokens.length === 0) return { source, matches: (v) => v.length === 0 };
  if (tokens.every((t) => t.kind === 'text')) {
    const text = (tokens[0] as { text: string }).text;
    return { source, matches: (v) => v.length === text.length && regionEqualsIgnoreCase(v, 0, text) };
  }
  if (tokens.length === 1 && tokens[0].kind === 'star') return { source, matches: () => true };
  if (tokens.length === 2 && tokens[0].kind === 'text' && tokens[1].kind === 'star') {
    const prefix = tokens[0].text;
    return { source, matches: (v) => regionEqualsIgnoreCase(v, 0, prefix) };
  }
  if (tokens.length === 2 && tokens[0].kind === 'star' && tokens[1].kind === 'text') {
    const suffix = tokens[1].text;
    return {
      source,
      matches: (v) => v.length >= suffix.length && regionEqualsIgnoreCase(v, v.length - suffix.length, suffix),
    };
  }
  return { source, matches: (v) => matchTokens(tokens, v) };
}

/**
 * Classic wildcard matching with one backtrack point (the last star): O(pattern x value) at worst, never
 * exponential. Text tokens are lower-cased; the value is compared ignoring case.
 */
function matchTokens(tokens: Token[], value: string): boolean {
  let t = 0;
  let v = 0;
  let starToken = -1;
  let starValue = 0;
  while (v < value.length || t < tokens.length) {
    if (t < tokens.length) {
      const tok = tokens[t];
      if (tok.kind === 'star') {
        starToken = t;
        starValue = v;
        t++;
        continue;
      }
      if (tok.kind === 'one' && v < value.length) {
        t++;
        v++;
        continue;
      }
      if (tok.kind === 'text' && regionEqualsIgnoreCase(value, v, tok.text)) {
        t++;
        v += tok.text.length;
        continue;
      }
    }
    if (starToken >= 0 && starValue < value.length) {
      starValue++;
      t = starToken + 1;
      v = starValue;
      continue;
    }
    return false;
  }
  return true;
}
