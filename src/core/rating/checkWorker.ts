/**
 * Entry point of the worker threads the fast daily check starts (through ../parallel/pool.ts): pass 1 over one
 * byte range of the file (fastRange.ts), or pass 2 over the rows of the worker's chunks (fastPass2.ts), answered to the thread that merges the ranges (fastDaily.ts). Emitted as
 * checkWorker.js next to the code that starts it: out/src/core/rating/ by tsc, dist/ by the build.
 */
import { serveTask } from '../parallel/pool';
import { checkDailyRange, type CheckRangeTask, type RangePart } from './fastRange';
import { provePart, type ProvePartResult, type ProvePartTask } from './fastPass2';

serveTask<CheckRangeTask | ProvePartTask, RangePart | ProvePartResult>((task) =>
  'kind' in task && task.kind === 'prove' ? provePart(task) : checkDailyRange(task as CheckRangeTask),
);
