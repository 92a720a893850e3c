import { BadRequestError } from '../../../../common/errors/api-error';
import { PageRequest, parsePageQuery } from '../../../../common/http/paging';
import { ImageStatus, ImageVisibility } from '../../entities/image.entity';
import { ImageListFilter, TimeComparison } from '../../image.repository';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../image.config';
import { VISIBILITIES, canonicalUuid } from './image-body';

export const IMAGE_SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at', 'min_disk', 'min_ram', 'visibility', 'owner'] as const;
export type ImageSortKey = (typeof IMAGE_SORT_KEYS)[number];

const STATUSES: ImageStatus[] = ['queued', 'saving', 'active', 'killed', 'deleted', 'pending_delete', 'deactivated', 'uploading', 'importing'];
/** Query parameters that are not property filters. */
const RESERVED = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'name', 'id', 'status', 'visibility', 'owner',
  'container_format', 'disk_format', 'tag', 'protected', 'os_hidden', 'size_min', 'size_max', 'created_at', 'updated_at']);

function one(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length > 1) throw new BadRequestError(`Query parameter ${name} may be given once.`);
    v = v[0];
  }
  return String(v);
}

function all(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Splits `a,"b,c",d` on the commas outside double quotes. */
function splitList(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted && i + 1 < s.length) cur += s[++i];
    else if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Glance's `in:` operator (`name=in:a,b`, values optionally in double quotes), or one value. */
function values(name: string, v: unknown): string[] | undefined {
  const s = one(name, v);
  if (s === undefined) return undefined;
  if (!s.startsWith('in:')) return [s];
  const items = splitList(s.slice(3));
  if (items.some((x) => x === '')) throw new BadRequestError(`Invalid in: filter for ${name}: ${s}`);
  return items;
}

function bool(name: string, v: unknown): boolean | undefined {
  const s = one(name, v);
  if (s === undefined) return undefined;
  const lower = s.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  throw new BadRequestError(`Invalid value '${s}' for query parameter ${name}: expected a boolean.`);
}

function int(name: string, v: unknown): number | undefined {
  const s = one(name, v);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new BadRequestError(`Invalid value '${s}' for query parameter ${name}: expected a non-negative integer.`);
  return Number(s);
}

/** Glance's time filters: `created_at=gte:2026-01-01T00:00:00Z` (a bare time means eq). */
function times(name: string, v: unknown): TimeComparison[] | undefined {
  const raw = all(v);
  if (raw.length === 0) return undefined;
  return raw.map((s) => {
    const m = /^(?:(gt|gte|lt|lte|eq|neq):)?(.+)$/.exec(s);
    const at = m ? new Date(m[2]) : new Date(NaN);
    if (!m || Number.isNaN(at.getTime())) throw new BadRequestError(`Invalid value '${s}' for query parameter ${name}: expected [op:]ISO-8601 time.`);
    return { op: (m[1] ?? 'eq') as TimeComparison['op'], at };
  });
}

export interface ImageListQuery {
  filter: Omit<ImageListFilter, 'scope'>;
  page: PageRequest<ImageSortKey>;
}

/** GET /v2/images query: Glance's filters, paging (default 25 per page) and sorting. Unknown keys filter properties. */
export function parseListQuery(q: Record<string, unknown>): ImageListQuery {
  const page = parsePageQuery<ImageSortKey>(q, { sortKeys: IMAGE_SORT_KEYS, defaultSort: [{ key: 'created_at', dir: 'desc' }], maxLimit: MAX_PAGE_SIZE });
  page.limit ??= DEFAULT_PAGE_SIZE;
  const visibility = one('visibility', q.visibility);
  if (visibility !== undefined && visibility !== 'all' && !VISIBILITIES.includes(visibility as ImageVisibility)) {
    throw new BadRequestError(`Invalid visibility value: ${visibility}`);
  }
  const statuses = values('status', q.status);
  const badStatus = statuses?.find((s) => !STATUSES.includes(s as ImageStatus));
  if (badStatus) throw new BadRequestError(`Invalid status value: ${badStatus}`);
  const ids = values('id', q.id)?.map((id) => canonicalUuid(id) ?? id);
  const properties: Record<string, string> = {};
  for (const [key, v] of Object.entries(q)) if (!RESERVED.has(key)) properties[key] = one(key, v)!;
  return {
    page,
    filter: {
      visibility: visibility as ImageVisibility | 'all' | undefined,
      ids: ids?.filter((id) => canonicalUuid(id)),
      names: values('name', q.name),
      statuses,
      containerFormats: values('container_format', q.container_format),
      diskFormats: values('disk_format', q.disk_format),
      owner: one('owner', q.owner),
      tags: all(q.tag).length ? all(q.tag) : undefined,
      isProtected: bool('protected', q.protected),
      osHidden: bool('os_hidden', q.os_hidden),
      sizeMin: int('size_min', q.size_min),
      sizeMax: int('size_max', q.size_max),
      createdAt: times('created_at', q.created_at),
      updatedAt: times('updated_at', q.updated_at),
      properties: Object.keys(properties).length ? properties : undefined,
    },
  };
}
