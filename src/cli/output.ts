/** Where the CLI writes, and the error that means "the user called us wrongly" (exit code 2). */
import { writeSync } from 'node:fs';

export interface Output {
  write(text: string): void;
  /**
   * The same for text the caller has proved ASCII (every UTF-16 unit below 0x80), by a test or by construction:
   * written one byte per character, without encoding. Optional: a caller without it uses `write`.
   */
  writeAscii?(text: string): void;
  /** Bytes that are already the output's text (UTF-8), written as they are. Optional: a caller without it decodes. */
  writeBytes?(bytes: Uint8Array): void;
}

export class UsageError extends Error {}

/** Blocks the thread for about `ms` milliseconds without spinning (a full pipe's reader needs the CPU). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Standard output written synchronously, through one buffer of 256 KB. Node writes to a pipe asynchronously and
 * queues what the reader has not taken yet: a check with a million findings made them faster than a pipe drains them
 * and held hundreds of megabytes of JSON in that queue. Here a write that finds the pipe full waits for it (EAGAIN),
 * and the text is encoded into the same buffer every time (no buffer per write for the collector to find later),
 * so memory stays flat whatever the output's size. `flush` before the process ends.
 */
export class BlockingOutput implements Output {
  private readonly buf: Buffer;
  private used = 0;

  /** `onClosed`: the reader went away (EPIPE, as in `chargeback check x | head`). */
  constructor(
    private readonly fd: number,
    private readonly onClosed: () => void,
    bufferBytes = 1 << 18,
  ) {
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }

  write(text: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8: text this long always fits in what is left.
    if (this.used + 3 * text.length > this.buf.length) this.flush();
    if (3 * text.length > this.buf.length) this.send(Buffer.from(text, 'utf8'));
    else this.used += this.buf.write(text, this.used, 'utf8');
  }

  /** `write` for ASCII text (see Output.writeAscii): its bytes are its characters, copied as latin1. */
  writeAscii(text: string): void {
    if (this.used + text.length > this.buf.length) this.flush();
    if (text.length > this.buf.length) this.send(Buffer.from(text, 'latin1'));
    else this.used += this.buf.write(text, this.used, 'latin1');
  }

  writeBytes(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) this.send(bytes);
    else {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
    }
  }

  flush(): void {
    const n = this.used;
    this.used = 0;
    if (n > 0) this.send(this.buf.subarray(0, n));
  }

  private send(bytes: Uint8Array): void {
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
