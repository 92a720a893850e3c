import { writeSync } from 'node:fs';
import pino, { DestinationStream, Logger } from 'pino';

export const LOGGER = Symbol('LOGGER');

const STDOUT = 1;
const CHUNK_LENGTH = 4096;

type SonicBoom = ReturnType<typeof pino.destination>;

/** Batchers holding lines not yet handed over; whatever is left is written when the process exits. */
const holding = new Set<LineBatcher>();
process.on('exit', () => {
  for (const batcher of holding) batcher.flushSync();
});

/**
 * Hands log lines to pino's asynchronous destination (sonic-boom) in chunks of about 4 KiB
 * instead of one by one. Every request writes an access-log line, and sonic-boom measures its
 * whole pending buffer on each write: about 2 µs per line, against a few hundred ns per chunk.
 */
class LineBatcher implements DestinationStream {
  private lines: string[] = [];
  private length = 0;

  constructor(private readonly out: SonicBoom, private readonly fd: number) {}

  write(line: string): void {
    this.lines.push(line);
    this.length += line.length;
    if (this.lines.length === 1) holding.add(this);
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
    holding.delete(this);
    return text;
  }
}

/** Structured JSON logs on stdout; buffered so logging never blocks a request. */
export function createLogger(level: string, name = 'berth'): Logger {
  const destination = new LineBatcher(pino.destination({ dest: STDOUT, sync: false, minLength: 0 }), STDOUT);
  return pino({ name, level, base: { pid: process.pid } }, destination);
}
