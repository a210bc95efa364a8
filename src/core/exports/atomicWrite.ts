/**
 * Writes an export to disk atomically: the content goes to a temporary file in the same folder (same file
 * system, so the final step is a rename, never a copy), is flushed, and only then takes the final name. A reader
 * never sees half a file, and a failed write leaves no debris. An existing file is never replaced unless the
 * caller says `overwrite: true`; without it the final step is a hard link, which fails if the name exists, so
 * even a file created in the meantime is not clobbered. File I/O lives here, at the edge of the core.
 *
 * Some destinations are refused whatever `overwrite` says: one of the export's own inputs (the billing files, the
 * rules file, a price list: compared by real path and by device and inode, so links and other spellings of the name
 * are caught), and anything that is not a regular file (a FIFO or device would be replaced by a regular file). The
 * temporary file is removed if the process is interrupted, and temporary files that a killed export left in the
 * folder (their process is gone) are removed by the next export there.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { trackTemp, untrackTemp } from '../tempFiles';

export interface AtomicWriteOptions {
  overwrite?: boolean;
  /** Files the export was made from: never replaced, even with `overwrite`. */
  inputs?: readonly string[];
}

export type AtomicWriteResult =
  | { written: true; path: string; bytes: number }
  | { written: false; path: string; reason: 'exists' | 'input' | 'not-regular' | 'io'; message: string };

/** The temporary name of an export: `.<name>.<pid>.<12 hex>.tmp`. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

export type WriteContent = string | Iterable<string> | AsyncIterable<string>;

export async function atomicWrite(
  path: string,
  content: WriteContent,
  options: AtomicWriteOptions = {},
): Promise<AtomicWriteResult> {
  const dir = dirname(path);
  const refusal = await refuse(path, options.inputs ?? []);
  if (refusal) return refusal;
  await removeStaleTemps(dir);
  if (!options.overwrite && (await exists(path))) {
    return {
      written: false,
      path,
      reason: 'exists',
      message: `${path} already exists; choose another name or allow overwriting.`,
    };
  }
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  let bytes = 0;
  trackTemp(temp);
  try {
    handle = await fs.open(temp, 'wx');
    const chunks: Iterable<string> | AsyncIterable<string> = typeof content === 'string' ? [content] : content;
    for await (const chunk of chunks) {
      const buf = Buffer.from(chunk, 'utf8');
      await handle.write(buf);
      bytes += buf.length;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (options.overwrite) {
      // Checked again just before the rename: the name may have become a FIFO or an input's link meanwhile.
      const late = await refuse(path, options.inputs ?? []);
      if (late) {
        await fs.rm(temp, { force: true });
        return late;
      }
      await fs.rename(temp, path);
    } else {
      try {
        await fs.link(temp, path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          await fs.rm(temp, { force: true });
          return {
            written: false,
            path,
            reason: 'exists',
            message: `${path} already exists; choose another name or allow overwriting.`,
          };
        }
        // File systems without hard links: check once more, then rename (a tiny race remains there).
        if (await exists(path)) {
          await fs.rm(temp, { force: true });
          return {
            written: false,
            path,
            reason: 'exists',
            message: `${path} already exists; choose another name or allow overwriting.`,
          };
        }
        await fs.rename(temp, path);
        return { written: true, path, bytes };
      }
      await fs.rm(temp, { force: true });
    }
    return { written: true, path, bytes };
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    return { written: false, path, reason: 'io', message: `Could not write ${path}: ${(e as Error).message}` };
  } finally {
    untrackTemp(temp);
  }
}

/** Why the destination may not be written at all, whatever `overwrite` says; undefined when it may. */
async function refuse(path: string, inputs: readonly string[]): Promise<AtomicWriteResult | undefined> {
  let st: Stats;
  try {
    st = await fs.stat(path);
  } catch {
    // Nothing there (or a dangling link, which the rename replaces): nothing to protect.
    return undefined;
  }
  if (!st.isFile()) {
    const what = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe (FIFO)' : 'a device or socket';
    return {
      written: false,
      path,
      reason: 'not-regular',
      message: `${path} is ${what}, not a regular file; an export never replaces it.`,
    };
  }
  const real = await fs.realpath(path).catch(() => resolve(path));
  for (const input of inputs) {
    const other = await fs.stat(input).catch(() => undefined);
    const same = other ? other.dev === st.dev && other.ino === st.ino : false;
    if (same || (await fs.realpath(input).catch(() => resolve(input))) === real) {
      return {
        written: false,
        path,
        reason: 'input',
        message: `${path} is ${input === path ? 'one' : `${input}, one`} of this export's inputs; an export never replaces its inputs (choose another file name).`,
      };
    }
  }
  return undefined;
}

/** Removes `.name.pid.hex.tmp` files whose process is gone: what an export killed before its cleanup left. */
async function removeStaleTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    const path = join(dir, name);
    // Only regular files: a folder or link of the same shape is not ours.
    const st = await fs.lstat(path).catch(() => undefined);
    if (st?.isFile()) await fs.rm(path, { force: true }).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}
