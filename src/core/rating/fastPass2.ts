/**
 * (Part of the fast path: its design, for a newcomer, is in ../fast/README.md.)
 *
 * The second pass of the fast daily check on the spool's rows, in either thread: `ProvedRows` proves a row clean
 * (its totals within the cent, its price inside the band, exactly) or gives a row priced above the band its
 * eup-mismatch (fastVerdict.ts); a row it can do neither with goes back to the caller, which keeps it for the
 * below-band rule or has the reference check it (fastDaily.ts). This thread runs it on its own rows; on a file two
 * threads read, a worker runs it on the worker's rows (`provePart`), writing their findings as the consumer writes
 * them (../findingBlock.ts) and handing back the rows it could not decide, so that this thread checks those in
 * their place between the worker's findings.
 */
import { closeSync, openSync } from 'node:fs';
import type Decimal from 'decimal.js';
import { Dec } from '../money';
import { POW10 } from '../fast/byteCsv';
import { ExactSum, NumberCache } from '../fast/exact';
import { bandKey } from '../fast/bandKey';
import { ChunkClaims } from '../parallel/pool';
import type { Finding } from '../findings';
import { FindingBlockWriter, type FindingBlockData, type FindingBlockSlice, type FindingRender } from '../findingBlock';
import { BIG_1E15, bandInDoubles, flatThresholds } from './fastBand';
import { BATCH, spoolBatches, type PriceInfo } from './fastRange';
import { FailingRowVerdicts, type VerdictGroup } from './fastVerdict';
import {
  F_BT_FRAC,
  F_BT_INT,
  F_BT_NEG,
  F_DAY,
  F_EUP_DEC,
  F_EUP_FRAC,
  F_EUP_INT,
  F_FX,
  F_GROUP,
  F_GROUP_DAY,
  F_INDEX,
  F_KIND,
  F_LINE,
  F_PRICE,
  F_PT,
  F_QTY,
  FIELDS,
} from './spoolFields';

/** What the second pass needs of a rating group (fastDaily.ts's GroupInfo has it). */
export interface Pass2Group extends VerdictGroup {
  rating: number;
  covered: boolean;
  pecIneligible: boolean;
  alwaysReference: boolean;
  /** The fraction as the nearest double (the band's first, inexact look; see bandInDoubles). */
  fractionValue: number;
  /** Index of `currency` in the billed sums. */
  currencyId: number;
}

/** A group's kind as `clean` and `verdict` read it: rated against its band; its rows go to the reference; covered usage (no band). */
const KIND_RATED = 0;
const KIND_REFERENCE = 1;
const KIND_COVERED = 2;

/** Doubles' rounding error bound used by the totals filter (relative), far above the real worst case (~1e-15). */
const REL_ERROR = 1e-12;

/** How a worker's ids translate into this thread's (fastDaily.ts's merge). */
export interface PartIds {
  group: Int32Array;
  day: Int32Array;
  price: Int32Array;
  groupDay: Int32Array;
}

/**
 * A chunk the worker read, for pass 2: its rows in the worker's spool, [from, to), and what to add to their record
 * and line numbers (counted in the worker from its first chunk) to make them the file's.
 */
export interface PartSpool {
  from: number;
  to: number;
  map: PartIds;
  records: number;
  lines: number;
}

/** A batch of the worker's spool in this thread's ids and the file's record and line numbers. */
export function translate(f: Float64Array, count: number, part: PartSpool): void {
  const map = part.map;
  for (let k = 0; k < count; k++) {
    const at = k * FIELDS;
    f[at + F_INDEX] += part.records;
    f[at + F_LINE] += part.lines;
    if (f[at + F_KIND] !== 0) continue;
    f[at + F_GROUP] = map.group[f[at + F_GROUP]];
    f[at + F_DAY] = map.day[f[at + F_DAY]];
    f[at + F_PRICE] = map.price[f[at + F_PRICE]];
    if (f[at + F_GROUP_DAY] >= 0) f[at + F_GROUP_DAY] = map.groupDay[f[at + F_GROUP_DAY]];
  }
}

/** The price list's part in the second pass (this thread only: a run with a price list is not split). */
export interface PriceListRules {
  /** Whether the row's UnitPrice is the list's for its meter and day. */
  listed(g: Pass2Group, dayId: number, priceId: number): boolean;
  /** Whether the meter is tiered on the day (asked once per group-day). */
  tiered(g: Pass2Group, dayId: number): boolean;
  /** The band's thresholds from the reference's rating of tiered prices (null: the reference decides). */
  tieredThresholds(g: Pass2Group, dayId: number, priceId: number, eupDec: number): number[] | null;
}

export interface ProvedRowsContext {
  groups: readonly Pass2Group[];
  prices: readonly PriceInfo[];
  /** Each day id's place among the days in date order. */
  rank: Int32Array;
  /** The group-days' month-to-date sums (hi units, lo units of 10^-15), when this pass keeps them (`store`). */
  groupDays: { hi: Float64Array; lo: Float64Array };
  /** True when every row was summed by the fast path: the band is first tried in doubles from groupDays. */
  store: boolean;
  ratings: number;
  currencies: number;
  priceList?: PriceListRules;
  /**
   * Without `store`, the group-day's month-to-date quantity in units of 10^-15 as the checker sums it (undefined
   * when not known exactly).
   */
  checkerUnits?(g: Pass2Group, dayId: number): bigint | undefined;
  /** Rows of a group's rating group left out of its sums (invalid values): the findings say so. */
  leftOutRows(g: Pass2Group): number;
  eupColumn: string;
  priceTolerance: Decimal;
  emit(f: Finding): void;
  /** Money at stake on rows found wrong, summed in whole cents, told now and then and at `settle`. */
  account(stake: Decimal): void;
}

/**
 * The rows of the second pass that the fast path decides itself: proved clean (`clean`), or given their
 * eup-mismatch (`verdict`). What they add up to (billed sums per currency, money at stake, each rating group's
 * latest day inside the band) is kept here, for the caller to tell the checker and the summary at the end.
 */
export class ProvedRows {
  /** Per rating group, the rank of the latest day a row was proved inside the band (told to the checker at the end). */
  readonly lastInBand: Int32Array;
  readonly billed: ExactSum[];
  /** Currency ids in the order their first row was summed. */
  readonly billedOrder: number[] = [];
  private readonly billedSeen: Uint8Array;
  verdictRows = 0;
  /** Per group-day, with a price list: 0 not looked up yet, 1 flat prices, 2 graduated tiers. */
  private readonly tiersSeen: Uint8Array | undefined;
  /** Exact band thresholds per (group-day, price): lowInt, lowFrac, highInt, highFrac, decimals. */
  private readonly bands = new NumberCache(5);
  private readonly limbs = new Float64Array(32);
  private readonly verdicts: FailingRowVerdicts;
  private readonly cents = { over: 0, under: 0 };
  /**
   * What `clean` reads of every row's group and price, in flat arrays by id: a month in no order meets its groups and
   * prices at random, and reading them from their objects cost a cache miss or two on each row.
   */
  private readonly groupKind: Uint8Array;
  private readonly groupFraction: Float64Array;
  private readonly groupRating: Int32Array;
  private readonly groupCurrency: Int32Array;
  private readonly priceValue: Float64Array;

  constructor(
    private readonly x: ProvedRowsContext,
    groupDayCount: number,
  ) {
    this.lastInBand = new Int32Array(x.ratings).fill(-1);
    this.billed = Array.from({ length: x.currencies }, () => new ExactSum());
    this.billedSeen = new Uint8Array(x.currencies);
    this.tiersSeen = x.priceList ? new Uint8Array(groupDayCount) : undefined;
    const n = x.groups.length;
    this.groupKind = new Uint8Array(n);
    this.groupFraction = new Float64Array(n);
    this.groupRating = new Int32Array(n);
    this.groupCurrency = new Int32Array(n);
    x.groups.forEach((g, i) => {
      this.groupKind[i] = g.pecIneligible || g.alwaysReference ? KIND_REFERENCE : g.covered ? KIND_COVERED : KIND_RATED;
      this.groupFraction[i] = g.fractionValue;
      this.groupRating[i] = g.rating;
      this.groupCurrency[i] = g.currencyId;
    });
    this.priceValue = Float64Array.from(x.prices, (p) => p.value);
    this.verdicts = new FailingRowVerdicts(
      (g) => x.leftOutRows(g as Pass2Group),
      x.eupColumn,
      x.priceTolerance,
      (g, dayId, gd) => this.monthToDateUnits(g as Pass2Group, dayId, gd),
    );
  }

  /**
   * A group-day's month-to-date quantity in units of 10^-15: from the group-days' sums by its id when this pass
   * keeps them (no lookup by group key and day), else the checker's.
   */
  private monthToDateUnits(g: Pass2Group, dayId: number, gd: number): bigint | undefined {
    const x = this.x;
    return x.store ? BigInt(x.groupDays.hi[gd]) * BIG_1E15 + BigInt(x.groupDays.lo[gd]) : x.checkerUnits!(g, dayId);
  }

  /** The billed sum of a currency (noted as seen). */
  billedSum(currencyId: number): ExactSum {
    if (!this.billedSeen[currencyId]) {
      this.billedSeen[currencyId] = 1;
      this.billedOrder.push(currencyId);
    }
    return this.billed[currencyId];
  }

  /**
   * The band test with exact integers (a price too near a bound for bandInDoubles, tiered prices, month-to-date
   * sums held by the checker), its thresholds kept per (group-day, price) for the printed decimals seen.
   */
  private exactBand(
    g: Pass2Group,
    dayId: number,
    gd: number,
    priceId: number,
    tiered: boolean,
    eupDec: number,
    eupInt: number,
    eupFrac: number,
  ): boolean {
    // (rating group, day) names the group-day.
    const band = bandKey(g.rating, dayId, priceId);
    const bands = this.bands;
    let at = bands.find(band);
    const b = bands.data;
    if (at < 0 || b[at + 4] !== eupDec) {
      let thresholds: number[] | null;
      if (tiered) thresholds = this.x.priceList!.tieredThresholds(g, dayId, priceId, eupDec);
      else {
        const Q = this.monthToDateUnits(g, dayId, gd);
        if (Q === undefined) return false;
        const price = this.x.prices[priceId];
        thresholds = flatThresholds(price.P, price.p, g.fractionParts, Q, eupDec);
      }
      if (!thresholds) return false;
      at = bands.put(band);
      b[at] = thresholds[0];
      b[at + 1] = thresholds[1];
      b[at + 2] = thresholds[2];
      b[at + 3] = thresholds[3];
      b[at + 4] = eupDec;
    }
    if (eupInt < b[at] || (eupInt === b[at] && eupFrac < b[at + 1])) return false;
    return !(eupInt > b[at + 2] || (eupInt === b[at + 2] && eupFrac > b[at + 3]));
  }

  /** Whether the spool's row at `at` of `f` is clean: then only its billed amount counts, and it is summed. */
  clean(f: Float64Array, at: number): boolean {
    const x = this.x;
    const group = f[at + F_GROUP];
    const kind = this.groupKind[group];
    if (kind === KIND_REFERENCE) return false;
    const dayId = f[at + F_DAY];
    const priceId = f[at + F_PRICE];
    const eupDec = f[at + F_EUP_DEC] & 15;
    const eupNeg = f[at + F_EUP_DEC] >= 16;
    const eupInt = f[at + F_EUP_INT];
    const eupFrac = f[at + F_EUP_FRAC];
    const eupAbs = eupInt + eupFrac / POW10[eupDec];
    const eup = eupNeg ? -eupAbs : eupAbs;
    const q = f[at + F_QTY];
    const pt = f[at + F_PT];
    if (pt === pt) {
      const p = eup * q;
      if (!(Math.abs(pt - p) <= 0.01 - REL_ERROR * (Math.abs(p) + Math.abs(pt)) - 1e-15)) return false;
    }
    const btAbs = f[at + F_BT_INT] + f[at + F_BT_FRAC] / 1e15;
    const bt = f[at + F_BT_NEG] ? -btAbs : btAbs;
    const exact = eup * q * f[at + F_FX];
    if (!(Math.abs(bt - exact) <= 0.01 - REL_ERROR * (Math.abs(exact) + Math.abs(bt)) - 1e-15)) return false;
    if (x.priceList && !x.priceList.listed(x.groups[group], dayId, priceId)) return false;
    if (kind !== KIND_COVERED) {
      if (eupNeg) return false;
      const gd = f[at + F_GROUP_DAY];
      let tiered = false;
      const tiersSeen = this.tiersSeen;
      if (tiersSeen) {
        if (tiersSeen[gd] === 0) tiersSeen[gd] = x.priceList!.tiered(x.groups[group], dayId) ? 2 : 1;
        tiered = tiersSeen[gd] === 2;
      }
      const verdict =
        x.store && !tiered
          ? bandInDoubles(
              eupInt,
              eupFrac,
              eupDec,
              this.priceValue[priceId] * this.groupFraction[group],
              x.groupDays.hi[gd],
              x.groupDays.lo[gd],
              this.limbs,
            )
          : 0;
      if (
        verdict < 0 ||
        (verdict === 0 && !this.exactBand(x.groups[group], dayId, gd, priceId, tiered, eupDec, eupInt, eupFrac))
      )
        return false;
      const r = x.rank[dayId];
      const rating = this.groupRating[group];
      if (r > this.lastInBand[rating]) this.lastInBand[rating] = r;
    }
    // Clean: only the billed amount counts.
    const sum = this.billedSum(this.groupCurrency[group]);
    if (f[at + F_BT_NEG]) sum.addExact(-f[at + F_BT_INT], -f[at + F_BT_FRAC]);
    else sum.addExact(f[at + F_BT_INT], f[at + F_BT_FRAC]);
    return true;
  }

  /** Whether the row at `at` was proved wrong with the integers (fastVerdict.ts): its finding is emitted, its money summed. */
  verdict(f: Float64Array, at: number): boolean {
    const x = this.x;
    const group = f[at + F_GROUP];
    if (this.groupKind[group] !== KIND_RATED || x.priceList) return false;
    const g = x.groups[group];
    const finding = this.verdicts.verdict(f, at, g, x.prices[f[at + F_PRICE]]);
    if (!finding) return false;
    const cents = this.verdicts.cents;
    this.verdictRows++;
    x.emit(finding);
    if (cents > 0) this.cents.over += cents;
    else this.cents.under += cents;
    if (Math.abs(this.cents.over) > 2 ** 50 || Math.abs(this.cents.under) > 2 ** 50) this.settle();
    this.billedSum(this.groupCurrency[group]).addExact(
      f[at + F_BT_NEG] ? -f[at + F_BT_INT] : f[at + F_BT_INT],
      f[at + F_BT_NEG] ? -f[at + F_BT_FRAC] : f[at + F_BT_FRAC],
    );
    return true;
  }

  /** Adds what the worker's ProvedRows summed (provePart's answer). */
  addPart(r: ProvedPart): void {
    r.lastInBand.forEach((rank, rating) => {
      if (rank > this.lastInBand[rating]) this.lastInBand[rating] = rank;
    });
    for (let k = 0; k < r.billed.length; k += 3) this.billedSum(r.billed[k]).addExact(r.billed[k + 1], r.billed[k + 2]);
    for (const stake of r.stakes) this.x.account(new Dec(stake));
    this.verdictRows += r.verdictRows;
  }

  /** Tells the money at stake summed so far. */
  settle(): void {
    if (this.cents.over !== 0) this.x.account(new Dec(this.cents.over).div(100));
    if (this.cents.under !== 0) this.x.account(new Dec(this.cents.under).div(100));
    this.cents.over = 0;
    this.cents.under = 0;
  }
}

/**
 * A rating group as it crosses to the worker: its fraction as text (a Decimal does not cross), without its group
 * key (long, and asked for nothing there: the rows left out of its sums come by group id).
 */
export type PartGroup = Omit<Pass2Group, 'fraction' | 'groupKey'> & { fraction: string };

/** The second pass of the worker's rows, in the worker (checkWorker.ts). */
export interface ProvePartTask {
  kind: 'prove';
  spoolFile: string;
  parts: PartSpool[];
  groups: PartGroup[];
  prices: PriceInfo[];
  rank: Int32Array;
  hi: Float64Array;
  lo: Float64Array;
  ratings: number;
  currencies: number;
  /** Rows left out of their rating group's sums, for the groups (ids) that have any. */
  leftOut: [number, number][];
  eupColumn: string;
  priceTolerance: string;
  render: FindingRender;
  /** Where the findings' text goes. */
  outFile: string;
  /**
   * Rows the worker hands back at most; past it, it stops, and this thread checks the rows of every chunk the
   * worker claimed itself.
   */
  maxDeferred: number;
  /** The parts both threads claim (ChunkClaims' buffer): this thread from the front, the worker from the back. */
  claims: SharedArrayBuffer;
}

/** The rows of one chunk of the worker's, as the worker proved them. */
export interface ProvedChunk {
  /** The chunk's index in the task's parts. */
  part: number;
  /** Its findings in the block, [from, to), and their text, [bytesFrom, bytesTo). */
  from: number;
  to: number;
  bytesFrom: number;
  bytesTo: number;
  /** The rows it could not decide, FIELDS numbers each, in this thread's ids and the file's numbers. */
  deferred: Float64Array;
  /** Per such row: findings and bytes of text in the block before it. */
  before: Float64Array;
}

/** The worker's answer when it proved every chunk it claimed. */
export interface ProvedPart {
  done: true;
  block: FindingBlockData;
  /** The chunks the worker claimed (from the back), in the order it proved them. */
  chunks: ProvedChunk[];
  lastInBand: Int32Array;
  /** Billed sums per currency id, in the order they were first summed: id, hi, lo. */
  billed: number[];
  /** Money at stake, as the text of decimals. */
  stakes: string[];
  verdictRows: number;
}

export type ProvePartResult = { done: false } | ProvedPart;

/** The groups as they cross to the worker (PartGroup). */
export function partGroups(groups: readonly Pass2Group[]): PartGroup[] {
  return groups.map((g) => ({
    id: g.id,
    rating: g.rating,
    covered: g.covered,
    pecIneligible: g.pecIneligible,
    alwaysReference: g.alwaysReference,
    fraction: g.fraction.toString(),
    fractionParts: g.fractionParts,
    fractionValue: g.fractionValue,
    meterId: g.meterId,
    currency: g.currency,
    currencyId: g.currencyId,
  }));
}

/**
 * Says the worker's chunks in file order, each in its place: a run of its findings (a slice of the block, to
 * `emitBlock`), then the row it handed back (to `checkRow`, which checks it here), and so on.
 */
export function sayProvedChunks(
  r: ProvedPart,
  emitBlock: (s: FindingBlockSlice) => void,
  checkRow: (f: Float64Array, at: number) => void,
): void {
  const block = r.block;
  for (const chunk of [...r.chunks].sort((x, y) => x.part - y.part)) {
    let from = chunk.from;
    let bytesFrom = chunk.bytesFrom;
    const say = (to: number, bytesTo: number): void => {
      if (to > from) emitBlock({ block, from, to, bytesFrom, bytesTo });
      from = to;
      bytesFrom = bytesTo;
    };
    for (let i = 0; i < chunk.before.length / 2; i++) {
      say(chunk.before[2 * i], chunk.before[2 * i + 1]);
      checkRow(chunk.deferred, i * FIELDS);
    }
    say(chunk.to, chunk.bytesTo);
  }
}

/**
 * Runs ProvedRows over the worker's chunks, claimed from the back while the other thread, done with its own rows,
 * claims them from the front: each chunk's findings a segment of the block of their own.
 */
export async function provePart(task: ProvePartTask): Promise<ProvePartResult> {
  const groups: Pass2Group[] = task.groups.map((g) => ({ ...g, groupKey: '', fraction: new Dec(g.fraction) }));
  const leftOut = new Map(task.leftOut);
  const writer = new FindingBlockWriter(task.render, task.outFile);
  const stakes: string[] = [];
  const { hi, lo } = task;
  const rows = new ProvedRows(
    {
      groups,
      prices: task.prices,
      rank: task.rank,
      groupDays: { hi, lo },
      store: true,
      ratings: task.ratings,
      currencies: task.currencies,
      leftOutRows: (g) => leftOut.get(g.id) ?? 0,
      eupColumn: task.eupColumn,
      priceTolerance: new Dec(task.priceTolerance),
      emit: (f) => writer.add(f),
      account: (stake) => void stakes.push(stake.toString()),
    },
    0,
  );
  const claims = new ChunkClaims(task.claims);
  const chunks: ProvedChunk[] = [];
  let deferredRows = 0;
  const fd = openSync(task.spoolFile, 'r');
  const batch = new Float64Array(FIELDS * BATCH);
  try {
    for (let c = claims.back(); c >= 0; c = claims.back()) {
      const part = task.parts[c];
      writer.segment();
      const from = writer.count;
      const bytesFrom = writer.bytes;
      let deferred = new Float64Array(0);
      const before: number[] = [];
      for (const { rows: f, count } of spoolBatches(fd, part.from, part.to, batch)) {
        translate(f, count, part);
        for (let k = 0; k < count; k++) {
          const at = k * FIELDS;
          if (f[at + F_KIND] === 0 && (rows.clean(f, at) || rows.verdict(f, at))) continue;
          if (++deferredRows > task.maxDeferred) return { done: false };
          const n = before.length / 2;
          if ((n + 1) * FIELDS > deferred.length) {
            const more = new Float64Array(Math.max(64, 2 * n) * FIELDS);
            more.set(deferred);
            deferred = more;
          }
          deferred.set(f.subarray(at, at + FIELDS), n * FIELDS);
          before.push(writer.count, writer.bytes);
        }
      }
      chunks.push({
        part: c,
        from,
        to: writer.count,
        bytesFrom,
        bytesTo: writer.bytes,
        deferred: deferred.slice(0, (before.length / 2) * FIELDS),
        before: Float64Array.from(before),
      });
    }
    rows.settle();
    const billed: number[] = [];
    for (const c of rows.billedOrder) billed.push(c, rows.billed[c].hi, rows.billed[c].lo);
    return {
      done: true,
      block: writer.finish(),
      chunks,
      lastInBand: rows.lastInBand,
      billed,
      stakes,
      verdictRows: rows.verdictRows,
    };
  } finally {
    closeSync(fd);
    writer.close();
  }
}
