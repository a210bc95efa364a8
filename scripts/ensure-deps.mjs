// Lets `npm test` and `npm run demo` work right after a clone: installs the npm packages when node_modules is
// missing (npm ci, from the lockfile). A lockfile newer than the install only gets a hint, because reinstalling
// behind a developer's back would throw away what they have in node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function ensureDependencies(root) {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(installed)) {
    console.log('node_modules is missing: npm ci');
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm ci failed (${r.error?.message ?? r.signal ?? `exit ${r.status}`})`);
  } else if (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs + 1000) {
    console.log(
      'note: package-lock.json changed since the last npm install; run `npm ci` if the build misses a package',
    );
  }
}
