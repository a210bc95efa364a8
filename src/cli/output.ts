/** Where the CLI writes, and the error that means "the user called us wrongly" (exit code 2). */
import { writeSync } from 'node:fs';

export interface Output {
  write(text: string): void;
}

export class UsageError extends Error {}

/** Blocks the thread for about `ms` milliseconds without spinning (a full pipe's reader needs the CPU). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Standard output written synchronously, in chunks of about 64 KB. Node writes to a pipe asynchronously and queues
 * what the reader has not taken yet: a check with a million findings made them faster than a pipe drains them and
 * held hundreds of megabytes of JSON in that queue. Here a write that finds the pipe full waits for it (EAGAIN),
 * so memory stays at one chunk whatever the output's size. `flush` before the process ends.
 */
export class BlockingOutput implements Output {
  private parts: string[] = [];
  private size = 0;

  /** `onClosed`: the reader went away (EPIPE, as in `chargeback check x | head`). */
  constructor(
    private readonly fd: number,
    private readonly onClosed: () => void,
    private readonly chunkChars = 1 << 16,
  ) {}

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkChars) this.flush();
  }

  flush(): void {
    if (this.size === 0) return;
    const bytes = Buffer.from(this.parts.length === 1 ? this.parts[0] : this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    for (let at = 0; at < bytes.length;) {
      try {
        at += writeSync(this.fd, bytes, at, bytes.length - at);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') pause(1);
        else if (code === 'EPIPE') return this.onClosed();
        else throw e;
      }
    }
  }
}
