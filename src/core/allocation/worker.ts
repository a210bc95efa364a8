/**
 * Entry point of the worker threads the fast cost-line reader starts (through ../parallel/pool.ts): reads the task
 * from workerData, runs it, posts one answer and ends. It lives with the code it runs, so that the pool knows no
 * task of its own. Emitted as worker.js next to the code that starts it: out/src/core/allocation/ by tsc, dist/ by
 * the build.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { aggregateDailyRange, type AggregateTask } from './costLines';

type Task = AggregateTask;

async function main(): Promise<void> {
  const task = workerData as Task;
  try {
    const value = await aggregateDailyRange(task);
    parentPort!.postMessage({ ok: true, value });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}

void main();
