/**
 * The second core: runs tasks of the fast readers in worker threads (one per task, at most one per core). The
 * caller names its worker script (an entry point beside its own code, e.g. ../allocation/worker.ts), so that this
 * module depends on no reader: the build emits the bundled script as dist/worker.js.
 *
 * Workers are an optimization, never a requirement: `parallelism()` says 1 when there is a single core, when the
 * worker script is missing, or when FINOPS_CHARGEBACK_WORKERS=1, and callers then do the same work in-thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

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

/** Runs each task in a worker of its own (the script `script`) and resolves with their answers, in task order. */
export function runInWorkers<T, R>(script: string, tasks: readonly T[], signal?: AbortSignal): Promise<R[]> {
  const workers: Worker[] = [];
  const answers = tasks.map(
    (task) =>
      new Promise<R>((resolve, reject) => {
        const w = new Worker(script, { workerData: task });
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

/** Where to cut a file into `parts` byte ranges: just after a line break near each cut (a guess, checked later). */
export function cutPoints(
  bytesAt: (offset: number, length: number) => Uint8Array,
  total: number,
  parts: number,
): number[] {
  const cuts = [0];
  for (let p = 1; p < parts; p++) {
    let at = Math.floor((total * p) / parts);
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
