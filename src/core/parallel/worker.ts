/**
 * Entry point of the worker threads the fast readers start (see pool.ts): reads the task from workerData, runs it,
 * posts one answer and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { aggregateDailyRange, type AggregateTask } from '../allocation/costLines';

type Task = AggregateTask;

async function main(): Promise<void> {
  const task = workerData as Task;
  try {
    const value = await aggregateDailyRange(task);
    parentPort!.postMessage({ ok: true, value });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
}

void main();
