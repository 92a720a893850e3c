import { PortInfo } from '../../../contracts/network/network.rpc';
import { EngineApiError, EngineClient } from './engine-client';

/**
 * A berth network realised on a host as an engine (bridge) network of the same subnets: the
 * engine's IPAM is bypassed by giving every endpoint the exact address and MAC the network
 * service allocated, so a port keeps them on whichever host it is plugged.
 *
 * Plumbing between hosts ("shared bridge"): engines that share their network definitions (Podman
 * services of one machine read /etc/containers/networks) put a berth network's containers on one
 * Linux bridge, so the simulated hosts of one machine share its L2 segment. Hosts on different
 * machines need their bridges joined by the segment's overlay or provider network (a VXLAN
 * interface with the network's VNI, or a VLAN/flat NIC, enslaved to the bridge): that plumbing is
 * a host's job and is not done by this driver.
 */
export function engineNetworkName(networkId: string): string {
  return `berth-${networkId}`;
}

function status(err: unknown): number | undefined {
  return err instanceof EngineApiError ? err.statusCode : undefined;
}

/** Creates the engine network for the port's berth network unless it exists; returns its name. */
export async function ensureEngineNetwork(engine: EngineClient, port: PortInfo): Promise<string> {
  const name = engineNetworkName(port.networkId);
  try {
    await engine.call({ method: 'GET', path: `/networks/${encodeURIComponent(name)}` });
    return name;
  } catch (err) {
    if (status(err) !== 404) throw err;
  }
  const subnets = [...new Map(port.addresses.map((a) => [a.cidr, a])).values()];
  const body = {
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    EnableIPv6: subnets.some((s) => s.version === 6),
    IPAM: { Driver: 'default', Config: subnets.map((s) => ({ Subnet: s.cidr, ...(s.gateway ? { Gateway: s.gateway } : {}) })) },
    Options: { 'com.docker.network.driver.mtu': String(port.mtu) },
    Labels: { 'berth.network': port.networkId },
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await engine.call({ method: 'POST', path: '/networks/create', json: body });
      return name;
    } catch (err) {
      // Another host sharing the definitions (or a racing build) made it first; Podman says so with a 500.
      if (status(err) === 409 || /already exists|network name .* already used/i.test((err as Error).message)) return name;
      // A berth network deleted while this engine was away leaves its bridge's subnet taken: clear it once.
      if (attempt > 0 || !/subnet .* already used/i.test((err as Error).message) || !(await removeStaleBerthNetworks(engine, name))) throw err;
    }
  }
}

/** Removes berth networks of this engine that no container uses (other than `keep`); true if any went. */
async function removeStaleBerthNetworks(engine: EngineClient, keep: string): Promise<boolean> {
  const all = await engine.json<{ Name: string; Labels?: Record<string, string> | null }[]>({ method: 'GET', path: '/networks' });
  const stale = all.filter((n) => n.Name.startsWith('berth-') && n.Name !== keep).map((n) => n.Name);
  const before = stale.length;
  await removeUnusedEngineNetworks(engine, stale);
  const after = (await engine.json<{ Name: string }[]>({ method: 'GET', path: '/networks' })).filter((n) => stale.includes(n.Name)).length;
  return after < before;
}

/** The endpoint settings that pin a port's addresses and MAC. */
export function endpointFor(port: PortInfo): Record<string, unknown> {
  const v4 = port.addresses.find((a) => a.version === 4)?.ip;
  const v6 = port.addresses.find((a) => a.version === 6)?.ip;
  return {
    IPAMConfig: { ...(v4 ? { IPv4Address: v4 } : {}), ...(v6 ? { IPv6Address: v6 } : {}) },
    MacAddress: port.macAddress,
  };
}

/**
 * The parts of a container create body that plug its first port (the others are connected
 * before start). The MAC is given at the container level too: engines before API 1.44 (Podman 4)
 * read it there for the first network.
 */
export function createNetworking(ports: PortInfo[], names: string[]): { MacAddress?: string; NetworkingConfig?: object; HostConfigNetworkMode?: string } {
  if (ports.length === 0) return {};
  return {
    MacAddress: ports[0].macAddress,
    NetworkingConfig: { EndpointsConfig: { [names[0]]: endpointFor(ports[0]) } },
    HostConfigNetworkMode: names[0],
  };
}

/** Connects the container to its further ports, each with its own addresses and MAC. */
export async function connectMore(engine: EngineClient, containerId: string, ports: PortInfo[], names: string[]): Promise<void> {
  for (let i = 1; i < ports.length; i++) {
    await engine.call({
      method: 'POST', path: `/networks/${encodeURIComponent(names[i])}/connect`,
      json: { Container: containerId, EndpointConfig: endpointFor(ports[i]) },
    });
  }
}

/**
 * Removes the berth networks among `names` that no container of this engine uses any more. Best
 * effort: a network another container took meanwhile refuses, and stays.
 */
export async function removeUnusedEngineNetworks(engine: EngineClient, names: string[]): Promise<void> {
  for (const name of names.filter((n) => n.startsWith('berth-'))) {
    const users = await engine.listContainers({ all: true, filters: { network: [name] } }).catch(() => undefined);
    if (!users || users.length > 0) continue;
    await engine.call({ method: 'DELETE', path: `/networks/${encodeURIComponent(name)}` }).catch(() => undefined);
  }
}
