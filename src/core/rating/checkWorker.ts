/**
 * Entry point of the worker threads the fast daily check starts (through ../parallel/pool.ts): pass 1 over one
 * byte range of the file (fastRange.ts), answered to the thread that merges the ranges (fastDaily.ts). Emitted as
 * checkWorker.js next to the code that starts it: out/src/core/rating/ by tsc, dist/ by the build.
 */
import { serveTask } from '../parallel/pool';
import { checkDailyRange } from './fastRange';

serveTask(checkDailyRange);
