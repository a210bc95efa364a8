// Builds everything the extension, the language server and the CLI need:
//   src/core/fast/scannerLayout.ts, scannerWasm.ts   the WebAssembly scanner and its memory layout, generated
//          from scannerLayout.json and scanner.wat with wabt (scripts/build-wasm.mjs), when they are out of date
//   out/   tsc output of src/, test/ and scripts/ (type-checked; unit and integration tests run from here)
//   dist/  esbuild bundles that ship: extension.js (VS Code client), server.js (language server), cli.js (chargeback),
//          worker.js and checkWorker.js (worker threads of the fast readers), webview/ (the rules editor's browser code and style sheet)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGenerated } from './build-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');

for (const path of await writeGenerated()) console.log(`wrote ${path}`);
rmSync(join(root, 'out'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
// The webview's code runs in a browser: type-checked on its own, with the DOM library.
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'webview')], {
  stdio: 'inherit',
});

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};
await Promise.all([
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js' }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // Worker threads of the fast readers (the CLI and the language server start them from dist/).
  build({ ...common, entryPoints: ['src/core/allocation/worker.ts'], outfile: 'dist/worker.js' }),
  build({ ...common, entryPoints: ['src/core/rating/checkWorker.ts'], outfile: 'dist/checkWorker.js' }),
  // The rules editor's webview: one script for the browser (lit and the elements bundled in) and its style sheet.
  build({
    ...common,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    entryPoints: ['webview/rulesEditor.ts'],
    outfile: 'dist/webview/rulesEditor.js',
    sourcemap: false,
  }),
  build({
    ...common,
    platform: 'browser',
    entryPoints: ['webview/rulesEditor.css'],
    outfile: 'dist/webview/rulesEditor.css',
    sourcemap: false,
  }),
]);
chmodSync(join(root, 'dist/cli.js'), 0o755);
