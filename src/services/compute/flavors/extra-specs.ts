import { BadRequestError } from '../../../common/errors/api-error';

/** Nova's schema for extra spec keys (flavors_extraspecs.py): letters, digits and `-_:. `, 1 to 255 long. */
const KEY_RE = /^[a-zA-Z0-9-_:. ]{1,255}$/;

type ValueCheck = (value: string) => string | undefined;

const intAtLeast = (min: number): ValueCheck => (v) => {
  if (!/^\s*[+-]?\d+\s*$/.test(v)) return `must be an integer >= ${min}`;
  return Number(v) < min ? `must be an integer >= ${min}` : undefined;
};
const oneOf = (...allowed: string[]): ValueCheck => (v) => (allowed.includes(v) ? undefined : `must be one of: ${allowed.join(', ')}`);

/**
 * The extra specs berth acts on, with the values Nova's validators accept. Other keys, namespaced
 * or not, are stored as they come (drivers and filters ignore what they do not know).
 */
export const KNOWN_EXTRA_SPECS: Readonly<Record<string, ValueCheck>> = {
  'quota:cpu_shares': intAtLeast(0),
  'quota:cpu_quota': intAtLeast(0),
  'quota:cpu_period': intAtLeast(0),
  'hw:cpu_policy': oneOf('dedicated', 'shared', 'mixed'),
  'hw:cpu_thread_policy': oneOf('prefer', 'isolate', 'require'),
  'hw:numa_nodes': intAtLeast(1),
};

/** Python's str() of a JSON scalar, as Nova stores numbers and booleans sent as extra spec values. */
function asSpecString(key: string, value: unknown): string {
  if (typeof value === 'string') {
    if (value.length < 1 || value.length > 255) throw new BadRequestError(`Invalid input for field/attribute extra_specs. Value: ${key}. The value of '${key}' must be 1 to 255 characters long.`);
    return value;
  }
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' && Number.isFinite(value)) {
    const s = String(value);
    if (s.length > 255) throw new BadRequestError(`extra_specs value has a maximum length of 255 characters.`);
    return s;
  }
  throw new BadRequestError(`Invalid input for field/attribute extra_specs. Value: ${key}. The value of '${key}' must be a string, a number or a boolean.`);
}

/**
 * Checks an `extra_specs` object from a request body and returns it with every value as a string.
 * Keys must match Nova's pattern; known keys must have valid values (quota:cpu_shares, hw:cpu_policy ...).
 */
export function normalizeExtraSpecs(specs: unknown): Record<string, string> {
  if (specs === null || typeof specs !== 'object' || Array.isArray(specs)) {
    throw new BadRequestError(`Invalid input for field/attribute extra_specs: an object is expected.`);
  }
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(specs as Record<string, unknown>)) {
    if (!KEY_RE.test(key)) {
      throw new BadRequestError(`Invalid input for field/attribute extra_specs. Additional properties are not allowed ('${key}' was unexpected).`);
    }
    const value = asSpecString(key, raw);
    const problem = KNOWN_EXTRA_SPECS[key]?.(value);
    if (problem) throw new BadRequestError(`Validation failed; extra spec '${key}' ${problem} (got '${value}').`);
    out[key] = value;
  }
  return out;
}
