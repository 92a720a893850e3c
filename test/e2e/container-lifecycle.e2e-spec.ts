import { startFakeHosts, uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(120000);

const ZUN = { 'OpenStack-API-Version': 'container 1.40' };
const NOVA = { 'X-OpenStack-Nova-API-Version': '2.47' };

describe('containers (Zun v1): create without run, and live updates that move the placement allocation', () => {
  let t: TestBerth;
  let admin: string;
  const agents: { stop(): Promise<void> }[] = [];

  const zun = (method: 'get' | 'post' | 'patch' | 'delete', path: string) =>
    t.http()[method](`/container/v1${path}`).set('X-Auth-Token', admin).set(ZUN);
  const server = async (id: string) => (await t.http().get(`/compute/v2.1/servers/${id}`).set('X-Auth-Token', admin).set(NOVA)).body.server;
  const placement = (path: string) => t.http().get(`/placement${path}`).set('X-Auth-Token', admin).set('OpenStack-API-Version', 'placement 1.39');

  async function waitStatus(id: string, status: string) {
    return until(`container ${id} to be ${status}`, async () => {
      const c = (await zun('get', `/containers/${id}`)).body;
      if (c?.status === 'Error') throw new Error(`container went to Error: ${c.status_reason}`);
      return c?.status === status && c.task_state === null ? c : undefined;
    });
  }

  async function usageOf(host: string) {
    const rps = (await placement(`/resource_providers?name=${host}`)).body.resource_providers;
    return (await placement(`/resource_providers/${rps[0].uuid}/usages`)).body.usages;
  }

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    agents.push(...(await startFakeHosts(t, ['zl-a'])));
    await uploadContainerImage(t);
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await t?.close();
  });

  it('creates a container without running it: Created (SHUTOFF in Nova) until started, then Stopped after a stop', async () => {
    for (const query of ['', '?run=false']) {
      const res = await zun('post', `/containers${query}`).send({ name: `created${query ? '-2' : ''}`, image: 'busybox', command: ['sleep', '1000'] });
      expect(res.status).toBe(202);
      const created = await waitStatus(res.body.uuid, 'Created');
      expect(created.host).toBe('zl-a');
      expect(await server(res.body.uuid)).toMatchObject({ status: 'SHUTOFF', 'OS-SRV-USG:launched_at': null });
    }
    const id = (await zun('get', '/containers/created')).body.uuid;
    expect((await zun('post', `/containers/${id}/start`)).status).toBe(202);
    await waitStatus(id, 'Running');
    expect((await server(id))['OS-SRV-USG:launched_at']).not.toBeNull();
    expect((await zun('post', `/containers/${id}/stop`)).status).toBe(202);
    await waitStatus(id, 'Stopped');
    const events = (await t.http().get(`/compute/v2.1/servers/${id}/os-instance-actions`).set('X-Auth-Token', admin)).body.instanceActions;
    expect(events.map((a: { action: string }) => a.action)).toEqual(['stop', 'start', 'create']);
    for (const name of ['created', 'created-2']) expect((await zun('delete', `/containers/${name}`)).status).toBe(204);
    await until('both to go', async () => ((await zun('get', '/containers')).body.containers.length === 0 ? true : undefined));
  });

  it('moves the allocation with a live update, and refuses one the host cannot hold without changing anything', async () => {
    const res = await zun('post', '/containers?run=true').send({ name: 'grow', image: 'busybox', command: ['sleep', '1000'], cpu: 1, memory: '512' });
    const id = res.body.uuid;
    await waitStatus(id, 'Running');
    expect(await usageOf('zl-a')).toEqual({ VCPU: 1, MEMORY_MB: 512, DISK_GB: 0 });

    const up = await zun('patch', `/containers/${id}`).send({ cpu: 2, memory: '1G' });
    expect(up.status).toBe(200);
    expect(await usageOf('zl-a')).toEqual({ VCPU: 2, MEMORY_MB: 1024, DISK_GB: 0 });
    const alloc = (await placement(`/allocations/${id}`)).body.allocations;
    expect(Object.values(alloc).map((a) => (a as { resources: unknown }).resources)).toEqual([{ VCPU: 2, MEMORY_MB: 1024 }]);

    const tooBig = await zun('patch', `/containers/${id}`).send({ memory: '8G' });
    expect(tooBig.status).toBe(409);
    expect(tooBig.body.errors[0].title).toContain('does not have');
    expect(await usageOf('zl-a')).toEqual({ VCPU: 2, MEMORY_MB: 1024, DISK_GB: 0 });
    expect((await zun('get', `/containers/${id}`)).body).toMatchObject({ cpu: 2, memory: '1024M' });

    const down = await zun('patch', `/containers/${id}`).send({ cpu: 1, memory: '256' });
    expect(down.status).toBe(200);
    expect(await usageOf('zl-a')).toEqual({ VCPU: 1, MEMORY_MB: 256, DISK_GB: 0 });
    expect((await zun('delete', `/containers/${id}?force=True`)).status).toBe(204);
    await until('the allocation to go', async () => ((await usageOf('zl-a')).MEMORY_MB === 0 ? true : undefined));
  });
});
