import { BadRequestError } from '../../../common/errors/api-error';

type Json = Record<string, unknown>;

function bad(message: string): BadRequestError {
  return new BadRequestError(message, 'HTTPBadRequest');
}

/** `{"network": {...}}` → the inner object; anything else is Neutron's 400. */
export function resourceBody(body: unknown, resource: string): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('Resource body required');
  const inner = (body as Json)[resource];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw bad(`Unable to find '${resource}' in request body`);
  return inner as Json;
}

/** Attributes a request may carry: anything else is "Unrecognized attribute(s)". */
export function allowOnly(b: Json, allowed: readonly string[]): void {
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length) throw bad(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
}

export function required(b: Json, key: string): unknown {
  if (b[key] === undefined) throw bad(`Failed to parse request. Required attribute '${key}' not specified`);
  return b[key];
}

export function invalid(key: string, reason: string): BadRequestError {
  return bad(`Invalid input for ${key}. Reason: ${reason}.`);
}

export function str(b: Json, key: string, max = 255): string | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(key, `'${JSON.stringify(v)}' is not a valid string`);
  if (v.length > max) throw invalid(key, `'${v}' exceeds maximum length of ${max}`);
  return v;
}

/** Neutron's convert_to_boolean: true/false, or their common string spellings. */
export function bool(b: Json, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && ['true', 'false', '1', '0'].includes(v.toLowerCase())) return ['true', '1'].includes(v.toLowerCase());
  if (v === 0 || v === 1) return v === 1;
  throw invalid(key, `'${JSON.stringify(v)}' cannot be converted to boolean`);
}

export function int(b: Json, key: string, min: number, max: number): number | null | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(key, `'${JSON.stringify(v)}' is not an integer`);
  if (n < min || n > max) throw invalid(key, `'${n}' is not in range ${min} through ${max}`);
  return n;
}

export function list(b: Json, key: string): unknown[] | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw invalid(key, `'${JSON.stringify(v)}' is not a list`);
  return v;
}
