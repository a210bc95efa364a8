/**
 * The price lists named by the `chargeback.priceList` setting: resolved against the workspace folder that holds
 * the document, loaded once and kept until the file on disk changes. Knows nothing of the LSP connection: what the
 * user should see goes through the hooks.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPriceList, type PriceList } from '../../core/billing/priceList';
import { fileSource } from '../../core/billing/source';

export interface PriceListHooks {
  /** A message the user should see (the list cannot be read or is not a price list). */
  warn(message: string): void;
  log(message: string): void;
}

export class PriceLists {
  /** Folders of the workspace on disk (from initialize); relative settings resolve against these. */
  workspaceFolders: string[] = [];
  /** False in an untrusted workspace (restricted mode): nothing outside the workspace folders is read. */
  trusted = true;
  private readonly loaded = new Map<string, { mtimeMs: number; list: Promise<PriceList | undefined> }>();

  constructor(private readonly hooks: PriceListHooks) {}

  /** Folders nothing may be read outside of: the workspace's when it is not trusted, else none (undefined). */
  confineTo(): readonly string[] | undefined {
    return this.trusted ? undefined : this.workspaceFolders;
  }

  /** Whether a path lies in one of the workspace folders (real paths: a link out of the workspace is outside). */
  private insideWorkspace(path: string): boolean {
    const real = (p: string): string => {
      try {
        return realpathSync(p);
      } catch {
        return resolve(p);
      }
    };
    const file = real(path);
    return this.workspaceFolders.some((f) => {
      const r = relative(real(f), file);
      return r === '' || (!r.startsWith('..') && !isAbsolute(r));
    });
  }

  /** The price list the setting names for this document, if any; reloads when the file changed. */
  async forDocument(uri: string, setting: string): Promise<PriceList | undefined> {
    if (!setting.trim()) return undefined;
    let path = setting.trim();
    if (!isAbsolute(path)) {
      const docPath = uri.startsWith('file:') ? fileURLToPath(uri) : '';
      const folder = this.workspaceFolders.find((f) => docPath.startsWith(f + '/')) ?? this.workspaceFolders[0];
      if (!folder) return undefined;
      path = join(folder, path);
    }
    if (!this.trusted && !this.insideWorkspace(path)) {
      this.hooks.warn(`Chargeback: the price list "${setting}" is outside this untrusted workspace and is not read.`);
      return undefined;
    }
    let mtimeMs: number;
    try {
      const st = statSync(path);
      // A FIFO or device would block the server or never end: only a regular file is a price list.
      if (!st.isFile()) throw new Error('not a regular file');
      mtimeMs = st.mtimeMs;
    } catch {
      this.hooks.warn(
        `Chargeback: the price list "${setting}" (${path}) cannot be read; tiered meters are re-rated as flat.`,
      );
      return undefined;
    }
    const cached = this.loaded.get(path);
    if (cached && cached.mtimeMs === mtimeMs) return cached.list;
    const list = loadPriceList(fileSource(path)).then(({ priceList, findings }) => {
      const fatal = findings.find((f) => f.code === 'missing-column' || f.code === 'unsupported-encoding');
      if (fatal) {
        this.hooks.warn(`Chargeback: ${fatal.message}`);
        return undefined;
      }
      this.hooks.log(`price list ${path}: ${priceList.size} meters`);
      return priceList;
    });
    this.loaded.set(path, { mtimeMs, list });
    return list;
  }
}
