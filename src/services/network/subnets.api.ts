import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { RequestContext } from '../../common/context/request-context';
import { BadRequestError, ConflictError } from '../../common/errors/api-error';
import { allowOnly, bool, invalid, list, required, resourceBody, str } from './api/neutron-body';
import { AllocationPool, HostRoute, SubnetEntity } from './entities/network.entity';
import { Cidr, IpVersion, Range, contains, defaultPools, formatAddress, formatCidr, overlaps, parseAddress, parseCidr, usableRange } from './ipam/addresses';
import { IpamService, poolRanges } from './ipam/ipam.service';
import { NetworkQuotasService } from './network-quotas.service';
import { NetworksApi, UUID, policyError } from './networks.api';
import { neutronErrors } from './neutron-errors';

const CREATE_FIELDS = [
  'network_id', 'cidr', 'ip_version', 'name', 'description', 'gateway_ip', 'allocation_pools', 'enable_dhcp', 'dns_nameservers',
  'host_routes', 'ipv6_ra_mode', 'ipv6_address_mode', 'tenant_id', 'project_id', 'subnetpool_id', 'service_types', 'segment_id',
] as const;
const UPDATE_FIELDS = ['name', 'description', 'gateway_ip', 'allocation_pools', 'enable_dhcp', 'dns_nameservers', 'host_routes'] as const;
const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];

function conflict(type: string, message: string): ConflictError {
  return new ConflictError(message, type);
}

function invalidOperation(message: string): BadRequestError {
  return new BadRequestError(`Invalid input for operation: ${message}.`, 'InvalidInput');
}

/**
 * Subnets: CIDR, gateway and pools checked as Neutron checks them (a pool beyond the CIDR, a
 * gateway inside a pool, overlapping CIDRs on one network are refused), and the free address
 * ranges IPAM hands out from.
 */
@Injectable()
export class SubnetsApi {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly networks: NetworksApi,
    private readonly ipam: IpamService,
    private readonly quotas: NetworkQuotasService,
  ) {}

  async list(ctx: RequestContext): Promise<SubnetEntity[]> {
    const visible = (await this.networks.list(ctx)).map((n) => n.id);
    if (visible.length === 0) return [];
    return this.db.getRepository(SubnetEntity).find({ where: { networkId: In(visible) }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async get(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager): Promise<SubnetEntity> {
    const s = UUID.test(id) ? await manager.getRepository(SubnetEntity).findOneBy({ id }) : null;
    if (!s) throw neutronErrors.subnetNotFound(id);
    try {
      await this.networks.get(s.networkId, ctx, manager);
    } catch {
      throw neutronErrors.subnetNotFound(id);
    }
    return s;
  }

  async create(body: unknown, ctx: RequestContext): Promise<SubnetEntity> {
    const b = resourceBody(body, 'subnet');
    allowOnly(b, CREATE_FIELDS);
    const networkId = String(required(b, 'network_id'));
    if (b.subnetpool_id !== undefined && b.subnetpool_id !== null) throw invalid('subnetpool_id', 'subnet pools are not supported');
    const version = Number(required(b, 'ip_version'));
    if (version !== 4 && version !== 6) throw invalid('ip_version', `'${String(b.ip_version)}' is not in [4, 6]`);
    required(b, 'cidr');
    const cidrText = str(b, 'cidr', 64)!;
    const cidr = parseCidr(cidrText);
    if (!cidr) throw invalid('cidr', `'${cidrText}' is not a valid IP subnet`);
    if (cidr.version !== version) throw invalidOperation(`Cannot use IPv${cidr.version} cidr with ip_version ${version}`);
    if (cidr.version === 4 && cidr.prefix > 30) throw invalidOperation(`Requested subnet with cidr: ${cidrText} is too small`);
    const gateway = this.gateway(b, cidr);
    const pools = b.allocation_pools === undefined || b.allocation_pools === null
      ? defaultPools(cidr, gateway)
      : this.pools(list(b, 'allocation_pools')!, cidr, gateway);
    const ipv6 = this.ipv6Modes(b, version);
    return this.db.transaction(async (tx) => {
      const network = await this.networks.get(networkId, ctx, tx);
      if (!ctx.isAdmin && network.projectId !== ctx.projectId) throw policyError('create_subnet');
      const projectId = this.networks.ownerOf(b, ctx);
      await this.quotas.enforce(tx, projectId, 'subnet');
      // One subnet created per network at a time, so two overlapping CIDRs cannot both pass the check.
      await tx.query(`SELECT id FROM network.networks WHERE id = $1 FOR UPDATE`, [networkId]);
      const siblings = await tx.getRepository(SubnetEntity).findBy({ networkId });
      const clash = siblings.find((s) => overlaps(parseCidr(s.cidr)!, cidr));
      if (clash) throw invalidOperation(`Requested subnet with cidr: ${formatCidr(cidr)} for network: ${networkId} overlaps with another subnet`);
      const subnet = tx.getRepository(SubnetEntity).create({
        id: randomUUID(), name: str(b, 'name') ?? '', description: str(b, 'description') ?? '', projectId, networkId, ipVersion: version,
        cidr: formatCidr(cidr), gatewayIp: gateway === null ? null : formatAddress(cidr.version, gateway),
        allocationPools: pools.map((p) => ({ start: formatAddress(cidr.version, p.first), end: formatAddress(cidr.version, p.last) })),
        enableDhcp: bool(b, 'enable_dhcp') ?? true, dnsNameservers: this.nameservers(b), hostRoutes: this.routes(b, version as IpVersion),
        ipv6RaMode: ipv6.ra, ipv6AddressMode: ipv6.address, revisionNumber: 1,
      });
      await tx.getRepository(SubnetEntity).insert(subnet);
      await this.ipam.initialise(tx, subnet);
      await tx.query(`UPDATE network.networks SET revision_number = revision_number + 1, updated_at = now() WHERE id = $1`, [networkId]);
      return subnet;
    });
  }

  async update(id: string, body: unknown, ctx: RequestContext): Promise<SubnetEntity> {
    const b = resourceBody(body, 'subnet');
    for (const ro of ['cidr', 'ip_version', 'network_id', 'tenant_id', 'project_id']) {
      if (b[ro] !== undefined) throw new BadRequestError(`Cannot update read-only attribute ${ro}`, 'HTTPBadRequest');
    }
    allowOnly(b, UPDATE_FIELDS);
    return this.db.transaction(async (tx) => {
      const s = await this.get(id, ctx, tx);
      if (!ctx.isAdmin && s.projectId !== ctx.projectId) throw policyError('update_subnet');
      await tx.query(`SELECT id FROM network.subnets WHERE id = $1 FOR UPDATE`, [id]);
      const cidr = parseCidr(s.cidr)!;
      const gateway = b.gateway_ip !== undefined ? this.gateway(b, cidr) : s.gatewayIp === null ? null : parseAddress(s.gatewayIp)!.value;
      let pools = poolRanges(s);
      if (b.allocation_pools !== undefined) pools = this.pools(list(b, 'allocation_pools')!, cidr, gateway);
      else if (gateway !== null) this.checkGatewayOutsidePools(pools, gateway, cidr);
      const patch: Partial<SubnetEntity> = {
        name: str(b, 'name') ?? s.name, description: str(b, 'description') ?? s.description,
        gatewayIp: gateway === null ? null : formatAddress(cidr.version, gateway),
        allocationPools: pools.map((p): AllocationPool => ({ start: formatAddress(cidr.version, p.first), end: formatAddress(cidr.version, p.last) })),
        enableDhcp: bool(b, 'enable_dhcp') ?? s.enableDhcp,
        dnsNameservers: b.dns_nameservers !== undefined ? this.nameservers(b) : s.dnsNameservers,
        hostRoutes: b.host_routes !== undefined ? this.routes(b, cidr.version) : s.hostRoutes,
        revisionNumber: s.revisionNumber + 1,
      };
      await tx.getRepository(SubnetEntity).update({ id }, patch);
      const updated = (await tx.getRepository(SubnetEntity).findOneBy({ id }))!;
      if (b.allocation_pools !== undefined) await this.ipam.rebuild(tx, updated);
      return updated;
    });
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const s = await this.get(id, ctx, tx);
      if (!ctx.isAdmin && s.projectId !== ctx.projectId) throw policyError('delete_subnet');
      await tx.query(`SELECT id FROM network.subnets WHERE id = $1 FOR UPDATE`, [id]);
      const used = await tx.query(`SELECT 1 FROM network.ip_allocations WHERE subnet_id = $1 LIMIT 1`, [id]);
      if (used.length) throw neutronErrors.subnetInUse(id);
      await tx.query(`DELETE FROM network.ip_availability WHERE subnet_id = $1`, [id]);
      await tx.query(`DELETE FROM network.subnets WHERE id = $1`, [id]);
      await tx.query(`UPDATE network.networks SET revision_number = revision_number + 1, updated_at = now() WHERE id = $1`, [s.networkId]);
    });
  }

  /** Absent: the first usable address; null: no gateway; else inside the CIDR. */
  private gateway(b: Record<string, unknown>, cidr: Cidr): bigint | null {
    if (b.gateway_ip === null) return null;
    if (b.gateway_ip === undefined) return usableRange(cidr)?.first ?? null;
    const text = str(b, 'gateway_ip', 64)!;
    const g = parseAddress(text);
    if (!g) throw invalid('gateway_ip', `'${text}' is not a valid IP address`);
    if (!contains(cidr, g.version, g.value)) throw invalidOperation(`Gateway is not valid on subnet`);
    return g.value;
  }

  private pools(raw: unknown[], cidr: Cidr, gateway: bigint | null): Range[] {
    const ranges = raw.map((p) => {
      if (typeof p !== 'object' || p === null || typeof (p as AllocationPool).start !== 'string' || typeof (p as AllocationPool).end !== 'string') {
        throw invalid('allocation_pools', `Invalid data format for IP pool: '${JSON.stringify(p)}'`);
      }
      const start = parseAddress((p as AllocationPool).start);
      const end = parseAddress((p as AllocationPool).end);
      if (!start || !end) throw invalid('allocation_pools', `Invalid IP address in pool: ${(p as AllocationPool).start}/${(p as AllocationPool).end}`);
      if (start.version !== cidr.version || end.version !== cidr.version || !contains(cidr, start.version, start.value) || !contains(cidr, end.version, end.value)) {
        throw new BadRequestError(`The allocation pool ${(p as AllocationPool).start}-${(p as AllocationPool).end} spans beyond the subnet cidr ${formatCidr(cidr)}.`, 'OutOfBoundsAllocationPool');
      }
      if (start.value > end.value) throw invalid('allocation_pools', `Invalid IP address in pool: ${(p as AllocationPool).start}/${(p as AllocationPool).end}`);
      return { first: start.value, last: end.value };
    });
    const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].first <= sorted[i - 1].last) {
        throw conflict('OverlappingAllocationPools', `Found overlapping allocation pools: ${formatAddress(cidr.version, sorted[i - 1].first)}-${formatAddress(cidr.version, sorted[i - 1].last)} and ${formatAddress(cidr.version, sorted[i].first)}-${formatAddress(cidr.version, sorted[i].last)} for subnet ${formatCidr(cidr)}.`);
      }
    }
    if (gateway !== null) this.checkGatewayOutsidePools(sorted, gateway, cidr);
    return sorted;
  }

  private checkGatewayOutsidePools(pools: Range[], gateway: bigint, cidr: Cidr): void {
    const hit = pools.find((p) => gateway >= p.first && gateway <= p.last);
    if (hit) {
      throw conflict('GatewayConflictWithAllocationPools', `Gateway ip ${formatAddress(cidr.version, gateway)} conflicts with allocation pool ${formatAddress(cidr.version, hit.first)}-${formatAddress(cidr.version, hit.last)}.`);
    }
  }

  private nameservers(b: Record<string, unknown>): string[] {
    const raw = list(b, 'dns_nameservers') ?? [];
    const out: string[] = [];
    for (const ns of raw) {
      const a = typeof ns === 'string' ? parseAddress(ns) : undefined;
      if (!a) throw invalid('dns_nameservers', `'${String(ns)}' is not a valid nameserver`);
      const text = formatAddress(a.version, a.value);
      if (out.includes(text)) throw invalid('dns_nameservers', `Duplicate nameserver '${text}'`);
      out.push(text);
    }
    return out;
  }

  private routes(b: Record<string, unknown>, version: IpVersion): HostRoute[] {
    return (list(b, 'host_routes') ?? []).map((r) => {
      const route = r as Partial<HostRoute>;
      const dest = typeof route?.destination === 'string' ? parseCidr(route.destination) : undefined;
      const hop = typeof route?.nexthop === 'string' ? parseAddress(route.nexthop) : undefined;
      if (!dest || !hop || dest.version !== version || hop.version !== version) throw invalid('host_routes', `Invalid data format for hostroute: '${JSON.stringify(r)}'`);
      return { destination: formatCidr(dest), nexthop: formatAddress(hop.version, hop.value) };
    });
  }

  private ipv6Modes(b: Record<string, unknown>, version: number): { ra: string | null; address: string | null } {
    const ra = str(b, 'ipv6_ra_mode', 32) ?? null;
    const address = str(b, 'ipv6_address_mode', 32) ?? null;
    for (const [key, v] of [['ipv6_ra_mode', ra], ['ipv6_address_mode', address]] as const) {
      if (v === null) continue;
      if (version !== 6) throw invalidOperation(`${key} is not valid when ip_version is 4`);
      if (!IPV6_MODES.includes(v)) throw invalid(key, `'${v}' is not in ${JSON.stringify(IPV6_MODES)}`);
    }
    if (ra && address && ra !== address) throw invalidOperation(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${address}' is not valid. If both attributes are set, they must be the same value`);
    return { ra, address };
  }
}
