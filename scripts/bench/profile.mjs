#!/usr/bin/env node
// Where the time of a bench leg goes: runs `chargeback check` (or `allocate`, `reconcile`) on one shape's month under
// `node --cpu-prof` and prints the self time per source module and per function, for every thread that ran (the
// main thread and the reading workers each write a profile). The bundle's `// src/...` module markers (esbuild
// writes one before each module) map a profile's line numbers back to the source files.
//
//   node scripts/bench/profile.mjs --shape pec-missing-most-rows [--size 100k] [--job check|allocate|reconcile] [--top 25]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { defaultBenchDir, ensureDataset, parseShapes, parseSize } from './generate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'baseline' },
    size: { type: 'string', default: '100k' },
    job: { type: 'string', default: 'check' },
    top: { type: 'string', default: '25' },
    'data-dir': { type: 'string' },
  },
});
const [shape] = parseShapes(values.shape);
const dataset = await ensureDataset(shape, parseSize(values.size), {
  dir: values['data-dir'] ?? defaultBenchDir(),
  log: (t) => console.log(t),
});
const bundles = ['cli.js', 'worker.js', 'checkWorker.js'].map((f) => join(root, 'dist', f));

/** For a bundle: the source module of each line (from esbuild's `// src/...` markers). */
function moduleLines(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const owner = new Array(lines.length);
  let current = '(bundle prelude)';
  for (const [i, line] of lines.entries()) {
    // `// src/core/money.ts`, `// ../main/node_modules/decimal.js/decimal.mjs` (node_modules may be a link)
    const m = /^\/\/ ((?:\.\.\/)*(?:[\w.-]+\/)*?(?:src|node_modules)\/\S+)$/.exec(line);
    if (m) current = m[1].replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*/, 'node_modules/$1');
    owner[i] = current;
  }
  return owner;
}
const owners = new Map(bundles.map((b) => [b, moduleLines(b)]));

const B64 = Object.fromEntries(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]),
);
/** A bundle's source map as, per generated line, [generated column, source, original line] segments. */
function sourceMap(file) {
  let map;
  try {
    map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
  } catch {
    return undefined;
  }
  const lines = [];
  let source = 0;
  let line = 0;
  for (const text of map.mappings.split(';')) {
    const segments = [];
    let column = 0;
    for (const seg of text.split(',')) {
      if (!seg) continue;
      const v = [];
      for (let i = 0, value = 0, shift = 0; i < seg.length; i++) {
        const d = B64[seg[i]];
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          v.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += v[0];
      if (v.length >= 3) {
        source += v[1];
        line += v[2];
        segments.push([column, source, line]);
      }
    }
    lines.push(segments);
  }
  return { lines, sources: map.sources };
}
const maps = new Map(bundles.map((b) => [b, sourceMap(b)]));

/** "src/core/rating/fastDaily.ts:123" for a profile's call frame, when the source map knows it. */
function sourceLine(path, line, column) {
  const segments = maps.get(path)?.lines[line];
  if (!segments || segments.length === 0) return undefined;
  let best = segments[0];
  for (const s of segments) if (s[0] <= column) best = s;
  return `${maps.get(path).sources[best[1]].replace(/^(\.\.\/)+/, '')}:${best[2] + 1}`;
}

const dir = join(dataset.folder, 'profile');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const args =
  values.job === 'allocate'
    ? ['allocate', dataset.rulesPath, '--format', 'json']
    : values.job === 'reconcile'
      ? ['reconcile', dataset.csvPath, ...(dataset.reconPath ? [dataset.reconPath] : []), '--format', 'json']
      : ['check', dataset.csvPath, '--format', 'json'];
const t0 = performance.now();
const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, join(root, 'dist', 'cli.js'), ...args], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const wall = (performance.now() - t0) / 1000;
console.log(`${shape} ${values.size} ${values.job}: exit ${run.status}, ${wall.toFixed(2)} s wall under the profiler`);

const top = Number(values.top);
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++)
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const moduleOf = (f) => {
    const path = f.url.startsWith('file://') ? fileURLToPath(f.url) : f.url;
    return (
      owners.get(path)?.[f.lineNumber] ??
      (path ? path.replace(/^.*node_modules\//, 'node_modules/') : `(${f.functionName || 'vm'})`)
    );
  };
  // Where a function starts: its source file and line (from the source map), else its module.
  const frameWhere = (f, module) => {
    const path = f.url.startsWith('file://') ? fileURLToPath(f.url) : f.url;
    return (module.startsWith('src/') && sourceLine(path, f.lineNumber, f.columnNumber)) || module;
  };
  const perModule = new Map();
  const perFunction = new Map();
  const perProjectFunction = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    total += us;
    const module = moduleOf(f);
    perModule.set(module, (perModule.get(module) ?? 0) + us);
    const fn = `${f.functionName || '(anonymous)'}  ${frameWhere(f, module)}`;
    perFunction.set(fn, (perFunction.get(fn) ?? 0) + us);
    // The innermost frame in src/: whose work the library time (decimal.js, Buffer, ...) was done for.
    let at = id;
    while (at !== undefined && !moduleOf(byId.get(at).callFrame).startsWith('src/')) at = parent.get(at);
    const ownerFrame = at === undefined ? undefined : byId.get(at).callFrame;
    const owner = ownerFrame
      ? `${ownerFrame.functionName || '(anonymous)'}  ${frameWhere(ownerFrame, moduleOf(ownerFrame))}`
      : `(no src/ frame) ${fn}`;
    perProjectFunction.set(owner, (perProjectFunction.get(owner) ?? 0) + us);
  }
  const rows = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) => `  ${(us / 1e6).toFixed(2).padStart(7)} s ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join('\n');
  console.log(
    `\n${file} (${(total / 1e6).toFixed(2)} s sampled)\nself time per module:\n${rows(perModule)}\nself time per function:\n${rows(perFunction)}\n` +
      `time per innermost src/ function (library and GC time charged to the project code that called it):\n${rows(perProjectFunction)}`,
  );
}
