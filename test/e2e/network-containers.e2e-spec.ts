import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningAgent, startAgent } from '../../src/services/agent/agent.runtime';
import { DockerDriver } from '../../src/services/agent/drivers/docker.driver';
import { EngineClient } from '../../src/services/agent/drivers/engine-client';
import { busyboxImage } from '../utils/busybox-image';
import { PodmanHost, startPodmanHost } from '../utils/podman-host';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until as untilDefault } from '../utils/until';

const until = <T>(what: string, probe: () => Promise<T | undefined>) => untilDefault(what, probe, 60000, 200);

jest.setTimeout(240000);

/**
 * Ports made real: two simulated hosts (Podman services with stores of their own) plug servers
 * into the berth network with exactly the port's IP and MAC, and the two reach each other.
 */
describe('servers on a network, as real containers on two hosts', () => {
  let t: TestBerth;
  let admin: string;
  const hosts: { podman: PodmanHost; agent: RunningAgent; engine: EngineClient }[] = [];
  let imageId: string;
  let flavorId: string;
  let networkId: string;
  let subnetId: string;

  const nova = (method: 'get' | 'post' | 'delete', path: string) =>
    t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', admin).set('X-OpenStack-Nova-API-Version', '2.37');
  const neutron = (method: 'get' | 'post', path: string) => t.http()[method](`/networking/v2.0${path}`).set('X-Auth-Token', admin);
  const exec = async (serverId: string, command: string) => (await t.http()
    .post(`/container/v1/containers/${serverId}/execute?command=${encodeURIComponent(command)}`)
    .set('X-Auth-Token', admin).set('OpenStack-API-Version', 'container 1.40')).body as { output: string; exit_code: number };

  async function active(body: unknown): Promise<any> {
    const res = await nova('post', '/servers').send(body as object);
    expect(res.status).toBe(202);
    return until(`server ${res.body.server.id} to be ACTIVE`, async () => {
      const s = (await nova('get', `/servers/${res.body.server.id}`)).body.server;
      if (s?.status === 'ERROR') throw new Error(`server went to ERROR: ${JSON.stringify(s.fault)}`);
      return s?.status === 'ACTIVE' ? s : undefined;
    });
  }

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    for (const name of ['net-a', 'net-b']) {
      const podman = await startPodmanHost(name);
      const driver = await DockerDriver.connect(podman.dockerHost, { infoDir: join(podman.dir, 'container-info') });
      const agent = await startAgent({ bus: t.berth.bus, host: name, driver, reportIntervalMs: 1000, syncIntervalMs: 60000 });
      hosts.push({ podman, agent, engine: EngineClient.for(podman.dockerHost) });
    }
    await until('both hosts to register', async () => {
      const res = await t.http().get('/compute/v2.1/os-hypervisors').set('X-Auth-Token', admin);
      return res.body.hypervisors?.length === 2 ? true : undefined;
    });
    const archive = await busyboxImage('berth-test/net:1', ['sleep', '3600']);
    imageId = (await t.http().post('/image/v2/images').set('X-Auth-Token', admin).send({ name: 'net', container_format: 'docker', disk_format: 'raw' })).body.id;
    await t.http().put(`/image/v2/images/${imageId}/file`).set('X-Auth-Token', admin).set('content-type', 'application/octet-stream').send(readFileSync(archive.path));
    flavorId = (await nova('post', '/flavors').send({ flavor: { name: 'net.small', ram: 64, vcpus: 1, disk: 0, id: null } })).body.flavor.id;
    networkId = (await neutron('post', '/networks').send({ network: { name: 'realnet' } })).body.network.id;
    subnetId = (await neutron('post', '/subnets').send({ subnet: { network_id: networkId, ip_version: 4, cidr: '10.124.0.0/24' } })).body.subnet.id;
  });

  afterAll(async () => {
    for (const h of hosts) await h.agent.stop();
    await t?.close();
    for (const h of hosts) await h.podman.stop();
  });

  it('plugs a server into its port with the port\'s IP and MAC, seen inside and by the engine, and reaches a server on the other host', async () => {
    const port = (await neutron('post', '/ports').send({ port: { network_id: networkId, fixed_ips: [{ subnet_id: subnetId, ip_address: '10.124.0.10' }] } })).body.port;
    const a = await active({ server: { name: 'on-port', imageRef: imageId, flavorRef: flavorId, networks: [{ port: port.id }] } });
    const b = await active({ server: { name: 'other-host', imageRef: imageId, flavorRef: flavorId, networks: [{ uuid: networkId }] }, 'os:scheduler_hints': { different_host: [a.id] } });
    expect(b['OS-EXT-SRV-ATTR:host']).not.toBe(a['OS-EXT-SRV-ATTR:host']);

    const inside = await exec(a.id, '/bin/busybox ip addr show eth0');
    expect(inside.exit_code).toBe(0);
    expect(inside.output).toContain('inet 10.124.0.10/24');
    expect(inside.output).toContain(`link/ether ${port.mac_address}`);
    const onHost = hosts.find((h) => h.agent.host === a['OS-EXT-SRV-ATTR:host'])!;
    const seen = (await onHost.engine.inspectContainer(`berth-${a.id}`)).NetworkSettings!.Networks![`berth-${networkId}`];
    expect({ ip: seen.IPAddress, mac: seen.MacAddress }).toEqual({ ip: '10.124.0.10', mac: port.mac_address });
    await until('the port to be ACTIVE', async () => ((await neutron('get', `/ports/${port.id}`)).body.port.status === 'ACTIVE' ? true : undefined));

    const bIp = b.addresses.realnet[0].addr as string;
    // TCP, not ping: containers run without NET_RAW, so ICMP echo is not theirs to send.
    const serve = await exec(b.id, "sh -c '/bin/busybox nc -ll -p 8080 -e /bin/busybox echo berth-net-ok >/dev/null 2>&1 &'");
    expect(serve.exit_code).toBe(0);
    const fetched = await until('the other host\'s server to answer', async () => {
      const r = await exec(a.id, `/bin/busybox nc -w 3 ${bIp} 8080`);
      return r.output.includes('berth-net-ok') ? r.output : undefined;
    });
    expect(fetched).toBe('berth-net-ok\n');

    for (const s of [a, b]) expect((await nova('delete', `/servers/${s.id}`)).status).toBe(204);
    await until('both servers to go', async () => ((await nova('get', '/servers')).body.servers.length === 0 ? true : undefined));
    for (const h of hosts) {
      expect((await h.engine.listContainers({ all: true })).filter((c) => c.Names?.some((n) => n.includes('berth-')))).toEqual([]);
    }
    expect((await neutron('get', `/ports/${port.id}`)).body.port).toMatchObject({ device_id: '', fixed_ips: port.fixed_ips, mac_address: port.mac_address });
  });
});
