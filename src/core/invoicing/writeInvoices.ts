/**
 * Writes the files of an invoicing run into one folder, all or nothing: every file is first written and flushed in
 * a temporary folder next to the target, and only then does it take its place (a rename: the whole folder when the
 * target does not exist yet, else file by file). An error leaves nothing behind; an existing invoice file is never
 * replaced unless the caller says `overwrite`, and no output may take the path of a billing file or the rules file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface OutputFile {
  /** A plain file name inside the folder. */
  name: string;
  content: string;
}

export type WriteInvoicesResult =
  { written: true; dir: string; files: string[] } | { written: false; dir: string; message: string };

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

export async function writeInvoiceFiles(
  outDir: string,
  files: readonly OutputFile[],
  options: { overwrite?: boolean; inputs?: readonly string[] } = {},
): Promise<WriteInvoicesResult> {
  const dir = resolve(outDir);
  const inputs = new Set((options.inputs ?? []).map((p) => resolve(p)));
  for (const f of files) {
    if (f.name !== basename(f.name) || f.name.startsWith('.'))
      return { written: false, dir, message: `Invalid output file name '${f.name}'.` };
    const target = join(dir, f.name);
    if (inputs.has(target))
      return {
        written: false,
        dir,
        message: `${target} is an input of this run: invoices never overwrite an input. Choose another --out folder.`,
      };
  }
  if (inputs.has(dir))
    return { written: false, dir, message: `${dir} is an input of this run. Choose another --out folder.` };
  const dirExists = await exists(dir);
  if (dirExists) {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) return { written: false, dir, message: `${dir} exists and is not a folder.` };
    if (!options.overwrite) {
      const clash: string[] = [];
      for (const f of files) if (await exists(join(dir, f.name))) clash.push(f.name);
      if (clash.length > 0) {
        return {
          written: false,
          dir,
          message:
            `${dir} already holds ` +
            `${clash.slice(0, 3).join(', ')}${clash.length > 3 ? ` and ${clash.length - 3} more` : ''} (use ` +
            `--force to replace them).`,
        };
      }
    }
  }
  const parent = dirname(dir);
  const temp = join(parent, `.${basename(dir)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.mkdir(parent, { recursive: true });
    await fs.mkdir(temp);
    for (const f of files) {
      const handle = await fs.open(join(temp, f.name), 'wx');
      try {
        await handle.writeFile(f.content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    if (!dirExists) {
      await fs.rename(temp, dir);
    } else {
      for (const f of files) await fs.rename(join(temp, f.name), join(dir, f.name));
      await fs.rmdir(temp);
    }
    return { written: true, dir, files: files.map((f) => join(dir, f.name)) };
  } catch (e) {
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    return { written: false, dir, message: `Could not write the invoices into ${dir}: ${(e as Error).message}` };
  }
}
