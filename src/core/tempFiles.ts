/**
 * Temporary files and folders the process is writing (an export's `.name.pid.hex.tmp`, the check's spool) are
 * removed however the process ends: normally by their owner, on `exit` (process.exit from a closed pipe), and on
 * SIGINT/SIGTERM/SIGHUP, after which the signal is raised again so that the process still ends as it was told to.
 * Without this, an interrupted export left up to the whole export beside the destination, and an interrupted check
 * its spool in the temp folder.
 */
import { rmSync } from 'node:fs';

const live = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function removeAll(): void {
  for (const path of live) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Nothing more can be done while the process ends.
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  // Only when no one else handles the signal: then the default action (ending the process) is what is expected.
  if (process.listenerCount(signal) === 1) {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Registers a temporary path for removal should the process end before its owner removes it. */
export function trackTemp(path: string): void {
  install();
  live.add(path);
}

/** The owner removed (or renamed) the path: nothing to clean up any more. */
export function untrackTemp(path: string): void {
  live.delete(path);
}

/** Paths currently registered (for tests). */
export function trackedTemps(): string[] {
  return [...live];
}
