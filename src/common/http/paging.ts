import { BadRequestError } from '../errors/api-error';

export type SortDir = 'asc' | 'desc';

export interface PageRequest<K extends string> {
  limit?: number;
  marker?: string;
  sort: { key: K; dir: SortDir }[];
}

export interface PageSpec<K extends string> {
  sortKeys: readonly K[];
  defaultSort: { key: K; dir: SortDir }[];
  maxLimit?: number;
}

function many(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
}

/**
 * Reads OpenStack's paging and sorting query parameters: `limit`, `marker`, and
 * `sort_key`/`sort_dir` (Nova, Cinder, Neutron, Glance) or `sort=key:dir,...` (Glance, Cinder).
 * Invalid values are 400s, as the services answer.
 */
export function parsePageQuery<K extends string>(q: Record<string, unknown>, spec: PageSpec<K>): PageRequest<K> {
  const out: PageRequest<K> = { sort: [] };
  if (q.limit !== undefined) {
    const limit = Number(Array.isArray(q.limit) ? q.limit[0] : q.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new BadRequestError(`limit must be a non-negative integer (got ${JSON.stringify(q.limit)}).`);
    out.limit = Math.min(limit, spec.maxLimit ?? 1000);
  }
  if (q.marker !== undefined) out.marker = String(Array.isArray(q.marker) ? q.marker[0] : q.marker);
  const pairs: { key: string; dir?: string }[] = [];
  for (const item of many(q.sort)) {
    const [key, dir] = item.split(':');
    pairs.push({ key, dir });
  }
  const keys = many(q.sort_key);
  const dirs = many(q.sort_dir);
  keys.forEach((key, i) => pairs.push({ key, dir: dirs[i] ?? dirs[0] }));
  for (const { key, dir } of pairs) {
    if (!spec.sortKeys.includes(key as K)) throw new BadRequestError(`Invalid sort key ${key}: one of ${spec.sortKeys.join(', ')} is expected.`);
    const d = (dir ?? 'desc').toLowerCase();
    if (d !== 'asc' && d !== 'desc') throw new BadRequestError(`Invalid sort direction ${dir}: asc or desc is expected.`);
    out.sort.push({ key: key as K, dir: d });
  }
  if (out.sort.length === 0) out.sort = spec.defaultSort;
  return out;
}

/**
 * Applies sort, marker and limit to rows already filtered. The marker is the id of the last row
 * of the previous page; a marker that names no row is a 400 (Nova: "marker not found").
 */
export function pageRows<T extends { id: string }, K extends string>(rows: T[], req: PageRequest<K>, valueOf: (row: T, key: K) => string | number | boolean | Date | null): { items: T[]; more: boolean } {
  const sorted = [...rows].sort((a, b) => {
    for (const { key, dir } of req.sort) {
      const va = valueOf(a, key);
      const vb = valueOf(b, key);
      if (va === vb) continue;
      const cmp = va === null ? -1 : vb === null ? 1 : va < vb ? -1 : 1;
      return dir === 'asc' ? cmp : -cmp;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  let start = 0;
  if (req.marker !== undefined) {
    const at = sorted.findIndex((r) => r.id === req.marker);
    if (at < 0) throw new BadRequestError(`marker [${req.marker}] not found`);
    start = at + 1;
  }
  const end = req.limit === undefined ? sorted.length : start + req.limit;
  return { items: sorted.slice(start, end), more: end < sorted.length };
}

/** The `next` link of a page: the same URL with marker set to the last item's id. */
export function nextLink(selfUrl: string, lastId: string | undefined, more: boolean): string | null {
  if (!more || !lastId) return null;
  const u = new URL(selfUrl);
  u.searchParams.set('marker', lastId);
  return u.toString();
}
