import { randomUUID } from 'node:crypto';
import { testSpec } from '../../../test/contracts/engine-driver.contract';
import { testContext, waitFor } from '../../../test/contracts/message-bus.contract';
import { AGENT_RPC, AgentRpc } from '../../contracts/agent/agent.rpc';
import { COMPUTE_RPC, ComputeRpc } from '../../contracts/compute/compute.rpc';
import { ParamsOf, RpcHandlers } from '../../contracts/rpc';
import { InMemoryBus } from '../../common/messaging/in-memory-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { serveContract } from '../../common/messaging/rpc-server';
import { RunningAgent, startAgent } from './agent.runtime';
import { FakeDriver } from './drivers/fake.driver';

type AgentReports = Pick<ComputeRpc, 'reportHost' | 'instanceEvent' | 'reportInstances'>;

describe(startAgent.name, () => {
  let bus: InMemoryBus;
  let hosts: ParamsOf<ComputeRpc['reportHost']>[];
  let syncs: ParamsOf<ComputeRpc['reportInstances']>[];
  let running: RunningAgent | undefined;

  beforeEach(async () => {
    bus = new InMemoryBus(2_000);
    hosts = [];
    syncs = [];
    // Plays compute for what agents send; compute's other methods are not used here.
    await serveContract(bus, COMPUTE_RPC, {
      reportHost: async (p) => { hosts.push(p); },
      reportInstances: async (p) => { syncs.push(p); },
      instanceEvent: async () => undefined,
    } satisfies RpcHandlers<AgentReports> as unknown as RpcHandlers<ComputeRpc>);
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await bus.close();
  });

  it('reports the host and what the engine runs at once, then periodically', async () => {
    const driver = new FakeDriver({ resources: { vcpus: 8, memoryMb: 16384, diskGb: 100 } });
    const image = { id: randomUUID(), name: 'i', containerFormat: 'docker', diskFormat: 'raw', size: 0, checksum: 'x', dataUrl: '' };
    const loaded = await driver.loadImage(image, (async function* () { yield Buffer.from('x'); })() as never);
    const existing = testSpec(image);
    await driver.spawn(existing, loaded);

    running = await startAgent({ bus, host: 'h1', driver, reportIntervalMs: 50, syncIntervalMs: 80 });
    await waitFor(() => hosts.length >= 1 && syncs.length >= 1, 'the first reports');
    expect(hosts[0]).toEqual({
      host: 'h1', driver: 'fake',
      resources: expect.objectContaining({ vcpus: 8, memoryMb: 16384, diskGb: 100, kinds: ['container', 'vm'] }),
    });
    // The engine is the truth: an instance that ran before the agent started is reported.
    expect(syncs[0]).toEqual({ host: 'h1', instances: [expect.objectContaining({ instanceId: existing.id, powerState: 'running' })], unknown: [] });
    await waitFor(() => hosts.length >= 4 && syncs.length >= 3, 'periodic reports');
  });

  it('serves agent.<host> until stopped, then reports nothing more', async () => {
    const driver = new FakeDriver();
    running = await startAgent({ bus, host: 'h2', driver, reportIntervalMs: 20, syncIntervalMs: 20 });
    const agent = new RpcClient<AgentRpc>(bus, AGENT_RPC);
    await expect(agent.call('getStatus', { instanceId: 'nope' }, testContext(), { host: 'h2' })).rejects.toThrow(/could not be found/);
    await running.stop();
    running = undefined;
    const seen = hosts.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(hosts.length).toBe(seen);
    await expect(agent.call('getStatus', { instanceId: 'nope' }, testContext(), { host: 'h2', timeoutMs: 200 })).rejects.toThrow(/Timed out/);
  });

  it('keeps running when a report fails, and tries again at the next period', async () => {
    const driver = new FakeDriver();
    const real = driver.hostResources.bind(driver);
    jest.spyOn(driver, 'hostResources').mockRejectedValueOnce(new Error('engine down')).mockImplementation(real);
    running = await startAgent({ bus, host: 'h3', driver, reportIntervalMs: 30, syncIntervalMs: 1000 });
    await waitFor(() => hosts.length >= 1, 'a heartbeat after the failure');
  });

  it('waits for operations in flight when stopped', async () => {
    const driver = new FakeDriver({ delayMs: { spawn: 150 } });
    running = await startAgent({ bus, host: 'h4', driver, fetch: async () => new Response('data') });
    const image = { id: randomUUID(), name: 'i', containerFormat: 'docker', diskFormat: 'raw', size: 4, checksum: '8d777f385d3dfec8815d20f7496026dc', dataUrl: 'http://x/' };
    const spec = testSpec(image);
    await new RpcClient<AgentRpc>(bus, AGENT_RPC).cast('spawnInstance', { spec }, testContext(), { host: 'h4' });
    // The spawn is under way (it takes 150 ms) when stop() is called.
    await new Promise((r) => setTimeout(r, 30));
    expect(driver.size).toBe(0);
    await running.stop();
    running = undefined;
    expect(driver.size).toBe(1);
  });
});
