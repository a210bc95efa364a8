/**
 * (Part of the fast path: its design, for a newcomer, is in README.md.)
 *
 * The fast readers' switches that only tests turn, kept out of the options users and callers see (the check's
 * RunOptions, ReadCostLinesOptions, RulesRunOptions): nobody has a reason to set them in use, yet the differential
 * tests must force the paths the fast readers choose between (the WebAssembly lane filling up, worker threads on a
 * small file) and learn which path a check took. Tests set them only through withFastPathTesting, which puts the
 * defaults back when its callback ends, so that no setting outlives the test that made it.
 */

/** What the fast daily check did on one file. */
export interface FastCheckStats {
  /** The fast path checked the file (false: the reference path read it all). */
  fast: boolean;
  /** Rows that took the reference path, per pass. */
  referenceRows?: [number, number];
  /** Rows proved wrong whose finding the fast path made itself (fastVerdict.ts). */
  verdictRows?: number;
  /** Rating groups found by the WebAssembly lane and by the JavaScript table. */
  laneGroups?: number;
  tableGroups?: number;
  /** Threads whose chunks the first pass merged (1: this thread alone read the file). */
  ranges?: number;
  /** The two threads' chunks did not join (a cut inside a quoted line break, a key not valid): read again in one. */
  readAgain?: boolean;
  /** Chunks whose second pass a worker thread did, writing their findings itself (0: this thread did every row). */
  provedChunks?: number;
}

export interface FastPathTesting {
  /** Rating groups the fast check keeps in its WebAssembly lane before its JavaScript table takes the rest. */
  laneGroups: number;
  /** Files at least this big are read by the fast readers' worker threads (undefined: their default). */
  parallelBytes: number | undefined;
  /** The chunks the daily check's two threads claim (undefined: its default, 32 MiB). */
  chunkBytes: number | undefined;
  /**
   * The daily check's worker claims its first chunk before this thread claims any: a file of a few MB is otherwise
   * read by this thread alone before the worker has started.
   */
  workerClaimsFirst: boolean;
  /** Told what the daily check did, at the end of each check. */
  onCheck: ((stats: FastCheckStats) => void) | undefined;
  /** Lanes acquired while set give every key the same hash: groups are then told apart by their bytes alone. */
  laneConstantHash: boolean;
  /**
   * In the daily check's second pass, this thread claims none of the worker's chunks (it otherwise takes those the
   * worker has not claimed yet once done with its own): the worker proves them all.
   */
  workerProvesEveryChunk: boolean;
  /** The old generation of the daily check's second-pass worker, in MB (undefined: sized from the month). */
  proveHeapMb: number | undefined;
  /** Rows the second-pass worker hands back at most (undefined: its default). */
  maxDeferred: number | undefined;
  /**
   * Bytes in memory are scanned by scanOne where they are, with no lane, even by a reader that would copy them into
   * the WebAssembly scanner's windows (ScanOptions.windowed): keeps the JavaScript scanner and byte-key table
   * covered on the inputs the tests make in memory.
   */
  jsScannerInMemory: boolean;
}

const DEFAULTS: FastPathTesting = {
  laneGroups: Infinity,
  parallelBytes: undefined,
  chunkBytes: undefined,
  workerClaimsFirst: false,
  onCheck: undefined,
  laneConstantHash: false,
  workerProvesEveryChunk: false,
  proveHeapMb: undefined,
  maxDeferred: undefined,
  jsScannerInMemory: false,
};

/** The settings in force (the defaults, except inside withFastPathTesting). */
export const fastPathTesting: Readonly<FastPathTesting> = { ...DEFAULTS };

/** Runs `body` with `settings` in force, then puts back what was in force before (also when it throws). */
export async function withFastPathTesting<T>(settings: Partial<FastPathTesting>, body: () => Promise<T>): Promise<T> {
  const current = fastPathTesting as FastPathTesting;
  const before = { ...current };
  Object.assign(current, settings);
  try {
    return await body();
  } finally {
    Object.assign(current, before);
  }
}
