import { BadRequestError } from '../../../common/errors/api-error';

export type Json = Record<string, unknown>;

/** How Cinder's messages show a value: Python's repr (its jsonschema errors print them so). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/** Cinder's schema-validation 400: the field, its value, what is wrong. */
export function invalidField(field: string, value: unknown, problem: string): BadRequestError {
  return new BadRequestError(`Invalid input for field/attribute ${field}. Value: ${pyRepr(value)}. ${problem}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `{"volume": {...}}` → the inner object. `strict`: no other top-level key (Cinder's schemas say
 * additionalProperties: false at the top everywhere).
 */
export function wrapped(body: unknown, key: string, extraTopLevel: readonly string[] = []): Json {
  if (!isObject(body)) throw new BadRequestError(`${pyRepr(body ?? null)} is not of type 'object'`);
  if (body[key] === undefined) throw new BadRequestError(`'${key}' is a required property`);
  const extra = Object.keys(body).filter((k) => k !== key && !extraTopLevel.includes(k));
  if (extra.length) throw new BadRequestError(`Additional properties are not allowed (${extra.map(pyRepr).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`);
  const inner = body[key];
  if (!isObject(inner)) throw invalidField(key, inner, `${pyRepr(inner)} is not of type 'object'`);
  return inner;
}

export function onlyKeys(b: Json, allowed: readonly string[]): void {
  const extra = Object.keys(b).filter((k) => !allowed.includes(k));
  if (extra.length) throw new BadRequestError(`Additional properties are not allowed (${extra.map(pyRepr).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`);
}

export function required(b: Json, key: string): unknown {
  if (b[key] === undefined) throw new BadRequestError(`'${key}' is a required property`);
  return b[key];
}

/** A string of at most `max` characters (after trimming when `trim`), or null/absent when `nullable`. */
export function str(b: Json, key: string, opts: { min?: number; max?: number; nullable?: boolean; trim?: boolean } = {}): string | null | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (v === null && opts.nullable !== false) return null;
  if (typeof v !== 'string') throw invalidField(key, v, `${pyRepr(v)} is not of type 'string'${opts.nullable === false ? '' : ", 'null'"}`);
  const s = opts.trim ? v.trim() : v;
  if (s.length > (opts.max ?? 255)) throw invalidField(key, v, `${pyRepr(v)} is too long`);
  if (s.length < (opts.min ?? 0)) throw invalidField(key, v, `${pyRepr(v)} is too short`);
  return s;
}

const TRUE = ['true', '1', 'on', 'yes', 'y', 't'];
const FALSE = ['false', '0', 'off', 'no', 'n', 'f'];

/** Cinder's parameter_types.boolean: a JSON boolean or one of oslo's true/false spellings. */
export function bool(b: Json, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && TRUE.includes(v.toLowerCase())) return true;
  if (typeof v === 'string' && FALSE.includes(v.toLowerCase())) return false;
  throw invalidField(key, v, `${pyRepr(v)} is not one of True, False, 'true', 'false', '1', '0', 'on', 'off', 'yes', 'no', 'y', 'n', 't', 'f'`);
}

/** The same spellings in a query string (`?usage=True`); anything else is false, as oslo's non-strict parsing. */
export function queryBool(v: unknown): boolean {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && TRUE.includes(s.toLowerCase());
}

export const DB_MAX_INT = 2 ** 31 - 1;

export const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function uuid(b: Json, key: string): string | null | undefined {
  const v = b[key];
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v !== 'string' || !UUID.test(v)) throw invalidField(key, v, `${pyRepr(v)} is not a 'uuid'`);
  return v;
}

const SPEC_KEY = /^[a-zA-Z0-9-_:. /]{1,255}$/;

/**
 * Metadata and extra specs (Cinder's parameter_types.extra_specs): keys of letters, digits and
 * `-_:. /`, string values of at most 255 characters. `nullValues`: a null value is allowed (it
 * means "unset" for QoS keys).
 */
export function specs(v: unknown, field: string, opts: { nullValues?: boolean; spaces?: boolean } = {}): Record<string, string> {
  if (!isObject(v)) throw invalidField(field, v, `${pyRepr(v)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!SPEC_KEY.test(k) || (opts.spaces === false && k.includes(' '))) {
      throw invalidField(field, v, `Additional properties are not allowed (${pyRepr(k)} was unexpected)`);
    }
    if (x === null && opts.nullValues) continue;
    if (typeof x !== 'string') throw invalidField(k, x, `${pyRepr(x)} is not of type 'string'`);
    if (x.length > 255) throw invalidField(k, x, `${pyRepr(x)} is too long`);
    out[k] = x;
  }
  return out;
}
