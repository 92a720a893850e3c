import { startFakeHosts, uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(120000);

describe('one instance API for two kinds: each lists what it can do, and refuses the rest', () => {
  let t: TestBerth;
  let admin: string;
  let containerId: string;
  let vmId: string;
  const agents: { stop(): Promise<void> }[] = [];

  const nova = (method: 'get' | 'post', path: string) =>
    t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', admin).set('X-OpenStack-Nova-API-Version', '2.37');
  const settle = (id: string) => until(`${id} to settle`, async () => {
    const s = (await nova('get', `/servers/${id}`)).body.server;
    return ['ACTIVE', 'ERROR'].includes(s?.status) ? s : undefined;
  });

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    agents.push(...(await startFakeHosts(t, ['kind-a'])));
    const containerImage = await uploadContainerImage(t);
    const disk = await t.http().post('/image/v2/images').set('X-Auth-Token', admin).send({ name: 'disk', container_format: 'bare', disk_format: 'qcow2' });
    await t.http().put(`/image/v2/images/${disk.body.id}/file`).set('X-Auth-Token', admin).set('content-type', 'application/octet-stream').send(Buffer.alloc(1024, 1));
    const flavor = (await nova('post', '/flavors').send({ flavor: { name: 'kind.small', ram: 256, vcpus: 1, disk: 1, id: null } })).body.flavor.id;
    containerId = (await nova('post', '/servers').send({ server: { name: 'c', imageRef: containerImage, flavorRef: flavor, networks: 'none' } })).body.server.id;
    vmId = (await nova('post', '/servers').send({ server: { name: 'v', imageRef: disk.body.id, flavorRef: flavor, networks: 'none' } })).body.server.id;
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await t?.close();
  });

  it('shows each server\'s kind and the actions its kind supports', async () => {
    const c = await settle(containerId);
    expect(c).toMatchObject({ status: 'ACTIVE', 'berth:kind': 'container' });
    expect(c['berth:actions']).toEqual(expect.arrayContaining(['os-stop', 'reboot', 'os-getConsoleOutput', 'execute', 'top', 'stats']));
    const v = await settle(vmId);
    expect(v).toMatchObject({ status: 'ERROR', 'berth:kind': 'vm' });
    expect(v.fault.message).toContain('No valid host');
    expect(v['berth:actions']).toContain('os-stop');
    expect(v['berth:actions']).not.toContain('execute');
  });

  it('refuses VM-only actions on a container with 409 and the reason, and live migration with 400', async () => {
    for (const [action, arg] of [['rescue', {}], ['os-getVNCConsole', { type: 'novnc' }], ['changePassword', { adminPass: 'x' }], ['suspend', null]] as const) {
      const res = await nova('post', `/servers/${containerId}/action`).send({ [action]: arg });
      expect(res.status).toBe(409);
      expect(res.body.conflictingRequest.message).toContain(`Action ${action} is not supported for container instances`);
    }
    const live = await nova('post', `/servers/${containerId}/action`).send({ 'os-migrateLive': { host: null, block_migration: 'auto' } });
    expect(live.status).toBe(400);
    expect(live.body.badRequest.message).toContain('cannot be live-migrated');
    expect((await nova('get', `/servers/${containerId}`)).body.server.status).toBe('ACTIVE');
  });

  it('answers 409 when the container API is asked about a VM, and 404 for nothing at all', async () => {
    const zun = (path: string) => t.http().get(`/container/v1${path}`).set('X-Auth-Token', admin).set('OpenStack-API-Version', 'container 1.40');
    const vm = await zun(`/containers/${vmId}`);
    expect(vm.status).toBe(409);
    expect(vm.body.errors[0].title).toContain('is a VM, not a container');
    const stop = await t.http().post(`/container/v1/containers/${vmId}/stop`).set('X-Auth-Token', admin).set('OpenStack-API-Version', 'container 1.40');
    expect(stop.status).toBe(409);
    expect((await zun('/containers/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await zun(`/containers/${containerId}`)).status).toBe(200);
  });
});
