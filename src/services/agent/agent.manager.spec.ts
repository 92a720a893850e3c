import { createHash, randomUUID } from 'node:crypto';
import pino from 'pino';
import { testSpec } from '../../../test/contracts/engine-driver.contract';
import { testContext, waitFor } from '../../../test/contracts/message-bus.contract';
import { AGENT_RPC, AgentRpc } from '../../contracts/agent/agent.rpc';
import { ImageRef } from '../../contracts/agent/agent.types';
import { COMPUTE_RPC, ComputeRpc } from '../../contracts/compute/compute.rpc';
import { ParamsOf, RpcHandlers } from '../../contracts/rpc';
import { BadRequestError, ConflictError, NotFoundError } from '../../common/errors/api-error';
import { InMemoryBus } from '../../common/messaging/in-memory-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { serveContract } from '../../common/messaging/rpc-server';
import { AgentManager } from './agent.manager';
import { filesOfDockerArchive } from './drivers/docker-archive';
import { FakeDriver, FakeDriverOptions } from './drivers/fake.driver';
import { ImageCache } from './image-cache';

type InstanceEvent = ParamsOf<ComputeRpc['instanceEvent']>;

type AgentReports = Pick<ComputeRpc, 'reportHost' | 'instanceEvent' | 'reportInstances' | 'imageCaptured'>;
type ImageCaptured = ParamsOf<ComputeRpc['imageCaptured']>;

const HOST = 'host-1';
const DATA = Buffer.from('image bytes');
const MD5 = createHash('md5').update(DATA).digest('hex');

function imageRef(overrides: Partial<ImageRef> = {}): ImageRef {
  return {
    id: randomUUID(), name: 'img', containerFormat: 'docker', diskFormat: 'raw', size: DATA.length, checksum: MD5,
    dataUrl: 'http://image.test/data', ...overrides,
  };
}

describe(AgentManager.name, () => {
  let bus: InMemoryBus;
  let driver: FakeDriver;
  let sut: AgentManager;
  let events: InstanceEvent[];
  let captures: ImageCaptured[];
  let uploads: { url: string; method?: string; body: Buffer }[];
  let uploadStatus: number;
  let downloads: number;
  let agent: RpcClient<AgentRpc>;

  const setup = async (driverOpts: FakeDriverOptions = {}) => {
    bus = new InMemoryBus(5_000);
    driver = new FakeDriver({ kinds: ['container'], ...driverOpts });
    events = [];
    captures = [];
    uploads = [];
    uploadStatus = 204;
    downloads = 0;
    // Plays compute for what agents send; compute's other methods are not used here.
    await serveContract(bus, COMPUTE_RPC, {
      reportHost: async () => undefined,
      reportInstances: async () => undefined,
      instanceEvent: async (p) => { events.push(p); },
      imageCaptured: async (p) => { captures.push(p); },
    } satisfies RpcHandlers<AgentReports> as unknown as RpcHandlers<ComputeRpc>);
    const images = new ImageCache(driver, {
      fetch: async () => {
        downloads++;
        return new Response(DATA);
      },
    });
    // Plays the image service's signed upload URL.
    const upload = async (url: string | URL | Request, init?: RequestInit) => {
      uploads.push({ url: String(url), method: init?.method, body: Buffer.from(await new Response(init?.body).arrayBuffer()) });
      return new Response(uploadStatus === 204 ? null : 'Image status transition from saving to saving is not allowed', { status: uploadStatus });
    };
    sut = new AgentManager({ host: HOST, driver, compute: new RpcClient(bus, COMPUTE_RPC), images, log: pino({ level: 'silent' }), fetch: upload as typeof fetch });
    await serveContract(bus, AGENT_RPC, sut, { host: HOST });
    agent = new RpcClient<AgentRpc>(bus, AGENT_RPC);
  };
  const cast = <K extends 'spawnInstance' | 'destroyInstance' | 'powerOn' | 'powerOff' | 'reboot' | 'pause' | 'unpause' | 'prefetchImage'>(
    method: K, params: ParamsOf<AgentRpc[K]>,
  ) => agent.cast(method, params, testContext(), { host: HOST });
  const eventsOf = (id: string) => events.filter((e) => e.instanceId === id);
  const waitEvents = (id: string, n: number) => waitFor(() => eventsOf(id).length >= n, `${n} events for ${id}`);

  beforeEach(() => setup());
  afterEach(() => bus.close());

  it('spawns: downloads the image once for concurrent spawns, then reports spawned', async () => {
    const image = imageRef();
    const specs = [testSpec(image), testSpec(image), testSpec(image)];
    await Promise.all(specs.map((spec) => cast('spawnInstance', { spec })));
    for (const s of specs) await waitEvents(s.id, 1);
    expect(events.map((e) => [e.event, e.powerState, e.host])).toEqual(specs.map(() => ['spawned', 'running', HOST]));
    expect(downloads).toBe(1);
    // Later spawns find the image in the engine.
    const later = testSpec(image);
    await cast('spawnInstance', { spec: later });
    await waitEvents(later.id, 1);
    expect(downloads).toBe(1);
  });

  it('looks an image up in the engine once, and loads it again when a spawn finds it removed behind the agent\'s back', async () => {
    const image = imageRef();
    const hasImage = jest.spyOn(driver, 'hasImage');
    const [first, second, third] = [testSpec(image), testSpec(image), testSpec(image)];
    await sut.spawnInstance({ spec: first }, testContext());
    await sut.spawnInstance({ spec: second }, testContext());
    expect(hasImage).toHaveBeenCalledTimes(1);
    jest.spyOn(driver, 'spawn').mockRejectedValueOnce(new NotFoundError(`Image berth/${image.id} is not loaded on this host.`));
    await sut.spawnInstance({ spec: third }, testContext());
    expect(hasImage).toHaveBeenCalledTimes(2);
    await waitEvents(third.id, 1);
    expect(eventsOf(third.id)).toEqual([expect.objectContaining({ event: 'spawned', powerState: 'running' })]);
  });

  it('reports spawn_failed when the image data does not match its checksum, and creates nothing', async () => {
    const spec = testSpec(imageRef({ checksum: '0'.repeat(32) }));
    await cast('spawnInstance', { spec });
    await waitEvents(spec.id, 1);
    expect(eventsOf(spec.id)).toEqual([expect.objectContaining({ event: 'spawn_failed', powerState: 'nostate', message: expect.stringContaining('md5') })]);
    await expect(driver.status(spec.id)).resolves.toBeUndefined();
    expect(bus.deadLetters).toEqual([]);
  });

  it('reports spawn_failed for a kind the host does not run', async () => {
    const spec = testSpec(imageRef(), { kind: 'vm' });
    await cast('spawnInstance', { spec });
    await waitEvents(spec.id, 1);
    expect(eventsOf(spec.id)[0]).toMatchObject({ event: 'spawn_failed', message: expect.stringContaining('does not run vm instances') });
    expect(downloads).toBe(0);
  });

  it('is idempotent: a spawn delivered twice reports spawned twice and creates one instance', async () => {
    const spec = testSpec(imageRef());
    await cast('spawnInstance', { spec });
    await cast('spawnInstance', { spec });
    await waitEvents(spec.id, 2);
    expect(eventsOf(spec.id).map((e) => e.event)).toEqual(['spawned', 'spawned']);
    expect(driver.size).toBe(1);
  });

  it('finishes a spawn interrupted between create and start, and leaves a stopped instance stopped', async () => {
    const spec = testSpec(imageRef());
    await sut.spawnInstance({ spec }, testContext());
    await driver.powerOff(spec.id);
    const powerOn = jest.spyOn(driver, 'powerOn');
    // Redelivered after the user stopped it: it stays stopped.
    await sut.spawnInstance({ spec }, testContext());
    expect(powerOn).not.toHaveBeenCalled();
    await waitEvents(spec.id, 2);
    expect(eventsOf(spec.id).at(-1)).toMatchObject({ event: 'spawned', powerState: 'shutdown' });
    // What the engine shows for a container created but never started:
    jest.spyOn(driver, 'status').mockResolvedValueOnce({ instanceId: spec.id, powerState: 'shutdown' });
    await sut.spawnInstance({ spec }, testContext());
    expect(powerOn).toHaveBeenCalledWith(spec.id);
    await waitEvents(spec.id, 3);
    expect(eventsOf(spec.id).at(-1)).toMatchObject({ event: 'spawned', powerState: 'running' });
  });

  it('reports each power action with the power state it left', async () => {
    const spec = testSpec(imageRef());
    const id = spec.id;
    await cast('spawnInstance', { spec });
    const steps: [() => Promise<void>, string, string][] = [
      [() => cast('powerOff', { instanceId: id }), 'stopped', 'shutdown'],
      [() => cast('pause', { instanceId: id }), 'action_failed', 'shutdown'],
      [() => cast('powerOn', { instanceId: id }), 'started', 'running'],
      [() => cast('pause', { instanceId: id }), 'paused', 'paused'],
      [() => cast('unpause', { instanceId: id }), 'unpaused', 'running'],
      [() => cast('reboot', { instanceId: id, type: 'SOFT' }), 'rebooted', 'running'],
      [() => cast('destroyInstance', { instanceId: id }), 'destroyed', 'nostate'],
      [() => cast('destroyInstance', { instanceId: id }), 'destroyed', 'nostate'],
      [() => cast('powerOn', { instanceId: id }), 'action_failed', 'nostate'],
    ];
    for (const [act] of steps) await act();
    await waitEvents(id, steps.length + 1);
    expect(eventsOf(id).slice(1).map((e) => [e.event, e.powerState])).toEqual(steps.map(([, ev, ps]) => [ev, ps]));
    expect(eventsOf(id)[2].message).toMatch(/pause/);
    expect(eventsOf(id)[9].message).toMatch(/could not be found/);
  });

  it('runs one operation per instance at a time, in order, and different instances in parallel', async () => {
    await bus.close();
    await setup({ delayMs: { spawn: 150, powerOff: 50 } });
    const a = testSpec(imageRef());
    const b = testSpec(a.image);
    const started = Date.now();
    await cast('spawnInstance', { spec: a });
    await cast('powerOff', { instanceId: a.id });
    await cast('spawnInstance', { spec: b });
    await waitEvents(a.id, 2);
    await waitEvents(b.id, 1);
    expect(eventsOf(a.id).map((e) => e.event)).toEqual(['spawned', 'stopped']);
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('answers calls: status, console, exec, live limits; NotFound for unknown instances', async () => {
    const spec = testSpec(imageRef());
    await cast('spawnInstance', { spec });
    await waitEvents(spec.id, 1);
    const call = agent.call.bind(agent);
    const ctx = testContext();
    await expect(call('getStatus', { instanceId: spec.id }, ctx, { host: HOST })).resolves.toMatchObject({ powerState: 'running' });
    await expect(call('getConsoleOutput', { instanceId: spec.id, tailLines: 1 }, ctx, { host: HOST })).resolves.toEqual({ output: 'cpus=1\n' });
    await expect(call('execute', { instanceId: spec.id, command: ['sh', '-c', 'echo $BERTH_MEMORY_MB; exit 5'] }, ctx, { host: HOST }))
      .resolves.toEqual({ output: '64\n', exitCode: 5 });
    await expect(call('updateLimits', { instanceId: spec.id, flavor: { vcpus: 2, memoryMb: 128, diskGb: 1 } }, ctx, { host: HOST }))
      .resolves.toEqual({ applied: true });
    await expect(call('getStatus', { instanceId: 'nope' }, ctx, { host: HOST })).rejects.toBeInstanceOf(NotFoundError);
    await expect(call('execute', { instanceId: 'nope', command: ['true'] }, ctx, { host: HOST })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses early what the driver cannot do', async () => {
    const spec = testSpec(imageRef());
    await sut.spawnInstance({ spec }, testContext());
    Object.assign(driver.capabilities, { supportsExec: false, supportsLiveResize: false, supportsPause: false });
    await expect(sut.execute({ instanceId: spec.id, command: ['true'] })).rejects.toBeInstanceOf(ConflictError);
    await expect(sut.updateLimits({ instanceId: spec.id, flavor: { vcpus: 1, memoryMb: 32, diskGb: 1 } })).resolves.toEqual({ applied: false });
    await sut.pause({ instanceId: spec.id }, testContext());
    await waitEvents(spec.id, 2);
    expect(eventsOf(spec.id).at(-1)).toMatchObject({ event: 'action_failed', powerState: 'running', message: expect.stringContaining('cannot pause') });
  });

  it('throws when it cannot report, so the bus redelivers and the idempotent spawn reports again', async () => {
    const spec = testSpec(imageRef());
    const compute = new RpcClient<ComputeRpc>(bus, COMPUTE_RPC);
    const cast = jest.spyOn(compute, 'cast').mockRejectedValueOnce(new Error('broker down'));
    const manager = new AgentManager({ host: HOST, driver, compute, images: new ImageCache(driver, { fetch: async () => new Response(DATA) }), log: pino({ level: 'silent' }) });
    await expect(manager.spawnInstance({ spec }, testContext())).rejects.toThrow('broker down');
    await manager.spawnInstance({ spec }, testContext());
    expect(cast).toHaveBeenCalledTimes(2);
    expect(driver.size).toBe(1);
  });

  it('reports spawn_failed for a spec it cannot use, and refuses one without an id', async () => {
    const spec = testSpec(imageRef());
    await sut.spawnInstance({ spec: { ...spec, flavor: { ...spec.flavor, memoryMb: 'lots' as never } } }, testContext());
    await waitEvents(spec.id, 1);
    expect(eventsOf(spec.id)[0]).toMatchObject({ event: 'spawn_failed', message: expect.stringContaining('flavor.memoryMb') });
    await expect(sut.spawnInstance({ spec: { ...spec, id: undefined as never } }, testContext())).rejects.toBeInstanceOf(BadRequestError);
  });

  it('kill signals the instance; when that ends it, answers and reports the power state at once', async () => {
    const spec = testSpec(imageRef());
    await sut.spawnInstance({ spec }, testContext());
    const kill = (signal: 'SIGHUP' | 'SIGKILL') => agent.call('killInstance', { instanceId: spec.id, signal }, testContext(), { host: HOST });
    await expect(kill('SIGHUP')).resolves.toMatchObject({ powerState: 'running' });
    expect(eventsOf(spec.id).map((e) => e.event)).toEqual(['spawned']);
    await expect(kill('SIGKILL')).resolves.toMatchObject({ powerState: 'shutdown', exitCode: 137 });
    await waitEvents(spec.id, 2);
    expect(eventsOf(spec.id)[1]).toMatchObject({ event: 'power_state', powerState: 'shutdown' });
    expect(driver.signalsOf(spec.id)).toEqual(['SIGHUP', 'SIGKILL']);
    await expect(kill('SIGKILL')).rejects.toBeInstanceOf(ConflictError);
    await expect(agent.call('killInstance', { instanceId: spec.id, signal: 'SIGBOGUS' as never }, testContext(), { host: HOST }))
      .rejects.toBeInstanceOf(BadRequestError);
  }, 10_000);

  it('lists processes and samples stats, refusing ps options a shell would read', async () => {
    const spec = testSpec(imageRef());
    await sut.spawnInstance({ spec }, testContext());
    const call = agent.call.bind(agent);
    const ctx = testContext();
    await expect(call('listProcesses', { instanceId: spec.id, psArgs: 'aux' }, ctx, { host: HOST })).resolves.toMatchObject({ titles: ['PID', 'USER', 'COMMAND'] });
    await expect(call('getStats', { instanceId: spec.id }, ctx, { host: HOST })).resolves.toMatchObject({ memoryLimitBytes: 64 * 1024 * 1024 });
    await expect(call('listProcesses', { instanceId: spec.id, psArgs: 'aux; rm -rf /' }, ctx, { host: HOST })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('captures an instance, streams the archive to the signed upload URL, then reports imageCaptured', async () => {
    const spec = testSpec(imageRef());
    await sut.spawnInstance({ spec }, testContext());
    await driver.execute(spec.id, ['sh', '-c', 'echo kept > /marker']);
    const imageId = randomUUID();
    const uploadUrl = `http://image.test/image/v2/internal/images/${imageId}/data?expires=1&signature=${'a'.repeat(64)}`;
    await agent.cast('captureImage', { instanceId: spec.id, imageId, uploadUrl }, testContext(), { host: HOST });
    await waitFor(() => captures.length === 1, 'the capture report');
    expect(captures).toEqual([{ instanceId: spec.id, host: HOST, imageId }]);
    expect(uploads).toEqual([expect.objectContaining({ url: uploadUrl, method: 'PUT' })]);
    expect(await filesOfDockerArchive(uploads[0].body)).toMatchObject({ '/marker': 'kept\n' });
  });

  it('reports a capture that fails, with the reason, and never throws it', async () => {
    const spec = testSpec(imageRef());
    await sut.spawnInstance({ spec }, testContext());
    const capture = (instanceId: string) => sut.captureImage({ instanceId, imageId: 'img-1', uploadUrl: 'http://image.test/up' }, testContext());
    uploadStatus = 409;
    await capture(spec.id);
    await capture('nope');
    Object.assign(driver.capabilities, { supportsSnapshot: false });
    await capture(spec.id);
    await waitFor(() => captures.length === 3, 'the capture reports');
    expect(captures.map((c) => c.error)).toEqual([
      expect.stringMatching(/answered 409 Image status transition/), expect.stringMatching(/could not be found/), expect.stringMatching(/cannot capture/),
    ]);
  });

  it('prefetches images, and only logs a prefetch that fails', async () => {
    const image = imageRef();
    await cast('prefetchImage', { image });
    await waitFor(() => downloads === 1, 'the download');
    await expect(sut.prefetchImage({ image: imageRef({ checksum: '1'.repeat(32) }) }, testContext())).resolves.toBeUndefined();
    await expect(driver.hasImage(image)).resolves.toBeDefined();
  });
});
