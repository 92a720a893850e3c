import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { CONFIG } from '../../common/config/config.token';
import { ConfigService } from '../../common/config/config.service';
import { DATA_SOURCE } from '../../common/database/database.module';
import { RequestContext } from '../../common/context/request-context';
import { BadRequestError, ConflictError } from '../../common/errors/api-error';
import { PortView } from './api/views/network.view';
import { allowOnly, bool, invalid, list, required, resourceBody, str } from './api/neutron-body';
import { NetworkEntity, SubnetEntity } from './entities/network.entity';
import { AddressPair, PortBindingEntity, PortEntity, PortSecurityGroupEntity } from './entities/port.entity';
import { cidrHolds, formatAddress, parseAddress } from './ipam/addresses';
import { IpamService } from './ipam/ipam.service';
import { NetworkQuotasService } from './network-quotas.service';
import { NetworksApi, UUID, policyError } from './networks.api';
import { neutronErrors } from './neutron-errors';
import { SecurityGroupsApi } from './security-groups.api';

const CREATE_FIELDS = [
  'network_id', 'name', 'description', 'admin_state_up', 'mac_address', 'fixed_ips', 'device_id', 'device_owner', 'security_groups',
  'allowed_address_pairs', 'port_security_enabled', 'binding:host_id', 'binding:profile', 'binding:vnic_type', 'tenant_id', 'project_id',
] as const;
const UPDATE_FIELDS = [
  'name', 'description', 'admin_state_up', 'mac_address', 'fixed_ips', 'device_id', 'device_owner', 'security_groups',
  'allowed_address_pairs', 'port_security_enabled', 'binding:host_id', 'binding:profile', 'binding:vnic_type',
] as const;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const MAC_ATTEMPTS = 16;
/** How berth plugs a port on a host: a Linux bridge per network (the docker driver's bridge network). */
export const VIF_TYPE = 'bridge';
export const VIF_DETAILS = { port_filter: true, connectivity: 'l2' };

export interface PortFilter {
  ids?: string[];
  networkIds?: string[];
  deviceIds?: string[];
  deviceOwners?: string[];
  macAddresses?: string[];
  names?: string[];
  projectIds?: string[];
  /** fixed_ips=ip_address=…/subnet_id=… */
  ipAddresses?: string[];
  subnetIds?: string[];
}

interface FixedIpRequest {
  subnetId?: string;
  ipAddress?: string;
}

/**
 * Ports: a MAC and fixed IPs that stay with the port until it is deleted, on whichever host it
 * is bound. Addresses come from IPAM inside the creating transaction, so a failed create leaves
 * no address taken.
 */
@Injectable()
export class PortsApi {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: ConfigService,
    private readonly networks: NetworksApi,
    private readonly ipam: IpamService,
    private readonly quotas: NetworkQuotasService,
    private readonly groups: SecurityGroupsApi,
  ) {}

  /** Ports the caller may see matching the filters, with what their views need, in few queries. */
  async list(ctx: RequestContext, f: PortFilter): Promise<PortView[]> {
    const qb = this.db.getRepository(PortEntity).createQueryBuilder('p').orderBy('p.created_at', 'ASC').addOrderBy('p.id', 'ASC');
    if (!ctx.isAdmin) qb.andWhere('(p.project_id = :own OR p.network_id IN (SELECT id FROM network.networks WHERE project_id = :own))', { own: ctx.projectId });
    const inList = (column: string, name: string, values?: string[]) => {
      if (values) qb.andWhere(`p.${column} IN (:...${name})`, { [name]: values.length ? values : [''] });
    };
    inList('id', 'ids', f.ids?.filter((id) => UUID.test(id)) ?? (f.ids ? [] : undefined));
    inList('network_id', 'networkIds', f.networkIds?.filter((id) => UUID.test(id)) ?? (f.networkIds ? [] : undefined));
    inList('device_id', 'deviceIds', f.deviceIds);
    inList('device_owner', 'deviceOwners', f.deviceOwners);
    inList('mac_address', 'macs', f.macAddresses?.map((m) => m.toLowerCase()));
    inList('name', 'names', f.names);
    inList('project_id', 'projectIds', f.projectIds);
    if (f.ipAddresses) {
      const ips = f.ipAddresses.map((ip) => parseAddress(ip)).filter((a) => a !== undefined).map((a) => formatAddress(a!.version, a!.value));
      qb.andWhere(`p.id IN (SELECT port_id FROM network.ip_allocations WHERE ip_address = ANY(:ips::inet[]))`, { ips: ips.length ? ips : ['0.0.0.0'] });
    }
    if (f.subnetIds) {
      qb.andWhere(`p.id IN (SELECT port_id FROM network.ip_allocations WHERE subnet_id = ANY(:subnets::uuid[]))`, { subnets: f.subnetIds.filter((s) => UUID.test(s)) });
    }
    return this.views(await qb.getMany());
  }

  async get(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager): Promise<PortView> {
    return (await this.views([await this.entity(id, ctx, manager)], manager))[0];
  }

  async create(body: unknown, ctx: RequestContext): Promise<PortView> {
    return this.db.transaction(async (tx) => this.createIn(tx, body, ctx));
  }

  /**
   * Creates a port inside the caller's transaction and returns its view, built from what was
   * written rather than read back (a create is a few statements, each a round trip).
   */
  async createIn(tx: EntityManager, body: unknown, ctx: RequestContext): Promise<PortView> {
    const b = resourceBody(body, 'port');
    allowOnly(b, CREATE_FIELDS);
    for (const key of ['binding:host_id', 'binding:profile']) if (b[key] !== undefined && !ctx.isAdmin) throw policyError(`create_port:${key}`);
    const networkId = String(required(b, 'network_id'));
    const fixed = b.fixed_ips === undefined ? undefined : this.fixedIps(list(b, 'fixed_ips')!);
    const mac = this.macOf(b);
    const pairs = this.addressPairs(b);
    const portSecurity = bool(b, 'port_security_enabled');
    const network = await this.networks.get(networkId, ctx, tx);
    const projectId = this.networks.ownerOf(b, ctx);
    const ownsNetwork = ctx.isAdmin || network.projectId === ctx.projectId;
    if (fixed?.some((f) => f.ipAddress) && !ownsNetwork) throw policyError('create_port:fixed_ips:ip_address');
    if (mac && !ownsNetwork) throw policyError('create_port:mac_address');
    await this.quotas.enforce(tx, projectId, 'port');
    const security = portSecurity ?? network.portSecurityEnabled;
    const groupIds = b.security_groups !== undefined
      ? await this.groups.resolve((list(b, 'security_groups') ?? []).map(String), projectId, ctx, tx)
      : security ? [(await this.groups.ensureDefault(projectId, tx)).id] : [];
    if (!security && groupIds.length) throw new BadRequestError('Port has security group associated. Cannot disable port security or ip address until security group is removed', 'PortSecurityPortHasSecurityGroup');
    if (!security && pairs.length) throw new ConflictError('Port Security must be enabled in order to have allowed address pairs on a port.', 'AddressPairAndPortSecurityRequired');
    const port = tx.getRepository(PortEntity).create({
      id: randomUUID(), name: str(b, 'name') ?? '', description: str(b, 'description') ?? '', projectId, networkId,
      macAddress: mac ?? '', adminStateUp: bool(b, 'admin_state_up') ?? true, status: 'DOWN', deviceId: str(b, 'device_id') ?? '',
      deviceOwner: str(b, 'device_owner') ?? '', allowedAddressPairs: pairs, portSecurityEnabled: security, revisionNumber: 1,
    });
    port.macAddress = await this.insertWithMac(tx, port, mac, network);
    for (const g of groupIds) await tx.getRepository(PortSecurityGroupEntity).insert({ portId: port.id, securityGroupId: g });
    const host = str(b, 'binding:host_id');
    const active = host ? await this.bind(tx, port.id, host, 'ACTIVE', (b['binding:profile'] as Record<string, unknown>) ?? {}, str(b, 'binding:vnic_type') ?? 'normal') : undefined;
    // Addresses last: the free range IPAM locks is then held only until the commit.
    const fixedIps = await this.allocate(tx, port, network, fixed);
    return { port, fixedIps, securityGroups: groupIds, active };
  }

  async update(id: string, body: unknown, ctx: RequestContext): Promise<PortView> {
    const b = resourceBody(body, 'port');
    if (b.network_id !== undefined) throw new BadRequestError('Cannot update read-only attribute network_id', 'HTTPBadRequest');
    allowOnly(b, UPDATE_FIELDS);
    for (const key of ['binding:host_id', 'binding:profile', 'mac_address']) if (b[key] !== undefined && !ctx.isAdmin) throw policyError(`update_port:${key}`);
    const fixed = b.fixed_ips === undefined ? undefined : this.fixedIps(list(b, 'fixed_ips')!);
    const pairs = b.allowed_address_pairs === undefined ? undefined : this.addressPairs(b);
    return this.db.transaction(async (tx) => {
      const port = await this.entity(id, ctx, tx);
      await tx.query(`SELECT id FROM network.ports WHERE id = $1 FOR UPDATE`, [id]);
      const network = (await tx.getRepository(NetworkEntity).findOneBy({ id: port.networkId }))!;
      if (fixed?.some((f) => f.ipAddress) && !(ctx.isAdmin || network.projectId === ctx.projectId)) throw policyError('update_port:fixed_ips:ip_address');
      const security = bool(b, 'port_security_enabled') ?? port.portSecurityEnabled;
      const patch: Partial<PortEntity> = {
        name: str(b, 'name') ?? port.name, description: str(b, 'description') ?? port.description,
        adminStateUp: bool(b, 'admin_state_up') ?? port.adminStateUp, deviceId: str(b, 'device_id') ?? port.deviceId,
        deviceOwner: str(b, 'device_owner') ?? port.deviceOwner, allowedAddressPairs: pairs ?? port.allowedAddressPairs,
        portSecurityEnabled: security, revisionNumber: port.revisionNumber + 1,
      };
      if (b.mac_address !== undefined) {
        const mac = this.macOf(b)!;
        const bound = await tx.getRepository(PortBindingEntity).countBy({ portId: id });
        if (bound && mac !== port.macAddress) throw new ConflictError(`Unable to complete operation on port ${id}, port is already bound, port type: ${VIF_TYPE}, old_mac ${port.macAddress}, new_mac ${mac}.`, 'PortBound');
        patch.macAddress = mac;
      }
      if (b.security_groups !== undefined) {
        const groupIds = await this.groups.resolve((list(b, 'security_groups') ?? []).map(String), port.projectId, ctx, tx);
        await tx.getRepository(PortSecurityGroupEntity).delete({ portId: id });
        for (const g of groupIds) await tx.getRepository(PortSecurityGroupEntity).insert({ portId: id, securityGroupId: g });
      }
      const groupsLeft = await tx.getRepository(PortSecurityGroupEntity).countBy({ portId: id });
      if (!security && groupsLeft) throw new ConflictError('Port has security group associated. Cannot disable port security or ip address until security group is removed', 'PortSecurityPortHasSecurityGroup');
      if (!security && (pairs ?? port.allowedAddressPairs).length) throw new ConflictError('Port Security must be enabled in order to have allowed address pairs on a port.', 'AddressPairAndPortSecurityRequired');
      try {
        await tx.getRepository(PortEntity).update({ id }, patch);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw neutronErrors.macInUse(String(patch.macAddress), port.networkId);
        throw err;
      }
      if (fixed) await this.reallocate(tx, port, network, fixed);
      const host = b['binding:host_id'];
      if (host !== undefined) {
        await tx.getRepository(PortBindingEntity).delete({ portId: id });
        if (host) await this.bind(tx, id, String(host), 'ACTIVE', (b['binding:profile'] as Record<string, unknown>) ?? {}, str(b, 'binding:vnic_type') ?? 'normal');
        else await tx.getRepository(PortEntity).update({ id }, { status: 'DOWN' });
      } else if (b['binding:profile'] !== undefined) {
        await tx.query(`UPDATE network.port_bindings SET profile = $2 WHERE port_id = $1 AND status = 'ACTIVE'`, [id, JSON.stringify(b['binding:profile'])]);
      }
      return this.get(id, ctx, tx);
    });
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const port = await this.entity(id, ctx, tx);
      await this.remove(tx, port);
    });
  }

  /** Removes a port and everything it holds (addresses, bindings, groups, floating IP mappings). */
  async remove(tx: EntityManager, port: PortEntity): Promise<void> {
    const subnets = await tx.getRepository(SubnetEntity).findBy({ networkId: port.networkId });
    await this.ipam.release(tx, port.id, new Map(subnets.map((s) => [s.id, s])));
    await tx.getRepository(PortBindingEntity).delete({ portId: port.id });
    await tx.getRepository(PortSecurityGroupEntity).delete({ portId: port.id });
    await tx.query(`UPDATE network.floating_ips SET port_id = NULL, fixed_ip_address = NULL, status = 'DOWN', updated_at = now() WHERE port_id = $1`, [port.id]);
    await tx.getRepository(PortEntity).delete({ id: port.id });
  }

  /** A port the caller may see: their own, or on a network they own; else PortNotFound. */
  async entity(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager): Promise<PortEntity> {
    const p = UUID.test(id) ? await manager.getRepository(PortEntity).findOneBy({ id }) : null;
    if (!p) throw neutronErrors.portNotFound(id);
    if (ctx.isAdmin || p.projectId === ctx.projectId) return p;
    const owner = await manager.query(`SELECT 1 FROM network.networks WHERE id = $1 AND project_id = $2`, [p.networkId, ctx.projectId]);
    if (!owner.length) throw neutronErrors.portNotFound(id);
    return p;
  }

  /**
   * A port the network service holds for itself (a floating IP's address on its external
   * network): no security groups, no binding; returns its id.
   */
  async createInternal(tx: EntityManager, p: { networkId: string; projectId: string; deviceId: string; deviceOwner: string }): Promise<string> {
    const network = (await tx.getRepository(NetworkEntity).findOneBy({ id: p.networkId }))!;
    const port = tx.getRepository(PortEntity).create({
      id: randomUUID(), name: '', description: '', projectId: p.projectId, networkId: p.networkId, adminStateUp: true, status: 'N/A',
      deviceId: p.deviceId, deviceOwner: p.deviceOwner, allowedAddressPairs: [], portSecurityEnabled: false, revisionNumber: 1,
    });
    await this.insertWithMac(tx, port, undefined, network);
    return port.id;
  }

  /** Adds a binding of the port to a host. */
  async bind(tx: EntityManager, portId: string, host: string, status: 'ACTIVE' | 'INACTIVE', profile: Record<string, unknown>, vnicType: string): Promise<PortBindingEntity> {
    await tx.query(
      `INSERT INTO network.port_bindings (port_id, host, status, vif_type, vnic_type, vif_details, profile) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [portId, host, status, VIF_TYPE, vnicType, JSON.stringify(VIF_DETAILS), JSON.stringify(profile)],
    );
    await tx.query(`UPDATE network.ports SET revision_number = revision_number + 1, updated_at = now() WHERE id = $1`, [portId]);
    return (await tx.getRepository(PortBindingEntity).findOneBy({ portId, host }))!;
  }

  async views(ports: PortEntity[], manager: EntityManager = this.db.manager): Promise<PortView[]> {
    if (ports.length === 0) return [];
    const ids = ports.map((p) => p.id);
    const ips: { port_id: string; subnet_id: string; ip: string }[] = await manager.query(
      `SELECT port_id, subnet_id, host(ip_address) AS ip FROM network.ip_allocations WHERE port_id = ANY($1::uuid[]) ORDER BY ip_address`, [ids],
    );
    const groups = await manager.getRepository(PortSecurityGroupEntity).find({ where: { portId: In(ids) } });
    const bindings = await manager.getRepository(PortBindingEntity).find({ where: { portId: In(ids), status: 'ACTIVE' } });
    return ports.map((port) => ({
      port,
      fixedIps: ips.filter((i) => i.port_id === port.id).map((i) => ({ subnet_id: i.subnet_id, ip_address: i.ip })),
      securityGroups: groups.filter((g) => g.portId === port.id).map((g) => g.securityGroupId),
      active: bindings.find((bd) => bd.portId === port.id),
    }));
  }

  /** Inserts the port with the given MAC, or with a fresh one in the base prefix (retrying a collision). */
  private async insertWithMac(tx: EntityManager, port: PortEntity, mac: string | undefined, network: NetworkEntity): Promise<string> {
    port.createdAt = port.updatedAt = new Date();
    for (let attempt = 0; attempt < MAC_ATTEMPTS; attempt++) {
      const candidate = mac ?? this.randomMac();
      const inserted = await tx.query(
        `INSERT INTO network.ports (id, name, description, project_id, network_id, mac_address, admin_state_up, status, device_id, device_owner, allowed_address_pairs, port_security_enabled, revision_number, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) ON CONFLICT (mac_address) DO NOTHING RETURNING id`,
        [port.id, port.name, port.description, port.projectId, port.networkId, candidate, port.adminStateUp, port.status, port.deviceId,
          port.deviceOwner, JSON.stringify(port.allowedAddressPairs), port.portSecurityEnabled, port.revisionNumber, port.createdAt],
      );
      if (inserted.length) return candidate;
      if (mac) throw neutronErrors.macInUse(mac, network.id);
    }
    throw new ConflictError(`Unable to generate unique mac on network ${network.id}.`, 'MacAddressGenerationFailure');
  }

  private randomMac(): string {
    const prefix = this.config.baseMac.split(':').slice(0, 3);
    return [...prefix, ...[...randomBytes(3)].map((x) => x.toString(16).padStart(2, '0'))].join(':');
  }

  /**
   * No fixed_ips: one address from the first subnet of each IP version that has one free. Given:
   * each entry takes the named address, or any address of the named subnet.
   */
  private async allocate(tx: EntityManager, port: PortEntity, network: NetworkEntity, fixed: FixedIpRequest[] | undefined): Promise<PortView['fixedIps']> {
    const subnets = await tx.getRepository(SubnetEntity).find({ where: { networkId: network.id }, order: { createdAt: 'ASC', id: 'ASC' } });
    const out: PortView['fixedIps'] = [];
    if (fixed === undefined) {
      for (const version of [4, 6]) {
        const candidates = subnets.filter((s) => s.ipVersion === version && !(version === 6 && s.ipv6AddressMode === 'slaac'));
        if (candidates.length === 0) continue;
        let got: string | undefined;
        for (const s of candidates) {
          if ((got = await this.ipam.allocateAny(tx, s, port.id))) {
            out.push({ subnet_id: s.id, ip_address: got });
            break;
          }
        }
        if (!got) throw neutronErrors.noMoreAddresses(network.id);
      }
      return out;
    }
    for (const f of fixed) {
      const subnet = this.subnetFor(f, subnets, network);
      const got = f.ipAddress ? await this.ipam.allocateExact(tx, subnet, f.ipAddress, port.id) : await this.ipam.allocateAny(tx, subnet, port.id);
      if (!got) throw neutronErrors.noMoreAddresses(network.id);
      out.push({ subnet_id: subnet.id, ip_address: got });
    }
    return out;
  }

  /** An update's fixed_ips replace the port's: kept ones stay, dropped ones go back, new ones are taken. */
  private async reallocate(tx: EntityManager, port: PortEntity, network: NetworkEntity, fixed: FixedIpRequest[]): Promise<void> {
    const subnets = await tx.getRepository(SubnetEntity).findBy({ networkId: network.id });
    const current: { subnet_id: string; ip: string }[] = await tx.query(`SELECT subnet_id, host(ip_address) AS ip FROM network.ip_allocations WHERE port_id = $1`, [port.id]);
    const canonical = (ip: string) => { const a = parseAddress(ip); return a ? formatAddress(a.version, a.value) : ip; };
    const keep = current.filter((c) => fixed.some((f) => f.ipAddress && canonical(f.ipAddress) === c.ip && (!f.subnetId || f.subnetId === c.subnet_id)));
    const drop = current.filter((c) => !keep.includes(c));
    await this.ipam.release(tx, port.id, new Map(subnets.map((s) => [s.id, s])), drop.map((d) => ({ subnetId: d.subnet_id, ip: d.ip })));
    const wanted = fixed.filter((f) => !(f.ipAddress && keep.some((k) => k.ip === canonical(f.ipAddress!))));
    await this.allocate(tx, port, network, wanted);
  }

  private subnetFor(f: FixedIpRequest, subnets: SubnetEntity[], network: NetworkEntity): SubnetEntity {
    if (f.subnetId) {
      const s = subnets.find((x) => x.id === f.subnetId);
      if (!s) throw invalid('fixed_ips', `Failed to create port on network ${network.id}, because fixed_ips included invalid subnet ${f.subnetId}`);
      return s;
    }
    const s = subnets.find((x) => cidrHolds(x.cidr, f.ipAddress!));
    if (!s) throw neutronErrors.ipNotOnNetwork(f.ipAddress!);
    return s;
  }

  private fixedIps(raw: unknown[]): FixedIpRequest[] {
    return raw.map((entry) => {
      if (typeof entry !== 'object' || entry === null) throw invalid('fixed_ips', `Invalid data format for fixed IP: '${JSON.stringify(entry)}'`);
      const e = entry as Record<string, unknown>;
      const unknown = Object.keys(e).filter((k) => k !== 'subnet_id' && k !== 'ip_address');
      if (unknown.length) throw invalid('fixed_ips', `Invalid data format for fixed IP: '${JSON.stringify(entry)}'`);
      if (e.subnet_id === undefined && e.ip_address === undefined) throw invalid('fixed_ips', `Invalid data format for fixed IP: '${JSON.stringify(entry)}'`);
      if (e.ip_address !== undefined && (typeof e.ip_address !== 'string' || !parseAddress(e.ip_address))) {
        throw invalid('fixed_ips', `'${String(e.ip_address)}' is not a valid IP address`);
      }
      return { subnetId: e.subnet_id === undefined ? undefined : String(e.subnet_id), ipAddress: e.ip_address as string | undefined };
    });
  }

  private macOf(b: Record<string, unknown>): string | undefined {
    const mac = str(b, 'mac_address', 17)?.toLowerCase();
    if (mac === undefined) return undefined;
    if (!MAC.test(mac)) throw invalid('mac_address', `'${mac}' is not a valid MAC address`);
    if (parseInt(mac.slice(0, 2), 16) & 1) throw invalid('mac_address', `'${mac}' is not a valid unicast MAC address`);
    return mac;
  }

  private addressPairs(b: Record<string, unknown>): AddressPair[] {
    return (list(b, 'allowed_address_pairs') ?? []).map((raw) => {
      const p = raw as Partial<AddressPair>;
      if (typeof p?.ip_address !== 'string') throw new BadRequestError('AllowedAddressPair must contain ip_address', 'AllowedAddressPairsMissingIP');
      const ip = p.ip_address.includes('/') ? p.ip_address : parseAddress(p.ip_address) ? p.ip_address : undefined;
      if (!ip) throw invalid('allowed_address_pairs', `'${p.ip_address}' is not a valid IP address`);
      return { ip_address: ip, mac_address: p.mac_address ? String(p.mac_address).toLowerCase() : '' };
    });
  }
}
