import type { FastifyRequest } from 'fastify';
import { ImageEntity } from '../../entities/image.entity';
import { CONTAINER_FORMATS, DISK_FORMATS, VISIBILITIES } from '../dto/image-body';

/** Glance prints times without fractions: 2026-11-23T15:45:01Z. */
export function glanceTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Where this image API is reached, as the client reached it (for the version document). */
export function imageBase(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host}/image`;
}

/** GET /image and /image/v2: Glance's version list (the SDK reads it on every image command). */
export function renderVersions(base: string) {
  const href = `${base}/v2/`;
  const minors = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
  return {
    versions: minors.map((m) => ({
      id: `v2.${m}`,
      status: m === 15 ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href }],
    })),
  };
}

/** The image as Glance v2 returns it: base attributes plus the free-form properties at the top level. */
export function renderImage(i: ImageEntity) {
  return {
    ...i.properties,
    id: i.id,
    name: i.name,
    status: i.status,
    visibility: i.visibility,
    protected: i.isProtected,
    os_hidden: i.osHidden,
    checksum: i.checksum,
    os_hash_algo: i.osHashAlgo,
    os_hash_value: i.osHashValue,
    owner: i.projectId,
    size: i.size,
    virtual_size: i.virtualSize,
    min_ram: i.minRam,
    min_disk: i.minDisk,
    container_format: i.containerFormat,
    disk_format: i.diskFormat,
    created_at: glanceTime(i.createdAt),
    updated_at: glanceTime(i.updatedAt),
    tags: i.tags,
    file: `/v2/images/${i.id}/file`,
    self: `/v2/images/${i.id}`,
    schema: '/v2/schemas/image',
  };
}

/**
 * A page of images with Glance's relative links: `first` (the query without marker) and `next`
 * (the same query with marker = the last image) only when more images follow.
 */
export function renderImageList(req: FastifyRequest, page: { items: ImageEntity[]; more: boolean }) {
  const query = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
  query.delete('marker');
  const first = query.toString();
  const body: Record<string, unknown> = {
    images: page.items.map(renderImage),
    first: `/v2/images${first ? `?${first}` : ''}`,
    schema: '/v2/schemas/images',
  };
  const last = page.items[page.items.length - 1];
  if (page.more && last) {
    query.set('marker', last.id);
    body.next = `/v2/images?${query.toString()}`;
  }
  return body;
}

const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

/** GET /v2/schemas/image: Glance's image schema (the attributes berth serves). */
export function imageSchema() {
  const readOnlyString = (description: string, maxLength?: number) => ({ type: ['null', 'string'], readOnly: true, description, ...(maxLength ? { maxLength } : {}) });
  return {
    name: 'image',
    properties: {
      id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
      name: { type: ['null', 'string'], description: 'Descriptive name for the image', maxLength: 255 },
      status: {
        type: 'string', readOnly: true, description: 'Status of the image',
        enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'],
      },
      visibility: { type: 'string', description: 'Scope of image accessibility', enum: VISIBILITIES },
      protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
      os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
      checksum: readOnlyString('md5 hash of image contents.', 32),
      os_hash_algo: readOnlyString('Algorithm to calculate the os_hash_value', 64),
      os_hash_value: readOnlyString('Hexdigest of the image contents using the algorithm specified by the os_hash_algo', 128),
      owner: { type: ['null', 'string'], description: 'Owner of the image', maxLength: 255 },
      size: { type: ['null', 'integer'], readOnly: true, description: 'Size of image file in bytes' },
      virtual_size: { type: ['null', 'integer'], readOnly: true, description: 'Virtual size of image in bytes' },
      container_format: { type: ['null', 'string'], description: 'Format of the container', enum: [null, ...CONTAINER_FORMATS] },
      disk_format: { type: ['null', 'string'], description: 'Format of the disk', enum: [null, ...DISK_FORMATS] },
      created_at: { type: 'string', readOnly: true, description: 'Date and time of image registration' },
      updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last image modification' },
      tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
      min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
      min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
      self: { type: 'string', readOnly: true, description: 'An image self url' },
      file: { type: 'string', readOnly: true, description: 'An image file url' },
      schema: { type: 'string', readOnly: true, description: 'An image schema url' },
    },
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

/** GET /v2/schemas/images. */
export function imagesSchema() {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema() },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}
