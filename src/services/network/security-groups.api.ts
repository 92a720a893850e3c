import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { RequestContext } from '../../common/context/request-context';
import { BadRequestError, ConflictError } from '../../common/errors/api-error';
import { allowOnly, int, invalid, required, resourceBody, str } from './api/neutron-body';
import { SecurityGroupEntity, SecurityGroupRuleEntity } from './entities/security-group.entity';
import { formatCidr, parseCidr } from './ipam/addresses';
import { NetworkQuotasService } from './network-quotas.service';
import { UUID, policyError } from './networks.api';
import { neutronErrors } from './neutron-errors';

/** Protocol names Neutron accepts, with their IP protocol numbers. */
const PROTOCOLS: Record<string, number> = {
  tcp: 6, udp: 17, icmp: 1, ipv6icmp: 58, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, gre: 47, esp: 50, ah: 51, vrrp: 112, igmp: 2, dccp: 33, udplite: 136,
};
const PORTED = ['tcp', 'udp', 'sctp', 'dccp', 'udplite', '6', '17', '132', '33', '136'];

export interface GroupWithRules {
  group: SecurityGroupEntity;
  rules: SecurityGroupRuleEntity[];
}

/**
 * Security groups and their rules. Every project has a `default` group, made on first need with
 * Neutron's default rules: all egress, and ingress from members of the same group.
 */
@Injectable()
export class SecurityGroupsApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, private readonly quotas: NetworkQuotasService) {}

  /** The project's default group, created (race-free: a partial unique index) when missing. */
  async ensureDefault(projectId: string, manager: EntityManager = this.db.manager): Promise<SecurityGroupEntity> {
    const existing = await manager.getRepository(SecurityGroupEntity).findOneBy({ projectId, name: 'default' });
    if (existing) return existing;
    const id = randomUUID();
    const inserted = await manager.query(
      `INSERT INTO network.security_groups (id, name, description, project_id, revision_number) VALUES ($1, 'default', 'Default security group', $2, 1)
       ON CONFLICT (project_id) WHERE name = 'default' DO NOTHING RETURNING id`,
      [id, projectId],
    );
    if (inserted.length) {
      for (const ethertype of ['IPv4', 'IPv6'] as const) {
        await this.insertRule(manager, { securityGroupId: id, projectId, direction: 'egress', ethertype });
        await this.insertRule(manager, { securityGroupId: id, projectId, direction: 'ingress', ethertype, remoteGroupId: id });
      }
    }
    return (await manager.getRepository(SecurityGroupEntity).findOneBy({ projectId, name: 'default' }))!;
  }

  async list(ctx: RequestContext): Promise<GroupWithRules[]> {
    if (ctx.projectId) await this.ensureDefault(ctx.projectId);
    const groups = await this.db.getRepository(SecurityGroupEntity).find({
      where: ctx.isAdmin ? {} : { projectId: ctx.projectId! }, order: { createdAt: 'ASC', id: 'ASC' },
    });
    return this.withRules(groups);
  }

  async get(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager): Promise<GroupWithRules> {
    const g = UUID.test(id) ? await manager.getRepository(SecurityGroupEntity).findOneBy({ id }) : null;
    if (!g || !(ctx.isAdmin || g.projectId === ctx.projectId)) throw neutronErrors.securityGroupNotFound(id);
    return (await this.withRules([g], manager))[0];
  }

  /** Groups a port may use: the caller's own (all of them must exist). */
  async resolve(ids: string[], projectId: string, ctx: RequestContext, manager: EntityManager): Promise<string[]> {
    for (const id of ids) {
      const g = UUID.test(id) ? await manager.getRepository(SecurityGroupEntity).findOneBy({ id }) : null;
      if (!g || !(ctx.isAdmin || g.projectId === projectId)) throw neutronErrors.securityGroupNotFound(id);
    }
    return [...new Set(ids)];
  }

  async create(body: unknown, ctx: RequestContext): Promise<GroupWithRules> {
    const b = resourceBody(body, 'security_group');
    allowOnly(b, ['name', 'description', 'tenant_id', 'project_id', 'stateful']);
    const name = str(b, 'name') ?? '';
    if (name === 'default') throw new ConflictError('Default security group already exists.', 'SecurityGroupDefaultAlreadyExists');
    const projectId = (str(b, 'project_id') ?? str(b, 'tenant_id')) || ctx.projectId!;
    if (projectId !== ctx.projectId && !ctx.isAdmin) throw policyError('create_security_group:tenant_id');
    return this.db.transaction(async (tx) => {
      await this.ensureDefault(projectId, tx);
      await this.quotas.enforce(tx, projectId, 'security_group');
      const g = tx.getRepository(SecurityGroupEntity).create({ id: randomUUID(), name, description: str(b, 'description') ?? '', projectId, stateful: true, revisionNumber: 1 });
      await tx.getRepository(SecurityGroupEntity).insert(g);
      for (const ethertype of ['IPv4', 'IPv6'] as const) await this.insertRule(tx, { securityGroupId: g.id, projectId, direction: 'egress', ethertype });
      return (await this.withRules([g], tx))[0];
    });
  }

  async update(id: string, body: unknown, ctx: RequestContext): Promise<GroupWithRules> {
    const b = resourceBody(body, 'security_group');
    allowOnly(b, ['name', 'description']);
    return this.db.transaction(async (tx) => {
      const { group } = await this.get(id, ctx, tx);
      const name = str(b, 'name');
      if (group.name === 'default' && name !== undefined && name !== 'default') throw new ConflictError('Updating default security group not allowed.', 'SecurityGroupCannotUpdateDefault');
      await tx.getRepository(SecurityGroupEntity).update({ id }, { name: name ?? group.name, description: str(b, 'description') ?? group.description, revisionNumber: group.revisionNumber + 1 });
      return this.get(id, ctx, tx);
    });
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { group } = await this.get(id, ctx, tx);
      if (group.name === 'default' && !ctx.isAdmin) throw new ConflictError('Removing default security group not allowed.', 'SecurityGroupCannotRemoveDefault');
      await tx.query(`SELECT id FROM network.security_groups WHERE id = $1 FOR UPDATE`, [id]);
      const inUse = await tx.query(`SELECT 1 FROM network.port_security_groups WHERE security_group_id = $1 LIMIT 1`, [id]);
      if (inUse.length) throw neutronErrors.securityGroupInUse(id);
      await tx.query(`DELETE FROM network.security_group_rules WHERE security_group_id = $1 OR remote_group_id = $1`, [id]);
      await tx.query(`DELETE FROM network.security_groups WHERE id = $1`, [id]);
    });
  }

  async listRules(ctx: RequestContext): Promise<SecurityGroupRuleEntity[]> {
    if (ctx.projectId) await this.ensureDefault(ctx.projectId);
    return this.db.getRepository(SecurityGroupRuleEntity).find({ where: ctx.isAdmin ? {} : { projectId: ctx.projectId! }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async getRule(id: string, ctx: RequestContext): Promise<SecurityGroupRuleEntity> {
    const r = UUID.test(id) ? await this.db.getRepository(SecurityGroupRuleEntity).findOneBy({ id }) : null;
    if (!r || !(ctx.isAdmin || r.projectId === ctx.projectId)) throw neutronErrors.ruleNotFound(id);
    return r;
  }

  async createRule(body: unknown, ctx: RequestContext): Promise<SecurityGroupRuleEntity> {
    const b = resourceBody(body, 'security_group_rule');
    allowOnly(b, ['security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id', 'remote_address_group_id', 'description', 'tenant_id', 'project_id']);
    const groupId = String(required(b, 'security_group_id'));
    const direction = String(required(b, 'direction'));
    if (direction !== 'ingress' && direction !== 'egress') throw invalid('direction', `'${direction}' is not in ['ingress', 'egress']`);
    const ethertype = str(b, 'ethertype') ?? 'IPv4';
    if (ethertype !== 'IPv4' && ethertype !== 'IPv6') throw invalid('ethertype', `'${ethertype}' is not in ['IPv4', 'IPv6']`);
    const protocol = this.protocol(b.protocol);
    let min = int(b, 'port_range_min', 0, 65535) ?? null;
    let max = int(b, 'port_range_max', 0, 65535) ?? null;
    if ((min !== null || max !== null) && protocol === null) {
      throw new BadRequestError('Must also specify protocol if port range is given.', 'SecurityGroupProtocolRequiredWithPorts');
    }
    if (protocol !== null && PORTED.includes(protocol)) {
      if (min !== null && max === null) max = min;
      if (min !== null && max !== null && min > max) throw new BadRequestError('For TCP/UDP protocols, port_range_min must be <= port_range_max', 'SecurityGroupInvalidPortRange');
      if (min === 0 || max === 0) throw new BadRequestError('Invalid value for port 0', 'SecurityGroupInvalidPortValue');
    } else if (protocol !== null && ['icmp', 'ipv6-icmp', 'icmpv6', 'ipv6icmp', '1', '58'].includes(protocol)) {
      if (min !== null && min > 255) throw new BadRequestError(`Invalid value for ICMP field (port_range_min): ${min}. It must be 0 to 255.`, 'SecurityGroupInvalidIcmpValue');
      if (max !== null && max > 255) throw new BadRequestError(`Invalid value for ICMP field (port_range_max): ${max}. It must be 0 to 255.`, 'SecurityGroupInvalidIcmpValue');
    } else if (min !== null || max !== null) {
      min = null;
      max = null;
    }
    const prefixText = str(b, 'remote_ip_prefix', 64);
    let prefix: string | null = null;
    if (prefixText) {
      const normal = this.normalise(prefixText.includes('/') ? prefixText : `${prefixText}/${prefixText.includes(':') ? 128 : 32}`);
      if (!normal) throw invalid('remote_ip_prefix', `'${prefixText}' is not a valid IP subnet`);
      if ((normal.version === 4 ? 'IPv4' : 'IPv6') !== ethertype) {
        throw new BadRequestError(`Conflicting value ethertype ${ethertype} for CIDR ${prefixText}`, 'SecurityGroupRuleParameterConflict');
      }
      prefix = formatCidr(normal);
    }
    const remoteGroup = str(b, 'remote_group_id', 36) ?? null;
    if (prefix && remoteGroup) throw new BadRequestError('Only remote_ip_prefix or remote_group_id may be provided.', 'SecurityGroupRemoteGroupAndRemoteIpPrefix');
    return this.db.transaction(async (tx) => {
      const { group, rules } = await this.get(groupId, ctx, tx);
      if (remoteGroup) await this.get(remoteGroup, ctx, tx);
      await tx.query(`SELECT id FROM network.security_groups WHERE id = $1 FOR UPDATE`, [groupId]);
      await this.quotas.enforce(tx, group.projectId, 'security_group_rule');
      const same = rules.find((r) => r.direction === direction && r.ethertype === ethertype && r.protocol === protocol && r.portRangeMin === min
        && r.portRangeMax === max && r.remoteIpPrefix === prefix && r.remoteGroupId === remoteGroup);
      if (same) throw new ConflictError(`Security group rule already exists. Rule id is ${same.id}.`, 'SecurityGroupRuleExists');
      const id = await this.insertRule(tx, {
        securityGroupId: groupId, projectId: group.projectId, direction, ethertype, protocol, portRangeMin: min, portRangeMax: max,
        remoteIpPrefix: prefix, remoteGroupId: remoteGroup, description: str(b, 'description') ?? '',
      });
      await tx.query(`UPDATE network.security_groups SET revision_number = revision_number + 1, updated_at = now() WHERE id = $1`, [groupId]);
      return (await tx.getRepository(SecurityGroupRuleEntity).findOneBy({ id }))!;
    });
  }

  async deleteRule(id: string, ctx: RequestContext): Promise<void> {
    const r = await this.getRule(id, ctx);
    await this.db.getRepository(SecurityGroupRuleEntity).delete({ id: r.id });
  }

  private async withRules(groups: SecurityGroupEntity[], manager: EntityManager = this.db.manager): Promise<GroupWithRules[]> {
    if (groups.length === 0) return [];
    const rules = await manager.getRepository(SecurityGroupRuleEntity).find({ where: { securityGroupId: In(groups.map((g) => g.id)) }, order: { createdAt: 'ASC', id: 'ASC' } });
    return groups.map((group) => ({ group, rules: rules.filter((r) => r.securityGroupId === group.id) }));
  }

  private async insertRule(manager: EntityManager, r: Partial<SecurityGroupRuleEntity> & Pick<SecurityGroupRuleEntity, 'securityGroupId' | 'projectId' | 'direction' | 'ethertype'>): Promise<string> {
    const id = randomUUID();
    await manager.getRepository(SecurityGroupRuleEntity).insert({
      id, protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, description: '', revisionNumber: 1, ...r,
    });
    return id;
  }

  /** A name from Neutron's list, a number 0–255, or absent (any). */
  private protocol(v: unknown): string | null {
    if (v === undefined || v === null || v === 'any') return null;
    const text = String(v).toLowerCase();
    if (PROTOCOLS[text] !== undefined) return text;
    if (/^\d+$/.test(text) && Number(text) <= 255) return text;
    throw new BadRequestError(`Security group rule protocol ${String(v)} not supported. Only protocol values [None, ${Object.keys(PROTOCOLS).join(', ')}] and integer representations [0 to 255] are supported.`, 'SecurityGroupRuleInvalidProtocol');
  }

  /** Neutron accepts a prefix with host bits and keeps its network (10.0.0.1/24 → 10.0.0.0/24). */
  private normalise(text: string) {
    const m = /^([^/]+)\/(\d+)$/.exec(text);
    if (!m) return undefined;
    const probe = parseCidr(`${m[1]}/${m[1].includes(':') ? 128 : 32}`);
    if (!probe) return undefined;
    const bits = probe.version === 4 ? 32 : 128;
    const prefix = Number(m[2]);
    if (prefix > bits) return undefined;
    const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
    return { version: probe.version, network: probe.network & mask, prefix };
  }
}
