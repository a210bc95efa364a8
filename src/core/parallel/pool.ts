/**
 * The second core: runs tasks of the fast readers in worker threads (one per task, at most one per core). The
 * caller names its worker script (an entry point beside its own code, e.g. ../allocation/worker.ts), so that this
 * module depends on no reader: the build emits the bundled script as dist/worker.js.
 *
 * Workers are an optimization, never a requirement: `parallelism()` says 1 when there is a single core, when the
 * worker script is missing, or when FINOPS_CHARGEBACK_WORKERS=1, and callers then do the same work in-thread.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, parentPort, workerData, type ResourceLimits } from 'node:worker_threads';

/** Files at least this big are cut into ranges read by worker threads (when there is more than one core). */
export const PARALLEL_BYTES = 48 << 20;

/**
 * The first windows of a big file, read in this thread before any worker starts, tell a grouped month from one
 * whose rows come in no order. Grouped months show a group (a class, a rating group) per 25-30 rows there,
 * shuffled ones with thousands of groups one per one or two rows; in those every range holds most groups, and a
 * second thread costs more (a second lane of every key, a merge of each) than it saves.
 */
export const PROBE_WINDOWS: readonly number[] = [4 << 20, 16 << 20];
/** A window with at most one group per GROUPED rows is grouped: workers start then. */
const GROUPED = 8;
/** The last window with more than one group per DENSE rows is dense: the file is read in this thread alone. */
const DENSE = 4;

/** What a probe window says: start the workers, read alone, or (before the last window) read on to the next. */
export function probeVerdict(records: number, groups: number, last: boolean): 'workers' | 'alone' | undefined {
  if (groups * GROUPED <= records) return 'workers';
  if (!last) return undefined;
  return groups * DENSE > records ? 'alone' : 'workers';
}

/** How many workers a big read may use. */
export function parallelism(script: string): number {
  const forced = Number(process.env.FINOPS_CHARGEBACK_WORKERS);
  if (Number.isInteger(forced) && forced >= 1) return existsSync(script) ? Math.min(forced, 8) : 1;
  if (!existsSync(script)) return 1;
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/** True when FINOPS_CHARGEBACK_WORKERS sets the number of threads: readers then use them as given. */
export function workersForced(): boolean {
  const forced = Number(process.env.FINOPS_CHARGEBACK_WORKERS);
  return Number.isInteger(forced) && forced >= 1;
}

/**
 * Runs each task in a worker of its own (the script `script`) and resolves with their answers, in task order.
 * `resourceLimits`: the workers' heap sizes (default: V8's).
 */
export function runInWorkers<T, R>(
  script: string,
  tasks: readonly T[],
  signal?: AbortSignal,
  resourceLimits?: ResourceLimits,
): Promise<R[]> {
  const workers: Worker[] = [];
  const answers = tasks.map(
    (task) =>
      new Promise<R>((resolve, reject) => {
        const w = new Worker(script, { workerData: task, resourceLimits });
        workers.push(w);
        let settled = false;
        w.once('message', (m: { ok: true; value: R } | { ok: false; error: string }) => {
          settled = true;
          if (m.ok) resolve(m.value);
          else reject(new Error(m.error));
        });
        w.once('error', (e) => {
          settled = true;
          reject(e);
        });
        w.once('exit', (code) => {
          if (!settled) reject(new Error(`a worker stopped (exit code ${code}) before answering`));
        });
      }),
  );
  const stop = (): void => {
    for (const w of workers) void w.terminate();
  };
  signal?.addEventListener('abort', stop, { once: true });
  return Promise.all(answers).finally(() => {
    signal?.removeEventListener('abort', stop);
    stop();
  });
}

/**
 * The body of a worker script: runs the task it was started with (workerData) and posts one answer, the value or
 * the error's text, then lets the thread end.
 */
export function serveTask<T, R>(run: (task: T) => Promise<R>): void {
  const task = workerData as T;
  run(task).then(
    (value) => parentPort!.postMessage({ ok: true, value }),
    (e: unknown) =>
      parentPort!.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
}

/** Reads `length` bytes of a file at `offset` (fewer at its end), for cutPoints. */
export function bytesOf(path: string): (offset: number, length: number) => Uint8Array {
  return (offset, length) => {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  };
}

/**
 * Where to cut the bytes [from, total) of a file into `parts` byte ranges: just after a line break near each cut (a
 * guess: a line break inside a quoted cell is not a record's end, which the reader of the range before finds out).
 */
export function cutPoints(
  bytesAt: (offset: number, length: number) => Uint8Array,
  total: number,
  parts: number,
  from = 0,
): number[] {
  const cuts = [from];
  for (let p = 1; p < parts; p++) {
    let at = from + Math.floor(((total - from) * p) / parts);
    const window = bytesAt(at, 1 << 16);
    const nl = window.indexOf(10);
    if (nl < 0) break;
    at += nl + 1;
    if (at <= cuts[cuts.length - 1] || at >= total) break;
    cuts.push(at);
  }
  cuts.push(total);
  return cuts;
}

/**
 * Chunks of a file shared by two threads that read it from both ends: this thread claims chunks from the front, a
 * worker from the back, each the next one not yet claimed, until they meet; so this thread's chunks are a prefix of
 * the file and the worker's the rest, wherever each thread's speed puts the meeting point. The state is one word of
 * a SharedArrayBuffer (the first unclaimed chunk, and the end of the unclaimed ones, x 2^16), changed by
 * compare-and-swap.
 */
export class ChunkClaims {
  /** The most chunks a file is cut into (both numbers fit in the 31 bits of one word). */
  static readonly MAX = 32_767;
  private readonly word: Int32Array;

  /** Claims over chunks [first, end) (create), or the claims another thread created (its `buffer`). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.word = new Int32Array(buffer);
  }

  static create(first: number, end: number): ChunkClaims {
    if (!(0 <= first && first <= end && end <= ChunkClaims.MAX)) throw new RangeError(`chunks ${first}..${end}`);
    const claims = new ChunkClaims(new SharedArrayBuffer(4));
    claims.word[0] = first + end * 65536;
    return claims;
  }

  /** Chunks claimed from the back so far (of `end` chunks created). */
  claimedFromBack(end: number): number {
    return end - (Atomics.load(this.word, 0) >>> 16);
  }

  /** The first unclaimed chunk, now claimed; -1 when none is left. */
  front(): number {
    return this.claim(true);
  }

  /** The last unclaimed chunk, now claimed; -1 when none is left. */
  back(): number {
    return this.claim(false);
  }

  private claim(front: boolean): number {
    for (;;) {
      const v = Atomics.load(this.word, 0);
      const first = v & 0xffff;
      const end = v >>> 16;
      if (first >= end) return -1;
      const next = front ? first + 1 + end * 65536 : first + (end - 1) * 65536;
      if (Atomics.compareExchange(this.word, 0, v, next) === v) return front ? first : end - 1;
    }
  }
}
