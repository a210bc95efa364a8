import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GroupLane,
  LANE_MAX_GROUPS,
  LANE_AMOUNT,
  LANE_CHECKED,
  LANE_DATE,
  LANE_FIRST,
  LANE_NEW_GROUP,
  LANE_RAGGED,
  ParsedNumber,
  fileScanner,
  parsePlainDecimal,
  scanRecords,
  type ByteRecord,
  type GroupLaneConfig,
} from '../../src/core/fast/byteCsv';
import { withFastPathTesting } from '../../src/core/fast/fastPathTesting';
import { seededRandom } from '../fixtures/allocation/lines';

/**
 * The grouping lane (scanner.wat) against a plain JavaScript grouping of the records scanRecords finds. Rows count
 * when their amount is a plain decimal other than a negative zero; the lane sums some of them itself and hands the
 * others to the handler below, which sums them on its own side: together they must give every group's exact sum,
 * row count, first eight lines and first and last dates, and the lane must hand over exactly the ragged records.
 */

const E15 = 10n ** 15n;

/** The number `counts` parsed last (this test's own scratch). */
const num = new ParsedNumber();

/** The value last parsed into num, in units of 10^-15. */
function parsedFemtos(): bigint {
  const v = BigInt(num.int) * E15 + BigInt(num.frac) * 10n ** BigInt(15 - num.decimals);
  return num.neg ? -v : v;
}

function counts(r: ByteRecord, c: number): boolean {
  return (
    r.flags[c] !== 2 &&
    parsePlainDecimal(r.buf, r.start[c], r.end[c], num) &&
    !(num.neg && num.int === 0 && num.frac === 0)
  );
}

function keyOf(r: ByteRecord, columns: readonly number[]): string {
  return columns.map((c) => `${r.flags[c]}:${r.buf.toString('latin1', r.start[c], r.end[c])}`).join('|');
}

function dateNumber(r: ByteRecord, c: number): number {
  if (c < 0 || r.start[c] === r.end[c]) return 0;
  const t = r.buf.toString('latin1', r.start[c], r.end[c]);
  return /^\d{4}-\d{2}-\d{2}$/.test(t) ? Number(t.replace(/-/g, '')) : -1;
}

interface Tally {
  rows: number;
  femtos: bigint;
  lines: number[];
  first: number;
  last: number;
}

function tallyRow(t: Map<string, Tally>, key: string, femtos: bigint, line: number, date: number): void {
  let e = t.get(key);
  if (!e) t.set(key, (e = { rows: 0, femtos: 0n, lines: [], first: 0, last: 0 }));
  e.rows++;
  e.femtos += femtos;
  e.lines.push(line);
  if (date > 0) {
    if (e.first === 0 || date < e.first) e.first = date;
    if (date > e.last) e.last = date;
  }
}

function finish(t: Map<string, Tally>): Map<string, Tally> {
  for (const e of t.values()) e.lines = e.lines.sort((a, b) => a - b).slice(0, 8);
  return t;
}

/** What a plain JavaScript grouping finds, from scanRecords. */
function reference(
  path: string,
  config: GroupLaneConfig,
): {
  groups: Map<string, Tally>;
  ragged: number[];
  records: number;
  lines: number;
  endOffset: number;
  irregular: boolean;
} {
  const groups = new Map<string, Tally>();
  const ragged: number[] = [];
  const res = scanRecords({ path }, (r) => {
    let isRagged = r.cells < config.width;
    for (let c = config.width; c < r.cells; c++) if (r.end[c] !== r.start[c]) isRagged = true;
    if (isRagged) return void ragged.push(r.index);
    if (r.index === 0) return;
    if (!counts(r, config.sumColumn)) return;
    tallyRow(
      groups,
      keyOf(r, config.keyColumns),
      parsedFemtos(),
      r.line + 1,
      Math.max(0, dateNumber(r, config.dateColumn)),
    );
  });
  return {
    groups: finish(groups),
    ragged,
    records: res.records,
    lines: res.lines,
    endOffset: res.endOffset,
    irregular: !!res.irregular,
  };
}

/** The lane over [0, size) in slices cut at `cuts` (record starts), its events handled as allocation does. */
function laneGroups(
  path: string,
  config: GroupLaneConfig,
  cuts: number[],
  chunkBytes: number,
  checkedKey: (key: string) => boolean,
) {
  const lane = GroupLane.acquire(config);
  assert.ok(lane, 'the lane is free');
  try {
    const js = new Map<string, Tally>();
    const keys: string[] = [];
    const ragged: number[] = [];
    const reasons = new Set<number>();
    let records = 0;
    let lines = 0;
    let endOffset = 0;
    let irregular = false;
    for (let k = 0; k + 1 < cuts.length; k++) {
      const res = lane.scan(
        path,
        (r, reason, group) => {
          reasons.add(reason);
          const index = records + r.index;
          if (reason === LANE_RAGGED) return void ragged.push(index);
          if (reason === LANE_FIRST) {
            assert.equal(index, 0, 'only the first record of the file is LANE_FIRST');
            return;
          }
          const key = keyOf(r, config.keyColumns);
          const date = dateNumber(r, config.dateColumn);
          if (reason === LANE_DATE) lane.addDate(r, date);
          let g = reason === LANE_DATE ? lane.find() : group;
          if (reason === LANE_NEW_GROUP) assert.equal(g, -1);
          if (g < 0) {
            g = lane.insert(checkedKey(key));
            if (g < 0) assert.equal(keys.length, LANE_MAX_GROUPS, 'insert fails only when the lane is full');
            else {
              assert.equal(g, keys.length, 'groups are numbered in order');
              keys.push(key);
            }
          }
          if (g >= 0) assert.equal(keys[g], key, 'the lane found the group of these key bytes');
          if (counts(r, config.sumColumn)) tallyRow(js, key, parsedFemtos(), lines + r.line + 1, Math.max(0, date));
        },
        { from: cuts[k], to: cuts[k + 1], lineBase: lines, first: cuts[k] === 0, chunkBytes },
      );
      records += res.records;
      lines += res.lines;
      endOffset = res.endOffset;
      if (res.irregular) {
        irregular = true;
        break;
      }
    }
    const groups = new Map<string, Tally>();
    const own = Array.from({ length: lane.size }, (_, id) => lane.group(id));
    for (const [key, t] of js) groups.set(key, { ...t, lines: [...t.lines] });
    for (let id = 0; id < lane.size; id++) {
      const g = lane.group(id);
      if (g.rows === 0) continue;
      let e = groups.get(keys[id]);
      if (!e) groups.set(keys[id], (e = { rows: 0, femtos: 0n, lines: [], first: 0, last: 0 }));
      e.rows += g.rows;
      e.femtos += g.units * E15 + g.femtos;
      assert.ok(g.femtos >= 0n && g.femtos < E15, 'femtos stay below a unit');
      e.lines.push(...g.lines);
      if (g.firstDate > 0 && (e.first === 0 || g.firstDate < e.first)) e.first = g.firstDate;
      if (g.lastDate > e.last) e.last = g.lastDate;
    }
    return { groups: finish(groups), ragged, records, lines, endOffset, irregular, reasons, own };
  } finally {
    lane.release();
  }
}

const KEYS = [
  'a',
  'b',
  '"a"',
  '"q""x"',
  '',
  '"a,b"',
  '"multi\nline"',
  '"cr\r\nlf"',
  'a-longer-key-value-of-thirty-bytes',
  'é€',
];
const AMOUNTS = [
  '1.5',
  '-2.25',
  '0',
  '-0',
  '-0.000',
  '123456789012345',
  '4294967296',
  '4294967295.999999999999999',
  '1e3',
  ' 1',
  '',
  '"2.5"',
  '"1""5"',
  '0.123456789012345',
  '0.1234567890123456',
  '12.',
  '.5',
  '-',
  '7',
  '0.01',
  '-0.01',
  '999999999.99',
];
const DATES = [
  '2026-08-01',
  '2026-08-02',
  '2026-08-17',
  '2026-07-31',
  '2026-08-31',
  '8/3/2026',
  'bad',
  '',
  '2026-08-01T00:00:00.000Z',
  '"2026-08-05"',
];
const CHECKS = ['', '1.5', 'n/a', '"3"', '"1""2"'];

function month(rnd: () => number, width: number): string {
  const eol = rnd() < 0.5 ? '\r\n' : rnd() < 0.9 ? '\n' : '\r';
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const rows = [Array.from({ length: width }, (_, c) => `h${c}`).join(',')];
  const n = Math.floor(rnd() * 80);
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.03) {
      rows.push('');
      continue;
    }
    const cells = [pick(KEYS), pick(AMOUNTS), pick(KEYS), pick(DATES), pick(CHECKS)].slice(0, width);
    const shape = rnd();
    if (shape < 0.03) cells.pop();
    else if (shape < 0.06) cells.push('');
    else if (shape < 0.08) cells.push('extra');
    rows.push(cells.join(','));
  }
  let text = rows.join(eol) + (rnd() < 0.5 ? eol : '');
  if (rnd() < 0.1) text = '\uFEFF' + text;
  return text;
}

describe('the grouping lane (WebAssembly) against a JavaScript grouping', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fc-lane-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs where the scanner does (Node 20 has WebAssembly SIMD)', () => {
    assert.equal(fileScanner(), 'wasm');
  });

  /** The lane against the reference on `files` fuzzed files; the LANE_* reasons it handed over. */
  function fuzz(seed: number, files: number): Set<number> {
    const rnd = seededRandom(seed);
    const seen = new Set<number>();
    for (let n = 0; n < files; n++) {
      const width = rnd() < 0.5 ? 5 : 4;
      const config: GroupLaneConfig = {
        width,
        keyColumns: rnd() < 0.5 ? [0, 2] : [2],
        sumColumn: 1,
        dateColumn: rnd() < 0.9 ? 3 : -1,
        checkColumns: width === 5 ? [4] : [],
      };
      const text = month(rnd, width);
      const path = join(dir, `m${n}.csv`);
      writeFileSync(path, text);
      const ref = reference(path, config);
      assert.equal(ref.irregular, false);
      // Cut at record starts found by scanRecords; reads of at least the longest record.
      const starts: number[] = [];
      let longest = 0;
      scanRecords({ path }, (r) => {
        starts.push(r.base + r.recordStart);
        longest = Math.max(longest, r.recordEnd - r.recordStart);
      });
      const cuts = [0, ...starts.filter((s, k) => k > 0 && rnd() < 0.1), Buffer.byteLength(text)];
      const chunkBytes = rnd() < 0.5 ? longest + 4 + Math.floor(rnd() * 40) : 1 << 20;
      const lane = laneGroups(path, config, cuts, chunkBytes, (key) => key.startsWith('0:b'));
      const where = `file ${n} (${JSON.stringify(text.slice(0, 200))}..., cuts ${cuts.join(',')}, reads of ${chunkBytes})`;
      assert.equal(lane.irregular, false, where);
      assert.deepEqual(lane.ragged, ref.ragged, `ragged records, ${where}`);
      assert.equal(lane.records, ref.records, `records, ${where}`);
      assert.equal(lane.lines, ref.lines, `lines, ${where}`);
      assert.equal(lane.endOffset, ref.endOffset, `end offset, ${where}`);
      assert.deepEqual(lane.groups, ref.groups, `groups, ${where}`);
      for (const r of lane.reasons) seen.add(r);
    }
    return seen;
  }

  it('gives every group the exact sum, rows, first lines and dates on 400 fuzzed files, in slices and small reads', () => {
    const seen = fuzz(20261123, 400);
    // Every kind of hand-over happened somewhere in the corpus.
    for (const r of [LANE_RAGGED, LANE_FIRST, LANE_DATE, LANE_NEW_GROUP, LANE_AMOUNT, LANE_CHECKED])
      assert.ok(seen.has(r), `reason ${r} was exercised`);
  });

  it('tells groups apart by their bytes alone when every key has the same hash (150 fuzzed files)', async () => {
    await withFastPathTesting({ laneConstantHash: true }, async () => void fuzz(20261202, 150));
  });

  it('keeps keys longer than sixteen bytes apart when they differ only in their last byte, or in where a cell ends', async () => {
    // Lengths around the comparison's steps (16 bytes, then 8, then the rest under a mask).
    const rows = ['k,v,d,j'];
    const keys: [string, string][] = [];
    for (const n of [15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 47, 48, 49, 100]) {
      const stem = 'x'.repeat(n - 1);
      for (const last of ['A', 'B', 'C']) keys.push([stem + last, 'j']);
      // The same bytes cut at another place between the two key cells.
      keys.push([stem, 'Aj'], [stem + 'Aj', ''], [`"${stem}A"`, 'j']);
    }
    for (let round = 0; round < 3; round++) keys.forEach(([a, b], k) => rows.push(`${a},${k % 7}.25,2026-08-01,${b}`));
    const path = join(dir, 'long-keys.csv');
    const text = rows.join('\n');
    writeFileSync(path, text);
    const config: GroupLaneConfig = { width: 4, keyColumns: [0, 3], sumColumn: 1, dateColumn: 2, checkColumns: [] };
    for (const constantHash of [false, true]) {
      await withFastPathTesting({ laneConstantHash: constantHash }, async () => {
        const ref = reference(path, config);
        assert.equal(ref.groups.size, keys.length, 'every key is a group of its own');
        const lane = laneGroups(path, config, [0, Buffer.byteLength(text)], 1 << 20, () => false);
        assert.deepEqual(lane.groups, ref.groups, `constant hash: ${constantHash}`);
        assert.equal(lane.own.length, keys.length);
        // The second and third rows of every key were summed by the lane itself.
        for (const g of lane.own) assert.equal(g.rows, 2);
      });
    }
  });

  it('holds LANE_MAX_GROUPS groups and hands the rows of every key past them to JavaScript', () => {
    const extra = 300;
    const n = LANE_MAX_GROUPS + extra;
    const rows = ['k,v,d'];
    for (let round = 0; round < 2; round++) for (let k = 0; k < n; k++) rows.push(`key-${k},1.5,2026-08-01`);
    const path = join(dir, 'full.csv');
    const text = rows.join('\n');
    writeFileSync(path, text);
    const config: GroupLaneConfig = { width: 3, keyColumns: [0], sumColumn: 1, dateColumn: 2, checkColumns: [] };
    const ref = reference(path, config);
    const lane = laneGroups(path, config, [0, Buffer.byteLength(text)], 1 << 20, () => false);
    assert.deepEqual(lane.groups, ref.groups);
    assert.equal(lane.own.length, LANE_MAX_GROUPS, 'the lane is full');
    assert.ok(
      lane.own.every((g) => g.rows === 1),
      'the second row of each of its groups was summed by the lane',
    );
  });

  it('sums a million-unit spread exactly where doubles would not (10^-15 steps over many rows)', () => {
    const rows = ['k,v,d'];
    for (let i = 0; i < 5000; i++)
      rows.push(`x,${i % 2 ? '4294967295.000000000000001' : '-0.999999999999999'},2026-08-0${1 + (i % 9)}`);
    const path = join(dir, 'exact.csv');
    writeFileSync(path, rows.join('\n'));
    const config: GroupLaneConfig = { width: 3, keyColumns: [0], sumColumn: 1, dateColumn: 2, checkColumns: [] };
    const ref = reference(path, config);
    const lane = laneGroups(path, config, [0, Buffer.byteLength(rows.join('\n'))], 1 << 20, () => false);
    assert.deepEqual(lane.groups, ref.groups);
    const expected = 2500n * (4294967295n * E15 + 1n) - 2500n * 999999999999999n;
    assert.equal(lane.groups.get('0:x')!.femtos, expected);
    assert.deepEqual([lane.groups.get('0:x')!.first, lane.groups.get('0:x')!.last], [20260801, 20260809]);
    // The first nine rows (a new group, then a new date each) went to JavaScript; the lane kept the next eight lines.
    assert.equal(lane.own[0].rows, 5000 - 9);
    assert.deepEqual(lane.own[0].lines, [11, 12, 13, 14, 15, 16, 17, 18]);
  });

  it('gives up on irregular CSV where scanRecords does, and is taken by one reader at a time', () => {
    const path = join(dir, 'broken.csv');
    writeFileSync(path, 'k,v,d\na,1,2026-08-01\n"a"x,2,2026-08-01\n');
    const config: GroupLaneConfig = { width: 3, keyColumns: [0], sumColumn: 1, dateColumn: 2, checkColumns: [] };
    const lane = laneGroups(path, config, [0, 100], 1 << 20, () => false);
    assert.equal(lane.irregular, true);
    const held = GroupLane.acquire(config);
    assert.ok(held);
    try {
      assert.equal(GroupLane.acquire(config), null, 'a second reader in the same thread reads its own way');
    } finally {
      held.release();
    }
  });
});
