/**
 * Entry point of the worker threads the fast cost-line reader starts (through ../parallel/pool.ts): runs the task
 * it was started with and posts one answer. It lives with the code it runs, so that the pool knows no task of its
 * own. Emitted as worker.js next to the code that starts it: out/src/core/allocation/ by tsc, dist/ by the build.
 */
import { serveTask } from '../parallel/pool';
import { aggregateDailyRange } from './costLines';

serveTask(aggregateDailyRange);
