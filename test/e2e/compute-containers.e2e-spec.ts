import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemContext } from '../../src/common/context/request-context';
import { RpcClient } from '../../src/common/messaging/rpc-client';
import { AGENT_RPC, AgentRpc } from '../../src/contracts/agent/agent.rpc';
import { RunningAgent, startAgent } from '../../src/services/agent/agent.runtime';
import { DockerDriver } from '../../src/services/agent/drivers/docker.driver';
import { EngineClient } from '../../src/services/agent/drivers/engine-client';
import { busyboxImage } from '../utils/busybox-image';
import { PodmanHost, startPodmanHost } from '../utils/podman-host';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until as untilDefault } from '../utils/until';

const until = <T>(what: string, probe: () => Promise<T | undefined>) => untilDefault(what, probe, 60000, 200);

jest.setTimeout(180000);

const MV = { 'X-OpenStack-Nova-API-Version': '2.37' };
const MARKER = 'berth-console-marker';

/** Real containers: the REST API boots servers that a docker-driver agent runs on Podman. */
describe('servers as real containers (Podman through the Docker Engine API)', () => {
  let t: TestBerth;
  let admin: string;
  let podman: PodmanHost;
  let driver: DockerDriver;
  let agent: RunningAgent;
  let engine: EngineClient;
  let imageId: string;
  let flavorId: string;

  const api = (method: 'get' | 'post' | 'delete', path: string) =>
    t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', admin).set(MV);

  async function waitStatus(id: string, status: string) {
    return until(`server ${id} to be ${status}`, async () => {
      const s = (await api('get', `/servers/${id}`)).body.server;
      if (s?.status === 'ERROR') throw new Error(`server went to ERROR: ${JSON.stringify(s.fault)}`);
      return s?.status === status ? s : undefined;
    });
  }

  const container = (id: string) => engine.inspectContainer(`berth-${id}`);

  beforeAll(async () => {
    podman = await startPodmanHost('rest-1');
    engine = EngineClient.for(podman.dockerHost);
    t = await startTestBerth();
    admin = await t.adminToken();
    driver = await DockerDriver.connect(podman.dockerHost, { infoDir: join(podman.dir, 'container-info') });
    agent = await startAgent({ bus: t.berth.bus, host: 'pod-1', driver, reportIntervalMs: 1000, syncIntervalMs: 60000 });
    await until('the host to register', async () => {
      const res = await t.http().get('/compute/v2.1/os-hypervisors').set('X-Auth-Token', admin);
      return res.body.hypervisors?.length === 1 ? true : undefined;
    });
    const archive = await busyboxImage('berth-test/marker:1', ['sh', '-c', `echo ${MARKER}; exec sleep 3600`]);
    const created = await t.http().post('/image/v2/images').set('X-Auth-Token', admin).send({ name: 'marker', container_format: 'docker', disk_format: 'raw' });
    imageId = created.body.id;
    const up = await t.http().put(`/image/v2/images/${imageId}/file`).set('X-Auth-Token', admin).set('content-type', 'application/octet-stream').send(readFileSync(archive.path));
    expect(up.status).toBe(204);
    const flavor = await api('post', '/flavors').send({ flavor: { name: 'c1.small', ram: 128, vcpus: 1, disk: 1, id: null } });
    flavorId = flavor.body.flavor.id;
  });

  afterAll(async () => {
    await agent?.stop();
    await t?.close();
    await podman?.stop();
  });

  it('boots a container with the flavor\'s limits and container_info, and its console is the container\'s output', async () => {
    const res = await api('post', '/servers').send({ server: { name: 'real-1', imageRef: imageId, flavorRef: flavorId, networks: 'none' } });
    expect(res.status).toBe(202);
    const id = res.body.server.id;
    const s = await waitStatus(id, 'ACTIVE');
    expect(s['OS-EXT-SRV-ATTR:host']).toBe('pod-1');
    const c = await container(id);
    expect(c.State.Running).toBe(true);
    expect(c.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(c.HostConfig.NanoCpus).toBe(1e9);
    expect(c.Config.Labels).toMatchObject({ 'berth.instance_id': id });
    const agentRpc = new RpcClient<AgentRpc>(t.berth.bus, AGENT_RPC);
    const info = await agentRpc.call('execute', { instanceId: id, command: ['cat', '/etc/berth/container_info'] }, systemContext(), { host: 'pod-1' });
    expect(info.exitCode).toBe(0);
    expect(JSON.parse(info.output)).toMatchObject({ memory_mb: 128, cpus: 1 });
    const console = await t.http().post(`/compute/v2.1/servers/${id}/action`).set('X-Auth-Token', admin).send({ 'os-getConsoleOutput': {} });
    expect(console.status).toBe(200);
    expect(console.body.output).toContain(MARKER);
  });

  it('stops, starts and reboots the real container, then deletes it from the engine', async () => {
    const res = await api('post', '/servers').send({ server: { name: 'real-2', imageRef: imageId, flavorRef: flavorId, networks: 'none' } });
    const id = res.body.server.id;
    await waitStatus(id, 'ACTIVE');
    await api('post', `/servers/${id}/action`).send({ 'os-stop': null });
    await waitStatus(id, 'SHUTOFF');
    expect((await container(id)).State.Running).toBe(false);
    await api('post', `/servers/${id}/action`).send({ 'os-start': null });
    await waitStatus(id, 'ACTIVE');
    const before = (await container(id)).State.StartedAt;
    expect((await container(id)).State.Running).toBe(true);
    await api('post', `/servers/${id}/action`).send({ reboot: { type: 'HARD' } });
    await waitStatus(id, 'ACTIVE');
    await until('a new start time after the reboot', async () => ((await container(id)).State.StartedAt !== before ? true : undefined));
    expect((await api('delete', `/servers/${id}`)).status).toBe(204);
    await until('the server to be gone', async () => ((await api('get', `/servers/${id}`)).status === 404 ? true : undefined));
    await expect(container(id)).rejects.toMatchObject({ statusCode: 404 });
  });
});
