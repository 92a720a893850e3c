import { Inject, Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { RequestContext } from '../../../common/context/request-context';
import { BadRequestError } from '../../../common/errors/api-error';
import { MESSAGE_BUS, MessageBus } from '../../../common/messaging/message-bus';
import { RpcClient } from '../../../common/messaging/rpc-client';
import { NETWORK_RPC, NetworkRequest, NetworkRpc, PortInfo } from '../../../contracts/network/network.rpc';
import { InstanceEntity } from '../entities/instance.entity';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Compute's side of the network service (Nova's network API): requested networks checked at
 * create, ports allocated on the chosen host before the build, given back when the server goes.
 */
@Injectable()
export class InstanceNetworks {
  private readonly network: RpcClient<NetworkRpc>;

  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, @Inject(MESSAGE_BUS) bus: MessageBus) {
    this.network = new RpcClient(bus, NETWORK_RPC);
  }

  /**
   * `networks` of a create body → concrete requests. "none" asks for nothing; "auto" (and, before
   * 2.37, leaving it out) means the project's network if it has exactly one; a list names
   * networks (`uuid`, optional `fixed_ip`) or ports (`port`).
   */
  async resolve(networks: unknown, count: number, ctx: RequestContext): Promise<NetworkRequest[]> {
    if (networks === 'none') return [];
    if (networks === undefined || networks === 'auto') {
      return (await this.network.call('resolveNetworkRequests', { requests: 'auto' }, ctx, { timeoutMs: 15000 })).requests;
    }
    const requests = (networks as Record<string, unknown>[]).map((n): NetworkRequest => {
      const unknown = Object.keys(n).filter((k) => !['uuid', 'port', 'fixed_ip', 'tag'].includes(k));
      if (unknown.length) throw new BadRequestError(`Invalid input for field/attribute networks. Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} was unexpected)`);
      if (n.port !== undefined && n.port !== null) {
        if (typeof n.port !== 'string' || !UUID.test(n.port)) throw new BadRequestError(`Invalid input for field/attribute port. Value: ${String(n.port)}. '${String(n.port)}' is not a 'uuid'`);
        return { portId: n.port.toLowerCase() };
      }
      if (typeof n.uuid !== 'string' || !UUID.test(n.uuid)) throw new BadRequestError(`Bad networks format: network uuid is not in proper format (${String(n.uuid)})`);
      if (n.fixed_ip !== undefined && (typeof n.fixed_ip !== 'string' || !isIP(n.fixed_ip))) throw new BadRequestError(`Invalid fixed IP address (${String(n.fixed_ip)})`);
      return { networkId: n.uuid.toLowerCase(), ...(n.fixed_ip ? { fixedIp: n.fixed_ip as string } : {}) };
    });
    if (count > 1 && requests.some((r) => r.portId)) throw new BadRequestError('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.');
    if (count > 1 && requests.some((r) => r.fixedIp)) throw new BadRequestError('Unable to launch multiple instances with a single configured fixed IP. Please launch your instance one by one with different fixed IPs.');
    if (requests.length === 0) return [];
    return (await this.network.call('resolveNetworkRequests', { requests }, ctx, { timeoutMs: 15000 })).requests;
  }

  /** Allocates and binds the instance's ports on its host, and records them in its cache. */
  async allocate(inst: InstanceEntity, host: string, ctx: RequestContext): Promise<PortInfo[]> {
    if (inst.requestedNetworks.length === 0) return [];
    const { ports } = await this.network.call('allocatePorts', { instanceId: inst.id, zone: inst.availabilityZone || 'nova', host, requests: inst.requestedNetworks }, ctx, { timeoutMs: 30000 });
    await this.db.getRepository(InstanceEntity).update({ id: inst.id }, { networkInfo: ports });
    return ports;
  }

  /**
   * The agent reported the instance running on `host`: its ports are plugged there, which the
   * network service shows as status ACTIVE.
   */
  async plugged(instanceId: string, host: string, ctx: RequestContext): Promise<void> {
    const rows: { network_info: PortInfo[] }[] = await this.db.query(
      `SELECT network_info FROM compute.instances WHERE id = $1 AND network_info <> '[]'::jsonb`, [instanceId],
    );
    for (const p of rows[0]?.network_info ?? []) await this.network.cast('portPlugged', { portId: p.portId, host, up: true }, ctx);
  }

  /** Ports made for the server go with it; ports the user passed are unbound and kept, as in Nova. */
  async release(inst: Pick<InstanceEntity, 'id' | 'requestedNetworks' | 'networkInfo'>, ctx: RequestContext): Promise<void> {
    if (inst.requestedNetworks.length === 0 && inst.networkInfo.length === 0) return;
    const keep = inst.requestedNetworks.map((r) => r.portId).filter((id): id is string => !!id);
    await this.network.call('releasePorts', { instanceId: inst.id, keepPortIds: keep }, ctx, { timeoutMs: 30000 });
  }
}

/** Nova's `addresses`: per network name, each fixed IP with its version, type and MAC. */
export function renderAddresses(ports: PortInfo[]): Record<string, { version: number; addr: string; 'OS-EXT-IPS:type': string; 'OS-EXT-IPS-MAC:mac_addr': string }[]> {
  const out: Record<string, { version: number; addr: string; 'OS-EXT-IPS:type': string; 'OS-EXT-IPS-MAC:mac_addr': string }[]> = {};
  for (const p of ports) {
    const name = p.networkName || p.networkId;
    for (const a of p.addresses) (out[name] ??= []).push({ version: a.version, addr: a.ip, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': p.macAddress });
  }
  return out;
}

