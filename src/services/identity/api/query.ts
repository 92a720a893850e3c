import { BadRequestError } from '../../../common/errors/api-error';

/** Keystone's boolean query values ("true", "1", "True", ...); undefined when absent. */
export function boolQuery(name: string, value: unknown): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const v = String(value).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new BadRequestError(`Invalid value for query parameter '${name}': expected a boolean.`);
}

export function strQuery(value: unknown): string | undefined {
  if (Array.isArray(value)) value = value[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Paging for identity lists (Keystone lists are unpaged by default; limit/marker are berth's extension). */
export const LIST_PAGING = {
  sortKeys: ['name', 'id', 'created_at'] as const,
  defaultSort: [{ key: 'name' as const, dir: 'asc' as const }],
  maxLimit: 1000,
};
