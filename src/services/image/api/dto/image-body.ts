import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsString, Matches } from 'class-validator';
import { BadRequestError, ForbiddenError } from '../../../../common/errors/api-error';
import { ImageVisibility } from '../../entities/image.entity';

/*
 * Glance's image bodies are flat objects whose unknown keys are free-form string properties
 * (`additionalProperties: {type: string}`), so they are checked here against Glance's image
 * schema rather than by a class-validator DTO with whitelisting.
 */

export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const VISIBILITIES: readonly ImageVisibility[] = ['public', 'private', 'shared', 'community'];

/** Attributes the server sets: a body naming one is refused with 403, as Glance does. */
export const READONLY_ATTRIBUTES = [
  'created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size',
  'direct_url', 'self', 'file', 'schema', 'stores',
] as const;
/** Attributes Glance keeps for itself (403 "reserved"). */
export const RESERVED_ATTRIBUTES = ['location', 'locations', 'deleted', 'deleted_at'] as const;
const RESERVED_PREFIX = 'os_glance_';

/** The image attributes a body may set (everything else is a string property). */
export const BASE_ATTRIBUTES = [
  'id', 'name', 'visibility', 'protected', 'os_hidden', 'min_disk', 'min_ram', 'tags', 'container_format', 'disk_format', 'owner',
] as const;
export type BaseAttribute = (typeof BASE_ATTRIBUTES)[number];

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const MAX_INT = 2 ** 31 - 1;
const MAX_TAGS = 128;
const MAX_PROPERTIES = 128;

/** An image as a body sets it, with Glance's names translated. */
export interface ImageFields {
  id?: string;
  name?: string | null;
  visibility?: ImageVisibility;
  protected?: boolean;
  os_hidden?: boolean;
  min_disk?: number;
  min_ram?: number;
  tags?: string[];
  container_format?: string | null;
  disk_format?: string | null;
  owner?: string | null;
}

export interface ImageCreate {
  fields: ImageFields;
  properties: Record<string, string>;
}

export type PatchOp =
  | { op: 'add' | 'replace'; attribute: string; value: unknown }
  | { op: 'remove'; attribute: string };

function schemaError(detail: string): BadRequestError {
  return new BadRequestError(`Provided object does not match schema 'image': ${detail}`);
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

export function isBaseAttribute(key: string): key is BaseAttribute {
  return (BASE_ATTRIBUTES as readonly string[]).includes(key);
}

/** 403 for read-only and reserved attributes (Glance: "Attribute 'size' is read-only."). */
export function refuseProtectedAttribute(key: string): void {
  if ((READONLY_ATTRIBUTES as readonly string[]).includes(key)) throw new ForbiddenError(`Attribute '${key}' is read-only.`);
  if ((RESERVED_ATTRIBUTES as readonly string[]).includes(key) || key.startsWith(RESERVED_PREFIX)) {
    throw new ForbiddenError(`Attribute '${key}' is reserved.`);
  }
}

/** Normalises a uuid to the canonical lowercase dashed form. */
export function canonicalUuid(value: string): string | undefined {
  if (!UUID.test(value)) return undefined;
  const hex = value.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Checks one base attribute's value against Glance's image schema; returns it normalised. */
export function checkBaseValue(key: BaseAttribute, value: unknown): unknown {
  const where = ` (${key})`;
  const nullableString = (max: number) => {
    if (value === null) return null;
    if (typeof value !== 'string') throw schemaError(`${show(value)} is not of type 'string'${where}`);
    if (value.length > max) throw schemaError(`${show(value)} is too long (at most ${max} characters)${where}`);
    return value;
  };
  const bool = () => {
    if (typeof value !== 'boolean') throw schemaError(`${show(value)} is not of type 'boolean'${where}`);
    return value;
  };
  const int = () => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw schemaError(`${show(value)} is not of type 'integer'${where}`);
    if (value < 0 || value > MAX_INT) throw schemaError(`${value} is out of range 0..${MAX_INT}${where}`);
    return value;
  };
  const oneOf = (allowed: readonly string[], nullable: boolean) => {
    if (value === null && nullable) return null;
    if (typeof value !== 'string' || !allowed.includes(value)) throw schemaError(`${show(value)} is not one of [${allowed.map((a) => `'${a}'`).join(', ')}]${where}`);
    return value;
  };
  switch (key) {
    case 'id': {
      const id = typeof value === 'string' ? canonicalUuid(value) : undefined;
      if (!id) throw schemaError(`${show(value)} does not match the uuid format${where}`);
      return id;
    }
    case 'name': return nullableString(255);
    case 'owner': return nullableString(255);
    case 'visibility': return oneOf(VISIBILITIES, false);
    case 'protected': return bool();
    case 'os_hidden': return bool();
    case 'min_disk': return int();
    case 'min_ram': return int();
    case 'container_format': return oneOf(CONTAINER_FORMATS, true);
    case 'disk_format': return oneOf(DISK_FORMATS, true);
    case 'tags': {
      if (!Array.isArray(value)) throw schemaError(`${show(value)} is not of type 'array'${where}`);
      if (value.length > MAX_TAGS) throw new BadRequestError(`Maximum number of tags (${MAX_TAGS}) exceeded.`);
      for (const t of value) {
        if (typeof t !== 'string') throw schemaError(`${show(t)} is not of type 'string'${where}`);
        if (t.length < 1 || t.length > 255) throw schemaError(`${show(t)} must be 1 to 255 characters long${where}`);
      }
      return [...new Set(value as string[])];
    }
  }
}

/** Checks a free-form property: its key and that its value is a string (Glance's additionalProperties). */
export function checkPropertyValue(key: string, value: unknown): string {
  if (key.length < 1 || key.length > 255) throw schemaError(`property names must be 1 to 255 characters long (got ${show(key)})`);
  if (typeof value !== 'string') throw schemaError(`${show(value)} is not of type 'string' (${key})`);
  if (value.length > 65535) throw schemaError(`the value of ${key} is too long (at most 65535 characters)`);
  return value;
}

/** POST /v2/images: a flat object of base attributes and string properties. */
export function parseCreateBody(body: unknown): ImageCreate {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body)) throw schemaError(`${show(body)} is not of type 'object'`);
  const fields: Record<string, unknown> = {};
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    refuseProtectedAttribute(key);
    if (isBaseAttribute(key)) fields[key] = checkBaseValue(key, value);
    else properties[key] = checkPropertyValue(key, value);
  }
  checkPropertyCount(properties);
  return { fields: fields as ImageFields, properties };
}

export function checkPropertyCount(properties: Record<string, string>): void {
  if (Object.keys(properties).length > MAX_PROPERTIES) throw new BadRequestError(`Maximum number of image properties (${MAX_PROPERTIES}) exceeded.`);
}

/** JSON pointer of one level (`/name`, `/hw_disk_bus`, `/a~1b` for "a/b"). */
function attributeOf(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new BadRequestError(`Invalid JSON pointer for this resource: '${String(path)}'`);
  const parts = path.slice(1).split('/');
  if (parts.length !== 1 || parts[0] === '') throw new BadRequestError('Nested paths are not allowed');
  if (/~[^01]|~$/.test(parts[0])) throw new BadRequestError(`Invalid JSON pointer for this resource: '${path}'`);
  return parts[0].replace(/~1/g, '/').replace(/~0/g, '~');
}

/** PATCH with application/openstack-images-v2.1-json-patch: [{op, path, value}], add/replace/remove only. */
export function parsePatch(body: unknown): PatchOp[] {
  if (!Array.isArray(body)) throw new BadRequestError('Request body must be a JSON array of operation objects.');
  return body.map((change: unknown) => {
    if (typeof change !== 'object' || change === null || Array.isArray(change)) throw new BadRequestError('Operations must be JSON objects.');
    const c = change as Record<string, unknown>;
    const allowed = ['op', 'path', 'value'];
    const extra = Object.keys(c).find((k) => !allowed.includes(k));
    if (extra) throw new BadRequestError(`Operation objects must contain only 'op', 'path' and 'value' (got '${extra}').`);
    if (c.op !== 'add' && c.op !== 'replace' && c.op !== 'remove') {
      throw new BadRequestError(`Operation objects must contain exactly one member named "add", "remove", or "replace" (got ${show(c.op)}).`);
    }
    const attribute = attributeOf(c.path);
    if (c.op === 'remove') {
      if ('value' in c) throw new BadRequestError("Operation 'remove' takes no 'value'.");
      return { op: 'remove', attribute };
    }
    if (!('value' in c)) throw new BadRequestError(`Operation "${c.op}" requires a member named "value".`);
    return { op: c.op, attribute, value: c.value };
  });
}

/** POST /v2/images/{id}/actions/predistribute (berth's admin action). */
export class PredistributeRequest {
  @IsArray() @ArrayNotEmpty() @ArrayMaxSize(10000)
  @IsString({ each: true }) @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/, { each: true, message: 'each host must be a host name' })
  hosts: string[];
}
