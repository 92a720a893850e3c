import { TestBerth, startTestBerth } from '../utils/test-berth';

jest.setTimeout(60000);

const NOVA = 'X-OpenStack-Nova-API-Version';

describe('compute flavors (Nova v2.1) on PostgreSQL and RabbitMQ', () => {
  let t: TestBerth;
  let admin: string;
  let projectA: string;
  let projectB: string;
  let alice: string; // member of A
  let bob: string; // member of B

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    const http = () => t.http();
    const mkProject = async (name: string) => (await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name } })).body.project.id as string;
    const memberRole = (await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin)).body.roles[0].id as string;
    const mkMember = async (name: string, projectId: string) => {
      const user = (await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name, password: `${name}-password` } })).body.user.id;
      expect((await http().put(`/identity/v3/projects/${projectId}/users/${user}/roles/${memberRole}`).set('X-Auth-Token', admin)).status).toBe(204);
    };
    projectA = await mkProject('flavors-a');
    projectB = await mkProject('flavors-b');
    await mkMember('fl-alice', projectA);
    await mkMember('fl-bob', projectB);
    alice = await t.token('fl-alice', 'fl-alice-password', 'flavors-a');
    bob = await t.token('fl-bob', 'fl-bob-password', 'flavors-b');
  });
  afterAll(async () => t?.close());

  const get = (path: string, token = admin, mv?: string) => {
    const r = t.http().get(`/compute/v2.1${path}`).set('X-Auth-Token', token);
    return mv ? r.set(NOVA, mv) : r;
  };
  const post = (path: string, body: unknown, token = admin, mv?: string) => {
    const r = t.http().post(`/compute/v2.1${path}`).set('X-Auth-Token', token);
    return (mv ? r.set(NOVA, mv) : r).send(body as object);
  };
  const put = (path: string, body: unknown, token = admin, mv?: string) => {
    const r = t.http().put(`/compute/v2.1${path}`).set('X-Auth-Token', token);
    return (mv ? r.set(NOVA, mv) : r).send(body as object);
  };
  const del = (path: string, token = admin) => t.http().delete(`/compute/v2.1${path}`).set('X-Auth-Token', token);

  async function createFlavor(flavor: Record<string, unknown>, mv?: string) {
    const res = await post('/flavors', { flavor: { ram: 512, vcpus: 1, disk: 1, ...flavor } }, admin, mv);
    expect(res.status).toBe(200);
    return res.body.flavor;
  }

  describe('microversions', () => {
    it('echoes the negotiated version in both header spellings', async () => {
      const plain = await get('/flavors');
      expect(plain.status).toBe(200);
      expect(plain.headers['openstack-api-version']).toBe('compute 2.1');
      expect(plain.headers['x-openstack-nova-api-version']).toBe('2.1');
      const legacy = await get('/flavors', admin, '2.61');
      expect(legacy.headers['openstack-api-version']).toBe('compute 2.61');
      expect(legacy.headers['x-openstack-nova-api-version']).toBe('2.61');
      const std = await t.http().get('/compute/v2.1/flavors/detail').set('X-Auth-Token', admin).set('OpenStack-API-Version', 'compute 2.75');
      expect(std.headers['openstack-api-version']).toBe('compute 2.75');
      expect(std.headers['x-openstack-nova-api-version']).toBe('2.75');
      expect(std.headers.vary).toContain('OpenStack-API-Version');
      const latest = await get('/flavors', admin, '2.92');
      expect(latest.status).toBe(200);
    });

    it('answers 406 above the maximum and 400 for a malformed version, in Nova\'s body', async () => {
      const high = await get('/flavors/detail', admin, '2.97');
      expect(high.status).toBe(406);
      expect(high.body.notAcceptable.code).toBe(406);
      const bad = await get('/flavors', admin, '2.x');
      expect(bad.status).toBe(400);
      expect(bad.body.badRequest).toEqual({ code: 400, message: 'Invalid API version request string: 2.x.' });
    });
  });

  describe('create, show, update, delete', () => {
    it('creates with "id": null as the CLI sends it (200, generated uuid) and renders it per microversion', async () => {
      const res = await post('/flavors', {
        flavor: { name: 'm1.cli', ram: 512, disk: 1, vcpus: 1, swap: 0, 'OS-FLV-EXT-DATA:ephemeral': 0, rxtx_factor: 1.0, 'os-flavor-access:is_public': true, id: null },
      }, admin, '2.61');
      expect(res.status).toBe(200);
      const f = res.body.flavor;
      expect(f.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(f).toEqual({
        id: f.id, name: 'm1.cli', ram: 512, disk: 1, vcpus: 1, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0, 'OS-FLV-DISABLED:disabled': false,
        'os-flavor-access:is_public': true, rxtx_factor: 1, description: null, extra_specs: {},
        links: [
          { rel: 'self', href: `${t.url}/compute/v2.1/flavors/${f.id}` },
          { rel: 'bookmark', href: `${t.url}/compute/flavors/${f.id}` },
        ],
      });
    });

    it('shows the body each microversion defines: 2.1, 2.55 (description), 2.61 (extra_specs), 2.75 (swap 0)', async () => {
      await createFlavor({ id: 'mv-1', name: 'mv.flavor', ram: '1024', vcpus: '2', disk: 10, swap: 0, 'OS-FLV-EXT-DATA:ephemeral': 5, rxtx_factor: '2.5' });
      const v21 = (await get('/flavors/mv-1')).body.flavor;
      expect(v21).toMatchObject({ id: 'mv-1', name: 'mv.flavor', ram: 1024, vcpus: 2, disk: 10, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 5, rxtx_factor: 2.5 });
      expect(v21).not.toHaveProperty('description');
      expect(v21).not.toHaveProperty('extra_specs');
      const v255 = (await get('/flavors/mv-1', admin, '2.55')).body.flavor;
      expect(v255.description).toBeNull();
      expect(v255).not.toHaveProperty('extra_specs');
      const v261 = (await get('/flavors/mv-1', admin, '2.61')).body.flavor;
      expect(v261.extra_specs).toEqual({});
      expect(v261.swap).toBe('');
      const v275 = (await get('/flavors/mv-1', admin, '2.75')).body.flavor;
      expect(v275.swap).toBe(0);
      const withSwap = await createFlavor({ id: 'mv-swap', name: 'mv.swap', swap: 256 });
      expect(withSwap.swap).toBe(256);
    });

    it('takes a description from 2.55 only, and updates it with PUT at 2.55 (404 below)', async () => {
      const early = await post('/flavors', { flavor: { name: 'desc.early', ram: 64, vcpus: 1, disk: 0, description: 'x' } }, admin, '2.54');
      expect(early.status).toBe(400);
      const f = await createFlavor({ name: 'desc.flavor', description: 'first' }, '2.55');
      expect(f.description).toBe('first');
      const old = await put(`/flavors/${f.id}`, { flavor: { description: 'second' } }, admin, '2.54');
      expect(old.status).toBe(404);
      const res = await put(`/flavors/${f.id}`, { flavor: { description: 'second' } }, admin, '2.55');
      expect(res.status).toBe(200);
      expect(res.body.flavor.description).toBe('second');
      const cleared = await put(`/flavors/${f.id}`, { flavor: { description: null } }, admin, '2.61');
      expect(cleared.body.flavor).toMatchObject({ description: null, extra_specs: {} });
      expect((await put(`/flavors/${f.id}`, { flavor: { name: 'renamed' } }, admin, '2.55')).status).toBe(400);
      expect((await put('/flavors/nope', { flavor: { description: 'x' } }, admin, '2.55')).status).toBe(404);
    });

    it('answers a name in the id slot with 404 in Nova\'s body (novaclient falls back to the list)', async () => {
      await createFlavor({ name: 'm1.named' });
      const res = await get('/flavors/m1.named');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ itemNotFound: { code: 404, message: 'Flavor m1.named could not be found.' } });
    });

    it('refuses a duplicate name or id with 409, and bad bodies with 400', async () => {
      await createFlavor({ id: 'dup-1', name: 'dup.one' });
      const byName = await post('/flavors', { flavor: { name: 'dup.one', ram: 1, vcpus: 1, disk: 0 } });
      expect(byName.status).toBe(409);
      expect(byName.body).toEqual({ conflictingRequest: { code: 409, message: 'Flavor with name dup.one already exists.' } });
      const byId = await post('/flavors', { flavor: { id: 'dup-1', name: 'dup.two', ram: 1, vcpus: 1, disk: 0 } });
      expect(byId.status).toBe(409);
      expect(byId.body.conflictingRequest.message).toBe('Flavor with ID dup-1 already exists.');
      for (const flavor of [
        { name: 'bad', ram: 0, vcpus: 1, disk: 0 },
        { name: 'bad', ram: 1, vcpus: 1 },
        { name: ' bad', ram: 1, vcpus: 1, disk: 0 },
        { name: 'bad', ram: 1, vcpus: 1, disk: -1 },
        { name: 'bad', ram: 1, vcpus: 1, disk: 0, id: 'has/slash' },
        { name: 'bad', ram: 1, vcpus: 1, disk: 0, rxtx_factor: 0 },
        { name: 'bad', ram: 1, vcpus: 1, disk: 0, colour: 'red' },
      ]) {
        const res = await post('/flavors', { flavor });
        expect({ flavor, status: res.status }).toEqual({ flavor, status: 400 });
        expect(res.body.badRequest.code).toBe(400);
      }
      expect((await post('/flavors', { flavor: { name: 'numeric-id', ram: 1, vcpus: 1, disk: 0, id: 42 } })).body.flavor.id).toBe('42');
    });

    it('lets only admins create, update and delete flavors (403 for a member)', async () => {
      const res = await post('/flavors', { flavor: { name: 'member.flavor', ram: 1, vcpus: 1, disk: 0 } }, alice);
      expect(res.status).toBe(403);
      expect(res.body.forbidden.code).toBe(403);
      expect((await del('/flavors/mv-1', alice)).status).toBe(403);
      expect((await get('/flavors/mv-1', alice)).status).toBe(200);
    });

    it('deletes with 202; then the flavor is gone (404)', async () => {
      const f = await createFlavor({ name: 'to.delete' });
      const res = await del(`/flavors/${f.id}`);
      expect(res.status).toBe(202);
      expect(res.text).toBe('');
      expect((await get(`/flavors/${f.id}`)).status).toBe(404);
      expect((await del(`/flavors/${f.id}`)).status).toBe(404);
    });
  });

  describe('lists', () => {
    beforeAll(async () => {
      for (let i = 1; i <= 5; i++) await createFlavor({ id: `page-${i}`, name: `page.${i}`, ram: 100 * i, disk: i });
      await createFlavor({ id: 'private-1', name: 'private.one', 'os-flavor-access:is_public': false });
    });

    it('lists brief and detail bodies; the brief gets description from 2.55', async () => {
      const brief = await get('/flavors');
      const one = brief.body.flavors.find((f: { id: string }) => f.id === 'page-1');
      expect(Object.keys(one).sort()).toEqual(['id', 'links', 'name']);
      const brief255 = (await get('/flavors', admin, '2.55')).body.flavors.find((f: { id: string }) => f.id === 'page-1');
      expect(Object.keys(brief255).sort()).toEqual(['description', 'id', 'links', 'name']);
      const detail = (await get('/flavors/detail', admin, '2.61')).body.flavors.find((f: { id: string }) => f.id === 'page-1');
      expect(detail).toMatchObject({ ram: 100, disk: 1, vcpus: 1, extra_specs: {}, 'os-flavor-access:is_public': true });
    });

    it('filters on is_public for admins: default public only, False private only, None everything', async () => {
      const ids = async (query: string, token = admin) => (await get(`/flavors${query}`, token)).body.flavors.map((f: { id: string }) => f.id) as string[];
      expect(await ids('')).not.toContain('private-1');
      expect(await ids('?is_public=True')).not.toContain('private-1');
      expect(await ids('?is_public=False')).toEqual(['private-1']);
      const all = await ids('/detail?is_public=None');
      expect(all).toContain('private-1');
      expect(all).toContain('page-1');
      expect((await get('/flavors?is_public=maybe')).status).toBe(400);
      // a member's is_public is ignored: public ones plus those shared with the project
      expect(await ids('?is_public=None', alice)).not.toContain('private-1');
    });

    it('filters on minRam and minDisk, sorts with sort_key/sort_dir', async () => {
      const res = await get('/flavors/detail?minRam=300&minDisk=4');
      const ids = res.body.flavors.map((f: { id: string }) => f.id);
      expect(ids).toEqual(expect.arrayContaining(['page-4', 'page-5']));
      expect(ids).not.toContain('page-3');
      expect((await get('/flavors?minRam=abc')).status).toBe(400);
      const sorted = (await get('/flavors/detail?sort_key=memory_mb&sort_dir=desc&minRam=100')).body.flavors.map((f: { ram: number }) => f.ram);
      expect(sorted).toEqual([...sorted].sort((a: number, b: number) => b - a));
      expect((await get('/flavors?sort_key=colour')).status).toBe(400);
    });

    it('pages with limit/marker and follows flavors_links to the end', async () => {
      const all = (await get('/flavors')).body.flavors.map((f: { id: string }) => f.id);
      expect(all).toEqual([...all].sort());
      const seen: string[] = [];
      let url: string | undefined = `${t.url}/compute/v2.1/flavors/detail?limit=2`;
      let pages = 0;
      while (url) {
        const res: { status: number; body: { flavors: { id: string }[]; flavors_links?: { rel: string; href: string }[] } } = await t.http().get(url.slice(t.url.length)).set('X-Auth-Token', admin);
        expect(res.status).toBe(200);
        expect(res.body.flavors.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.flavors.map((f: { id: string }) => f.id));
        const next: { href: string } | undefined = res.body.flavors_links?.find((l) => l.rel === 'next');
        if (next) expect(next.href).toContain('/compute/v2.1/flavors/detail?');
        url = next?.href;
        pages++;
      }
      expect(seen).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / 2));
      expect((await get('/flavors?marker=no-such-flavor')).status).toBe(400);
    });
  });

  describe('extra specs', () => {
    const path = '/flavors/es-1/os-extra_specs';
    beforeAll(async () => {
      await createFlavor({ id: 'es-1', name: 'extra.specs' });
    });

    it('creates, lists, shows, updates and deletes extra specs', async () => {
      expect((await get(path)).body).toEqual({ extra_specs: {} });
      const created = await post(path, { extra_specs: { 'quota:cpu_shares': '512', 'hw:cpu_policy': 'dedicated', 'berth:label': 'x', plain: 7 } });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({ extra_specs: { 'quota:cpu_shares': '512', 'hw:cpu_policy': 'dedicated', 'berth:label': 'x', plain: 7 } });
      expect((await get(path)).body.extra_specs).toEqual({ 'quota:cpu_shares': '512', 'hw:cpu_policy': 'dedicated', 'berth:label': 'x', plain: '7' });
      expect((await get(`${path}/quota:cpu_shares`)).body).toEqual({ 'quota:cpu_shares': '512' });
      const updated = await put(`${path}/hw:cpu_policy`, { 'hw:cpu_policy': 'shared' });
      expect(updated.status).toBe(200);
      expect(updated.body).toEqual({ 'hw:cpu_policy': 'shared' });
      expect((await put(`${path}/hw:cpu_policy`, { 'hw:other': 'x' })).status).toBe(400);
      const removed = await del(`${path}/berth:label`);
      expect(removed.status).toBe(200);
      expect((await get(`${path}/berth:label`)).status).toBe(404);
      expect((await del(`${path}/berth:label`)).body.itemNotFound.message).toBe('Flavor es-1 has no extra specs with key berth:label.');
      expect((await get('/flavors/es-1', admin, '2.61')).body.flavor.extra_specs).toEqual({ 'quota:cpu_shares': '512', 'hw:cpu_policy': 'shared', plain: '7' });
      expect((await get('/flavors/nope/os-extra_specs')).status).toBe(404);
    });

    it('refuses bad values of known keys, bad keys and bad bodies with 400', async () => {
      for (const specs of [
        { 'quota:cpu_shares': 'lots' },
        { 'quota:cpu_shares': '-1' },
        { 'quota:cpu_shares': -5 },
        { 'hw:cpu_policy': 'greedy' },
        { 'bad/key': 'x' },
        { empty: '' },
        { nested: { a: 1 } },
      ]) {
        const res = await post(path, { extra_specs: specs });
        expect({ specs, status: res.status }).toEqual({ specs, status: 400 });
      }
      expect((await post(path, { specs: {} })).status).toBe(400);
      expect((await put(`${path}/quota:cpu_shares`, { 'quota:cpu_shares': 'x' })).status).toBe(400);
      expect((await get(`${path}/quota:cpu_shares`)).body).toEqual({ 'quota:cpu_shares': '512' });
    });

    it('lets a member read but not write extra specs', async () => {
      expect((await get(path, alice)).status).toBe(200);
      expect((await post(path, { extra_specs: { a: 'b' } }, alice)).status).toBe(403);
      expect((await del(`${path}/plain`, alice)).status).toBe(403);
    });
  });

  describe('private flavors and flavor access', () => {
    beforeAll(async () => {
      await createFlavor({ id: 'priv-a', name: 'private.a', 'os-flavor-access:is_public': false });
    });

    it('hides a private flavor from other projects (404) until addTenantAccess, and again after removeTenantAccess', async () => {
      const ids = async (token: string) => (await get('/flavors/detail', token)).body.flavors.map((f: { id: string }) => f.id) as string[];
      expect((await get('/flavors/priv-a', bob)).status).toBe(404);
      expect(await ids(bob)).not.toContain('priv-a');
      expect((await get('/flavors/priv-a/os-extra_specs', bob)).status).toBe(404);

      const add = await post('/flavors/priv-a/action', { addTenantAccess: { tenant: projectB } });
      expect(add.status).toBe(200);
      expect(add.body).toEqual({ flavor_access: [{ flavor_id: 'priv-a', tenant_id: projectB }] });
      expect((await get('/flavors/priv-a', bob)).status).toBe(200);
      expect(await ids(bob)).toContain('priv-a');
      expect((await get('/flavors/priv-a', alice)).status).toBe(404);

      const again = await post('/flavors/priv-a/action', { addTenantAccess: { tenant: projectB } });
      expect(again.status).toBe(409);
      expect((await get('/flavors/priv-a/os-flavor-access')).body).toEqual({ flavor_access: [{ flavor_id: 'priv-a', tenant_id: projectB }] });

      const remove = await post('/flavors/priv-a/action', { removeTenantAccess: { tenant: projectB } });
      expect(remove.status).toBe(200);
      expect(remove.body).toEqual({ flavor_access: [] });
      expect((await get('/flavors/priv-a', bob)).status).toBe(404);
      expect((await post('/flavors/priv-a/action', { removeTenantAccess: { tenant: projectB } })).status).toBe(404);
    });

    it('refuses access lists and actions on public flavors, unknown actions, and members', async () => {
      const pub = await post('/flavors/page-1/action', { addTenantAccess: { tenant: projectA } }, admin, '2.7');
      expect(pub.status).toBe(409);
      expect(pub.body.conflictingRequest.message).toBe('Can not add access to a public flavor.');
      // before 2.7 Nova records the access instead (it changes nothing for a public flavor)
      const old = await post('/flavors/page-1/action', { addTenantAccess: { tenant: projectA } }, admin, '2.6');
      expect(old.status).toBe(200);
      expect(old.body).toEqual({ flavor_access: [{ flavor_id: 'page-1', tenant_id: projectA }] });
      expect((await get('/flavors/page-1/os-flavor-access')).status).toBe(404);
      expect((await post('/flavors/priv-a/action', { fly: {} })).body).toEqual({ badRequest: { code: 400, message: 'There is no such action: fly' } });
      expect((await post('/flavors/priv-a/action', { addTenantAccess: {} })).status).toBe(400);
      expect((await post('/flavors/priv-a/action', { addTenantAccess: { tenant: projectA } }, alice)).status).toBe(403);
      expect((await get('/flavors/priv-a/os-flavor-access', alice)).status).toBe(403);
    });
  });
});
