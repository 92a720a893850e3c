import type { FastifyRequest } from 'fastify';
import { Microversion } from '../../../../../common/http/microversion';
import { nextLink } from '../../../../../common/http/paging';
import { FlavorEntity } from '../../../entities/flavor.entity';

/** Microversions that change the flavor body. */
export const FLAVOR_DESCRIPTION_MV = '2.55';
export const FLAVOR_EXTRA_SPECS_MV = '2.61';
export const FLAVOR_SWAP_ZERO_MV = '2.75';

/** `http://H` as the client reached the server. */
function origin(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host}`;
}

/** Where the compute API is reached, as the client reached it (`http://H/compute`). */
export function computeBase(req: FastifyRequest): string {
  return `${origin(req)}/compute`;
}

function links(f: FlavorEntity, base: string) {
  const id = encodeURIComponent(f.id);
  return [
    { rel: 'self', href: `${base}/v2.1/flavors/${id}` },
    { rel: 'bookmark', href: `${base}/flavors/${id}` },
  ];
}

/** The brief form of GET /flavors: id, name, links (and description from 2.55). */
export function renderFlavorBrief(f: FlavorEntity, base: string, mv: Microversion) {
  return {
    id: f.id,
    name: f.name,
    ...(mv.atLeast(FLAVOR_DESCRIPTION_MV) ? { description: f.description } : {}),
    links: links(f, base),
  };
}

/**
 * The full flavor body per microversion: `swap` is "" when 0 before 2.75 (as Nova does),
 * `description` from 2.55, `extra_specs` from 2.61 when the caller may read them.
 */
export function renderFlavor(f: FlavorEntity, base: string, mv: Microversion, opts: { extraSpecs?: boolean } = {}) {
  const body: Record<string, unknown> = {
    id: f.id,
    name: f.name,
    ram: f.memoryMb,
    disk: f.rootGb,
    swap: f.swapMb || (mv.atLeast(FLAVOR_SWAP_ZERO_MV) ? 0 : ''),
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeralGb,
    'OS-FLV-DISABLED:disabled': f.disabled,
    vcpus: f.vcpus,
    'os-flavor-access:is_public': f.isPublic,
    rxtx_factor: f.rxtxFactor,
    links: links(f, base),
  };
  if (mv.atLeast(FLAVOR_DESCRIPTION_MV)) body.description = f.description;
  if (mv.atLeast(FLAVOR_EXTRA_SPECS_MV) && (opts.extraSpecs ?? true)) body.extra_specs = f.extraSpecs ?? {};
  return body;
}

/** A flavor list with Nova's `flavors_links` next link when more rows follow. */
export function renderFlavorList(req: FastifyRequest, page: { items: FlavorEntity[]; more: boolean }, render: (f: FlavorEntity) => unknown) {
  const next = nextLink(`${origin(req)}${req.url}`, page.items[page.items.length - 1]?.id, page.more);
  return {
    flavors: page.items.map(render),
    ...(next ? { flavors_links: [{ rel: 'next', href: next }] } : {}),
  };
}

export function renderFlavorAccess(flavorId: string, projectIds: string[]) {
  return { flavor_access: projectIds.map((tenant_id) => ({ flavor_id: flavorId, tenant_id })) };
}
