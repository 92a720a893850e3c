import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Brackets, DataSource, EntityManager, In } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { RequestContext } from '../../common/context/request-context';
import { ApiError, ConflictError } from '../../common/errors/api-error';
import { allowOnly, bool, int, invalid, resourceBody, str } from './api/neutron-body';
import { NetworkEntity, SubnetEntity } from './entities/network.entity';
import { NetworkQuotasService } from './network-quotas.service';
import { neutronErrors } from './neutron-errors';

/** Tenant networks are VXLAN (Neutron's usual tenant_network_types); VNIs come from this range. */
const VXLAN_VNI_MAX = 16_777_215;
const MTU: Record<string, number> = { vxlan: 1450, vlan: 1500, flat: 1500 };
const NETWORK_FIELDS = [
  'name', 'description', 'admin_state_up', 'shared', 'router:external', 'mtu', 'port_security_enabled', 'tenant_id', 'project_id',
  'provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'availability_zone_hints', 'dns_domain',
] as const;
const ADMIN_ONLY = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'router:external', 'shared'];

export function policyError(rule: string): ApiError {
  return new ApiError(403, `(rule:${rule}) is disallowed by policy`, 'PolicyNotAuthorized');
}

/**
 * Networks: who sees them (own, shared and external ones; admins all), their segments, and the
 * rule that a network with ports in use is not deleted.
 */
@Injectable()
export class NetworksApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, private readonly quotas: NetworkQuotasService) {}

  async list(ctx: RequestContext, ids?: string[]): Promise<NetworkEntity[]> {
    const qb = this.db.getRepository(NetworkEntity).createQueryBuilder('n').orderBy('n.created_at', 'ASC').addOrderBy('n.id', 'ASC');
    if (ids) qb.andWhere('n.id IN (:...ids)', { ids: ids.length ? ids : ['00000000-0000-0000-0000-000000000000'] });
    if (!ctx.isAdmin) {
      qb.andWhere(new Brackets((w) => w.where('n.project_id = :p', { p: ctx.projectId }).orWhere('n.shared').orWhere('n.external')));
    }
    return qb.getMany();
  }

  /** A network the caller may see, else NetworkNotFound (another project's network looks absent). */
  async get(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager): Promise<NetworkEntity> {
    const n = UUID.test(id) ? await manager.getRepository(NetworkEntity).findOneBy({ id }) : null;
    if (!n || !(ctx.isAdmin || n.projectId === ctx.projectId || n.shared || n.external)) throw neutronErrors.networkNotFound(id);
    return n;
  }

  async subnetIds(networkIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (networkIds.length === 0) return out;
    const rows = await this.db.getRepository(SubnetEntity).find({ where: { networkId: In(networkIds) }, select: ['id', 'networkId'], order: { createdAt: 'ASC' } });
    for (const r of rows) out.set(r.networkId, [...(out.get(r.networkId) ?? []), r.id]);
    return out;
  }

  async create(body: unknown, ctx: RequestContext): Promise<NetworkEntity> {
    const b = resourceBody(body, 'network');
    allowOnly(b, NETWORK_FIELDS);
    for (const key of ADMIN_ONLY) if (b[key] !== undefined && !ctx.isAdmin) throw policyError(`create_network:${key}`);
    const projectId = this.ownerOf(b, ctx);
    const name = str(b, 'name') ?? '';
    const segment = this.segment(b);
    const mtu = int(b, 'mtu', 68, 9000) ?? MTU[segment.type];
    if (mtu > MTU[segment.type]) throw invalid('mtu', `Requested MTU is too big, maximum is ${MTU[segment.type]}`);
    return this.db.transaction(async (tx) => {
      await this.quotas.enforce(tx, projectId, 'network');
      const segmentationId = segment.type === 'vxlan' && segment.id === null ? await this.nextVni(tx) : segment.id;
      await this.checkFlatFree(tx, segment.type, segment.physnet);
      const n = tx.getRepository(NetworkEntity).create({
        id: randomUUID(), name, description: str(b, 'description') ?? '', projectId, adminStateUp: bool(b, 'admin_state_up') ?? true,
        shared: bool(b, 'shared') ?? false, external: bool(b, 'router:external') ?? false, mtu, status: 'ACTIVE',
        networkType: segment.type, physicalNetwork: segment.physnet, segmentationId, portSecurityEnabled: bool(b, 'port_security_enabled') ?? true,
        revisionNumber: 1,
      });
      try {
        await tx.getRepository(NetworkEntity).insert(n);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new ConflictError(`Unable to create the network. The VLAN ${segmentationId} on physical network ${segment.physnet} is in use.`, 'VlanIdInUse');
        throw err;
      }
      return n;
    });
  }

  async update(id: string, body: unknown, ctx: RequestContext): Promise<NetworkEntity> {
    const b = resourceBody(body, 'network');
    allowOnly(b, ['name', 'description', 'admin_state_up', 'shared', 'router:external', 'mtu', 'port_security_enabled']);
    for (const key of ['shared', 'router:external']) if (b[key] !== undefined && !ctx.isAdmin) throw policyError(`update_network:${key}`);
    return this.db.transaction(async (tx) => {
      const n = await this.get(id, ctx, tx);
      if (!ctx.isAdmin && n.projectId !== ctx.projectId) throw policyError('update_network');
      const mtu = int(b, 'mtu', 68, 9000);
      if (mtu && mtu > MTU[n.networkType]) throw invalid('mtu', `Requested MTU is too big, maximum is ${MTU[n.networkType]}`);
      const patch: Partial<NetworkEntity> = {
        name: str(b, 'name') ?? n.name, description: str(b, 'description') ?? n.description,
        adminStateUp: bool(b, 'admin_state_up') ?? n.adminStateUp, shared: bool(b, 'shared') ?? n.shared,
        external: bool(b, 'router:external') ?? n.external, mtu: mtu ?? n.mtu,
        portSecurityEnabled: bool(b, 'port_security_enabled') ?? n.portSecurityEnabled, revisionNumber: n.revisionNumber + 1,
      };
      await tx.getRepository(NetworkEntity).update({ id }, patch);
      return (await tx.getRepository(NetworkEntity).findOneBy({ id }))!;
    });
  }

  /**
   * Deletes a network with its subnets. Ports a user or compute holds keep it (NetworkInUse);
   * only ports of the network service's own (none yet: no DHCP agents) would go with it.
   */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const n = await this.get(id, ctx, tx);
      if (!ctx.isAdmin && n.projectId !== ctx.projectId) throw policyError('delete_network');
      await tx.query(`SELECT id FROM network.networks WHERE id = $1 FOR UPDATE`, [id]);
      const ports = await tx.query(`SELECT 1 FROM network.ports WHERE network_id = $1 LIMIT 1`, [id]);
      if (ports.length) throw neutronErrors.networkInUse(id);
      const subnets: { id: string }[] = await tx.query(`SELECT id FROM network.subnets WHERE network_id = $1`, [id]);
      for (const s of subnets) await tx.query(`DELETE FROM network.ip_availability WHERE subnet_id = $1`, [s.id]);
      await tx.query(`DELETE FROM network.subnets WHERE network_id = $1`, [id]);
      await tx.query(`DELETE FROM network.networks WHERE id = $1`, [id]);
    });
  }

  /** `tenant_id`/`project_id` in a body: only an admin may create for another project. */
  ownerOf(b: Record<string, unknown>, ctx: RequestContext): string {
    const asked = (str(b, 'project_id') ?? str(b, 'tenant_id'))?.replace(/-/g, '');
    if (asked && asked !== ctx.projectId?.replace(/-/g, '') && !ctx.isAdmin) throw policyError('create:tenant_id');
    return (str(b, 'project_id') ?? str(b, 'tenant_id')) || ctx.projectId!;
  }

  private segment(b: Record<string, unknown>): { type: string; physnet: string | null; id: number | null } {
    const type = str(b, 'provider:network_type') ?? 'vxlan';
    const physnet = str(b, 'provider:physical_network', 64) ?? null;
    const id = int(b, 'provider:segmentation_id', 1, VXLAN_VNI_MAX) ?? null;
    switch (type) {
      case 'flat':
        if (!physnet) throw invalid('provider:physical_network', 'physical_network required for flat provider network');
        if (id !== null) throw invalid('provider:segmentation_id', 'segmentation_id specified for flat provider network');
        return { type, physnet, id };
      case 'vlan':
        if (!physnet) throw invalid('provider:physical_network', 'physical_network required for VLAN provider network');
        if (id === null || id > 4094) throw invalid('provider:segmentation_id', 'segmentation_id out of range (1 through 4094)');
        return { type, physnet, id };
      case 'vxlan':
        if (physnet) throw invalid('provider:physical_network', 'provider:physical_network specified for VXLAN network');
        return { type, physnet: null, id };
      default:
        throw invalid('provider:network_type', `network_type value '${type}' not supported`);
    }
  }

  private async nextVni(tx: EntityManager): Promise<number> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('network-vni'))`);
    const rows: { vni: number }[] = await tx.query(
      `SELECT coalesce(min(s.v), 1) AS vni FROM (SELECT 1 AS v WHERE NOT EXISTS (SELECT 1 FROM network.networks WHERE network_type = 'vxlan' AND segmentation_id = 1)
       UNION ALL SELECT segmentation_id + 1 FROM network.networks n WHERE network_type = 'vxlan' AND segmentation_id < $1
         AND NOT EXISTS (SELECT 1 FROM network.networks m WHERE m.network_type = 'vxlan' AND m.segmentation_id = n.segmentation_id + 1)) s`,
      [VXLAN_VNI_MAX],
    );
    return rows[0].vni;
  }

  /** A physical network carries one flat network (VLAN and VXLAN ids are kept unique by an index). */
  private async checkFlatFree(tx: EntityManager, type: string, physnet: string | null): Promise<void> {
    if (type !== 'flat') return;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`network-flat:${physnet}`]);
    const used = await tx.query(`SELECT 1 FROM network.networks WHERE network_type = 'flat' AND physical_network = $1`, [physnet]);
    if (used.length) throw new ConflictError(`Unable to create the flat network. Physical network ${physnet} is in use.`, 'FlatNetworkInUse');
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
