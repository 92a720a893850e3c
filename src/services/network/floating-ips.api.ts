import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { RequestContext } from '../../common/context/request-context';
import { BadRequestError, ConflictError } from '../../common/errors/api-error';
import { allowOnly, invalid, required, resourceBody, str } from './api/neutron-body';
import { FloatingIpEntity } from './entities/floating-ip.entity';
import { PortEntity } from './entities/port.entity';
import { SubnetEntity } from './entities/network.entity';
import { cidrHolds, formatAddress, parseAddress } from './ipam/addresses';
import { IpamService } from './ipam/ipam.service';
import { NetworkQuotasService } from './network-quotas.service';
import { NetworksApi, UUID, policyError } from './networks.api';
import { neutronErrors } from './neutron-errors';
import { PortsApi } from './ports.api';

/**
 * Floating IPs: an address of an external network, held through a port of its own on that
 * network (device_owner network:floatingip, as Neutron does), mapped to one fixed IP of a port.
 * Status stays DOWN until a host realises the mapping.
 */
@Injectable()
export class FloatingIpsApi {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly networks: NetworksApi,
    private readonly ports: PortsApi,
    private readonly ipam: IpamService,
    private readonly quotas: NetworkQuotasService,
  ) {}

  async list(ctx: RequestContext): Promise<FloatingIpEntity[]> {
    return this.db.getRepository(FloatingIpEntity).find({ where: ctx.isAdmin ? {} : { projectId: ctx.projectId! }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async get(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager): Promise<FloatingIpEntity> {
    const f = UUID.test(id) ? await manager.getRepository(FloatingIpEntity).findOneBy({ id }) : null;
    if (!f || !(ctx.isAdmin || f.projectId === ctx.projectId)) throw neutronErrors.floatingIpNotFound(id);
    return f;
  }

  async create(body: unknown, ctx: RequestContext): Promise<FloatingIpEntity> {
    const b = resourceBody(body, 'floatingip');
    allowOnly(b, ['floating_network_id', 'port_id', 'fixed_ip_address', 'floating_ip_address', 'subnet_id', 'description', 'tenant_id', 'project_id', 'dns_domain', 'dns_name']);
    if (b.floating_ip_address !== undefined && !ctx.isAdmin) throw policyError('create_floatingip:floating_ip_address');
    const networkId = String(required(b, 'floating_network_id'));
    return this.db.transaction(async (tx) => {
      const network = await this.networks.get(networkId, ctx, tx);
      if (!network.external) throw new BadRequestError(`Bad floatingip request: Network ${networkId} is not a valid external network.`, 'BadRequest');
      const projectId = this.networks.ownerOf(b, ctx);
      await this.quotas.enforce(tx, projectId, 'floatingip');
      const id = randomUUID();
      const subnets = (await tx.getRepository(SubnetEntity).find({ where: { networkId }, order: { createdAt: 'ASC' } })).filter((s) => s.ipVersion === 4);
      const wantedSubnet = str(b, 'subnet_id');
      const candidates = wantedSubnet ? subnets.filter((s) => s.id === wantedSubnet) : subnets;
      if (wantedSubnet && candidates.length === 0) throw invalid('subnet_id', `Subnet ${wantedSubnet} is not an IPv4 subnet of network ${networkId}`);
      // Owned by no project, as in Neutron: it counts against no port quota and only admins see it.
      const portId = await this.ports.createInternal(tx, { networkId, projectId: '', deviceId: id, deviceOwner: 'network:floatingip' });
      let address: string | undefined;
      const requested = str(b, 'floating_ip_address', 64);
      if (requested) {
        const subnet = candidates.find((s) => cidrHolds(s.cidr, requested));
        if (!subnet) throw neutronErrors.ipNotOnNetwork(requested);
        address = await this.ipam.allocateExact(tx, subnet, requested, portId);
      } else {
        for (const s of candidates) if ((address = await this.ipam.allocateAny(tx, s, portId))) break;
      }
      if (!address) throw neutronErrors.noMoreAddresses(networkId);
      const fip = tx.getRepository(FloatingIpEntity).create({
        id, description: str(b, 'description') ?? '', projectId, floatingNetworkId: networkId, floatingIpAddress: address,
        floatingPortId: portId, portId: null, fixedIpAddress: null, status: 'DOWN', revisionNumber: 1,
      });
      await tx.getRepository(FloatingIpEntity).insert(fip);
      if (b.port_id) await this.associate(tx, fip, String(b.port_id), str(b, 'fixed_ip_address', 64), ctx);
      return (await tx.getRepository(FloatingIpEntity).findOneBy({ id }))!;
    });
  }

  /** port_id null disassociates; a port id (re)associates to that port's fixed IP. */
  async update(id: string, body: unknown, ctx: RequestContext): Promise<FloatingIpEntity> {
    const b = resourceBody(body, 'floatingip');
    allowOnly(b, ['port_id', 'fixed_ip_address', 'description']);
    return this.db.transaction(async (tx) => {
      const fip = await this.get(id, ctx, tx);
      await tx.query(`SELECT id FROM network.floating_ips WHERE id = $1 FOR UPDATE`, [id]);
      if (b.description !== undefined) await tx.getRepository(FloatingIpEntity).update({ id }, { description: str(b, 'description') ?? '' });
      if (b.port_id === null) {
        await tx.getRepository(FloatingIpEntity).update({ id }, { portId: null, fixedIpAddress: null, status: 'DOWN' });
      } else if (b.port_id !== undefined) {
        await this.associate(tx, fip, String(b.port_id), str(b, 'fixed_ip_address', 64), ctx);
      }
      await tx.query(`UPDATE network.floating_ips SET revision_number = revision_number + 1, updated_at = now() WHERE id = $1`, [id]);
      return (await tx.getRepository(FloatingIpEntity).findOneBy({ id }))!;
    });
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const fip = await this.get(id, ctx, tx);
      await tx.getRepository(FloatingIpEntity).delete({ id });
      const port = await tx.getRepository(PortEntity).findOneBy({ id: fip.floatingPortId });
      if (port) await this.ports.remove(tx, port);
    });
  }

  private async associate(tx: EntityManager, fip: FloatingIpEntity, portId: string, fixedIp: string | undefined, ctx: RequestContext): Promise<void> {
    const port = await this.ports.entity(portId, ctx, tx);
    if (port.networkId === fip.floatingNetworkId) throw new BadRequestError(`Port ${portId} is on the floating IP's own network.`, 'BadRequest');
    const ips: { ip: string }[] = await tx.query(`SELECT host(ip_address) AS ip FROM network.ip_allocations WHERE port_id = $1 AND family(ip_address) = 4 ORDER BY ip_address`, [portId]);
    if (ips.length === 0) throw new BadRequestError(`Bad floatingip request: Port ${portId} does not have any IPv4 address.`, 'BadRequest');
    let fixed = ips[0].ip;
    if (fixedIp) {
      const a = parseAddress(fixedIp);
      fixed = a ? formatAddress(a.version, a.value) : fixedIp;
      if (!ips.some((i) => i.ip === fixed)) throw new BadRequestError(`Bad floatingip request: Port ${portId} does not have fixed ip ${fixedIp}.`, 'BadRequest');
    }
    const taken = await tx.query(`SELECT id FROM network.floating_ips WHERE port_id = $1 AND fixed_ip_address = $2 AND id <> $3`, [portId, fixed, fip.id]);
    if (taken.length) {
      throw new ConflictError(`Cannot associate floating IP ${fip.floatingIpAddress} (${fip.id}) with port ${portId} using fixed IP ${fixed}, as that fixed IP already has a floating IP on external network ${fip.floatingNetworkId}.`, 'FloatingIPPortAlreadyAssociated');
    }
    await tx.getRepository(FloatingIpEntity).update({ id: fip.id }, { portId, fixedIpAddress: fixed, status: 'DOWN' });
  }
}
