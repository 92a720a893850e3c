import { BadRequestError } from '../../../../common/errors/api-error';
import { PageRequest, parsePageQuery } from '../../../../common/http/paging';
import { FlavorEntity } from '../../entities/flavor.entity';
import { FlavorListFilter } from '../flavors.api';

function one(v: unknown): string | undefined {
  if (Array.isArray(v)) v = v[0];
  return v === undefined ? undefined : String(v);
}

/** oslo's bool_from_string(strict=True). */
function strictBool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  return undefined;
}

/**
 * `is_public` as Nova reads it: absent → true (public only); the literal `None` → null (all);
 * otherwise a boolean, or 400. Only admins' values count; the facade ignores it for others.
 */
export function parseIsPublic(value: unknown): boolean | null {
  const v = one(value);
  if (v === undefined) return true;
  if (v.trim().toLowerCase() === 'none') return null;
  const b = strictBool(v);
  if (b === undefined) throw new BadRequestError(`Invalid is_public filter [${v}]`);
  return b;
}

function minFilter(name: string, value: unknown): number | undefined {
  const v = one(value);
  if (v === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(v)) throw new BadRequestError(`Invalid ${name} filter [${v}]`);
  return Number(v);
}

export function parseFlavorFilter(q: Record<string, unknown>): FlavorListFilter {
  return { isPublic: parseIsPublic(q.is_public), minRam: minFilter('minRam', q.minRam), minDisk: minFilter('minDisk', q.minDisk) };
}

/** Nova's flavor sort keys (the DB column names); `flavorid` is the API id. */
export const FLAVOR_SORT_KEYS = [
  'flavorid', 'id', 'name', 'memory_mb', 'root_gb', 'ephemeral_gb', 'swap', 'vcpus', 'rxtx_factor', 'is_public', 'disabled',
  'description', 'created_at', 'updated_at', 'vcpu_weight',
] as const;
export type FlavorSortKey = (typeof FLAVOR_SORT_KEYS)[number];

/** Nova's max_limit: a list never returns more than this many flavors. */
export const FLAVOR_MAX_LIMIT = 1000;

/** limit, marker and sort_key/sort_dir; Nova sorts by flavorid ascending by default, and sort_dir defaults to asc. */
export function parseFlavorPaging(q: Record<string, unknown>): PageRequest<FlavorSortKey> {
  const withDir = q.sort_key !== undefined && q.sort_dir === undefined ? { ...q, sort_dir: 'asc' } : q;
  const req = parsePageQuery<FlavorSortKey>(withDir, {
    sortKeys: FLAVOR_SORT_KEYS, defaultSort: [{ key: 'flavorid', dir: 'asc' }], maxLimit: FLAVOR_MAX_LIMIT,
  });
  req.limit ??= FLAVOR_MAX_LIMIT;
  return req;
}

export function flavorSortValue(f: FlavorEntity, key: FlavorSortKey): string | number | boolean | Date | null {
  switch (key) {
    case 'flavorid': case 'id': return f.id;
    case 'name': return f.name;
    case 'memory_mb': return f.memoryMb;
    case 'root_gb': return f.rootGb;
    case 'ephemeral_gb': return f.ephemeralGb;
    case 'swap': return f.swapMb;
    case 'vcpus': return f.vcpus;
    case 'rxtx_factor': return f.rxtxFactor;
    case 'is_public': return f.isPublic;
    case 'disabled': return f.disabled;
    case 'description': return f.description;
    case 'created_at': return f.createdAt.getTime();
    case 'updated_at': return f.updatedAt.getTime();
    case 'vcpu_weight': return 0;
  }
}
