import { RunningAgent, startAgent } from '../../src/services/agent/agent.runtime';
import { FakeDriver } from '../../src/services/agent/drivers/fake.driver';
import { uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(60000);

const MV = { 'X-OpenStack-Nova-API-Version': '2.37' };

describe('power-state sync from the hosts\' instance reports, on PostgreSQL and RabbitMQ', () => {
  let t: TestBerth;
  let admin: string;
  let driver: FakeDriver;
  let agent: RunningAgent;

  const api = (method: 'get' | 'post', path: string) => t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', admin).set(MV);
  const server = async (id: string) => (await api('get', `/servers/${id}`)).body.server;

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    driver = new FakeDriver({ resources: { vcpus: 4, memoryMb: 4096, diskGb: 40 }, kinds: ['container'] });
    agent = await startAgent({ bus: t.berth.bus, host: 'sync-host', driver, reportIntervalMs: 500, syncIntervalMs: 60000 });
    await until('the host to register', async () => ((await api('get', '/os-hypervisors')).body.hypervisors?.length === 1 ? true : undefined));
  });
  afterAll(async () => {
    await agent?.stop();
    await t?.close();
  });

  it('records an instance the engine stopped by itself as SHUTOFF, and one it runs again as running', async () => {
    const imageId = await uploadContainerImage(t);
    const flavor = await api('post', '/flavors').send({ flavor: { name: 'sync.small', ram: 256, vcpus: 1, disk: 1, id: null } });
    const res = await api('post', '/servers').send({ server: { name: 'synced', imageRef: imageId, flavorRef: flavor.body.flavor.id, networks: 'none' } });
    const id = res.body.server.id as string;
    await until('the server to be ACTIVE', async () => ((await server(id))?.status === 'ACTIVE' ? true : undefined));

    await driver.powerOff(id);
    await agent.reportInstances();
    const stopped = await until('the sync to record it stopped', async () => {
      const s = await server(id);
      return s.status === 'SHUTOFF' ? s : undefined;
    });
    expect(stopped).toMatchObject({ 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:power_state': 4, 'OS-EXT-STS:task_state': null });

    await driver.powerOn(id);
    await agent.reportInstances();
    const running = await until('the sync to record it running', async () => {
      const s = await server(id);
      return s['OS-EXT-STS:power_state'] === 1 ? s : undefined;
    });
    expect(running['OS-EXT-STS:vm_state']).toBe('stopped');
  });
});
