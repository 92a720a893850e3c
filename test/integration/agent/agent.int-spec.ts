import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AGENT_RPC, AgentRpc } from '../../../src/contracts/agent/agent.rpc';
import { HostResources, ImageRef, InstanceSpec, InstanceStatus } from '../../../src/contracts/agent/agent.types';
import { COMPUTE_RPC, ComputeRpc, InstanceEventKind } from '../../../src/contracts/compute/compute.rpc';
import { ParamsOf, RpcHandlers } from '../../../src/contracts/rpc';
import { NotFoundError } from '../../../src/common/errors/api-error';
import { AmqpBus } from '../../../src/common/messaging/amqp-bus';
import { RpcClient } from '../../../src/common/messaging/rpc-client';
import { serveContract } from '../../../src/common/messaging/rpc-server';
import { RunningAgent, startAgent } from '../../../src/services/agent/agent.runtime';
import { DockerDriver } from '../../../src/services/agent/drivers/docker.driver';
import { testContext } from '../../contracts/message-bus.contract';
import { eventually, testSpec } from '../../contracts/engine-driver.contract';
import { BERTH_MAIN, cleanEnv } from '../../utils/berth-process';
import { BusyboxImage, busyboxImage } from '../../utils/busybox-image';
import { PodmanHost, startPodmanHost } from '../../utils/podman-host';
import { createTestVhost } from '../../utils/test-backends';

jest.setTimeout(60_000);

type InstanceEvent = ParamsOf<ComputeRpc['instanceEvent']>;
type HostReport = ParamsOf<ComputeRpc['reportHost']>;
type InstancesReport = ParamsOf<ComputeRpc['reportInstances']>;

/** What agents send to compute. */
type AgentReports = Pick<ComputeRpc, 'reportHost' | 'instanceEvent' | 'reportInstances'>;

/** Plays compute: records what agents cast to the `compute` topic (compute's other methods are not used here). */
class ComputeRecorder implements RpcHandlers<AgentReports> {
  readonly hosts: HostReport[] = [];
  readonly events: InstanceEvent[] = [];
  readonly syncs: InstancesReport[] = [];
  async reportHost(p: HostReport): Promise<void> { this.hosts.push(p); }
  async instanceEvent(p: InstanceEvent): Promise<void> { this.events.push(p); }
  async reportInstances(p: InstancesReport): Promise<void> { this.syncs.push(p); }

  /** The first event of `kind` for the instance (waits for it). */
  event(instanceId: string, kind?: InstanceEventKind): Promise<InstanceEvent> {
    return eventually(async () => this.events.find((e) => e.instanceId === instanceId && (!kind || e.event === kind)), `${kind ?? 'an'} event for ${instanceId}`, 30_000);
  }

  /** Waits for the next event of the instance after the ones seen so far. */
  async next(instanceId: string, act: () => Promise<void>): Promise<InstanceEvent> {
    const seen = this.events.filter((e) => e.instanceId === instanceId).length;
    await act();
    return eventually(async () => this.events.filter((e) => e.instanceId === instanceId)[seen], `the next event for ${instanceId}`, 30_000);
  }
}

describe('berth agent with the docker driver on Podman, over RabbitMQ', () => {
  const HOST = `int-${randomUUID().slice(0, 8)}`;
  let podman: PodmanHost;
  let archive: BusyboxImage;
  let vhost: { url: string; drop(): Promise<void> };
  let agentBus: AmqpBus;
  let computeBus: AmqpBus;
  let compute: ComputeRecorder;
  let agents: RpcClient<AgentRpc>;
  let agent: RunningAgent;
  let driver: DockerDriver;
  let server: Server;
  let baseUrl: string;
  const downloads: string[] = [];

  const image = (overrides: Partial<ImageRef> = {}): ImageRef => ({
    id: randomUUID(), name: 'busybox', containerFormat: 'docker', diskFormat: 'raw',
    size: archive.size, checksum: archive.md5, dataUrl: '', ...overrides,
  });
  /** An image the test HTTP server serves at a signed-looking URL. */
  const served = (overrides: Partial<ImageRef> = {}): ImageRef => {
    const ref = image(overrides);
    return { ...ref, dataUrl: `${baseUrl}/v2/images/${ref.id}/data?sig=${randomUUID()}` };
  };
  const cast = <K extends 'spawnInstance' | 'destroyInstance' | 'powerOn' | 'powerOff' | 'reboot' | 'pause' | 'unpause'>(
    method: K, params: ParamsOf<AgentRpc[K]>,
  ) => agents.cast(method, params, testContext(), { host: HOST });
  const call = <K extends 'getStatus' | 'getConsoleOutput' | 'execute' | 'updateLimits'>(method: K, params: ParamsOf<AgentRpc[K]>) =>
    agents.call(method, params, testContext(), { host: HOST, timeoutMs: 20_000 });

  const spawned = async (spec: InstanceSpec): Promise<InstanceEvent> => {
    const e = await compute.next(spec.id, () => cast('spawnInstance', { spec }));
    expect(e).toMatchObject({ instanceId: spec.id, host: HOST, event: 'spawned', powerState: 'running' });
    return e;
  };

  const connected = async (name: string): Promise<AmqpBus> => {
    const bus = new AmqpBus({ url: vhost.url, defaultTimeoutMs: 20_000, connectionName: name });
    await bus.connect();
    return bus;
  };

  beforeAll(async () => {
    [podman, archive, vhost] = await Promise.all([startPodmanHost('agent'), busyboxImage(), createTestVhost()]);
    server = createServer((req, res) => {
      downloads.push(req.url ?? '');
      if (!/^\/v2\/images\/[\w-]+\/data\?sig=/.test(req.url ?? '')) {
        res.writeHead(403).end('bad signature');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': archive.size });
      createReadStream(archive.path).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    [agentBus, computeBus] = await Promise.all([connected('agent'), connected('compute')]);
    compute = new ComputeRecorder();
    await serveContract(computeBus, COMPUTE_RPC, compute as unknown as RpcHandlers<ComputeRpc>);
    agents = new RpcClient<AgentRpc>(computeBus, AGENT_RPC);
    driver = await DockerDriver.connect(podman.dockerHost, { stopTimeoutSec: 3, infoDir: join(podman.dir, 'container-info') });
    agent = await startAgent({ bus: agentBus, host: HOST, driver, reportIntervalMs: 300, syncIntervalMs: 500 });
  });

  afterAll(async () => {
    await agent?.stop();
    await Promise.all([agentBus?.close(), computeBus?.close()]);
    await new Promise((r) => server?.close(r));
    await Promise.all([podman?.stop(), vhost?.drop()]);
  });

  it('registers the host with its real resources, then keeps sending heartbeats', async () => {
    const first = await eventually(async () => compute.hosts.find((h) => h.host === HOST), 'a heartbeat');
    expect(first.driver).toBe('docker');
    const r: HostResources = first.resources;
    expect(r).toMatchObject({ kinds: ['container'], hypervisorType: 'podman' });
    expect(r.vcpus).toBeGreaterThan(0);
    expect(r.memoryMb).toBeGreaterThan(256);
    expect(r.diskGb).toBeGreaterThan(0);
    expect(r.hypervisorVersion).toMatch(/^\d+\.\d+/);
    await eventually(async () => (compute.hosts.filter((h) => h.host === HOST).length >= 3 ? true : undefined), 'three heartbeats');
  });

  it('spawns an instance from an image it downloads once, and answers calls about it', async () => {
    const ref = served();
    const specs = [testSpec(ref), testSpec(ref)];
    const before = downloads.length;
    const events = await Promise.all(specs.map((s) => spawned(s)));
    expect(events.map((e) => e.event)).toEqual(['spawned', 'spawned']);
    expect(downloads.length - before).toBe(1);

    const [spec] = specs;
    await expect(call('getStatus', { instanceId: spec.id })).resolves.toMatchObject({ instanceId: spec.id, powerState: 'running' });
    await expect(call('execute', { instanceId: spec.id, command: ['sh', '-c', 'echo "in $BERTH_MEMORY_MB"; exit 2'] }))
      .resolves.toEqual({ output: 'in 64\n', exitCode: 2 });
    const console = await eventually(async () => {
      const { output } = await call('getConsoleOutput', { instanceId: spec.id, tailLines: 10 });
      return output.includes(`marker-${spec.id}`) ? output : undefined;
    }, 'the marker on the console');
    expect(console).toContain('cpus=1');
    await expect(call('updateLimits', { instanceId: spec.id, flavor: { vcpus: 1, memoryMb: 80, diskGb: 1 } })).resolves.toEqual({ applied: true });
    await expect(call('execute', { instanceId: spec.id, command: ['cat', '/etc/berth/container_info'] }))
      .resolves.toMatchObject({ output: expect.stringContaining('"memory_mb": 80') });
    await expect(call('getStatus', { instanceId: 'nope' })).rejects.toBeInstanceOf(NotFoundError);

    const sync = await eventually(async () => [...compute.syncs].reverse().find((s) => s.host === HOST && s.instances.length >= 2), 'a sync listing both');
    expect(sync.instances).toEqual(expect.arrayContaining(specs.map((s) => expect.objectContaining<Partial<InstanceStatus>>({ instanceId: s.id, powerState: 'running' }))));
    expect(sync.unknown).toEqual([]);
    await Promise.all(specs.map((s) => compute.next(s.id, () => cast('destroyInstance', { instanceId: s.id }))));
  });

  it('reports power actions as events, and a refused one as action_failed', async () => {
    const spec = testSpec(served());
    await spawned(spec);
    const id = spec.id;
    const step = (act: () => Promise<void>) => compute.next(id, act);

    expect(await step(() => cast('powerOff', { instanceId: id }))).toMatchObject({ event: 'stopped', powerState: 'shutdown' });
    const refused = await step(() => cast('pause', { instanceId: id }));
    expect(refused).toMatchObject({ event: 'action_failed', powerState: 'shutdown' });
    expect(refused.message).toMatch(/pause/i);
    expect(await step(() => cast('powerOn', { instanceId: id }))).toMatchObject({ event: 'started', powerState: 'running' });
    expect(await step(() => cast('pause', { instanceId: id }))).toMatchObject({ event: 'paused', powerState: 'paused' });
    expect(await step(() => cast('unpause', { instanceId: id }))).toMatchObject({ event: 'unpaused', powerState: 'running' });
    expect(await step(() => cast('reboot', { instanceId: id, type: 'HARD' }))).toMatchObject({ event: 'rebooted', powerState: 'running' });
    expect(await step(() => cast('destroyInstance', { instanceId: id }))).toMatchObject({ event: 'destroyed', powerState: 'nostate' });
    expect(await step(() => cast('destroyInstance', { instanceId: id }))).toMatchObject({ event: 'destroyed', powerState: 'nostate' });
    expect(await step(() => cast('powerOn', { instanceId: id }))).toMatchObject({ event: 'action_failed', powerState: 'nostate' });
  });

  it('is idempotent: a spawn delivered twice reports spawned twice and runs one container', async () => {
    const spec = testSpec(served());
    await spawned(spec);
    await spawned(spec);
    const mine = (await driver.engine.listContainers({ all: true })).filter((c) => (c.Names ?? []).some((n) => n.includes(spec.id)));
    expect(mine).toHaveLength(1);
    await compute.next(spec.id, () => cast('destroyInstance', { instanceId: spec.id }));
  });

  it('fails the spawn when the image data does not match its checksum, and creates nothing', async () => {
    const ref = served({ checksum: 'f'.repeat(32) });
    const spec = testSpec(ref);
    const e = await compute.next(spec.id, () => cast('spawnInstance', { spec }));
    expect(e).toMatchObject({ event: 'spawn_failed', powerState: 'nostate', host: HOST });
    expect(e.message).toMatch(/md5/);
    await expect(call('getStatus', { instanceId: spec.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(driver.hasImage(ref)).resolves.toBeUndefined();

    const denied = testSpec({ ...served(), dataUrl: `${baseUrl}/unsigned` });
    const d = await compute.next(denied.id, () => cast('spawnInstance', { spec: denied }));
    expect(d).toMatchObject({ event: 'spawn_failed' });
    expect(d.message).toMatch(/403/);
  });

  it('loses nothing when restarted: a new agent reports what the engine runs', async () => {
    const spec = testSpec(served());
    await spawned(spec);
    await agent.stop();
    const seen = compute.syncs.length;
    agent = await startAgent({ bus: agentBus, host: HOST, driver, reportIntervalMs: 300, syncIntervalMs: 60_000 });
    const sync = await eventually(async () => compute.syncs.slice(seen).find((s) => s.host === HOST), 'the first sync of the new agent');
    expect(sync.instances).toContainEqual(expect.objectContaining({ instanceId: spec.id, powerState: 'running' }));
    await expect(call('getStatus', { instanceId: spec.id })).resolves.toMatchObject({ powerState: 'running' });
    await compute.next(spec.id, () => cast('destroyInstance', { instanceId: spec.id }));
  });

  describe('the berth agent command', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    const runAgent = (args: string[], env: Record<string, string>) => {
      child = spawn(process.execPath, [BERTH_MAIN, 'agent', ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
      const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
      return { output: () => out, exited };
    };

    for (const driverName of ['fake', 'docker'] as const) {
      it(`runs with --driver ${driverName}, reports its host, and stops on SIGTERM`, async () => {
        const host = `cli-${driverName}-${randomUUID().slice(0, 6)}`;
        const extra = driverName === 'docker' ? ['--docker-host', podman.dockerHost] : [];
        const proc = runAgent(['--host', host, '--driver', driverName, ...extra], { BERTH_AMQP_URL: vhost.url, BERTH_LOG_LEVEL: 'warn' });
        const beat = await eventually(async () => compute.hosts.find((h) => h.host === host), `a heartbeat from ${host}`, 20_000)
          .catch((err: Error) => { throw new Error(`${err.message}\n${proc.output()}`); });
        expect(beat.driver).toBe(driverName);
        const line = `berth agent is serving agent.${host} with the ${driverName} driver`;
        await eventually(async () => (proc.output().includes(line) ? true : undefined), 'the serving line', 5_000);
        child!.kill('SIGTERM');
        await expect(proc.exited).resolves.toBe(0);
      });
    }

    it('refuses to run without a broker', async () => {
      const proc = runAgent(['--host', 'x', '--driver', 'fake'], {});
      await expect(proc.exited).resolves.toBe(2);
      expect(proc.output()).toContain('BERTH_AMQP_URL');
    });
  });
});
