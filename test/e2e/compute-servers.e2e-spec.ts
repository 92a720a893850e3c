import { startAgent } from '../../src/services/agent/agent.runtime';
import { FakeDriver } from '../../src/services/agent/drivers/fake.driver';
import { startFakeHosts, uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(120000);

const MV = { 'X-OpenStack-Nova-API-Version': '2.37' };

describe('servers (Nova) on fake hosts, PostgreSQL and RabbitMQ', () => {
  let t: TestBerth;
  let admin: string;
  let imageId: string;
  let flavorId: string;
  const agents: { stop(): Promise<void> }[] = [];

  const http = () => t.http();
  const api = (method: 'get' | 'post' | 'put' | 'delete', path: string, token = admin, headers: Record<string, string> = MV) =>
    http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', token).set(headers);

  async function server(id: string, token = admin) {
    return (await api('get', `/servers/${id}`, token)).body.server;
  }

  async function waitStatus(id: string, status: string, token = admin) {
    return until(`server ${id} to be ${status}`, async () => {
      const s = await server(id, token);
      if (s?.status === 'ERROR' && status !== 'ERROR') throw new Error(`server went to ERROR: ${JSON.stringify(s.fault)}`);
      return s?.status === status ? s : undefined;
    });
  }

  async function boot(name: string, token = admin, flavor = flavorId) {
    const res = await api('post', '/servers', token).send({ server: { name, imageRef: imageId, flavorRef: flavor, networks: 'none' } });
    expect(res.status).toBe(202);
    return res.body.server.id as string;
  }

  async function usedOnProviders(): Promise<number> {
    const rows = await t.berth.store.dataSource.query(`SELECT coalesce(sum(used), 0)::int AS used FROM compute.inventories`);
    return rows[0].used;
  }

  beforeAll(async () => {
    t = await startTestBerth({ settings: { BERTH_SERVICE_DOWN_SECONDS: '3' } });
    admin = await t.adminToken();
    agents.push(...(await startFakeHosts(t, ['fake-a', 'fake-b'])));
    imageId = await uploadContainerImage(t);
    const flavor = await api('post', '/flavors').send({ flavor: { name: 'm1.small', ram: 512, vcpus: 1, disk: 1, id: null } });
    expect(flavor.status).toBe(200);
    flavorId = flavor.body.flavor.id;
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await t?.close();
  });

  it('serves the version document without a token, declaring at least 2.92', async () => {
    const res = await http().get('/compute/v2.1');
    expect(res.status).toBe(200);
    expect(res.body.version).toMatchObject({ id: 'v2.1', min_version: '2.1' });
    expect(Number(res.body.version.version.split('.')[1])).toBeGreaterThanOrEqual(92);
    const latest = await api('get', '/servers', admin, { 'X-OpenStack-Nova-API-Version': '2.92' });
    expect(latest.status).toBe(200);
    expect(latest.headers['openstack-api-version']).toBe('compute 2.92');
    expect((await api('get', '/servers', admin, { 'OpenStack-API-Version': 'compute 2.200' })).status).toBe(406);
  });

  it('boots a container server to ACTIVE on a host the scheduler chose, with every step recorded', async () => {
    const id = await boot('web-1');
    expect((await server(id)).status).toMatch(/BUILD|ACTIVE/);
    const s = await waitStatus(id, 'ACTIVE');
    expect(['fake-a', 'fake-b']).toContain(s['OS-EXT-SRV-ATTR:host']);
    expect(s).toMatchObject({ 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 1, 'berth:kind': 'container' });
    expect(s.flavor).toEqual({ id: flavorId, links: expect.any(Array) });
    const embedded = await api('get', `/servers/${id}`, admin, { 'X-OpenStack-Nova-API-Version': '2.47' });
    expect(embedded.body.server.flavor).toMatchObject({ original_name: 'm1.small', vcpus: 1, ram: 512, disk: 1 });
    const actions = await api('get', `/servers/${id}/os-instance-actions`);
    expect(actions.body.instanceActions.map((a: { action: string }) => a.action)).toEqual(['create']);
    const detail = await api('get', `/servers/${id}/os-instance-actions/${actions.body.instanceActions[0].request_id}`);
    const events = detail.body.instanceAction.events.map((e: { event: string; result: string }) => [e.event, e.result]);
    expect(events).toEqual([['conductor_schedule_and_build_instances', 'Success'], ['compute_build_and_run_instance', 'Success']]);
  });

  it('stops, starts, reboots, pauses and unpauses; a conflicting action is 409 and changes nothing', async () => {
    const id = await boot('power-1');
    await waitStatus(id, 'ACTIVE');
    const conflict = await api('post', `/servers/${id}/action`).send({ 'os-start': null });
    expect(conflict.status).toBe(409);
    expect(conflict.body.conflictingRequest.message).toContain("Cannot 'start' instance");
    expect((await api('post', `/servers/${id}/action`).send({ 'os-stop': null })).status).toBe(202);
    const stopped = await waitStatus(id, 'SHUTOFF');
    expect(stopped['OS-EXT-STS:power_state']).toBe(4);
    expect((await api('post', `/servers/${id}/action`).send({ 'os-start': null })).status).toBe(202);
    await waitStatus(id, 'ACTIVE');
    expect((await api('post', `/servers/${id}/action`).send({ reboot: { type: 'HARD' } })).status).toBe(202);
    await waitStatus(id, 'ACTIVE');
    expect((await api('post', `/servers/${id}/action`).send({ reboot: { type: 'sideways' } })).status).toBe(400);
    expect((await api('post', `/servers/${id}/action`).send({ pause: null })).status).toBe(202);
    await waitStatus(id, 'PAUSED');
    expect((await api('post', `/servers/${id}/action`).send({ unpause: null })).status).toBe(202);
    await waitStatus(id, 'ACTIVE');
    const names = (await api('get', `/servers/${id}/os-instance-actions`)).body.instanceActions.map((a: { action: string }) => a.action);
    expect(names).toEqual(['unpause', 'pause', 'reboot', 'start', 'stop', 'create']);
  });

  it('returns console output with 200', async () => {
    const id = await boot('console-1');
    await waitStatus(id, 'ACTIVE');
    const res = await api('post', `/servers/${id}/action`, admin, {}).send({ 'os-getConsoleOutput': {} });
    expect(res.status).toBe(200);
    expect(typeof res.body.output).toBe('string');
  });

  it('deletes a server, releasing its resources, and then answers 404', async () => {
    const before = await usedOnProviders();
    const id = await boot('gone-1');
    await waitStatus(id, 'ACTIVE');
    expect(await usedOnProviders()).toBeGreaterThan(before);
    expect((await api('delete', `/servers/${id}`)).status).toBe(204);
    await until('the server to be gone', async () => ((await api('get', `/servers/${id}`)).status === 404 ? true : undefined));
    expect(await usedOnProviders()).toBe(before);
  });

  it('puts a server no host can hold into ERROR with "No valid host was found" and keeps nothing allocated', async () => {
    const before = await usedOnProviders();
    const huge = await api('post', '/flavors').send({ flavor: { name: 'm1.huge', ram: 8192, vcpus: 1, disk: 1, id: null } });
    const id = await boot('too-big', admin, huge.body.flavor.id);
    const s = await waitStatus(id, 'ERROR');
    expect(s.fault.message).toContain('No valid host was found');
    expect(await usedOnProviders()).toBe(before);
  });

  it('refuses bad input with 400 and unknown servers (also names in the id slot) with 404', async () => {
    const noFlavor = await api('post', '/servers').send({ server: { name: 'x', imageRef: imageId, flavorRef: 'nope', networks: 'none' } });
    expect(noFlavor.status).toBe(400);
    expect(noFlavor.body.badRequest.message).toBe('Flavor nope could not be found.');
    const noImage = await api('post', '/servers').send({ server: { name: 'x', imageRef: '00000000-0000-0000-0000-000000000000', flavorRef: flavorId, networks: 'none' } });
    expect(noImage.status).toBe(400);
    const noNetworks = await api('post', '/servers').send({ server: { name: 'x', imageRef: imageId, flavorRef: flavorId } });
    expect(noNetworks.status).toBe(400);
    const unknownField = await api('post', '/servers').send({ server: { name: 'x', imageRef: imageId, flavorRef: flavorId, networks: 'none', colour: 'red' } });
    expect(unknownField.status).toBe(400);
    const byName = await api('get', '/servers/web-1');
    expect(byName.status).toBe(404);
    expect(byName.body.itemNotFound.message).toBe('Instance web-1 could not be found.');
  });

  it('lists servers with filters and pages through them with limit and marker', async () => {
    const list = await api('get', '/servers?name=^web');
    expect(list.body.servers.map((s: { name: string }) => s.name)).toEqual(['web-1']);
    const all = (await api('get', '/servers/detail')).body.servers.map((s: { id: string }) => s.id);
    const seen: string[] = [];
    let url: string | undefined = '/servers?limit=2';
    while (url) {
      const page = await api('get', url);
      seen.push(...page.body.servers.map((s: { id: string }) => s.id));
      const next = page.body.servers_links?.[0]?.href as string | undefined;
      url = next ? next.slice(next.indexOf('/servers')) : undefined;
    }
    expect(seen).toEqual(all);
    expect((await api('get', '/servers?status=ERROR')).body.servers.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps projects apart: another project sees none of these servers (404)', async () => {
    const p = await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'other' } });
    const u = await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name: 'otto', password: 'otto-password' } });
    const roles = await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin);
    await http().put(`/identity/v3/projects/${p.body.project.id}/users/${u.body.user.id}/roles/${roles.body.roles[0].id}`).set('X-Auth-Token', admin);
    const otto = await t.token('otto', 'otto-password', 'other');
    expect((await api('get', '/servers', otto)).body.servers).toEqual([]);
    const mine = (await api('get', '/servers?name=^web')).body.servers[0].id;
    expect((await api('get', `/servers/${mine}`, otto)).status).toBe(404);
    expect((await api('delete', `/servers/${mine}`, otto)).status).toBe(404);
  });

  it('lists services and hypervisors with usage, and disabling a host keeps new servers off it', async () => {
    const services = await api('get', '/os-services', admin, { 'X-OpenStack-Nova-API-Version': '2.69' });
    expect(services.body.services.map((s: { host: string; state: string; status: string }) => [s.host, s.state, s.status]))
      .toEqual([['fake-a', 'up', 'enabled'], ['fake-b', 'up', 'enabled']]);
    const hyp = await api('get', '/os-hypervisors/detail', admin, {});
    const a = hyp.body.hypervisors.find((h: { hypervisor_hostname: string }) => h.hypervisor_hostname === 'fake-a');
    expect(a).toMatchObject({ hypervisor_type: expect.any(String), state: 'up', status: 'enabled', memory_mb: 4096 });
    expect(typeof a.id).toBe('number');
    const running = hyp.body.hypervisors.reduce((n: number, h: { running_vms: number }) => n + h.running_vms, 0);
    expect(running).toBeGreaterThan(0);
    const b = services.body.services.find((s: { host: string }) => s.host === 'fake-b');
    const off = await api('put', `/os-services/${b.id}`, admin, { 'X-OpenStack-Nova-API-Version': '2.53' }).send({ status: 'disabled', disabled_reason: 'maintenance' });
    expect(off.status).toBe(200);
    expect(off.body.service).toMatchObject({ status: 'disabled', disabled_reason: 'maintenance' });
    const ids = [await boot('maint-1'), await boot('maint-2'), await boot('maint-3')];
    for (const id of ids) expect((await waitStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('fake-a');
    await api('put', `/os-services/${b.id}`, admin, { 'X-OpenStack-Nova-API-Version': '2.53' }).send({ status: 'enabled' });
    for (const id of ids) await api('delete', `/servers/${id}`);
    const member = await api('get', '/os-services', await t.token('otto', 'otto-password', 'other'));
    expect(member.status).toBe(403);
  });

  it('spreads an anti-affinity group over different hosts and refuses a third member with no host left', async () => {
    const g = await api('post', '/os-server-groups', admin, { 'X-OpenStack-Nova-API-Version': '2.64' }).send({ server_group: { name: 'spread', policy: 'anti-affinity' } });
    expect(g.status).toBe(200);
    expect(g.body.server_group).toMatchObject({ name: 'spread', policy: 'anti-affinity', members: [] });
    const res = await http().post('/compute/v2.1/servers').set('X-Auth-Token', admin).set(MV)
      .send({ server: { name: 'aa', imageRef: imageId, flavorRef: flavorId, networks: 'none', min_count: 2, max_count: 2 }, 'os:scheduler_hints': { group: g.body.server_group.id } });
    expect(res.status).toBe(202);
    const members = (await api('get', `/os-server-groups/${g.body.server_group.id}`)).body.server_group.members as string[];
    expect(members).toHaveLength(2);
    const hosts = [];
    for (const id of members) hosts.push((await waitStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']);
    expect(new Set(hosts).size).toBe(2);
    const third = await http().post('/compute/v2.1/servers').set('X-Auth-Token', admin).set(MV)
      .send({ server: { name: 'aa-3', imageRef: imageId, flavorRef: flavorId, networks: 'none' }, 'os:scheduler_hints': { group: g.body.server_group.id } });
    const failed = await waitStatus(third.body.server.id, 'ERROR');
    expect(failed.fault.message).toContain('No valid host was found');
    const old = await api('get', `/os-server-groups/${g.body.server_group.id}`, admin, {});
    expect(old.body.server_group.policies).toEqual(['anti-affinity']);
    expect((await api('post', '/os-server-groups', admin, { 'X-OpenStack-Nova-API-Version': '2.64' }).send({ server_group: { name: 'x', policy: 'sideways' } })).status).toBe(400);
    for (const id of [...members, third.body.server.id]) await api('delete', `/servers/${id}`);
  });

  it('reschedules a build whose host dies mid-build, and releases what it held there', async () => {
    const slowDriver = new FakeDriver({ resources: { vcpus: 4, memoryMb: 4096, diskGb: 40 }, kinds: ['container'], delayMs: { spawn: 12000 } });
    const slow = await startAgent({ bus: t.berth.bus, host: 'fake-slow', driver: slowDriver, reportIntervalMs: 500, syncIntervalMs: 60000 });
    await until('the slow host to register', async () => ((await api('get', '/os-hypervisors')).body.hypervisors.length === 3 ? true : undefined));
    const others = (await api('get', '/os-services', admin, { 'X-OpenStack-Nova-API-Version': '2.53' })).body.services.filter((x: { host: string }) => x.host !== 'fake-slow');
    for (const o of others) await api('put', `/os-services/${o.id}`, admin, { 'X-OpenStack-Nova-API-Version': '2.53' }).send({ status: 'disabled' });
    const id = await boot('survivor');
    await until('the build to start on the slow host', async () => ((await server(id))['OS-EXT-STS:task_state'] === 'spawning' ? true : undefined));
    expect((await server(id))['OS-EXT-SRV-ATTR:host']).toBe('fake-slow');
    for (const o of others) await api('put', `/os-services/${o.id}`, admin, { 'X-OpenStack-Nova-API-Version': '2.53' }).send({ status: 'enabled' });
    const stopping = slow.stop();
    const s = await waitStatus(id, 'ACTIVE');
    expect(['fake-a', 'fake-b']).toContain(s['OS-EXT-SRV-ATTR:host']);
    const slowUsage = await t.berth.store.dataSource.query(
      `SELECT coalesce(sum(i.used), 0)::int AS used FROM compute.inventories i JOIN compute.resource_providers p ON p.id = i.provider_id WHERE p.name = 'fake-slow'`);
    expect(slowUsage[0].used).toBe(0);
    const detail = await api('get', `/servers/${id}/os-instance-actions`);
    const events = (await api('get', `/servers/${id}/os-instance-actions/${detail.body.instanceActions[0].request_id}`)).body.instanceAction.events;
    expect(events.filter((e: { result: string }) => e.result === 'Error').length).toBe(1);
    await stopping;
  });

  it('enforces the instance quota race-free: 50 parallel creates against a quota of 10 make exactly 10', async () => {
    const p = await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'quota-race' } });
    const projectId = p.body.project.id;
    const u = await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name: 'racer', password: 'racer-password' } });
    const roles = await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin);
    await http().put(`/identity/v3/projects/${projectId}/users/${u.body.user.id}/roles/${roles.body.roles[0].id}`).set('X-Auth-Token', admin);
    const racer = await t.token('racer', 'racer-password', 'quota-race');
    const tiny = await api('post', '/flavors').send({ flavor: { name: 'm1.nano', ram: 1, vcpus: 1, disk: 0, id: null } });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      api('post', '/servers', racer).send({ server: { name: `r${i}`, imageRef: imageId, flavorRef: tiny.body.flavor.id, networks: 'none' } })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(10);
    expect(statuses.filter((s) => s === 403)).toHaveLength(40);
    const over = results.find((r) => r.status === 403)!;
    expect(over.body.forbidden.message).toMatch(/Quota exceeded for instances/);
    expect((await api('get', '/servers', racer)).body.servers).toHaveLength(10);
  });
});
