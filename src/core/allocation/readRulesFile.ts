/**
 * Reads a rules file from disk without trusting it: only a regular file is read (a FIFO would block, a device such
 * as /dev/zero never ends), its size is checked before reading, and at most the limit plus one byte is read, so a
 * file that grows meanwhile or lies about its size (a sparse file, /proc) cannot make the read unbounded.
 */
import { constants, promises as fs } from 'node:fs';
import { MAX_RULES_FILE_BYTES } from './yamlLimits';

export type RulesFileRead = { ok: true; text: string } | { ok: false; message: string };

export async function readRulesFile(path: string, limit = MAX_RULES_FILE_BYTES): Promise<RulesFileRead> {
  const tooLarge = `${path}: a rules file has at most ${limit.toLocaleString('en-US')} bytes; this one has more, it was not read`;
  let handle: fs.FileHandle | undefined;
  try {
    const before = await fs.stat(path);
    if (!before.isFile())
      return { ok: false, message: `${path} is not a regular file; rules are read only from files` };
    if (before.size > limit) return { ok: false, message: tooLarge };
    // O_NONBLOCK: should the name have been swapped for a FIFO since the stat, opening it does not block.
    handle = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, message: `${path} is not a regular file; rules are read only from files` };
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) return { ok: false, message: tooLarge };
    const text = new TextDecoder('utf-8').decode(buffer.subarray(0, length));
    return { ok: true, text };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    return { ok: false, message: `cannot read rules file ${path}: ${why}` };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
