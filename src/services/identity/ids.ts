import { randomUUID } from 'node:crypto';

/** Keystone ids are uuid4 hex without dashes. */
export function newKeystoneId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Keystone prints times with microseconds: 2026-11-23T15:45:01.123000Z. Twice in every token validation, hence no RegExp. */
export function keystoneTime(d: Date | number): string {
  return `${new Date(d).toISOString().slice(0, -1)}000Z`;
}
