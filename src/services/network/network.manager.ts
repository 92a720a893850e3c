import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { RequestContext } from '../../common/context/request-context';
import { ApiError, BadRequestError, ConflictError } from '../../common/errors/api-error';
import { MESSAGE_BUS, MessageBus, Subscription } from '../../common/messaging/message-bus';
import { serveContract } from '../../common/messaging/rpc-server';
import { NETWORK_RPC, NetworkRequest, NetworkRpc, PortInfo, deviceOwnerFor } from '../../contracts/network/network.rpc';
import { RpcHandlers } from '../../contracts/rpc';
import { NetworkEntity, SubnetEntity } from './entities/network.entity';
import { PortBindingEntity, PortEntity } from './entities/port.entity';
import { parseAddress } from './ipam/addresses';
import { NetworksApi, UUID } from './networks.api';
import { PortsApi } from './ports.api';

/**
 * RPC handlers of the `network` topic: what compute asks when it builds and deletes servers
 * (Nova's network API calls), and what agents report when they plug ports.
 */
@Injectable()
export class NetworkManager implements RpcHandlers<NetworkRpc>, OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly networks: NetworksApi,
    private readonly ports: PortsApi,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await serveContract(this.bus, NETWORK_RPC, this, { prefetch: 64 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close().catch(() => undefined);
  }

  /** Nova's answers (400/409 with its messages), not Neutron's 404s: this serves a server create. */
  async resolveNetworkRequests({ requests }: { requests: NetworkRequest[] | 'auto' }, ctx: RequestContext): Promise<{ requests: NetworkRequest[] }> {
    if (requests === 'auto') {
      const usable = (await this.networks.list(ctx)).filter((n) => !n.external && (n.projectId === ctx.projectId || n.shared));
      if (usable.length > 1) throw new ConflictError('Multiple possible networks found, use a Network ID to be more specific.');
      return { requests: usable.map((n) => ({ networkId: n.id })) };
    }
    const portsSeen = new Set<string>();
    for (const r of requests) {
      if (r.portId) {
        const port = await this.ports.entity(r.portId, ctx).catch(() => undefined);
        if (!port) throw new BadRequestError(`Port id ${r.portId} could not be found.`);
        if (port.deviceId || portsSeen.has(port.id)) throw new ConflictError(`Port ${r.portId} is still in use.`);
        portsSeen.add(port.id);
        continue;
      }
      const network = r.networkId ? await this.networks.get(r.networkId, ctx).catch(() => undefined) : undefined;
      if (!network) throw new BadRequestError(`Network ${r.networkId ?? ''} could not be found.`);
      if (r.fixedIp) {
        const subnets = await this.db.getRepository(SubnetEntity).findBy({ networkId: network.id });
        const address = parseAddress(r.fixedIp);
        if (!address || !subnets.some((s) => s.ipVersion === address.version)) throw new BadRequestError(`Invalid fixed IP address (${r.fixedIp})`);
      }
    }
    return { requests };
  }

  /**
   * Ports for an instance on `host`, in one transaction: ports it already holds (a rescheduled
   * build) are rebound; a passed port is taken over; a network gets a new port. Binding is
   * compute's privilege (Nova binds with an admin client), so it is done here, not by policy.
   */
  async allocatePorts(p: { instanceId: string; zone: string; host: string; requests: NetworkRequest[] }, ctx: RequestContext): Promise<{ ports: PortInfo[] }> {
    const passed = new Set(p.requests.map((r) => r.portId).filter((id): id is string => !!id));
    const ids = await this.db.transaction(async (tx) => {
      const held = await tx.getRepository(PortEntity).find({ where: { deviceId: p.instanceId }, order: { createdAt: 'ASC' } });
      const out: string[] = [];
      if (held.length) {
        for (const port of held) out.push(await this.rebind(tx, port.id, p.host));
        return out;
      }
      for (const r of p.requests) {
        if (r.portId) {
          const port = await this.ports.entity(r.portId, ctx, tx);
          await tx.query(`SELECT id FROM network.ports WHERE id = $1 FOR UPDATE`, [port.id]);
          const fresh = (await tx.getRepository(PortEntity).findOneBy({ id: port.id }))!;
          if (fresh.deviceId && fresh.deviceId !== p.instanceId) throw new ConflictError(`Port ${r.portId} is still in use.`);
          await tx.query(`UPDATE network.ports SET device_id = $2, device_owner = $3, revision_number = revision_number + 1, updated_at = now() WHERE id = $1`,
            [port.id, p.instanceId, deviceOwnerFor(p.zone)]);
          out.push(await this.rebind(tx, port.id, p.host));
        } else {
          const created = await this.ports.createIn(tx, {
            port: { network_id: r.networkId, device_id: p.instanceId, device_owner: deviceOwnerFor(p.zone), ...(r.fixedIp ? { fixed_ips: [{ ip_address: r.fixedIp }] } : {}) },
          }, ctx);
          out.push(await this.rebind(tx, created.port.id, p.host));
        }
      }
      return out;
    });
    return { ports: await this.infos(ids, passed) };
  }

  async releasePorts(p: { instanceId: string; keepPortIds: string[] }, _ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const held = await tx.getRepository(PortEntity).findBy({ deviceId: p.instanceId });
      for (const port of held) {
        if (p.keepPortIds.includes(port.id)) {
          await tx.getRepository(PortBindingEntity).delete({ portId: port.id });
          await tx.query(`UPDATE network.ports SET device_id = '', device_owner = '', status = 'DOWN', revision_number = revision_number + 1, updated_at = now() WHERE id = $1`, [port.id]);
        } else {
          await this.ports.remove(tx, port);
        }
      }
    });
  }

  async portPlugged(p: { portId: string; host: string; up: boolean }): Promise<void> {
    if (!UUID.test(p.portId)) return;
    await this.db.query(
      `UPDATE network.ports SET status = $3, revision_number = revision_number + 1, updated_at = now()
       WHERE id = $1 AND EXISTS (SELECT 1 FROM network.port_bindings WHERE port_id = $1 AND host = $2 AND status = 'ACTIVE')`,
      [p.portId, p.host, p.up ? 'ACTIVE' : 'DOWN'],
    );
  }

  /** The port's only binding becomes an ACTIVE one on `host` (a build has one place). */
  private async rebind(tx: EntityManager, portId: string, host: string): Promise<string> {
    await tx.getRepository(PortBindingEntity).delete({ portId });
    await this.ports.bind(tx, portId, host, 'ACTIVE', {}, 'normal');
    await tx.query(`UPDATE network.ports SET status = 'DOWN' WHERE id = $1`, [portId]);
    return portId;
  }

  private async infos(portIds: string[], passed: Set<string>): Promise<PortInfo[]> {
    if (portIds.length === 0) return [];
    const views = await this.ports.views(await this.db.getRepository(PortEntity).findBy({ id: In(portIds) }));
    const networks = await this.db.getRepository(NetworkEntity).findBy({ id: In(views.map((v) => v.port.networkId)) });
    const subnets = await this.db.getRepository(SubnetEntity).findBy({ networkId: In(networks.map((n) => n.id)) });
    return portIds.map((id) => {
      const v = views.find((x) => x.port.id === id);
      if (!v) throw new ApiError(500, `Port ${id} vanished while being allocated.`);
      const network = networks.find((n) => n.id === v.port.networkId)!;
      return {
        portId: id,
        networkId: network.id,
        networkName: network.name,
        macAddress: v.port.macAddress,
        mtu: network.mtu,
        createdForInstance: !passed.has(id),
        addresses: v.fixedIps.map((f) => {
          const s = subnets.find((x) => x.id === f.subnet_id)!;
          return { ip: f.ip_address, version: s.ipVersion as 4 | 6, subnetId: s.id, cidr: s.cidr, gateway: s.gatewayIp };
        }),
      };
    });
  }
}
