#!/usr/bin/env node
// `npm run bench`: the performance benchmark of issue 4. Not a test: it measures, compares and reports.
//
//   npm run bench -- [--sizes 100k,1m] [--runs N] [--skip-duckdb] [--threads 2] [--data-dir DIR]
//
// For each size it makes sure the synthetic daily-usage file exists (generate.mjs, reused across runs), then runs
// side by side, each in its own child process: `chargeback check FILE --format json`, `chargeback allocate RULES`
// (when the CLI has that command), and DuckDB (duckdb.mjs) doing the same work in two configurations. For each leg:
// wall time (spawn to exit, median of --runs), rows/s, MB/s (10^6 bytes of CSV per second), peak RSS of the child
// (GNU time's maximum resident set size, else the kernel's VmHWM polled from /proc) and the ratio of its time to
// DuckDB's best configuration for the same job in the same run. It checks that every engine found exactly the
// planted wrong prices (and warns loudly when not), prints a table and writes bench-results/latest.json and
// docs/benchmarks/latest.json (the copy that is committed, with the machine's facts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION, defaultBenchDir, ensureDataset, parseSize, sizeLabel } from './generate.mjs';
import { ensureDuckDB } from './ensure-duckdb.mjs';

const BENCH_VERSION = 1;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli.js');
const duckdbScript = join(root, 'scripts', 'bench', 'duckdb.mjs');

const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100k,1m' },
    runs: { type: 'string', default: '1' },
    'skip-duckdb': { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log('usage: npm run bench -- [--sizes 100k,1m] [--runs N] [--skip-duckdb] [--threads 2] [--data-dir DIR]');
  process.exit(0);
}
const sizes = opts.sizes.split(',').map(parseSize);
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
const dataDir = opts['data-dir'] ?? defaultBenchDir();
const log = (t) => console.log(`[bench] ${t}`);
// Installed before any leg runs, so that a first-use install is never timed.
if (!opts['skip-duckdb']) ensureDuckDB();

// ---------------------------------------------------------------------------------------------------------------
// The CLI bundle: rebuilt from src/ when older than any source file. Only dist/cli.js is built (as scripts/build.mjs
// bundles it): the full build would wipe out/ under whoever is running tests, and type checking is not the bench's job.

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const editorLeg = join(root, 'bench-results', 'editor-leg.js');
const rulesEditorLeg = join(root, 'bench-results', 'rules-editor-leg.js');
const workerBundle = join(root, 'dist', 'worker.js');

async function ensureCli() {
  const newestSource = Math.max(newestMtime(join(root, 'src')), statSync(join(root, 'scripts', 'bench', 'editorLeg.ts')).mtimeMs,
    statSync(join(root, 'scripts', 'bench', 'rulesEditorLeg.ts')).mtimeMs);
  const fresh = [cli, workerBundle, editorLeg, rulesEditorLeg].every((f) => existsSync(f) && statSync(f).mtimeMs >= newestSource);
  if (fresh) return 'up to date';
  log('building dist/cli.js, dist/worker.js and the editor leg (sources changed)...');
  try {
    const { build } = await import('esbuild');
    const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning', absWorkingDir: root };
    await Promise.all([
      build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
      // The worker threads of the fast readers: without it the CLI reads on one core.
      build({ ...common, entryPoints: ['src/core/allocation/worker.ts'], outfile: 'dist/worker.js' }),
      build({ ...common, entryPoints: ['scripts/bench/editorLeg.ts'], outfile: editorLeg }),
      build({ ...common, entryPoints: ['scripts/bench/rulesEditorLeg.ts'], outfile: rulesEditorLeg }),
    ]);
    return 'rebuilt';
  } catch (e) {
    if (!existsSync(cli) || !existsSync(editorLeg)) throw e;
    log(`WARNING: could not rebuild the bundles (${e.message.split('\n')[0]}); measuring the existing, older ones`);
    return 'stale (rebuild failed)';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring a child process.

const GNU_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0 ? '/usr/bin/time' : null;

function readHwmKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs a command, stdout to a file; returns wall time, peak RSS (KiB), exit code and stderr. */
function measure(command, args, stdoutFile) {
  return new Promise((resolve, reject) => {
    const timeFile = `${stdoutFile}.time`;
    const [cmd, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args]] : [command, args];
    const load = loadavg()[0];
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let hwm = 0;
    const poll = GNU_TIME ? null : setInterval(() => (hwm = Math.max(hwm, readHwmKb(child.pid))), 20);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (poll) clearInterval(poll);
      writeFileSync(stdoutFile, Buffer.concat(out));
      let peakRssKb = hwm;
      let cpuSeconds;
      if (GNU_TIME) {
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        const [rss, user, sys] = lines[lines.length - 1].split(' ').map(Number);
        peakRssKb = rss;
        cpuSeconds = user + sys;
        rmSync(timeFile, { force: true });
      }
      resolve({ wallMs, peakRssKb, cpuSeconds, exitCode: code, stderr: Buffer.concat(err).toString(), loadAtStart: load });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---------------------------------------------------------------------------------------------------------------
// What each leg's output says.

const isoDate = (us) => {
  const [m, d, y] = us.split('/').map(Number);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};
const keyOf = (k) => [k.entitlementId, k.resourceUri, k.meterId, k.usageDate].join('|').toLowerCase();

function readCheckOutput(file, dataset) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const f = doc.files[0];
  const lines = f.findings.filter((x) => x.code === 'eup-mismatch').map((x) => x.line).sort((a, b) => a - b);
  const planted = dataset.planted.map((p) => p.line).sort((a, b) => a - b);
  return {
    rows: f.rows, findings: f.summary.findings, byCode: f.summary.byCode, billedTotal: f.summary.billedTotal,
    foundPlanted: lines.length === planted.length && lines.every((l, i) => l === planted[i]),
  };
}

function readDuckdbCheck(file, dataset) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const planted = new Set(dataset.planted.map((p) => keyOf({ ...p.key, usageDate: isoDate(p.key.usageDate) })));
  const found = new Set(r.mismatched.map(keyOf));
  return {
    rows: r.rows, findings: r.eupMismatches + r.billingTotalMismatches + r.pricingTotalMismatches, eupMismatches: r.eupMismatches,
    billingTotalMismatches: r.billingTotalMismatches, pricingTotalMismatches: r.pricingTotalMismatches, billedTotal: r.billedTotal,
    foundPlanted: found.size === planted.size && [...found].every((k) => planted.has(k)),
    duckdbVersion: r.duckdbVersion, queryMs: r.queryMs,
  };
}

/** Target totals from `chargeback allocate` output, whatever its exact shape: JSON with targets, else text lines. */
function readAllocateOutput(file) {
  const text = readFileSync(file, 'utf8');
  const targets = {};
  try {
    const doc = JSON.parse(text);
    const list = doc.targets ?? doc.result?.targets ?? doc.allocation?.targets;
    const entries = Array.isArray(list) ? list.map((t) => [t.id ?? t.target ?? t.name, t]) : Object.entries(list ?? {});
    for (const [id, t] of entries) {
      const amount = typeof t === 'object' ? (t.amount ?? t.total ?? t.rounded) : t;
      if (id && amount !== undefined) targets[String(id).toLowerCase()] = String(amount);
    }
  } catch {
    // "web          EUR 863977.51  Web shop": a target's line of the text report.
    for (const m of text.matchAll(/^(web|data|platform)\s+[A-Z]{3}\s+(-?\d[\d,]*\.\d\d)\b/gm)) targets[m[1]] = m[2].replace(/,/g, '');
  }
  return { targets: Object.keys(targets).length > 0 ? targets : undefined, outputBytes: text.length };
}

function readReconcileOutput(file) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  return { months: doc.months.length, groups: doc.months.map((m) => `${m.invoiceNumber || 'draft'} ${m.status}`).join(', ') };
}

function reconcileAvailable() {
  const r = spawnSync(process.execPath, [cli, 'reconcile'], { cwd: root, encoding: 'utf8' });
  return !/unknown command/i.test(`${r.stdout}\n${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function probeAllocate() {
  const r = spawnSync(process.execPath, [cli, 'allocate', '--help'], { cwd: root, encoding: 'utf8' });
  const said = `${r.stdout}\n${r.stderr}`;
  if (/unknown command/i.test(said)) return { available: false, note: 'not available: `chargeback allocate` answers "unknown command" (allocation engine not wired to the CLI yet)' };
  return { available: true };
}

/**
 * Runs every leg `runs` times, interleaved (run 1 of each leg, then run 2 of each...), so that a drift in the
 * machine's speed during the bench touches every engine alike; a leg that fails is not run again.
 */
async function runLegs(legs, dataset, scratch) {
  const results = legs.map(() => []);
  const failed = legs.map(() => undefined);
  for (let i = 0; i < runs; i++) {
    for (const [k, leg] of legs.entries()) {
      if (failed[k]) continue;
      const outFile = join(scratch, `${leg.id}.out`);
      const m = await measure(leg.command, leg.args, outFile);
      if (!leg.okExit.includes(m.exitCode)) {
        log(`WARNING: ${leg.name} exited with ${m.exitCode}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        failed[k] = { ...leg, available: true, failed: true, exitCode: m.exitCode, stderr: m.stderr.slice(-2000) };
        continue;
      }
      results[k].push({ ...m, result: leg.read(outFile, dataset) });
      log(`${leg.name}: ${(m.wallMs / 1000).toFixed(2)} s${m.cpuSeconds === undefined ? '' : ` (${m.cpuSeconds.toFixed(1)} s CPU)`}, peak RSS ${(m.peakRssKb / 1024).toFixed(0)} MiB, load ${m.loadAtStart.toFixed(1)} at start${runs > 1 ? ` (run ${i + 1}/${runs})` : ''}`);
    }
  }
  return legs.map((leg, k) => failed[k] ?? summarize(leg, results[k], dataset));
}

function summarize(leg, results, dataset) {
  const wall = median(results.map((r) => r.wallMs)) / 1000;
  return {
    id: leg.id, name: leg.name, job: leg.job, engine: leg.engine, config: leg.config, available: true,
    wallSeconds: results.map((r) => +(r.wallMs / 1000).toFixed(3)),
    medianWallSeconds: +wall.toFixed(3),
    rowsPerSecond: Math.round(dataset.rows / wall),
    mbPerSecond: +(dataset.bytes / 1e6 / wall).toFixed(1),
    peakRssMiB: +(Math.max(...results.map((r) => r.peakRssKb)) / 1024).toFixed(1),
    cpuSeconds: results[0].cpuSeconds === undefined ? undefined : +median(results.map((r) => r.cpuSeconds)).toFixed(2),
    loadAtStart: results.map((r) => +r.loadAtStart.toFixed(2)),
    result: results[results.length - 1].result,
  };
}

function legsFor(dataset, allocate) {
  const node = process.execPath;
  const legs = [
    { id: 'check', name: 'chargeback check', job: 'check', engine: 'chargeback', command: node, args: [cli, 'check', dataset.csvPath, '--format', 'json'], okExit: [0, 1], read: readCheckOutput },
  ];
  // The editor holds a document as one string (V8 strings stop at 512 MiB, and VS Code hands extensions no
  // document over 50 MB): the editor leg runs on the 100k file, bigger files are checked from disk (`check`).
  if (dataset.rows <= 100_000) legs.push({
    id: 'editor', name: 'editor: open file to diagnostics', job: 'editor', engine: 'chargeback', command: node, args: [editorLeg, dataset.csvPath], okExit: [0],
    read: (f) => JSON.parse(readFileSync(f, 'utf8')),
  });
  // The visual rules editor: an edit to the new preview, with the month's lines kept in the language server.
  if (dataset.rows <= 100_000) legs.push({
    id: 'rules-editor', name: 'rules editor: edit to preview', job: 'rules-editor', engine: 'chargeback', command: node, args: [rulesEditorLeg, dataset.rulesPath], okExit: [0],
    read: (f) => JSON.parse(readFileSync(f, 'utf8')),
  });
  // Month close reads the daily file once (issue 14: within 1.2x of `check` on the same file). The bench month has no
  // reconciliation file: the leg measures the one pass over the daily rows, which is where the time goes.
  if (reconcileAvailable()) {
    legs.push({ id: 'reconcile', name: 'chargeback reconcile', job: 'reconcile', engine: 'chargeback', command: node, args: [cli, 'reconcile', dataset.csvPath, '--format', 'json'], okExit: [0, 1], read: readReconcileOutput });
  }
  if (allocate.available) {
    legs.push({ id: 'allocate', name: 'chargeback allocate', job: 'allocate', engine: 'chargeback', command: node, args: [cli, 'allocate', dataset.rulesPath, ...(allocate.jsonFlag ? ['--format', 'json'] : [])], okExit: [0, 1], read: readAllocateOutput });
  }
  if (!opts['skip-duckdb']) {
    for (const job of allocate.available ? ['check', 'allocate'] : ['check']) {
      for (const config of ['auto', 'text']) {
        legs.push({
          id: `duckdb-${job}-${config}`, name: `duckdb ${job} (${config === 'auto' ? 'types detected' : 'all text, cast'})`, job, engine: 'duckdb', config,
          command: node, args: [duckdbScript, '--file', dataset.csvPath, '--job', job, '--config', config, '--threads', opts.threads], okExit: [0],
          read: job === 'check' ? readDuckdbCheck : (f) => JSON.parse(readFileSync(f, 'utf8')),
        });
      }
    }
  }
  return legs;
}

/** Every engine must find the planted rows and nothing else; allocations must agree to the cent. */
function agreement(dataset, legs) {
  const problems = [];
  const planted = dataset.planted.length;
  for (const leg of legs.filter((l) => l.result && l.job === 'check')) {
    const r = leg.result;
    const eup = leg.engine === 'duckdb' ? r.eupMismatches : r.byCode?.['eup-mismatch'] ?? 0;
    if (eup !== planted || !r.foundPlanted) problems.push(`${leg.name} found ${eup} wrong prices, ${r.foundPlanted ? 'the' : 'not the'} planted rows; ${planted} were planted`);
    if (r.findings !== planted) problems.push(`${leg.name} reported ${r.findings} findings in all, ${planted} expected (only the planted prices are wrong)`);
    if (r.rows !== dataset.rows) problems.push(`${leg.name} read ${r.rows} rows, the file has ${dataset.rows}`);
    if (r.billedTotal !== undefined && r.billedTotal !== dataset.billedTotal) problems.push(`${leg.name}: billed total ${r.billedTotal}, generator wrote ${dataset.billedTotal}`);
  }
  const allocs = legs.filter((l) => l.result && l.job === 'allocate' && l.result.targets);
  const reference = allocs.find((l) => l.engine === 'duckdb');
  for (const leg of allocs) {
    if (!reference || leg === reference) continue;
    for (const t of ['web', 'data', 'platform']) {
      if (leg.result.targets[t] !== reference.result.targets[t]) problems.push(`${leg.name} gives ${t} ${leg.result.targets[t]}, ${reference.name} ${reference.result.targets[t]}`);
    }
  }
  const chargebackAlloc = legs.find((l) => l.id === 'allocate' && l.result);
  if (chargebackAlloc && !chargebackAlloc.result.targets) problems.push('could not read target totals from `chargeback allocate` output: allocation not compared');
  return { planted, agree: problems.length === 0, problems };
}

function machine(duckdbVersion) {
  const git = (...a) => spawnSync('git', a, { cwd: root, encoding: 'utf8' }).stdout.trim();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    os: `${process.platform} ${release()}`,
    node: process.version,
    duckdb: duckdbVersion,
    peakRssFrom: GNU_TIME ? 'GNU time %M (maximum resident set size of the child)' : '/proc/<pid>/status VmHWM, polled every 20 ms',
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedSourceChanges: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length,
  };
}

function table(report) {
  const rows = [['size', 'leg', 'wall s', 'CPU s', 'rows/s', 'MB/s', 'peak RSS MiB', 'x DuckDB best', 'result']];
  for (const s of report.sizes) {
    for (const l of s.legs) {
      if (!l.available) {
        rows.push([s.label, l.name, '-', '-', '-', '-', '-', '-', l.note]);
        continue;
      }
      if (l.failed) {
        rows.push([s.label, l.name, '-', '-', '-', '-', '-', '-', `FAILED (exit ${l.exitCode})`]);
        continue;
      }
      const r = l.result;
      const what = l.job === 'check'
        ? `${l.engine === 'duckdb' ? r.eupMismatches : r.byCode?.['eup-mismatch'] ?? 0}/${s.planted} planted found${r.foundPlanted ? '' : ' (NOT the planted rows)'}, ${r.findings} findings`
        : l.job === 'editor'
          ? `diagnostics ${(r.diagnosticsMs / 1000).toFixed(2)} s after opening (${r.diagnostics} shown), event loop held ${r.longestBlockMs} ms at most`
          : l.job === 'rules-editor'
            ? `edit to preview ${r.editMedianMs} ms median, ${r.editMaxMs} ms max (${r.editMs.length} edits); open ${r.openMs} ms; drill-down first page ${r.drillFirstMs} ms, after an edit ${r.drillAfterEditMs} ms`
          : l.job === 'reconcile'
            ? `${r.months} months (${r.groups}); ${(l.medianWallSeconds / (s.legs.find((x) => x.id === 'check')?.medianWallSeconds ?? NaN)).toFixed(2)}x check`
          : r.targets ? `web ${r.targets.web} data ${r.targets.data} platform ${r.targets.platform}` : 'targets not read';
      rows.push([s.label, l.name, l.medianWallSeconds.toFixed(2), l.cpuSeconds?.toFixed(1) ?? '-', l.rowsPerSecond.toLocaleString('en-US'), l.mbPerSecond.toFixed(1), l.peakRssMiB.toFixed(0), l.ratioToDuckdbBest?.toFixed(2) ?? '-', what]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const fmt = (r) => r.map((c, i) => (i >= 2 && i <= 7 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(fmt)].join('\n');
}

/** Issue 4's targets, judged on the largest size measured. */
function targets(report) {
  const largest = report.sizes[report.sizes.length - 1];
  const leg = (s, id) => s?.legs.find((l) => l.id === id && l.available && !l.failed);
  const out = {};
  const check = leg(largest, 'check');
  if (check?.ratioToDuckdbBest !== undefined) out.checkRatioAtMost1 = { value: check.ratioToDuckdbBest, met: check.ratioToDuckdbBest <= 1.0, size: largest.label };
  const alloc = leg(largest, 'allocate');
  if (alloc?.ratioToDuckdbBest !== undefined) out.allocateRatioAtMost1_2 = { value: alloc.ratioToDuckdbBest, met: alloc.ratioToDuckdbBest <= 1.2, size: largest.label };
  // The editor leg holds the whole document text in memory, as the editor does: it is not a streaming leg.
  const rss = report.sizes.flatMap((s) => s.legs.filter((l) => l.engine === 'chargeback' && l.job !== 'editor' && l.job !== 'rules-editor' && l.available && !l.failed).map((l) => l.peakRssMiB));
  if (rss.length) out.peakRssAtMost300MB = { value: Math.max(...rss), met: Math.max(...rss) * 1.048576 <= 300 };
  const editor = report.sizes.find((s) => s.label === '100k');
  const e = leg(editor, 'editor');
  if (e?.result) out.editorDiagnosticsWithin1_5s = { value: e.result.diagnosticsMs / 1000, longestBlockMs: e.result.longestBlockMs, met: e.result.diagnosticsMs <= 1500, size: '100k' };
  const re = leg(editor, 'rules-editor');
  if (re?.result) out.rulesEditorEditWithin200ms = { value: re.result.editMedianMs, max: re.result.editMaxMs, met: re.result.editMedianMs <= 200, size: '100k' };
  if (report.sizes.length >= 2) {
    const [small, big] = [report.sizes[0], largest];
    for (const id of ['check', 'allocate']) {
      const a = leg(small, id);
      const b = leg(big, id);
      if (!a || !b) continue;
      const rowsFactor = big.rows / small.rows;
      const timeFactor = b.medianWallSeconds / a.medianWallSeconds;
      out[`${id}Linear`] = { rowsFactor, timeFactor: +timeFactor.toFixed(2), met: timeFactor <= rowsFactor * 1.1 };
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

const startedAt = new Date();
const loadBefore = loadavg().map((x) => +x.toFixed(2));
log(`load average before: ${loadBefore.join(' ')} (${cpus().length} cores)`);
const cliBuild = await ensureCli();
const allocate = await probeAllocate();
if (allocate.available) {
  const r = spawnSync(process.execPath, [cli, '--help'], { cwd: root, encoding: 'utf8' });
  allocate.jsonFlag = /allocate\b[^\n]*--format/.test(`${r.stdout}${r.stderr}`);
} else {
  log(allocate.note);
}

const report = {
  benchVersion: BENCH_VERSION, generatorVersion: GENERATOR_VERSION, date: startedAt.toISOString(), options: { runs, threads: Number(opts.threads), skipDuckdb: opts['skip-duckdb'] },
  machine: undefined, cliBuild, loadAverage: { before: loadBefore, after: undefined }, sizes: [], targets: undefined,
  howMeasured: {
    wall: 'spawn to exit of a child process (node startup included), median of runs; the runs of all legs interleave',
    cpuSeconds: 'user + system CPU time of the child (all its threads), median of runs; less sensitive to other load than wall',
    disturbed: 'true when the 1-minute load average exceeded the number of cores when any leg started: other work shared the CPU',
    rowsPerSecond: 'data rows of the file / wall',
    mbPerSecond: 'file size in 10^6 bytes / wall',
    peakRss: 'maximum resident set size of the child process, largest of runs',
    ratioToDuckdbBest: 'wall / wall of the fastest DuckDB configuration for the same job, same run',
  },
};

let duckdbVersion;
for (const rows of sizes) {
  const dataset = await ensureDataset(rows, { dir: dataDir, log });
  const scratch = join(dataset.folder, 'out');
  mkdirSync(scratch, { recursive: true });
  const legs = await runLegs(legsFor(dataset, allocate), dataset, scratch);
  if (!allocate.available) legs.splice(1, 0, { id: 'allocate', name: 'chargeback allocate', job: 'allocate', engine: 'chargeback', available: false, note: allocate.note });
  for (const job of ['check', 'allocate']) {
    const duck = legs.filter((l) => l.engine === 'duckdb' && l.job === job && l.available && !l.failed);
    if (duck.length === 0) continue;
    const best = Math.min(...duck.map((l) => l.medianWallSeconds));
    for (const l of legs.filter((x) => x.job === job && x.available && !x.failed)) l.ratioToDuckdbBest = +(l.medianWallSeconds / best).toFixed(2);
  }
  duckdbVersion ??= legs.find((l) => l.engine === 'duckdb' && l.result)?.result.duckdbVersion;
  const agree = agreement(dataset, legs);
  if (!agree.agree) {
    const bar = '!'.repeat(100);
    console.log(`\n${bar}\n!! WARNING: the engines do NOT agree on the ${sizeLabel(rows)} file:\n${agree.problems.map((p) => `!!   ${p}`).join('\n')}\n${bar}\n`);
  }
  report.sizes.push({
    label: sizeLabel(rows), rows, bytes: dataset.bytes, bytesPerRow: dataset.bytesPerRow, file: dataset.csvPath, planted: dataset.planted.length,
    billedTotal: dataset.billedTotal, customers: dataset.customers, ratingGroups: dataset.ratingGroups, generatedSeconds: dataset.seconds,
    agreement: agree, legs,
  });
}
report.loadAverage.after = loadavg().map((x) => +x.toFixed(2));
report.disturbed = report.sizes.some((s) => s.legs.some((l) => (l.loadAtStart ?? []).some((x) => x > cpus().length)));
report.machine = machine(duckdbVersion);
report.targets = targets(report);

console.log('');
console.log(table(report));
console.log('');
console.log(`machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, node ${report.machine.node}, duckdb ${duckdbVersion ?? '-'}; ` +
  `load average before ${report.loadAverage.before.join(' ')}, after ${report.loadAverage.after.join(' ')}`);
if (report.disturbed) console.log(`NOTE: the load average exceeded ${cpus().length} (the cores) when some legs started: other work shared the CPU, wall times are pessimistic`);
for (const [name, t] of Object.entries(report.targets)) console.log(`target ${name}: ${t.value ?? t.timeFactor} ${t.met ? 'met' : 'NOT met'}`);

const json = JSON.stringify(report, null, 2) + '\n';
for (const dir of [join(root, 'bench-results'), join(root, 'docs', 'benchmarks')]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), json);
}
log(`wrote ${relative(root, join(root, 'bench-results', 'latest.json'))} and docs/benchmarks/latest.json`);
if (report.sizes.some((s) => !s.agreement.agree)) process.exitCode = 1;
