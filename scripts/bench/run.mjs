#!/usr/bin/env node
// `npm run bench`: the performance benchmark. Not a test: it measures, compares and reports.
//
//   npm run bench -- [--shapes all|a,b] [--sizes 100k,1m] [--runs N] [--skip-duckdb] [--duckdb-configs best,twoscan]
//                    [--threads 2] [--data-dir DIR]
//
// For each size and each month shape of generate.mjs (reused across runs) it runs side by side, each in its own
// child process: `chargeback check FILE --format json`, the editor leg (100k rows and less), `chargeback allocate
// RULES`, and DuckDB (duckdb.mjs) doing the same jobs with the query a DuckDB expert writes for them. For each leg:
// wall time (spawn to exit, median of --runs), CPU time, rows/s, peak RSS of the child (GNU time's maximum resident
// set size, else the kernel's VmHWM polled from /proc) and the ratio of its time to DuckDB's best configuration for
// the same job on the same file in the same run. It checks that every engine found exactly the rows the shape
// planted (chargeback by line number, DuckDB by a fingerprint of the rows' keys), nothing else, the same billed
// total, and that allocations agree to the cent, and warns loudly when not. It prints the table (also as Markdown
// in bench-results/table.md) and writes bench-results/latest.json and docs/benchmarks/latest.json (the copy that is
// committed, with the machine's facts).
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  GENERATOR_VERSION,
  RowFingerprint,
  SHAPES,
  defaultBenchDir,
  ensureDataset,
  parseShapes,
  parseSize,
  sizeLabel,
} from './generate.mjs';
import { ensureDuckDB } from './ensure-duckdb.mjs';

const BENCH_VERSION = 3;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli.js');
const duckdbScript = join(root, 'scripts', 'bench', 'duckdb.mjs');

const USAGE =
  'usage: npm run bench -- [--shapes all|a,b] [--sizes 100k,1m] [--runs N] [--skip-duckdb] ' +
  '[--duckdb-configs best,twoscan[,window]] [--threads 2] [--data-dir DIR]';
const { values: opts } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'all' },
    sizes: { type: 'string', default: '100k,1m' },
    runs: { type: 'string', default: '1' },
    'skip-duckdb': { type: 'boolean', default: false },
    'duckdb-configs': { type: 'string', default: 'best,twoscan' },
    threads: { type: 'string', default: '2' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(USAGE);
  console.log(
    `shapes: ${Object.entries(SHAPES)
      .map(([id, s]) => `\n  ${id.padEnd(22)} ${s.title}`)
      .join('')}`,
  );
  process.exit(0);
}
const shapes = parseShapes(opts.shapes);
const sizes = opts.sizes.split(',').map(parseSize);
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
const duckdbConfigs = opts['duckdb-configs']
  .split(',')
  .map((c) => c.trim())
  .filter(Boolean);
for (const c of duckdbConfigs)
  if (!['best', 'twoscan', 'window'].includes(c))
    throw new Error(`unknown DuckDB configuration "${c}" (best, twoscan, window)`);
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
const workerBundles = ['worker.js', 'checkWorker.js'].map((f) => join(root, 'dist', f));

async function ensureCli() {
  const newestSource = Math.max(
    newestMtime(join(root, 'src')),
    statSync(join(root, 'scripts', 'bench', 'editorLeg.ts')).mtimeMs,
    statSync(join(root, 'scripts', 'bench', 'rulesEditorLeg.ts')).mtimeMs,
  );
  const fresh = [cli, ...workerBundles, editorLeg, rulesEditorLeg].every(
    (f) => existsSync(f) && statSync(f).mtimeMs >= newestSource,
  );
  if (fresh) return 'up to date';
  log('building dist/cli.js, the worker bundles and the editor leg (sources changed)...');
  try {
    const { build } = await import('esbuild');
    const common = {
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      logLevel: 'warning',
      absWorkingDir: root,
    };
    await Promise.all([
      build({
        ...common,
        entryPoints: ['src/cli/main.ts'],
        outfile: 'dist/cli.js',
        banner: { js: '#!/usr/bin/env node' },
      }),
      // The worker threads of the fast readers: without it the CLI reads on one core.
      build({ ...common, entryPoints: ['src/core/allocation/worker.ts'], outfile: 'dist/worker.js' }),
      build({ ...common, entryPoints: ['src/core/rating/checkWorker.ts'], outfile: 'dist/checkWorker.js' }),
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

const GNU_TIME =
  existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0 ? '/usr/bin/time' : null;

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
      resolve({
        wallMs,
        peakRssKb,
        cpuSeconds,
        exitCode: code,
        stderr: Buffer.concat(err).toString(),
        loadAtStart: load,
      });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---------------------------------------------------------------------------------------------------------------
// What each leg's output says. Outputs are read as streams: the month with a defect on most rows has 800,000
// findings, several hundred MB of JSON.

/** The tail of a file as text (the CLI's JSON ends with the file's summary). */
function tailText(file, bytes) {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(bytes, size));
  readSync(fd, buf, 0, buf.length, size - buf.length);
  closeSync(fd);
  return buf.toString('utf8');
}

// A finding of `chargeback check --format json`, up to its severity: line, positions, column, code, severity.
const FINDING =
  /\{"line":(\d+),"character":\d+,"endLine":\d+,"endCharacter":\d+,"column":(?:"(?:[^"\\]|\\.)*"|null),"code":"([^"]+)","severity":"([^"]+)"/g;

async function readCheckOutput(file, dataset) {
  const eupLines = [];
  const seen = { findings: 0, byCode: {}, bySeverity: {} };
  const decoder = new StringDecoder('utf8');
  let carry = '';
  const scan = (text) => {
    FINDING.lastIndex = 0;
    let end = 0;
    for (let m; (m = FINDING.exec(text)); end = FINDING.lastIndex) {
      seen.findings++;
      seen.byCode[m[2]] = (seen.byCode[m[2]] ?? 0) + 1;
      seen.bySeverity[m[3]] = (seen.bySeverity[m[3]] ?? 0) + 1;
      if (m[2] === 'eup-mismatch') eupLines.push(Number(m[1]));
    }
    return text.slice(Math.max(end, text.length - 4096));
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 8 << 20 }))
    carry = scan(carry + decoder.write(chunk));
  scan(carry + decoder.end());
  const m = /"rows":(\d+),"summary":(\{.*\})\}\]\}\s*$/s.exec(tailText(file, 1 << 16));
  if (!m) throw new Error(`no summary at the end of ${file}`);
  const summary = JSON.parse(m[2]);
  eupLines.sort((a, b) => a - b);
  const planted = dataset.planted.lines;
  const readAll = seen.findings === summary.findings;
  return {
    rows: Number(m[1]),
    findings: summary.findings,
    byCode: summary.byCode,
    bySeverity: summary.bySeverity,
    billedTotal: summary.billedTotal,
    eupMismatches: summary.byCode?.['eup-mismatch'] ?? 0,
    errorsAndWarnings: (summary.bySeverity?.error ?? 0) + (summary.bySeverity?.warning ?? 0),
    info: summary.bySeverity?.info ?? 0,
    // Every finding listed: the rows must be the planted ones; a grouped listing is held to be a part of them.
    findingsListed: seen.findings,
    foundPlanted: readAll
      ? eupLines.length === planted.length && eupLines.every((l, i) => l === planted[i])
      : eupLines.every((l) => binaryHas(planted, l)),
    plantedVerified: readAll
      ? 'every row by line number'
      : `${eupLines.length} listed rows by line number (the listing is grouped)`,
  };
}

function binaryHas(sorted, x) {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === x) return true;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** DuckDB's findings file: S rows,billed,zero-priced rows,zero-priced groups; E key (wrong price); B/P/N key. */
async function readDuckdbCheck(file, dataset) {
  const run = JSON.parse(readFileSync(file, 'utf8'));
  const fingerprint = new RowFingerprint();
  const other = { billing: 0, pricing: 0, pecNotEligible: 0 };
  let summary;
  const lines = createInterface({ input: createReadStream(run.findingsFile), crlfDelay: Infinity });
  for await (const line of lines) {
    const [kind, a, b, c, d] = line.split(',');
    if (kind === 'S') summary = { rows: Number(a), billed: b, zeroPricedRows: Number(c), zeroPricedGroups: Number(d) };
    else if (kind === 'E') fingerprint.add(a, b, c, d);
    else {
      if (kind.includes('B')) other.billing++;
      if (kind.includes('P')) other.pricing++;
      if (kind.includes('N')) other.pecNotEligible++;
    }
  }
  rmSync(run.findingsFile, { force: true });
  const billed = summary.billed.includes('.') ? summary.billed : `${summary.billed}.`;
  const [whole, frac] = billed.split('.');
  return {
    rows: summary.rows,
    eupMismatches: fingerprint.count,
    errorsAndWarnings: fingerprint.count + other.billing + other.pricing + other.pecNotEligible,
    billingTotalMismatches: other.billing,
    pricingTotalMismatches: other.pricing,
    pecNotEligible: other.pecNotEligible,
    billedTotal: roundHalfUpCents(whole, frac),
    zeroPricedRows: summary.zeroPricedRows,
    zeroPricedGroups: summary.zeroPricedGroups,
    foundPlanted: fingerprint.toJSON() === dataset.expected.plantedFingerprint,
    plantedVerified: 'every row by key fingerprint (count and MD5 sum of EntitlementId|ResourceURI|MeterId|UsageDate)',
    duckdbVersion: run.duckdbVersion,
    queryMs: run.queryMs,
  };
}

/** A non-negative decimal's text rounded half up to cents, exactly (no floats). */
function roundHalfUpCents(whole, frac) {
  const digits = (frac + '000').slice(0, 3);
  let cents = BigInt(whole) * 100n + BigInt(digits.slice(0, 2));
  if (digits[2] >= '5') cents += 1n;
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
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
    for (const m of text.matchAll(/^(web|data|platform)\s+[A-Z]{3}\s+(-?\d[\d,]*\.\d\d)\b/gm))
      targets[m[1]] = m[2].replace(/,/g, '');
  }
  return { targets: Object.keys(targets).length > 0 ? targets : undefined, outputBytes: text.length };
}

/**
 * What `chargeback reconcile --format json` found: months and their status, lines per label, and every error and
 * warning as (code, file, line), which must be exactly the cross-file discrepancies the generator planted.
 */
function readReconcileOutput(file, dataset) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const status = {};
  const labels = {};
  const problems = [];
  for (const m of doc.months) {
    status[m.status] = (status[m.status] ?? 0) + 1;
    for (const l of m.lines) labels[l.label] = (labels[l.label] ?? 0) + 1;
    for (const f of m.findings)
      if (f.severity === 'error' || f.severity === 'warning')
        problems.push(`${f.code} ${f.path.split(/[\\/]/).pop()}:${f.line}`);
  }
  for (const f of doc.fileFindings ?? [])
    if (f.severity === 'error' || f.severity === 'warning')
      problems.push(`${f.code} ${String(f.path).split(/[\\/]/).pop()}:${f.line}`);
  const planted = (dataset.reconciliation?.planted ?? []).map((p) => `${p.code} ${p.file}:${p.line}`);
  const found = new Set(problems);
  return {
    months: doc.months.length,
    status,
    labels,
    errorsAndWarnings: problems.length,
    foundPlanted: planted.length > 0 && planted.every((p) => found.has(p)) && problems.length === planted.length,
    missed: planted.filter((p) => !found.has(p)),
    unexpected: problems.filter((p) => !planted.includes(p)).slice(0, 10),
    plantedVerified: 'every error and warning by code, file and line against the manifest',
  };
}

function reconcileAvailable() {
  const r = spawnSync(process.execPath, [cli, 'reconcile'], { cwd: root, encoding: 'utf8' });
  return !/unknown command/i.test(`${r.stdout}\n${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function probeAllocate() {
  const r = spawnSync(process.execPath, [cli, 'allocate', '--help'], { cwd: root, encoding: 'utf8' });
  const said = `${r.stdout}\n${r.stderr}`;
  if (/unknown command/i.test(said))
    return { available: false, note: 'not available: `chargeback allocate` answers "unknown command"' };
  return { available: true };
}

/**
 * Runs every leg `runs` times, interleaved (run 1 of each leg, then run 2 of each...), so that a drift in the
 * machine's speed during the bench touches every engine alike; a leg that fails is not run again.
 */
async function runLegs(legs, dataset, scratch, label) {
  // The month's files are read once, unmeasured, before the first leg: otherwise whichever leg comes first pays for
  // reading them from disk (a 1M-row month generated long before can have left the page cache) and the others not.
  for (const file of [dataset.csvPath, dataset.reconPath]) if (file) warmPageCache(file);
  const results = legs.map(() => []);
  const failed = legs.map(() => undefined);
  for (let i = 0; i < runs; i++) {
    for (const [k, leg] of legs.entries()) {
      if (failed[k]) continue;
      const outFile = join(scratch, `${leg.id}.out`);
      const m = await measure(leg.command, leg.args, outFile);
      if (!leg.okExit.includes(m.exitCode)) {
        log(
          `WARNING: ${label} ${leg.name} exited with ${m.exitCode}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`,
        );
        failed[k] = { ...leg, available: true, failed: true, exitCode: m.exitCode, stderr: m.stderr.slice(-2000) };
        continue;
      }
      results[k].push({ ...m, result: await leg.read(outFile, dataset) });
      rmSync(outFile, { force: true });
      log(
        `${label} ${leg.name}: ${(m.wallMs / 1000).toFixed(2)} s${m.cpuSeconds === undefined ? '' : ` (${m.cpuSeconds.toFixed(1)} s CPU)`}, peak RSS ${(m.peakRssKb / 1024).toFixed(0)} MiB, load ${m.loadAtStart.toFixed(1)} at start${runs > 1 ? ` (run ${i + 1}/${runs})` : ''}`,
      );
    }
  }
  return legs.map((leg, k) => failed[k] ?? summarize(leg, results[k], dataset));
}

/** Reads a file through once (into one reused buffer), so that the legs after it find it in the page cache. */
function warmPageCache(path) {
  const buf = Buffer.allocUnsafe(16 << 20);
  const fd = openSync(path, 'r');
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

function summarize(leg, results, dataset) {
  const wall = median(results.map((r) => r.wallMs)) / 1000;
  return {
    id: leg.id,
    name: leg.name,
    job: leg.job,
    engine: leg.engine,
    config: leg.config,
    available: true,
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

function legsFor(dataset, allocate, scratch) {
  const node = process.execPath;
  const legs = [
    {
      id: 'check',
      name: 'chargeback check',
      job: 'check',
      engine: 'chargeback',
      command: node,
      args: [cli, 'check', dataset.csvPath, '--format', 'json'],
      okExit: [0, 1],
      read: readCheckOutput,
    },
  ];
  // The editor holds a document as one string (V8 strings stop at 512 MiB, and VS Code hands extensions no
  // document over 50 MB): the editor leg runs on the 100k files, bigger files are checked from disk (`check`).
  if (dataset.rows <= 100_000)
    legs.push({
      id: 'editor',
      name: 'editor: open file to diagnostics',
      job: 'editor',
      engine: 'chargeback',
      command: node,
      args: [editorLeg, dataset.csvPath],
      okExit: [0],
      read: (f) => JSON.parse(readFileSync(f, 'utf8')),
    });
  // The visual rules editor: an edit to the new preview, with the month's lines kept in the language server.
  if (dataset.rows <= 100_000)
    legs.push({
      id: 'rules-editor',
      name: 'rules editor: edit to preview',
      job: 'rules-editor',
      engine: 'chargeback',
      command: node,
      args: [rulesEditorLeg, dataset.rulesPath],
      okExit: [0],
      read: (f) => JSON.parse(readFileSync(f, 'utf8')),
    });
  // Month close: the daily file with the month's reconciliation file, each read once (target: within 1.2x of
  // `check` on the same daily file); the planted cross-file discrepancies must be found, nothing else.
  if (reconcileAvailable()) {
    legs.push({
      id: 'reconcile',
      name: 'chargeback reconcile',
      job: 'reconcile',
      engine: 'chargeback',
      command: node,
      args: [cli, 'reconcile', dataset.csvPath, ...(dataset.reconPath ? [dataset.reconPath] : []), '--format', 'json'],
      okExit: [0, 1],
      read: readReconcileOutput,
    });
  }
  if (allocate.available) {
    legs.push({
      id: 'allocate',
      name: 'chargeback allocate',
      job: 'allocate',
      engine: 'chargeback',
      command: node,
      args: [cli, 'allocate', dataset.rulesPath, ...(allocate.jsonFlag ? ['--format', 'json'] : [])],
      okExit: [0, 1],
      read: readAllocateOutput,
    });
  }
  if (!opts['skip-duckdb']) {
    const duck = (job, config) => ({
      id: `duckdb-${job}-${config}`,
      name: `duckdb ${job} (${config})`,
      job,
      engine: 'duckdb',
      config,
      command: node,
      args: [
        duckdbScript,
        '--file',
        dataset.csvPath,
        '--job',
        job,
        '--config',
        config,
        '--threads',
        opts.threads,
        '--date-format',
        dataset.dateFormat,
        ...(job === 'check' ? ['--out', join(scratch, `duckdb-${config}.findings.csv`)] : []),
      ],
      okExit: [0],
      read: job === 'check' ? readDuckdbCheck : (f) => JSON.parse(readFileSync(f, 'utf8')),
    });
    for (const config of duckdbConfigs) legs.push(duck('check', config));
    // The allocation is one aggregation whatever the configuration: one query.
    if (allocate.available) legs.push(duck('allocate', 'best'));
  }
  return legs;
}

/** Every engine must find the planted rows and nothing else; allocations must agree to the cent. */
function agreement(dataset, legs) {
  const problems = [];
  const expected = dataset.expected;
  for (const leg of legs.filter((l) => l.result && l.job === 'check')) {
    const r = leg.result;
    if (r.eupMismatches !== expected.eupMismatches || !r.foundPlanted) {
      problems.push(
        `${leg.name} found ${r.eupMismatches} wrong prices, ${r.foundPlanted ? 'the' : 'NOT the'} planted rows; ${expected.eupMismatches} were planted`,
      );
    }
    if (r.errorsAndWarnings !== expected.errorsAndWarnings) {
      const codes = r.byCode
        ? ` (${Object.entries(r.byCode)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : '';
      problems.push(
        `${leg.name} reported ${r.errorsAndWarnings} errors and warnings${codes}, ${expected.errorsAndWarnings} expected (only the planted prices are wrong)`,
      );
    }
    // Zero-priced free-allowance rows cannot be proven right or wrong: at most a note per rating group, never per row.
    if (expected.zeroPricedRows > 0 && (r.info ?? 0) >= expected.zeroPricedRows) {
      problems.push(
        `${leg.name} gave ${r.info} info findings for ${expected.zeroPricedRows} zero-priced rows: one per row`,
      );
    }
    if (r.rows !== dataset.rows) problems.push(`${leg.name} read ${r.rows} rows, the file has ${dataset.rows}`);
    if (r.billedTotal !== undefined && r.billedTotal !== dataset.billedTotal)
      problems.push(`${leg.name}: billed total ${r.billedTotal}, generator wrote ${dataset.billedTotal}`);
  }
  for (const leg of legs.filter((l) => l.result && l.job === 'reconcile')) {
    const r = leg.result;
    if (!r.foundPlanted)
      problems.push(
        `${leg.name} reported ${r.errorsAndWarnings} errors and warnings, ` +
          `${dataset.reconciliation?.planted.length ?? 0} planted` +
          (r.missed.length ? `; missed ${r.missed.join(', ')}` : '') +
          (r.unexpected.length ? `; not planted ${r.unexpected.join(', ')}` : ''),
      );
  }
  const allocs = legs.filter((l) => l.result && l.job === 'allocate' && l.result.targets);
  const reference = allocs.find((l) => l.engine === 'duckdb');
  for (const leg of allocs) {
    if (!reference || leg === reference) continue;
    for (const t of ['web', 'data', 'platform']) {
      if (leg.result.targets[t] !== reference.result.targets[t])
        problems.push(
          `${leg.name} gives ${t} ${leg.result.targets[t]}, ${reference.name} ${reference.result.targets[t]}`,
        );
    }
  }
  const chargebackAlloc = legs.find((l) => l.id === 'allocate' && l.result);
  if (chargebackAlloc && !chargebackAlloc.result.targets)
    problems.push('could not read target totals from `chargeback allocate` output: allocation not compared');
  return { planted: expected.eupMismatches, agree: problems.length === 0, problems };
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
    peakRssFrom: GNU_TIME
      ? 'GNU time %M (maximum resident set size of the child)'
      : '/proc/<pid>/status VmHWM, polled every 20 ms',
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedSourceChanges: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length,
  };
}

/** What a leg found, in a few words. */
function resultWords(l, s) {
  const r = l.result;
  if (l.job === 'check') {
    const other = r.errorsAndWarnings - r.eupMismatches;
    return (
      `${r.eupMismatches}/${s.planted} planted${r.foundPlanted ? '' : ' (NOT the planted rows)'}` +
      `${other ? `, ${other} other errors/warnings` : ''}${r.info ? `, ${r.info} info` : ''}`
    );
  }
  if (l.job === 'reconcile') {
    const check = s.legs.find((x) => x.id === 'check' && x.available && !x.failed);
    const planted = s.reconPlanted ?? 0;
    return (
      `${r.months} months; ${r.foundPlanted ? planted : 'NOT the'}/${planted} planted` +
      `${r.foundPlanted ? '' : ` (${r.errorsAndWarnings} errors/warnings)`}; ` +
      `${check ? (l.cpuSeconds / check.cpuSeconds).toFixed(2) : '-'}x check CPU, ` +
      `${check ? (l.medianWallSeconds / check.medianWallSeconds).toFixed(2) : '-'}x wall`
    );
  }
  if (l.job === 'rules-editor')
    return (
      `edit to preview ${r.editMedianMs} ms median, ${r.editMaxMs} ms max (${r.editMs.length} edits); ` +
      `open ${r.openMs} ms; drill-down first page ${r.drillFirstMs} ms, after an edit ${r.drillAfterEditMs} ms`
    );
  if (l.job === 'editor')
    return `diagnostics ${(r.diagnosticsMs / 1000).toFixed(2)} s after opening, event loop held ${r.longestBlockMs} ms at most`;
  return r.targets ? `web ${r.targets.web} data ${r.targets.data} platform ${r.targets.platform}` : 'targets not read';
}

function tableRows(report) {
  const rows = [];
  for (const s of report.datasets) {
    for (const l of s.legs) {
      const base = [s.shape, s.label, l.name];
      if (!l.available) rows.push([...base, '-', '-', '-', '-', '-', '-', l.note]);
      else if (l.failed) rows.push([...base, '-', '-', '-', '-', '-', '-', `FAILED (exit ${l.exitCode})`]);
      else
        rows.push([
          ...base,
          l.medianWallSeconds.toFixed(2),
          l.cpuSeconds?.toFixed(1) ?? '-',
          l.rowsPerSecond.toLocaleString('en-US'),
          l.peakRssMiB.toFixed(0),
          l.ratioToDuckdbBest?.toFixed(2) ?? '-',
          l.cpuRatioToDuckdbBest?.toFixed(2) ?? '-',
          resultWords(l, s),
        ]);
    }
  }
  return rows;
}
const HEADER = [
  'shape',
  'size',
  'leg',
  'wall s',
  'CPU s',
  'rows/s',
  'peak RSS MiB',
  'x DuckDB best',
  'CPU x DuckDB',
  'result',
];

function table(report) {
  const rows = [HEADER, ...tableRows(report)];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const fmt = (r) =>
    r
      .map((c, i) => (i >= 3 && i <= 8 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(fmt)].join('\n');
}

function markdownTable(report) {
  const rows = tableRows(report);
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i >= 3 && i <= 8 ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The issue's targets, per shape, judged on the largest size measured: check and allocate <= 1.0x, RSS <= 300 MB. */
function targets(report) {
  const leg = (s, id) => s?.legs.find((l) => l.id === id && l.available && !l.failed);
  const out = {};
  for (const shape of new Set(report.datasets.map((d) => d.shape))) {
    const sets = report.datasets.filter((d) => d.shape === shape);
    const largest = sets[sets.length - 1];
    const t = { size: largest.label };
    const check = leg(largest, 'check');
    if (check?.ratioToDuckdbBest !== undefined)
      t.checkRatioAtMost1 = {
        value: check.ratioToDuckdbBest,
        cpuRatio: check.cpuRatioToDuckdbBest,
        met: check.ratioToDuckdbBest <= 1.0,
        aim: 0.7,
      };
    const alloc = leg(largest, 'allocate');
    if (alloc?.ratioToDuckdbBest !== undefined)
      t.allocateRatioAtMost1 = {
        value: alloc.ratioToDuckdbBest,
        cpuRatio: alloc.cpuRatioToDuckdbBest,
        met: alloc.ratioToDuckdbBest <= 1.0,
      };
    // The editor leg holds the whole document text in memory, as the editor does: it is not a streaming leg. The
    // memory target is the fast path's (check and allocate); the tie-out's peak is reported with its own target.
    const rss = sets.flatMap((s) =>
      s.legs
        .filter(
          (l) =>
            l.engine === 'chargeback' &&
            l.job !== 'editor' &&
            l.job !== 'rules-editor' &&
            l.job !== 'reconcile' &&
            l.available &&
            !l.failed,
        )
        .map((l) => l.peakRssMiB),
    );
    if (rss.length)
      t.peakRssAtMost300MB = {
        value: +(Math.max(...rss) * 1.048576).toFixed(0),
        met: Math.max(...rss) * 1.048576 <= 300,
      };
    const e = leg(
      sets.find((s) => s.rows === 100_000),
      'editor',
    );
    if (e?.result)
      t.editorDiagnosticsWithin1_5s = {
        value: e.result.diagnosticsMs / 1000,
        longestBlockMs: e.result.longestBlockMs,
        met: e.result.diagnosticsMs <= 1500,
      };
    const re = leg(
      sets.find((s) => s.rows === 100_000),
      'rules-editor',
    );
    if (re?.result)
      t.rulesEditorEditWithin200ms = {
        value: re.result.editMedianMs,
        max: re.result.editMaxMs,
        met: re.result.editMedianMs <= 200,
      };
    const rec = leg(largest, 'reconcile');
    if (check && rec?.cpuSeconds !== undefined && check.cpuSeconds !== undefined)
      t.reconcileWithin1_2xCheck = {
        value: +(rec.cpuSeconds / check.cpuSeconds).toFixed(2),
        wallRatio: +(rec.medianWallSeconds / check.medianWallSeconds).toFixed(2),
        peakRssMiB: rec.peakRssMiB,
        met: rec.cpuSeconds / check.cpuSeconds <= 1.2,
      };
    if (sets.length >= 2) {
      for (const id of ['check', 'allocate']) {
        const a = leg(sets[0], id);
        const b = leg(largest, id);
        if (!a || !b) continue;
        const rowsFactor = largest.rows / sets[0].rows;
        const timeFactor = b.medianWallSeconds / a.medianWallSeconds;
        t[`${id}Linear`] = { value: +timeFactor.toFixed(2), rowsFactor, met: timeFactor <= rowsFactor * 1.1 };
      }
    }
    t.agree = { value: largest.agreement.agree, met: sets.every((s) => s.agreement.agree) };
    out[shape] = t;
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
  benchVersion: BENCH_VERSION,
  generatorVersion: GENERATOR_VERSION,
  date: startedAt.toISOString(),
  options: {
    shapes,
    sizes: sizes.map(sizeLabel),
    runs,
    threads: Number(opts.threads),
    skipDuckdb: opts['skip-duckdb'],
    duckdbConfigs,
  },
  machine: undefined,
  cliBuild,
  loadAverage: { before: loadBefore, after: undefined },
  datasets: [],
  targets: undefined,
  howMeasured: {
    wall: 'spawn to exit of a child process (node startup included), median of runs; the runs of all legs interleave',
    cpuSeconds:
      'user + system CPU time of the child (all its threads), median of runs; less sensitive to other load than wall',
    disturbed:
      'true when the 1-minute load average exceeded the number of cores when any leg started: other work shared the CPU',
    rowsPerSecond: 'data rows of the file / wall',
    peakRss: 'maximum resident set size of the child process, largest of runs',
    ratioToDuckdbBest: 'wall / wall of the fastest DuckDB configuration for the same job on the same file, same run',
    cpuRatioToDuckdbBest:
      'CPU seconds / the least CPU seconds of a DuckDB configuration for the same job on the same file, same run',
  },
};

let duckdbVersion;
for (const rows of sizes) {
  for (const shape of shapes) {
    const dataset = await ensureDataset(shape, rows, { dir: dataDir, log });
    const label = `${shape} ${sizeLabel(rows)}:`;
    const scratch = join(dataset.folder, 'out');
    mkdirSync(scratch, { recursive: true });
    const legs = await runLegs(legsFor(dataset, allocate, scratch), dataset, scratch, label);
    if (!allocate.available)
      legs.splice(1, 0, {
        id: 'allocate',
        name: 'chargeback allocate',
        job: 'allocate',
        engine: 'chargeback',
        available: false,
        note: allocate.note,
      });
    for (const job of ['check', 'allocate']) {
      const duck = legs.filter((l) => l.engine === 'duckdb' && l.job === job && l.available && !l.failed);
      if (duck.length === 0) continue;
      const best = Math.min(...duck.map((l) => l.medianWallSeconds));
      // On a machine shared with other work wall time swings; CPU time (all threads) much less: both are kept.
      const bestCpu = Math.min(...duck.map((l) => l.cpuSeconds ?? Infinity));
      for (const l of legs.filter((x) => x.job === job && x.available && !x.failed)) {
        l.ratioToDuckdbBest = +(l.medianWallSeconds / best).toFixed(2);
        if (l.cpuSeconds !== undefined && Number.isFinite(bestCpu))
          l.cpuRatioToDuckdbBest = +(l.cpuSeconds / bestCpu).toFixed(2);
      }
    }
    duckdbVersion ??= legs.find((l) => l.engine === 'duckdb' && l.result)?.result.duckdbVersion;
    const agree = agreement(dataset, legs);
    if (!agree.agree) {
      const bar = '!'.repeat(100);
      console.log(
        `\n${bar}\n!! WARNING: the engines do NOT agree on the ${shape} ${sizeLabel(rows)} file:\n${agree.problems.map((p) => `!!   ${p}`).join('\n')}\n${bar}\n`,
      );
    }
    report.datasets.push({
      shape,
      title: SHAPES[shape].title,
      label: sizeLabel(rows),
      rows,
      bytes: dataset.bytes,
      bytesPerRow: dataset.bytesPerRow,
      file: dataset.csvPath,
      planted: dataset.expected.eupMismatches,
      plantedByKind: dataset.planted.byKind,
      reconciliationFile: dataset.reconPath,
      reconLines: dataset.reconciliation?.lines,
      reconPlanted: dataset.reconciliation?.planted.length,
      reconPlantedByKind: dataset.reconciliation?.planted.map((p) => p.kind),
      zeroPricedRows: dataset.expected.zeroPricedRows,
      billedTotal: dataset.billedTotal,
      customers: dataset.customers,
      ratingGroups: dataset.ratingGroups,
      generatedSeconds: dataset.seconds,
      agreement: agree,
      legs,
    });
  }
}
// Sorted by shape, then size: the order in which the table reads.
report.datasets.sort((a, b) => shapes.indexOf(a.shape) - shapes.indexOf(b.shape) || a.rows - b.rows);
report.loadAverage.after = loadavg().map((x) => +x.toFixed(2));
report.disturbed = report.datasets.some((s) =>
  s.legs.some((l) => (l.loadAtStart ?? []).some((x) => x > cpus().length)),
);
report.machine = machine(duckdbVersion);
report.targets = targets(report);

console.log('');
console.log(table(report));
console.log('');
console.log(
  `machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, node ${report.machine.node}, duckdb ${duckdbVersion ?? '-'}; ` +
    `load average before ${report.loadAverage.before.join(' ')}, after ${report.loadAverage.after.join(' ')}`,
);
if (report.disturbed)
  console.log(
    `NOTE: the load average exceeded ${cpus().length} (the cores) when some legs started: other work shared the CPU, wall times are pessimistic`,
  );
for (const [shape, t] of Object.entries(report.targets)) {
  const said = Object.entries(t)
    .filter(([k]) => k !== 'size')
    .map(([k, v]) => `${k} ${v.value} ${v.met ? 'met' : 'NOT met'}`);
  console.log(`targets ${shape} (${t.size}): ${said.join('; ')}`);
}

const json = JSON.stringify(report, null, 2) + '\n';
for (const dir of [join(root, 'bench-results'), join(root, 'docs', 'benchmarks')]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), json);
}
writeFileSync(join(root, 'bench-results', 'table.md'), markdownTable(report) + '\n');
log(
  `wrote ${relative(root, join(root, 'bench-results', 'latest.json'))}, bench-results/table.md and docs/benchmarks/latest.json`,
);
if (report.datasets.some((s) => !s.agreement.agree)) process.exitCode = 1;
