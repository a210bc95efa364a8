/**
 * Finds the billing files that `data:` names: paths relative to the rules file, with globs in any segment
 * (`*` and `?` within a name, case-sensitive as file systems are; `**` for any number of folders). This is file I/O
 * at the edge, used by the CLI and the language server; nothing runs on import. Each pattern reports the files
 * it matched, so that a pattern matching none can be shown on its range in the rules file.
 */
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Located } from './model';

export interface DataPatternMatch {
  pattern: Located<string>;
  /** Absolute paths, sorted. */
  files: string[];
}

const HAS_GLOB = /[*?]/;

function segmentMatcher(segment: string): (name: string) => boolean {
  if (!HAS_GLOB.test(segment)) return (name) => name === segment;
  let re = '^';
  for (const c of segment) re += c === '*' ? '[^/\\\\]*' : c === '?' ? '[^/\\\\]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  const regex = new RegExp(re + '$');
  return (name) => regex.test(name);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isFile();
  } catch {
    return false;
  }
}

async function entries(dir: string): Promise<{ name: string; dir: boolean }[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).map((e) => ({ name: e.name, dir: e.isDirectory() }));
  } catch {
    return [];
  }
}

/** Expands one pattern from a base folder. At most `limit` files (a runaway `**` stops there). */
export async function expandPattern(baseDir: string, pattern: string, limit = 10_000): Promise<string[]> {
  const absolute = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
  if (!HAS_GLOB.test(pattern)) return (await isFile(absolute)) ? [absolute] : [];
  const parts = absolute.split(/[\\/]/);
  // The fixed prefix (no glob) is where the walk starts.
  let fixed = 0;
  while (fixed < parts.length && !HAS_GLOB.test(parts[fixed]) && parts[fixed] !== '**') fixed++;
  const root = parts.slice(0, fixed).join(sep) || sep;
  const rest = parts.slice(fixed);
  const found = new Set<string>();
  const walk = async (dir: string, i: number): Promise<void> => {
    if (found.size >= limit) return;
    if (i === rest.length) return;
    const seg = rest[i];
    const last = i === rest.length - 1;
    if (seg === '**') {
      await walk(dir, i + 1);
      for (const e of await entries(dir)) if (e.dir && !e.name.startsWith('.')) await walk(join(dir, e.name), i);
      return;
    }
    const matches = segmentMatcher(seg);
    for (const e of await entries(dir)) {
      if (!matches(e.name)) continue;
      const path = join(dir, e.name);
      if (last) {
        if (!e.dir) found.add(path);
      } else if (e.dir || (await isDirectory(path))) await walk(path, i + 1);
    }
  };
  await walk(root, 0);
  return [...found].sort();
}

/** Expands every `data:` pattern of a rules file that lives at `rulesPath`. */
export async function resolveDataFiles(rulesPath: string, patterns: readonly Located<string>[]): Promise<DataPatternMatch[]> {
  const base = dirname(rulesPath);
  const out: DataPatternMatch[] = [];
  for (const p of patterns) out.push({ pattern: p, files: await expandPattern(base, p.value.trim()) });
  return out;
}

/** All files of all patterns, each once, in pattern order. */
export function uniqueFiles(matches: readonly DataPatternMatch[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of matches) for (const f of m.files) if (!seen.has(f)) (seen.add(f), out.push(f));
  return out;
}
