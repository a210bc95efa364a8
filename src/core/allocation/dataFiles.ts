/**
 * Finds the billing files that `data:` names: paths relative to the rules file, with globs in any segment
 * (`*` and `?` within a name, case-sensitive as file systems are; `**` for any number of folders). This is file I/O
 * at the edge, used by the CLI and the language server; nothing runs on import. Each pattern reports the files
 * it matched, so that a pattern matching none can be shown on its range in the rules file.
 *
 * A rules file is input too, so its reach is bounded: entries outside its folder are refused unless the file says
 * `allowOutside: true` (and, in an untrusted editor workspace, whatever lies outside the workspace is refused
 * regardless). Only regular files are data: a FIFO or device would block or never end, so one named directly is an
 * error and one met under a glob is skipped with a warning, as are dangling links and unreadable entries. Segments
 * match in linear time (no regular expressions), and the walk remembers each (device, inode) it entered at each
 * pattern position, so symbolic link loops end.
 */
import { promises as fs, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Located } from './model';

export interface DataPatternMatch {
  pattern: Located<string>;
  /** Absolute paths, sorted. */
  files: string[];
  /** Entries the pattern met but did not use (not regular files, dangling links, unreadable folders). */
  skipped?: string[];
  /** Why the pattern was refused as a whole (outside the allowed folders, a named FIFO...); then `files` is empty. */
  refused?: { code: 'data-outside-folder' | 'data-not-regular-file'; message: string };
  /** Every file it matched was matched by an earlier pattern too (under the same or another name). */
  alsoMatchedEarlier?: boolean;
}

export interface DataReach {
  /** `allowOutside: true` in the rules file: entries may name files outside its folder. */
  allowOutside?: boolean;
  /**
   * Folders nothing may be read outside of, whatever the rules file says (an untrusted editor workspace's folders).
   * Checked on real paths, so a link out of the workspace is refused too.
   */
  confineTo?: readonly string[];
}

/** Files one pattern may yield at most (a runaway `**` stops there). */
export const MAX_FILES_PER_PATTERN = 10_000;
/** Skipped entries reported per pattern; beyond that only their count. */
const MAX_SKIPPED_REPORTED = 20;

const HAS_GLOB = /[*?]/;

/**
 * Whether a file name matches one glob segment (`*` any run of characters, `?` one). The classic two-pointer
 * algorithm with one backtrack point (the last star): O(pattern x name) at worst, never exponential.
 */
export function segmentMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let starName = 0;
  while (n < name.length) {
    const c = pattern[p];
    if (p < pattern.length && (c === '?' || (c !== '*' && c === name[n]))) {
      p++;
      n++;
    } else if (p < pattern.length && c === '*') {
      star = p++;
      starName = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++starName;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function inside(folder: string, path: string): boolean {
  const r = relative(folder, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

function describeKind(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'a dangling link';
  if (code === 'ELOOP') return 'a link loop';
  return (e as Error).message;
}

class Walk {
  readonly found = new Set<string>();
  readonly skipped: string[] = [];
  skippedCount = 0;
  private readonly visited = new Set<string>();

  constructor(
    private readonly rest: string[],
    private readonly limit: number,
  ) {}

  skip(path: string, why: string): void {
    this.skippedCount++;
    if (this.skipped.length < MAX_SKIPPED_REPORTED) this.skipped.push(`${path}: ${why}, skipped`);
  }

  /** Enters a folder at pattern position i once per (device, inode): a link loop ends the second time round. */
  private async enter(dir: string, i: number): Promise<{ name: string; path: string }[] | undefined> {
    let st: Stats;
    try {
      st = await fs.stat(dir);
    } catch (e) {
      // A folder that does not exist (yet) is "matches no file", reported on the pattern, not a skipped entry.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || i > 0) this.skip(dir, reason(e));
      return undefined;
    }
    const key = `${st.dev}:${st.ino}:${i}`;
    if (this.visited.has(key)) return undefined;
    this.visited.add(key);
    try {
      return (await fs.readdir(dir)).map((name) => ({ name, path: join(dir, name) }));
    } catch (e) {
      this.skip(dir, reason(e));
      return undefined;
    }
  }

  async file(path: string): Promise<void> {
    try {
      const st = await fs.stat(path);
      if (st.isFile()) this.found.add(path);
      else if (!st.isDirectory()) this.skip(path, describeKind(st));
    } catch (e) {
      this.skip(path, reason(e));
    }
  }

  async run(dir: string, i: number): Promise<void> {
    if (this.found.size >= this.limit || i === this.rest.length) return;
    const seg = this.rest[i];
    const last = i === this.rest.length - 1;
    const list = await this.enter(dir, i);
    if (!list) return;
    if (seg === '**') {
      await this.run(dir, i + 1);
      for (const e of list) {
        if (e.name.startsWith('.')) continue;
        if (await isDirectory(e.path)) await this.run(e.path, i);
      }
      return;
    }
    const glob = HAS_GLOB.test(seg);
    for (const e of list) {
      if (this.found.size >= this.limit) return;
      if (glob ? !segmentMatches(seg, e.name) : e.name !== seg) continue;
      if (last) await this.file(e.path);
      else if (await isDirectory(e.path)) await this.run(e.path, i + 1);
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Expands one pattern from a base folder: the files it matched and what it skipped on the way. */
type Expanded = { files: string[]; skipped: string[]; refused?: DataPatternMatch['refused'] };

export async function expandPatternDetailed(
  baseDir: string,
  pattern: string,
  limit = MAX_FILES_PER_PATTERN,
): Promise<Expanded> {
  const absolute = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
  if (!HAS_GLOB.test(pattern)) {
    let st: Stats;
    try {
      st = await fs.stat(absolute);
    } catch {
      return { files: [], skipped: [] };
    }
    if (st.isFile()) return { files: [absolute], skipped: [] };
    if (st.isDirectory()) return { files: [], skipped: [] };
    const message = `'${pattern}' is ${describeKind(st)}, not a regular file: it is not read.`;
    return { files: [], skipped: [], refused: { code: 'data-not-regular-file', message } };
  }
  const parts = absolute.split(/[\\/]/);
  // The fixed prefix (no glob) is where the walk starts.
  let fixed = 0;
  while (fixed < parts.length && !HAS_GLOB.test(parts[fixed]) && parts[fixed] !== '**') fixed++;
  const root = parts.slice(0, fixed).join(sep) || sep;
  const walk = new Walk(parts.slice(fixed), limit);
  await walk.run(root, 0);
  const skipped = [...walk.skipped];
  if (walk.skippedCount > walk.skipped.length)
    skipped.push(`${walk.skippedCount - walk.skipped.length} more entries skipped`);
  return { files: [...walk.found].sort(), skipped };
}

/** Expands one pattern from a base folder. At most `limit` files. */
export async function expandPattern(
  baseDir: string,
  pattern: string,
  limit = MAX_FILES_PER_PATTERN,
): Promise<string[]> {
  return (await expandPatternDetailed(baseDir, pattern, limit)).files;
}

/** Whether a pattern can reach outside a folder: it starts outside, or climbs out with `..` after a glob. */
function reachesOutside(baseDir: string, pattern: string): boolean {
  const absolute = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
  const parts = (isAbsolute(pattern) ? pattern : join(baseDir, pattern)).split(/[\\/]/);
  const firstGlob = parts.findIndex((p) => HAS_GLOB.test(p) || p === '**');
  if (firstGlob >= 0 && parts.slice(firstGlob).includes('..')) return true;
  const fixed = firstGlob >= 0 ? resolve(parts.slice(0, firstGlob).join(sep) || sep) : absolute;
  return !inside(resolve(baseDir), fixed);
}

async function realOrSelf(path: string): Promise<string> {
  try {
    return await fs.realpath(path);
  } catch {
    return resolve(path);
  }
}

/** Expands every `data:` pattern of a rules file that lives at `rulesPath`. */
export async function resolveDataFiles(
  rulesPath: string,
  patterns: readonly Located<string>[],
  reach: DataReach = {},
): Promise<DataPatternMatch[]> {
  const base = dirname(rulesPath);
  const confine = reach.confineTo ? await Promise.all(reach.confineTo.map(realOrSelf)) : undefined;
  const out: DataPatternMatch[] = [];
  // One file reached by two names (a link, `./x.csv` and `./*.csv`) is read once: its lines would count twice.
  const identities = new Set<string>();
  const firstName = async (files: string[]): Promise<string[]> => {
    const kept: string[] = [];
    for (const f of files) {
      const st = await fs.stat(f).catch(() => undefined);
      const id = st ? `${st.dev}:${st.ino}` : f;
      if (!identities.has(id)) (identities.add(id), kept.push(f));
    }
    return kept;
  };
  for (const p of patterns) {
    const value = p.value.trim();
    if (confine && confine.length === 0) {
      const message = `'${value}' is not read: this workspace is not trusted and has no folder data may come from.`;
      out.push({ pattern: p, files: [], skipped: [], refused: { code: 'data-outside-folder', message } });
      continue;
    }
    if (!reach.allowOutside && reachesOutside(base, value)) {
      const message = `'${value}' reaches outside the folder of this rules file; add \`allowOutside: true\` to read files there.`;
      out.push({ pattern: p, files: [], skipped: [], refused: { code: 'data-outside-folder', message } });
      continue;
    }
    const expanded = await expandPatternDetailed(base, value);
    if (confine) {
      const kept: string[] = [];
      for (const f of expanded.files) {
        const real = await realOrSelf(f);
        if (confine.some((folder) => inside(folder, real))) kept.push(f);
        else expanded.skipped.push(`${f}: outside the workspace, which is not trusted, skipped`);
      }
      if (kept.length === 0 && expanded.files.length > 0 && !expanded.refused) {
        const message = `'${value}' names files outside the workspace; an untrusted workspace reads only its own folders.`;
        out.push({ pattern: p, files: [], skipped: [], refused: { code: 'data-outside-folder', message } });
        continue;
      }
      expanded.files = kept;
    }
    const matched = expanded.files.length;
    expanded.files = await firstName(expanded.files);
    // A pattern whose files all came earlier still matched them: it is not "matches no file".
    out.push({
      pattern: p,
      ...expanded,
      ...(matched > 0 && expanded.files.length === 0 ? { alsoMatchedEarlier: true } : {}),
    });
  }
  return out;
}

/** All files of all patterns, each once, in pattern order. */
export function uniqueFiles(matches: readonly DataPatternMatch[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of matches) for (const f of m.files) if (!seen.has(f)) (seen.add(f), out.push(f));
  return out;
}
