import pino, { Logger } from 'pino';

export const LOGGER = Symbol('LOGGER');

/** Structured JSON logs on stdout; buffered so logging never blocks a request. */
export function createLogger(level: string, name = 'berth'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ sync: false, minLength: 4096 }));
}
