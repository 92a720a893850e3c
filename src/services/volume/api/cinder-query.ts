import type { FastifyRequest } from 'fastify';
import { BadRequestError } from '../../../common/errors/api-error';
import { cinderErrors } from '../cinder-errors';

/** Cinder's osapi_max_limit: no page holds more. */
export const MAX_LIMIT = 1000;

export type Query = Record<string, unknown>;
type Sortable = string | number | boolean | Date | null;

export interface CinderPage {
  limit: number;
  offset: number;
  marker?: string;
  sort: { key: string; dir: 'asc' | 'desc' }[];
}

export function one(q: Query, key: string): string | undefined {
  const v = q[key];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return s === undefined ? undefined : String(s);
}

function nonNegative(q: Query, key: string): number | undefined {
  const s = one(q, key);
  if (s === undefined) return undefined;
  if (!/^-?\d+$/.test(s.trim())) throw new BadRequestError(`${key} param must be an integer`);
  const n = Number(s);
  if (n < 0) throw new BadRequestError(`${key} param must be positive`);
  return n;
}

/**
 * `limit`, `offset`, `marker`, and `sort=key:dir,...` or the older `sort_key`/`sort_dir` (not both),
 * as Cinder's common.get_pagination_params / get_sort_params read them; default created_at desc.
 */
export function parsePaging(q: Query, sortKeys: readonly string[]): CinderPage {
  if (q.sort !== undefined && (q.sort_key !== undefined || q.sort_dir !== undefined)) {
    throw new BadRequestError("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.");
  }
  const pairs: { key: string; dir?: string }[] = [];
  if (q.sort !== undefined) {
    for (const item of (one(q, 'sort') ?? '').split(',')) {
      const [key, dir] = item.split(':');
      pairs.push({ key: key.trim(), dir: dir?.trim() });
    }
  } else {
    const keys = (one(q, 'sort_key') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const dirs = (one(q, 'sort_dir') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (dirs.length > Math.max(keys.length, 1)) throw cinderErrors.invalidInput('Sort direction array size exceeds sort key array size.');
    keys.forEach((key, i) => pairs.push({ key, dir: dirs[i] ?? dirs[0] }));
    if (keys.length === 0 && dirs.length) pairs.push({ key: 'created_at', dir: dirs[0] });
  }
  const sort = pairs.map(({ key, dir }) => {
    const d = (dir || 'desc').toLowerCase();
    if (d !== 'asc' && d !== 'desc') throw cinderErrors.invalidInput("Unknown sort direction, must be 'desc' or 'asc'");
    if (!sortKeys.includes(key)) throw cinderErrors.invalidInput(`Invalid sort key ${key}`);
    return { key, dir: d as 'asc' | 'desc' };
  });
  if (sort.length === 0) sort.push({ key: 'created_at', dir: 'desc' });
  return { limit: Math.min(nonNegative(q, 'limit') ?? MAX_LIMIT, MAX_LIMIT), offset: nonNegative(q, 'offset') ?? 0, marker: one(q, 'marker'), sort };
}

/**
 * Sorts (ties broken by id, in the last key's direction, as Cinder adds its default keys), then
 * starts after the marker (an id that is not in the list is `markerMissing`'s 404) and the offset.
 */
export function page<T extends { id: string }>(rows: T[], p: CinderPage, valueOf: (row: T, key: string) => Sortable, markerMissing: (id: string) => Error): { items: T[]; more: boolean } {
  const last = p.sort[p.sort.length - 1].dir;
  const sorted = [...rows].sort((a, b) => {
    for (const { key, dir } of [...p.sort, { key: 'id', dir: last }]) {
      const va = key === 'id' ? a.id : valueOf(a, key);
      const vb = key === 'id' ? b.id : valueOf(b, key);
      const ka = va instanceof Date ? va.getTime() : va;
      const kb = vb instanceof Date ? vb.getTime() : vb;
      if (ka === kb) continue;
      const cmp = ka === null ? -1 : kb === null ? 1 : ka < kb ? -1 : 1;
      return dir === 'asc' ? cmp : -cmp;
    }
    return 0;
  });
  let start = p.offset;
  if (p.marker !== undefined) {
    const at = sorted.findIndex((r) => r.id === p.marker);
    if (at < 0) throw markerMissing(p.marker);
    start += at + 1;
  }
  const end = start + p.limit;
  return { items: sorted.slice(start, end), more: end < sorted.length };
}

/** The volume endpoint's base URL as the client reached it: `http://H/volume`. */
export function volumeBase(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host}/volume`;
}

/** `{"<collection>_links": [{"rel": "next", ...}]}` when a further page exists. */
export function nextLinks(req: FastifyRequest, collection: string, items: { id: string }[], more: boolean): Record<string, unknown> {
  if (!more || items.length === 0) return {};
  const u = new URL(`${volumeBase(req)}${req.url.replace(/^\/volume/, '')}`);
  u.searchParams.set('marker', items[items.length - 1].id);
  return { [`${collection}_links`]: [{ href: u.toString(), rel: 'next' }] };
}

/**
 * A Python literal dict in a query (cinderclient sends `metadata={'k': 'v'}`, Cinder reads it with
 * ast.literal_eval), or JSON. Only string keys and values, as metadata has.
 */
export function parseDictParam(text: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = text.trim();
  if (!body.startsWith('{') || !body.endsWith('}')) throw cinderErrors.invalidInput(`Invalid ${field} filter: ${text}`);
  const token = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*/y;
  let i = 1;
  const str = (): string => {
    token.lastIndex = i;
    const m = token.exec(body);
    if (!m) throw cinderErrors.invalidInput(`Invalid ${field} filter: ${text}`);
    i = token.lastIndex;
    return (m[1] ?? m[2]).replace(/\\(.)/g, '$1');
  };
  if (body.slice(1, -1).trim() === '') return out;
  for (;;) {
    const key = str();
    if (body[i] !== ':') throw cinderErrors.invalidInput(`Invalid ${field} filter: ${text}`);
    i++;
    out[key] = str();
    if (body[i] === ',') { i++; continue; }
    if (i === body.length - 1) return out;
    throw cinderErrors.invalidInput(`Invalid ${field} filter: ${text}`);
  }
}
