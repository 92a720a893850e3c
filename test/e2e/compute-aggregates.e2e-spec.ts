import { startFakeHosts, uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(120000);

describe('host aggregates and the availability zones they make', () => {
  let t: TestBerth;
  let admin: string;
  let member: string;
  let imageId: string;
  let flavorId: string;
  let agg1: { id: number; uuid: string };
  const agents: { stop(): Promise<void> }[] = [];

  const nova = (method: 'get' | 'post' | 'put' | 'delete', path: string, mv = '2.41', token = admin) =>
    t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', token).set('X-OpenStack-Nova-API-Version', mv);
  const action = (id: number | string, body: unknown) => nova('post', `/os-aggregates/${id}/action`).send(body as object);

  async function boot(name: string, zone?: string): Promise<{ id: string; host: string; zone: string }> {
    const res = await nova('post', '/servers', '2.37').send({
      server: { name, imageRef: imageId, flavorRef: flavorId, networks: 'none', ...(zone ? { availability_zone: zone } : {}) },
    });
    expect(res.status).toBe(202);
    const id = res.body.server.id as string;
    const s = await until(`${name} to settle`, async () => {
      const body = (await nova('get', `/servers/${id}`)).body.server;
      return ['ACTIVE', 'ERROR'].includes(body?.status) ? body : undefined;
    });
    return { id, host: s['OS-EXT-SRV-ATTR:host'], zone: s['OS-EXT-AZ:availability_zone'] };
  }

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    const http = () => t.http();
    const project = (await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'agg-p' } })).body.project.id;
    const memberRole = (await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin)).body.roles[0].id as string;
    const user = (await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name: 'agg-eve', password: 'agg-eve-password' } })).body.user.id;
    await http().put(`/identity/v3/projects/${project}/users/${user}/roles/${memberRole}`).set('X-Auth-Token', admin);
    member = await t.token('agg-eve', 'agg-eve-password', 'agg-p');
    agents.push(...(await startFakeHosts(t, ['agg-a', 'agg-b'])));
    imageId = await uploadContainerImage(t);
    flavorId = (await nova('post', '/flavors').send({ flavor: { name: 'agg.small', ram: 256, vcpus: 1, disk: 1, id: null } })).body.flavor.id;
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await t?.close();
  });

  it('creates an aggregate with a zone, answering as Nova does, and refuses bad or duplicate ones', async () => {
    const res = await nova('post', '/os-aggregates').send({ aggregate: { name: 'agg1', availability_zone: 'az1' } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.aggregate).sort()).toEqual(['availability_zone', 'created_at', 'deleted', 'deleted_at', 'id', 'name', 'updated_at', 'uuid']);
    expect(res.body.aggregate).toMatchObject({ name: 'agg1', availability_zone: 'az1', deleted: false });
    agg1 = res.body.aggregate;
    expect(Object.keys((await nova('get', `/os-aggregates/${agg1.id}`, '2.1')).body.aggregate)).not.toContain('uuid');
    expect((await nova('post', '/os-aggregates').send({ aggregate: { name: 'agg1' } })).status).toBe(409);
    for (const bad of [{ name: ' padded' }, { name: '' }, { name: 'x', availability_zone: 'a:b' }, { name: 'x', colour: 'red' }, { nom: 'x' }]) {
      const r = await nova('post', '/os-aggregates').send({ aggregate: bad });
      expect(r.status).toBe(400);
      expect(r.body.badRequest.message).toBeTruthy();
    }
    expect((await nova('get', '/os-aggregates', '2.41', member)).status).toBe(403);
    expect((await nova('get', '/os-aggregates')).body.aggregates.map((a: { name: string }) => a.name)).toEqual(['agg1']);
  });

  it('adds a host, which moves it into the aggregate\'s zone; unknown and duplicate hosts are refused', async () => {
    const res = await action(agg1.id, { add_host: { host: 'agg-a' } });
    expect(res.status).toBe(200);
    expect(res.body.aggregate).toMatchObject({ hosts: ['agg-a'], metadata: { availability_zone: 'az1' } });
    expect((await action(agg1.id, { add_host: { host: 'agg-a' } })).status).toBe(409);
    expect((await action(agg1.id, { add_host: { host: 'no-such-host' } })).status).toBe(404);
    expect((await action(agg1.id, { add_host: { host: 'agg-b' }, remove_host: { host: 'agg-a' } })).status).toBe(400);
    expect((await action(999, { add_host: { host: 'agg-b' } })).status).toBe(404);
    expect((await action('abc', { add_host: { host: 'agg-b' } })).status).toBe(400);
    const zones = (await nova('get', '/os-availability-zone/detail')).body.availabilityZoneInfo;
    const az1 = zones.find((z: { zoneName: string }) => z.zoneName === 'az1');
    expect(Object.keys(az1.hosts)).toEqual(['agg-a']);
    const services = (await nova('get', '/os-services', '2.53')).body.services;
    expect(services.find((s: { host: string }) => s.host === 'agg-a').zone).toBe('az1');
    expect(services.find((s: { host: string }) => s.host === 'agg-b').zone).toBe('nova');
  });

  it('schedules by zone: az1 servers land on its host, default-zone servers elsewhere', async () => {
    for (let i = 0; i < 3; i++) expect(await boot(`in-az1-${i}`, 'az1')).toMatchObject({ host: 'agg-a', zone: 'az1' });
    expect(await boot('in-nova', 'nova')).toMatchObject({ host: 'agg-b' });
  });

  it('keeps a host in one zone and refuses to move hosts that have instances', async () => {
    const agg2 = (await nova('post', '/os-aggregates').send({ aggregate: { name: 'agg2', availability_zone: 'az2' } })).body.aggregate;
    const clash = await action(agg2.id, { add_host: { host: 'agg-a' } });
    expect(clash.status).toBe(400);
    expect(clash.body.badRequest.message).toContain("availability zone(s) ['az1']");
    const plain = (await nova('post', '/os-aggregates').send({ aggregate: { name: 'ssd' } })).body.aggregate;
    expect((await action(plain.id, { add_host: { host: 'agg-a' } })).status).toBe(200);
    expect((await action(plain.id, { set_metadata: { metadata: { availability_zone: 'az3' } } })).status).toBe(400);
    const meta = await action(plain.id, { set_metadata: { metadata: { disk: 'ssd', tier: 'gold' } } });
    expect(meta.body.aggregate.metadata).toEqual({ disk: 'ssd', tier: 'gold' });
    expect((await action(plain.id, { set_metadata: { metadata: { tier: null } } })).body.aggregate.metadata).toEqual({ disk: 'ssd' });
    expect((await action(plain.id, { set_metadata: { metadata: { k: 5 } } })).status).toBe(400);
    expect((await nova('put', `/os-aggregates/${agg1.id}`).send({ aggregate: { availability_zone: 'elsewhere' } })).status).toBe(400);
    expect((await action(agg1.id, { remove_host: { host: 'agg-a' } })).status).toBe(400);
    expect((await nova('get', `/os-aggregates/${agg1.id}`)).body.aggregate).toMatchObject({ hosts: ['agg-a'], availability_zone: 'az1' });
    const renamed = await nova('put', `/os-aggregates/${agg1.id}`).send({ aggregate: { name: 'agg-one' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.aggregate).toMatchObject({ name: 'agg-one', availability_zone: 'az1', hosts: ['agg-a'] });
    expect((await nova('put', `/os-aggregates/${agg1.id}`).send({ aggregate: { name: 'ssd' } })).status).toBe(409);
    expect((await nova('delete', `/os-aggregates/${agg2.id}`)).status).toBe(200);
  });

  it('mirrors aggregates into Placement (provider aggregates, member_of)', async () => {
    const p = (path: string, v = '1.21') => t.http().get(`/placement${path}`).set('X-Auth-Token', admin).set('OpenStack-API-Version', `placement ${v}`);
    const rps = (await p('/resource_providers')).body.resource_providers;
    const a = rps.find((r: { name: string }) => r.name === 'agg-a').uuid;
    const b = rps.find((r: { name: string }) => r.name === 'agg-b').uuid;
    const aggs = (await p(`/resource_providers/${a}/aggregates`)).body;
    expect(aggs.aggregates).toHaveLength(2);
    expect(aggs.aggregates).toContain(agg1.uuid);
    expect((await p(`/resource_providers/${b}/aggregates`)).body.aggregates).toEqual([]);
    expect((await p(`/resource_providers?member_of=${agg1.uuid}`)).body.resource_providers.map((r: { uuid: string }) => r.uuid)).toEqual([a]);
    expect(Object.keys((await p(`/allocation_candidates?resources=VCPU:1&member_of=in:${agg1.uuid}`)).body.provider_summaries)).toEqual([a]);
    expect((await p('/resource_providers?member_of=nope')).status).toBe(400);
  });

  it('deletes an aggregate only when empty, and the host goes back to the default zone', async () => {
    expect((await nova('delete', `/os-aggregates/${agg1.id}`)).status).toBe(400);
    for (const s of (await nova('get', '/servers')).body.servers) expect((await nova('delete', `/servers/${s.id}`)).status).toBe(204);
    await until('servers to go', async () => ((await nova('get', '/servers')).body.servers.length === 0 ? true : undefined));
    expect((await action(agg1.id, { remove_host: { host: 'agg-a' } })).status).toBe(200);
    expect((await action(agg1.id, { remove_host: { host: 'agg-a' } })).status).toBe(404);
    expect((await nova('delete', `/os-aggregates/${agg1.id}`)).status).toBe(200);
    expect((await nova('get', `/os-aggregates/${agg1.id}`)).status).toBe(404);
    const services = (await nova('get', '/os-services', '2.53')).body.services;
    expect(services.find((s: { host: string }) => s.host === 'agg-a').zone).toBe('nova');
  });
  it('schedules by aggregate metadata: flavor extra specs must match, tenant-isolated hosts take only their tenants', async () => {
    const fast = (await nova('post', '/os-aggregates').send({ aggregate: { name: 'fast' } })).body.aggregate;
    await action(fast.id, { add_host: { host: 'agg-b' } });
    // The 'ssd' aggregate of an earlier test holds agg-a with disk=ssd: this one asks for another key.
    await action(fast.id, { set_metadata: { metadata: { storage: 'nvme' } } });
    const ssd = (await nova('post', '/flavors').send({ flavor: { name: 'agg.ssd', ram: 128, vcpus: 1, disk: 0, id: null } })).body.flavor.id;
    await nova('post', `/flavors/${ssd}/os-extra_specs`).send({ extra_specs: { 'aggregate_instance_extra_specs:storage': 'nvme' } });
    const onSsd = async (name: string) => {
      const res = await nova('post', '/servers', '2.37').send({ server: { name, imageRef: imageId, flavorRef: ssd, networks: 'none' } });
      return until(`${name} to settle`, async () => {
        const s = (await nova('get', `/servers/${res.body.server.id}`)).body.server;
        return ['ACTIVE', 'ERROR'].includes(s?.status) ? s : undefined;
      });
    };
    for (let i = 0; i < 2; i++) expect((await onSsd(`ssd-${i}`))['OS-EXT-SRV-ATTR:host']).toBe('agg-b');
    const admins = t.berth.bootstrap!.adminProjectId;
    await action(fast.id, { set_metadata: { metadata: { filter_tenant_id: 'someone-else' } } });
    const refused = await onSsd('ssd-refused');
    expect(refused.status).toBe('ERROR');
    expect(refused.fault.message).toContain('No valid host');
    await action(fast.id, { set_metadata: { metadata: { filter_tenant_id: `someone-else,${admins}` } } });
    expect((await onSsd('ssd-allowed'))['OS-EXT-SRV-ATTR:host']).toBe('agg-b');
  });
});
