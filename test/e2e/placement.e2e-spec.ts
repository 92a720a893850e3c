import { startFakeHosts, uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(120000);

const PLACEMENT = 'OpenStack-API-Version';

describe('Placement API over the hosts compute schedules on', () => {
  let t: TestBerth;
  let admin: string;
  let member: string;
  let imageId: string;
  let flavorId: string;
  let projectId: string;
  const agents: { stop(): Promise<void> }[] = [];
  const providers: Record<string, string> = {};

  const get = (path: string, version = '1.39', token = admin) =>
    t.http().get(`/placement${path}`).set('X-Auth-Token', token).set(PLACEMENT, `placement ${version}`);
  const put = (path: string, body: unknown, version = '1.39') =>
    t.http().put(`/placement${path}`).set('X-Auth-Token', admin).set(PLACEMENT, `placement ${version}`).send(body as object);
  const nova = (method: 'get' | 'post' | 'delete', path: string) =>
    t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', admin).set('X-OpenStack-Nova-API-Version', '2.37');

  async function bootActive(name: string): Promise<{ id: string; host: string }> {
    const res = await nova('post', '/servers').send({ server: { name, imageRef: imageId, flavorRef: flavorId, networks: 'none' } });
    expect(res.status).toBe(202);
    const id = res.body.server.id as string;
    const s = await until(`${name} to settle`, async () => {
      const body = (await nova('get', `/servers/${id}`)).body.server;
      return ['ACTIVE', 'ERROR'].includes(body?.status) ? body : undefined;
    });
    return { id, host: s['OS-EXT-SRV-ATTR:host'] ?? '' };
  }

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    projectId = t.berth.bootstrap!.adminProjectId;
    const http = () => t.http();
    await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'placement-p' } });
    const memberRole = (await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin)).body.roles[0].id as string;
    const project = (await http().get('/identity/v3/projects?name=placement-p').set('X-Auth-Token', admin)).body.projects[0].id as string;
    const user = (await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name: 'pl-bob', password: 'pl-bob-password' } })).body.user.id;
    await http().put(`/identity/v3/projects/${project}/users/${user}/roles/${memberRole}`).set('X-Auth-Token', admin);
    member = await t.token('pl-bob', 'pl-bob-password', 'placement-p');
    agents.push(...(await startFakeHosts(t, ['pl-a', 'pl-b'])));
    imageId = await uploadContainerImage(t);
    const flavor = await nova('post', '/flavors').send({ flavor: { name: 'pl.small', ram: 1024, vcpus: 2, disk: 10, id: null } });
    flavorId = flavor.body.flavor.id;
    for (const p of (await get('/resource_providers')).body.resource_providers) providers[p.name] = p.uuid;
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await t?.close();
  });

  it('serves its version document without a token and negotiates microversions', async () => {
    const root = await t.http().get('/placement/');
    expect(root.status).toBe(200);
    expect(root.body.versions[0]).toMatchObject({ id: 'v1.0', min_version: '1.0', max_version: '1.39', status: 'CURRENT' });
    const res = await get('/resource_providers', '1.14');
    expect(res.headers['openstack-api-version']).toBe('placement 1.14');
    expect((await get('/resource_providers', '1.99')).status).toBe(406);
    const bad = await get('/resource_providers', 'one');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('is for admins: members get 403 in placement\'s error shape', async () => {
    const res = await get('/resource_providers', '1.39', member);
    expect(res.status).toBe(403);
    expect(res.body.errors[0].status).toBe(403);
  });

  it('lists one provider per host with its inventories, traits and links per microversion', async () => {
    expect(Object.keys(providers).sort()).toEqual(['pl-a', 'pl-b']);
    const old = (await get('/resource_providers', '1.0')).body.resource_providers[0];
    expect(Object.keys(old).sort()).toEqual(['generation', 'links', 'name', 'uuid']);
    const rp = (await get(`/resource_providers/${providers['pl-a']}`)).body;
    expect(rp).toMatchObject({ uuid: providers['pl-a'], name: 'pl-a', parent_provider_uuid: null, root_provider_uuid: providers['pl-a'] });
    expect(rp.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'inventories', 'usages', 'aggregates', 'traits', 'allocations']);
    const inv = (await get(`/resource_providers/${providers['pl-a']}/inventories`)).body;
    expect(inv.resource_provider_generation).toBe(rp.generation);
    expect(inv.inventories.MEMORY_MB).toMatchObject({ total: 4096, reserved: 0, min_unit: 1, step_size: 1 });
    expect(Object.keys(inv.inventories).sort()).toEqual(['DISK_GB', 'MEMORY_MB', 'VCPU']);
    expect((await get(`/resource_providers/${providers['pl-a']}/traits`)).body.traits).toEqual(['CUSTOM_BERTH_KIND_CONTAINER']);
    expect((await get('/traits')).body.traits).toEqual(['CUSTOM_BERTH_KIND_CONTAINER']);
    expect((await get('/resource_classes')).body.resource_classes.map((c: { name: string }) => c.name)).toEqual(['VCPU', 'MEMORY_MB', 'DISK_GB']);
    expect((await get('/resource_classes', '1.1')).status).toBe(404);
    expect((await get('/resource_providers?name=pl-b')).body.resource_providers.map((p: { name: string }) => p.name)).toEqual(['pl-b']);
    const missing = await get('/resource_providers/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].detail).toContain('No resource provider with uuid');
  });

  it('shows a server\'s allocation under its consumer id, on its host, and in the project\'s usages', async () => {
    const { id, host } = await bootActive('pl-1');
    const alloc = (await get(`/allocations/${id}`)).body;
    expect(alloc).toEqual({
      allocations: { [providers[host]]: { generation: expect.any(Number), resources: { VCPU: 2, MEMORY_MB: 1024, DISK_GB: 10 } } },
      project_id: projectId, user_id: expect.any(String),
    });
    expect((await get(`/allocations/${id}`, '1.0')).body).toEqual({ allocations: alloc.allocations });
    expect((await get(`/resource_providers/${providers[host]}/allocations`)).body.allocations[id]).toEqual({ resources: { VCPU: 2, MEMORY_MB: 1024, DISK_GB: 10 } });
    expect((await get(`/resource_providers/${providers[host]}/usages`)).body.usages).toEqual({ VCPU: 2, MEMORY_MB: 1024, DISK_GB: 10 });
    expect((await get(`/usages?project_id=${projectId}`)).body.usages).toEqual({ VCPU: 2, MEMORY_MB: 1024, DISK_GB: 10 });
    expect((await get('/usages')).status).toBe(400);
    expect((await nova('delete', `/servers/${id}`)).status).toBe(204);
    await until('the allocation to go', async () => (Object.keys((await get(`/allocations/${id}`)).body.allocations).length === 0 ? true : undefined));
    expect((await get(`/resource_providers/${providers[host]}/usages`)).body.usages).toEqual({ VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 });
  });

  it('answers allocation candidates: resources that fit, required and forbidden traits, limit, bad input', async () => {
    const fit = (await get('/allocation_candidates?resources=VCPU:1,MEMORY_MB:2048')).body;
    expect(fit.allocation_requests).toHaveLength(2);
    expect(fit.allocation_requests[0].allocations[providers['pl-a']] ?? fit.allocation_requests[0].allocations[providers['pl-b']]).toEqual({ resources: { VCPU: 1, MEMORY_MB: 2048 } });
    expect(fit.provider_summaries[providers['pl-a']]).toMatchObject({ resources: { VCPU: { capacity: expect.any(Number), used: 0 }, MEMORY_MB: { capacity: expect.any(Number), used: 0 } }, traits: ['CUSTOM_BERTH_KIND_CONTAINER'] });
    const old = (await get('/allocation_candidates?resources=VCPU:1', '1.10')).body;
    expect(old.allocation_requests[0].allocations[0]).toEqual({ resource_provider: { uuid: expect.any(String) }, resources: { VCPU: 1 } });
    expect(Object.keys(Object.values(old.provider_summaries)[0] as object)).toEqual(['resources']);
    expect((await get('/allocation_candidates?resources=MEMORY_MB:99999999')).body.allocation_requests).toEqual([]);
    expect((await get('/allocation_candidates?resources=VCPU:1&required=CUSTOM_BERTH_KIND_VM')).body.allocation_requests).toEqual([]);
    expect((await get('/allocation_candidates?resources=VCPU:1&required=!CUSTOM_BERTH_KIND_CONTAINER')).body.allocation_requests).toEqual([]);
    expect((await get('/allocation_candidates?resources=VCPU:1&limit=1')).body.allocation_requests).toHaveLength(1);
    for (const q of ['resources=VCPU', 'resources=FOO:1', 'resources=VCPU:0', 'resources=VCPU:1&limit=0', '']) {
      const res = await get(`/allocation_candidates?${q}`);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].status).toBe(400);
    }
    expect((await get('/allocation_candidates?resources=VCPU:1', '1.9')).status).toBe(404);
  });

  it('lets an admin reserve capacity with generation checks, and the scheduler honours it', async () => {
    const url = `/resource_providers/${providers['pl-a']}/inventories/MEMORY_MB`;
    const before = (await get(url)).body;
    const stale = await put(url, { resource_provider_generation: before.resource_provider_generation + 7, total: 4096, reserved: 4096 });
    expect(stale.status).toBe(409);
    expect(stale.body.errors[0].code).toBe('placement.concurrent_update');
    const tooMuch = await put(url, { resource_provider_generation: before.resource_provider_generation, total: 4096, reserved: 5000 });
    expect(tooMuch.status).toBe(400);
    const unknown = await put(url, { resource_provider_generation: before.resource_provider_generation, total: 4096, colour: 'red' });
    expect(unknown.status).toBe(400);
    expect((await get(url)).body).toEqual(before);

    const ok = await put(url, { resource_provider_generation: before.resource_provider_generation, total: 4096, reserved: 4096 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ reserved: 4096, resource_provider_generation: before.resource_provider_generation + 1 });
    const cands = (await get('/allocation_candidates?resources=MEMORY_MB:512')).body;
    expect(Object.keys(cands.provider_summaries)).toEqual([providers['pl-b']]);
    for (let i = 0; i < 3; i++) expect((await bootActive(`pl-r${i}`)).host).toBe('pl-b');

    // Heartbeats keep reporting the host's total; the admin's reservation must survive them.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await get(url)).body.reserved).toBe(4096);

    const whole = (await get(`/resource_providers/${providers['pl-a']}/inventories`)).body;
    const replaced = await put(`/resource_providers/${providers['pl-a']}/inventories`, {
      resource_provider_generation: whole.resource_provider_generation,
      inventories: { ...whole.inventories, MEMORY_MB: { ...whole.inventories.MEMORY_MB, reserved: 0, allocation_ratio: 2 } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.inventories.MEMORY_MB).toMatchObject({ reserved: 0, allocation_ratio: 2 });
    expect((await get('/allocation_candidates?resources=MEMORY_MB:8192')).body.provider_summaries[providers['pl-a']].resources.MEMORY_MB.capacity).toBe(8192);
  });

  it('refuses to drop an inventory that is in use (409) and a stale whole-inventory PUT', async () => {
    const b = providers['pl-b'];
    const whole = (await get(`/resource_providers/${b}/inventories`)).body;
    const drop = await put(`/resource_providers/${b}/inventories`, {
      resource_provider_generation: whole.resource_provider_generation, inventories: { VCPU: whole.inventories.VCPU, DISK_GB: whole.inventories.DISK_GB },
    });
    expect(drop.status).toBe(409);
    expect(drop.body.errors[0].code).toBe('placement.inventory.inuse');
    expect((await get(`/resource_providers/${b}/inventories`)).body).toEqual(whole);
    const del = await t.http().delete(`/placement/resource_providers/${b}/inventories/MEMORY_MB`).set('X-Auth-Token', admin);
    expect(del.status).toBe(409);
  });
});
