import { randomUUID } from 'node:crypto';

/** Keystone ids are uuid4 hex without dashes. */
export function newKeystoneId(): string {
  return randomUUID().replace(/-/g, '');
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Keystone prints times with microseconds: 2026-11-23T15:45:01.123000Z. Built from the UTC fields:
 * toISOString() costs twice as much, and every token validation prints two.
 */
export function keystoneTime(d: Date | number): string {
  const t = new Date(d);
  const date = `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1, 2)}-${pad(t.getUTCDate(), 2)}`;
  return `${date}T${pad(t.getUTCHours(), 2)}:${pad(t.getUTCMinutes(), 2)}:${pad(t.getUTCSeconds(), 2)}.${pad(t.getUTCMilliseconds(), 3)}000Z`;
}
