import { writeSync } from 'node:fs';
import pino, { DestinationStream, Logger } from 'pino';

export const LOGGER = Symbol('LOGGER');

const STDOUT = 1;
/** Each chunk is one asynchronous write: a hop to libuv's thread pool and back, a few µs of CPU whatever its size. */
const CHUNK_LENGTH = 16 * 1024;
/** The longest a line waits for its chunk to fill up. */
const HOLD_MS = 1000;

type SonicBoom = ReturnType<typeof pino.destination>;

/** Batchers holding lines not yet handed over; whatever is left is written when the process exits. */
const holding = new Set<LineBatcher>();
process.on('exit', () => {
  for (const batcher of holding) batcher.flushSync();
});

/**
 * Hands log lines to pino's asynchronous destination (sonic-boom) in chunks of about 16 KiB, or
 * after HOLD_MS, instead of one by one. Every request writes an access-log line, and sonic-boom
 * measures its whole pending buffer on each write (about 2 µs per line) and starts a write as soon
 * as the previous one is done (a thread-pool hop for every few lines under load).
 */
class LineBatcher implements DestinationStream {
  private lines: string[] = [];
  private length = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly out: SonicBoom, private readonly fd: number) {}

  write(line: string): void {
    this.lines.push(line);
    this.length += line.length;
    if (this.lines.length === 1) {
      holding.add(this);
      this.timer = setTimeout(() => this.handOver(), HOLD_MS).unref();
    }
    if (this.length >= CHUNK_LENGTH) this.handOver();
  }

  /** Called by logger.flush(). */
  flush(cb?: (err?: Error) => void): void {
    this.handOver();
    this.out.flush(cb);
  }

  /** At exit, where asynchronous writes no longer complete: sonic-boom's pending lines first, then this batcher's. */
  flushSync(): void {
    this.out.flushSync();
    if (this.lines.length) writeSync(this.fd, this.take());
  }

  private handOver(): void {
    if (this.lines.length) this.out.write(this.take());
  }

  private take(): string {
    const text = this.lines.join('');
    this.lines = [];
    this.length = 0;
    clearTimeout(this.timer);
    holding.delete(this);
    return text;
  }
}

/** Structured JSON logs on stdout; buffered so logging never blocks a request. */
export function createLogger(level: string, name = 'berth'): Logger {
  const destination = new LineBatcher(pino.destination({ dest: STDOUT, sync: false, minLength: 0 }), STDOUT);
  return pino({ name, level, base: { pid: process.pid } }, destination);
}
