// A bounded, seeded property test of the shipped CLI (dist/cli.js) on generated bad input: mutated billing files,
// adversarial rules files, hostile paths. Whatever the input, every run ends within its time limit, exits 0, 1 or 2
// (never an internal error), and prints no raw control character. The cases are the same on every run (fixed
// seed); their number and each run's time are bounded, so a regression fails instead of hanging the suite.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dailyCsv, reconCsv } from '../support/billingFixtures';

const CLI = resolve(__dirname, '../../../dist/cli.js');
const SEED = 0x13c0ffee;
const CASES = 40;
const RUN_LIMIT_MS = 15_000;

/** mulberry32: small, fast, and the same sequence everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [
  '\n',
  '\r',
  '\x1b[2K',
  '\x1b]0;x\x07',
  '\u202e',
  '\u0085',
  '\x00',
  '"',
  '""',
  ',',
  ';',
  '\uFEFF',
  '\u200b',
  'е',
];
// A raw control character in the output is the failure this pattern looks for.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e]/;
const NUMBERS = ['1e58', '-1e400', '1e-400', 'NaN', 'Infinity', '9'.repeat(80), '0x1f', '1,5', '--1', '1e', '.', ''];

function mutateCsv(rnd: () => number, text: string): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  let t = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rnd() * t.length);
    switch (Math.floor(rnd() * 6)) {
      case 0:
        t = t.slice(0, at) + pick(HOSTILE) + t.slice(at);
        break;
      case 1:
        t = t.replace(/21\.39|0\.868|29/, pick(NUMBERS));
        break;
      case 2:
        t = t.slice(0, at);
        break;
      case 3:
        t = t.replace('BillingPreTaxTotal', 'BillingPreTaxTotal,BillingPreTaxTotal');
        break;
      case 4:
        t = t.slice(0, at) + '"'.repeat(1 + Math.floor(rnd() * 3)) + t.slice(at);
        break;
      default:
        t = t.slice(0, at) + 'x'.repeat(Math.floor(rnd() * 5000)) + t.slice(at);
        break;
    }
  }
  return t;
}

function hostileRules(rnd: () => number, data: string[]): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const id = pick(['web', 'wеb', 'we\u200bb', '\u212Aey', 'a\nb', 'x\x1b[31m', 'ok']);
  const variants = [
    () =>
      `chargeback: 1\ndata: [${data.map((d) => JSON.stringify(d)).join(', ')}]\ntargets: { web: { markup: ${pick(['8', '-250', '1e300', '1000'])} }, ${JSON.stringify(id)}: {} }\nrules:\n  - { name: ${JSON.stringify(pick(['all', 'a\nunallocated EUR 999.99', '\u202eevil']))}, match: { customer: "*" }, to: web }\n`,
    () =>
      `chargeback: 1\ndata: [${JSON.stringify(pick(['./' + '*'.repeat(30) + 'x.csv', './**/*.csv', '../*.csv', '/*/*.csv', './fifo.csv', './' + Array(20).fill('*').join('/') + '/*.csv']))}]\ntargets: { web: {} }\nrules:\n  - { name: all, match: { customer: "*" }, to: web }\n`,
    () =>
      `chargeback: 1\nname: *${pick(['nowhere', 'a'])}\na: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n`,
    () => 'chargeback: 1\nrules: ' + '['.repeat(50 + Math.floor(rnd() * 500)) + '\n',
    () =>
      mutateCsv(
        rnd,
        `chargeback: 1\ndata: [./usage.csv]\ntargets: { web: {} }\nrules:\n  - { name: all, match: { customer: "*" }, to: web }\n`,
      ),
  ];
  return pick(variants)();
}

describe('the CLI on generated bad input (bounded, seeded)', function () {
  this.timeout(CASES * RUN_LIMIT_MS + 30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-fuzz-'));
    mkdirSync(join(dir, 'sub'));
    execFileSync('mkfifo', [join(dir, 'fifo.csv')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`${CASES} runs: each ends within ${RUN_LIMIT_MS / 1000} s with exit 0, 1 or 2 and no raw control character`, () => {
    assert.ok(existsSync(CLI), `${CLI} is built by scripts/build.mjs`);
    const rnd = random(SEED);
    const seen = new Set<number>();
    let slowest = 0;
    for (let n = 0; n < CASES; n++) {
      const caseDir = join(dir, `case${n}`);
      mkdirSync(caseDir);
      const usage = mutateCsv(rnd, rnd() < 0.8 ? dailyCsv([{}, { BillingPreTaxTotal: '3.00' }, {}]) : reconCsv([{}]));
      writeFileSync(join(caseDir, 'usage.csv'), usage);
      const rules = join(caseDir, 'r.chargeback.yaml');
      const rulesText = hostileRules(rnd, ['./usage.csv', '../fifo.csv', './usage.csv']);
      writeFileSync(rules, rulesText);
      const kind = Math.floor(rnd() * 4);
      const args =
        kind === 0
          ? [
              'check',
              join(caseDir, 'usage.csv'),
              ...(rnd() < 0.3 ? ['--price-list', rnd() < 0.5 ? '' : join(dir, 'fifo.csv')] : []),
            ]
          : kind === 1
            ? ['allocate', rules]
            : kind === 2
              ? ['export', rules, '--to', 'report', '--out', rnd() < 0.5 ? rules : join(caseDir, 'out.csv'), '--force']
              : ['allocate', rnd() < 0.5 ? join(dir, 'fifo.csv') : '/dev/zero'];
      const started = Date.now();
      const r = spawnSync(process.execPath, [CLI, ...args], {
        encoding: 'utf8',
        timeout: RUN_LIMIT_MS,
        killSignal: 'SIGKILL',
      });
      const ms = Date.now() - started;
      slowest = Math.max(slowest, ms);
      const what = `case ${n}: chargeback ${args.join(' ')}\n${r.stderr?.slice(0, 2000)}`;
      assert.equal(r.signal, null, `${what}\ndid not end within ${RUN_LIMIT_MS} ms`);
      assert.ok(r.status === 0 || r.status === 1 || r.status === 2, `${what}\nexit ${r.status}`);
      assert.doesNotMatch(r.stderr, /internal error|RangeError|TypeError|at .*\.js:\d+/, what);
      assert.doesNotMatch(r.stdout + r.stderr, RAW_CONTROL, `${what}\nraw control character in the output`);
      // The rules file is an input of every export: never replaced, --force or not.
      assert.equal(readFileSync(rules, 'utf8'), rulesText, `${what}\nthe rules file was replaced`);
      assert.equal(readFileSync(join(caseDir, 'usage.csv'), 'utf8'), usage, `${what}\na billing file was changed`);
      seen.add(r.status!);
    }
    // The generator reaches all three outcomes (a generator that only made usage errors would prove little).
    assert.deepEqual(
      [...seen].sort(),
      [0, 1, 2],
      `exit codes seen: ${[...seen].join(', ')}; slowest run ${slowest} ms`,
    );
  });
});
