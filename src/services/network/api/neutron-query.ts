import { BadRequestError } from '../../../common/errors/api-error';

const TRUE = ['true', '1', 't', 'yes', 'y', 'on'];
const FALSE = ['false', '0', 'f', 'no', 'n', 'off'];

/** Query parameters that are not attribute filters. */
const CONTROL = new Set(['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse']);

export interface NeutronQuery {
  /** Attribute → accepted values (a repeated parameter means any of them). */
  filters: Map<string, string[]>;
  fields?: string[];
  limit?: number;
  marker?: string;
  sort: { key: string; dir: 'asc' | 'desc' }[];
}

function many(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/**
 * Neutron's list query: any attribute as a filter (`?name=a&name=b` means either), `fields` to
 * trim the answer, `limit`/`marker` paging, `sort_key`/`sort_dir`. Unknown attributes are a 400,
 * as Neutron answers with its filter-validation extension.
 */
export function parseNeutronQuery(q: Record<string, unknown>, attributes: readonly string[]): NeutronQuery {
  const filters = new Map<string, string[]>();
  for (const [key, value] of Object.entries(q)) {
    if (CONTROL.has(key)) continue;
    if (!attributes.includes(key)) throw new BadRequestError(`[${key}] is invalid attribute for filtering`, 'HTTPBadRequest');
    filters.set(key, many(value));
  }
  const out: NeutronQuery = { filters, sort: [] };
  const fields = many(q.fields).flatMap((f) => f.split(',')).filter(Boolean);
  if (fields.length) out.fields = fields;
  if (q.limit !== undefined) {
    const limit = Number(many(q.limit)[0]);
    if (!Number.isInteger(limit) || limit < 0) throw new BadRequestError(`Bad limit request: Limit must be an integer 0 or greater and not '${many(q.limit)[0]}'.`, 'BadRequest');
    if (limit > 0) out.limit = limit;
  }
  if (q.marker !== undefined) out.marker = many(q.marker)[0];
  const keys = many(q.sort_key);
  const dirs = many(q.sort_dir);
  if (dirs.length && dirs.length !== keys.length) throw new BadRequestError('The number of sort_keys and sort_dirs must be same', 'BadRequest');
  keys.forEach((key, i) => {
    if (!attributes.includes(key)) throw new BadRequestError(`[${key}] is invalid attribute for sort_keys`, 'HTTPBadRequest');
    const dir = (dirs[i] ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw new BadRequestError(`[${dirs[i]}] is invalid value for sort_dir`, 'HTTPBadRequest');
    out.sort.push({ key, dir });
  });
  return out;
}

export function toBool(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (TRUE.includes(t)) return true;
  if (FALSE.includes(t)) return false;
  return undefined;
}

/** Does a rendered resource match the filters not already applied in SQL? */
export function matches(item: Record<string, unknown>, filters: Map<string, string[]>, applied: ReadonlySet<string>): boolean {
  for (const [key, wanted] of filters) {
    if (applied.has(key)) continue;
    const value = item[key];
    const ok = wanted.some((w) => {
      if (typeof value === 'boolean') return toBool(w) === value;
      if (typeof value === 'number') return Number(w) === value;
      if (Array.isArray(value)) return value.map(String).includes(w);
      if (value === null || value === undefined) return w === '' || w.toLowerCase() === 'none';
      return String(value) === w;
    });
    if (!ok) return false;
  }
  return true;
}

/** Sorts, pages and trims rendered resources; returns Neutron's list body with a `next` link. */
export function listBody(collection: string, items: Record<string, unknown>[], q: NeutronQuery, selfUrl: string): Record<string, unknown> {
  const sorted = q.sort.length === 0 ? items : [...items].sort((a, b) => {
    for (const { key, dir } of q.sort) {
      const va = a[key] as string | number | null;
      const vb = b[key] as string | number | null;
      if (va === vb) continue;
      const cmp = va === null ? -1 : vb === null ? 1 : va < vb ? -1 : 1;
      return dir === 'asc' ? cmp : -cmp;
    }
    return 0;
  });
  let start = 0;
  if (q.marker !== undefined) {
    start = sorted.findIndex((i) => i.id === q.marker) + 1;
    if (start === 0) throw new BadRequestError(`Marker ${q.marker} could not be found.`, 'BadRequest');
  }
  const end = q.limit === undefined ? sorted.length : start + q.limit;
  const page = sorted.slice(start, end).map((i) => trim(i, q.fields));
  const body: Record<string, unknown> = { [collection]: page };
  if (q.limit !== undefined) {
    const links: { rel: string; href: string }[] = [];
    if (end < sorted.length && page.length) {
      const u = new URL(selfUrl);
      u.searchParams.set('marker', String(sorted[end - 1].id));
      u.searchParams.set('limit', String(q.limit));
      links.push({ rel: 'next', href: u.toString() });
    }
    body[`${collection}_links`] = links;
  }
  return body;
}

/** `fields=a&fields=b`: only those attributes (Neutron always keeps what was asked, nothing else). */
export function trim(item: Record<string, unknown>, fields?: string[]): Record<string, unknown> {
  if (!fields) return item;
  return Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]]));
}
