// DuckDB is the bench's yardstick, not a dependency of the product: it is installed on first use into the
// per-machine cache (like code-server), so that `npm ci` never has to satisfy DuckDB's platform packages, of which
// the registry reachable here lacks some (a lockfile naming them made `npm ci` refuse on fresh machines).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const DUCKDB_VERSION = '1.5.6-r.1';

function cacheDir() {
  const base = process.env.FINOPS_CACHE_DIR || join(homedir(), '.cache', 'finops-chargeback');
  return join(base, `duckdb-${DUCKDB_VERSION}`);
}

/** Installs @duckdb/node-api into the cache if it is not there yet; returns an importable URL of its entry. */
export function ensureDuckDB({ quiet = false } = {}) {
  const dir = cacheDir();
  const marker = join(dir, '.installed');
  if (!existsSync(marker)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'finops-bench-duckdb', private: true }) + '\n');
    if (!quiet) console.error(`[bench] installing @duckdb/node-api@${DUCKDB_VERSION} into ${dir} (first use only)`);
    const r = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--no-package-lock', `@duckdb/node-api@${DUCKDB_VERSION}`],
      {
        cwd: dir,
        stdio: quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'],
      },
    );
    if (r.status !== 0)
      throw new Error(
        `npm install @duckdb/node-api@${DUCKDB_VERSION} failed (exit ${r.status}); run the bench with --skip-duckdb`,
      );
    writeFileSync(marker, new Date().toISOString() + '\n');
  }
  const require = createRequire(join(dir, 'package.json'));
  return pathToFileURL(require.resolve('@duckdb/node-api')).href;
}
