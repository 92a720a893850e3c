import type { FastifyRequest } from 'fastify';
import { EndpointEntity, RegionEntity, ServiceEntity } from '../../entities/catalog.entity';
import { DomainEntity } from '../../entities/domain.entity';
import { ProjectEntity } from '../../entities/project.entity';
import { RoleEntity } from '../../entities/role.entity';
import { UserEntity } from '../../entities/user.entity';
import { TokenClaims } from '../../../../contracts/identity/identity.types';
import { CatalogEntry } from '../../catalog.service';
import { keystoneTime } from '../../ids';
import { nextLink } from '../../../../common/http/paging';

/** Where this identity API is reached, as the client reached it (for `links`). */
export function identityBase(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host}/identity/v3`;
}

export function listLinks(req: FastifyRequest, next: string | null = null) {
  return { self: `${identityBase(req).replace(/\/identity\/v3$/, '')}${req.url}`, previous: null, next };
}

/** A paged list body: items under `key`, and `links.next` when more rows follow. */
export function pagedList<T extends { id: string }>(req: FastifyRequest, key: string, page: { items: T[]; more: boolean }, render: (row: T) => unknown) {
  const self = listLinks(req).self;
  const last = page.items[page.items.length - 1]?.id;
  return { [key]: page.items.map(render), links: listLinks(req, nextLink(self, last, page.more)) };
}

export function renderDomain(d: DomainEntity, base: string) {
  return { id: d.id, name: d.name, description: d.description, enabled: d.enabled, tags: [], options: {}, links: { self: `${base}/domains/${d.id}` } };
}

export function renderProject(p: ProjectEntity, base: string) {
  return {
    id: p.id, name: p.name, domain_id: p.domainId, description: p.description, enabled: p.enabled,
    parent_id: p.parentId ?? p.domainId, is_domain: false, tags: p.tags, options: {}, links: { self: `${base}/projects/${p.id}` },
  };
}

export function renderUser(u: UserEntity, base: string) {
  return {
    ...u.extra,
    id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled,
    ...(u.defaultProjectId ? { default_project_id: u.defaultProjectId } : {}),
    password_expires_at: null, options: {}, links: { self: `${base}/users/${u.id}` },
  };
}

export function renderRole(r: RoleEntity, base: string) {
  return { id: r.id, name: r.name, domain_id: null, description: r.description || null, options: {}, links: { self: `${base}/roles/${r.id}` } };
}

export function renderService(s: ServiceEntity, base: string) {
  return { id: s.id, type: s.type, name: s.name, description: s.description, enabled: s.enabled, links: { self: `${base}/services/${s.id}` } };
}

export function renderEndpoint(e: EndpointEntity, base: string) {
  return {
    id: e.id, interface: e.interface, region_id: e.regionId, region: e.regionId, url: e.url, service_id: e.serviceId,
    enabled: e.enabled, links: { self: `${base}/endpoints/${e.id}` },
  };
}

export function renderRegion(r: RegionEntity, base: string) {
  return { id: r.id, description: r.description, parent_region_id: r.parentRegionId, links: { self: `${base}/regions/${r.id}` } };
}

/** The token body Keystone returns from POST/GET /v3/auth/tokens. */
export function renderToken(c: TokenClaims, catalog: CatalogEntry[] | undefined) {
  const token: Record<string, unknown> = {
    methods: c.m,
    user: { domain: { id: c.ud, name: c.udn }, id: c.sub, name: c.un, password_expires_at: null },
    audit_ids: c.paid ? [c.aid, c.paid] : [c.aid],
    expires_at: keystoneTime(c.exp),
    issued_at: keystoneTime(c.iat),
  };
  if (c.pid) {
    token.project = { domain: { id: c.pd, name: c.pdn }, id: c.pid, name: c.pn };
    token.is_domain = false;
  }
  if (c.did) token.domain = { id: c.did, name: c.dn };
  if (c.pid || c.did) token.roles = c.r;
  if (catalog) token.catalog = catalog;
  return { token };
}
