/**
 * Writes an export to disk atomically: the content goes to a temporary file in the same folder (same file
 * system, so the final step is a rename, never a copy), is flushed, and only then takes the final name. A reader
 * never sees half a file, and a failed write leaves no debris. An existing file is never replaced unless the
 * caller says `overwrite: true`; without it the final step is a hard link, which fails if the name exists, so
 * even a file created in the meantime is not clobbered. File I/O lives here, at the edge of the core.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  overwrite?: boolean;
}

export type AtomicWriteResult =
  | { written: true; path: string; bytes: number }
  | { written: false; path: string; reason: 'exists' | 'io'; message: string };

export type WriteContent = string | Iterable<string> | AsyncIterable<string>;

export async function atomicWrite(path: string, content: WriteContent, options: AtomicWriteOptions = {}): Promise<AtomicWriteResult> {
  const dir = dirname(path);
  if (!options.overwrite && (await exists(path))) {
    return { written: false, path, reason: 'exists', message: `${path} already exists; choose another name or allow overwriting.` };
  }
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  let bytes = 0;
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
    if (options.overwrite) await fs.rename(temp, path);
    else {
      try {
        await fs.link(temp, path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          await fs.rm(temp, { force: true });
          return { written: false, path, reason: 'exists', message: `${path} already exists; choose another name or allow overwriting.` };
        }
        // File systems without hard links: check once more, then rename (a tiny race remains there).
        if (await exists(path)) {
          await fs.rm(temp, { force: true });
          return { written: false, path, reason: 'exists', message: `${path} already exists; choose another name or allow overwriting.` };
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
