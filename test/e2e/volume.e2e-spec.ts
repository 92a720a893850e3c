import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findE2fsTools } from '../../src/services/volume/backends/shared.backend';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(180000);

const run = promisify(execFile);
const GiB = 1024 ** 3;
const e2fs = findE2fsTools();

type Method = 'get' | 'post' | 'put' | 'delete';

describe('volume (Cinder v3): versions, types, volumes on the shared pool, snapshots, quotas, limits, messages', () => {
  let t: TestBerth;
  let admin: string;
  let adminProject: string;
  let alice: string; // member of project A
  let bob: string; // member of project B
  let carol: string; // member of project C (quota races)
  let projectA: string;
  let projectB: string;
  let projectC: string;
  let pool: string;

  const call = (method: Method, project: string, path: string, token: string, body?: unknown, mv?: string) => {
    const r = t.http()[method](`/volume/v3/${project}${path}`).set('X-Auth-Token', token);
    if (mv) r.set('OpenStack-API-Version', `volume ${mv}`);
    return body === undefined ? r : r.send(body as object);
  };
  const as = {
    alice: (method: Method, path: string, body?: unknown, mv?: string) => call(method, projectA, path, alice, body, mv),
    bob: (method: Method, path: string, body?: unknown, mv?: string) => call(method, projectB, path, bob, body, mv),
    admin: (method: Method, path: string, body?: unknown, mv?: string) => call(method, adminProject, path, admin, body, mv),
  };
  const fault = (res: { body: Record<string, { code: number; message: string }> }) => Object.values(res.body)[0];

  async function settled(project: string, token: string, id: string, from: string[]): Promise<Record<string, unknown>> {
    return until(`volume ${id} to leave ${from.join('/')}`, async () => {
      const v = (await call('get', project, `/volumes/${id}`, token)).body.volume;
      return from.includes(v.status) ? undefined : v;
    });
  }

  async function createVolume(body: Record<string, unknown>, who: 'alice' | 'bob' = 'alice'): Promise<Record<string, unknown>> {
    const res = await as[who]('post', '/volumes', { volume: body });
    expect([res.status, res.body]).toEqual([202, expect.anything()]);
    return settled(who === 'alice' ? projectA : projectB, who === 'alice' ? alice : bob, res.body.volume.id, ['creating']);
  }

  beforeAll(async () => {
    pool = mkdtempSync(join(tmpdir(), 'berth-volume-pool-'));
    t = await startTestBerth({ services: ['identity', 'volume'], settings: { BERTH_VOLUME_SHARED_DIR: pool } });
    admin = await t.adminToken();
    const http = () => t.http();
    adminProject = (await http().get('/identity/v3/auth/tokens').set('X-Auth-Token', admin).set('X-Subject-Token', admin)).body.token.project.id;
    const memberRole = (await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin)).body.roles[0].id as string;
    const mk = async (project: string, user: string) => {
      const p = (await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: project } })).body.project.id;
      const u = (await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name: user, password: `${user}-password` } })).body.user.id;
      await http().put(`/identity/v3/projects/${p}/users/${u}/roles/${memberRole}`).set('X-Auth-Token', admin);
      return { p, token: await t.token(user, `${user}-password`, project) };
    };
    ({ p: projectA, token: alice } = await mk('vol-a', 'vol-alice'));
    ({ p: projectB, token: bob } = await mk('vol-b', 'vol-bob'));
    ({ p: projectC, token: carol } = await mk('vol-c', 'vol-carol'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(pool, { recursive: true, force: true });
  });

  it('serves its version documents without a token, as Cinder (the SDK reads version/min_version)', async () => {
    const root = await t.http().get('/volume/');
    expect(root.status).toBe(300);
    const v3 = await t.http().get('/volume/v3/');
    expect(v3.status).toBe(200);
    for (const doc of [root.body, v3.body]) {
      expect(doc.versions).toEqual([expect.objectContaining({
        id: 'v3.0', status: 'CURRENT', version: '3.70', min_version: '3.0',
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
      })]);
      expect(doc.versions[0].links).toContainEqual({ rel: 'self', href: expect.stringMatching(/\/volume\/v3\/$/) });
    }
    expect((await t.http().get(`/volume/v3/${projectA}/volumes`)).status).toBe(401);
  });

  it('negotiates microversions 3.0 to 3.70 and echoes them; the path must name the token\'s project, or none', async () => {
    const plain = await as.alice('get', '/volumes');
    expect(plain.status).toBe(200);
    expect(plain.headers['openstack-api-version']).toBe('volume 3.0');
    expect((await as.alice('get', '/volumes', undefined, '3.60')).headers['openstack-api-version']).toBe('volume 3.60');
    expect((await as.alice('get', '/volumes', undefined, 'latest')).headers['openstack-api-version']).toBe('volume 3.70');
    const tooNew = await as.alice('get', '/volumes', undefined, '3.71');
    expect(tooNew.status).toBe(406);
    expect(fault(tooNew).message).toMatch(/Minimum is 3.0 and maximum is 3.70/);
    expect((await as.alice('get', '/volumes', undefined, '2.0')).status).toBe(406);
    expect((await as.alice('get', '/volumes', undefined, '3.x')).status).toBe(400);

    const projectless = await t.http().get('/volume/v3/volumes/detail').set('X-Auth-Token', alice);
    expect([projectless.status, projectless.body.volumes]).toEqual([200, []]);
    expect((await t.http().get('/volume/v3/types/default').set('X-Auth-Token', alice)).body.volume_type.name).toBe('__DEFAULT__');

    for (const [project, token] of [[projectB, alice], [projectA, admin]] as const) {
      const other = await call('get', project, '/volumes', token);
      expect(other.status).toBe(400);
      expect(other.body).toEqual({ badRequest: { code: 400, message: 'Malformed request url' } });
    }
  });

  it('lists its availability zone', async () => {
    const res = await as.alice('get', '/os-availability-zone');
    expect(res.body).toEqual({ availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }] });
  });

  it('manages volume types and extra specs (admins write; members see user-visible specs)', async () => {
    const def = await as.alice('get', '/types/default');
    expect(def.body.volume_type).toMatchObject({ name: '__DEFAULT__', is_public: true, description: 'Default Volume Type' });
    expect(def.body.volume_type.qos_specs_id).toBeUndefined();

    const denied = await as.alice('post', '/types', { volume_type: { name: 'nope' } });
    expect(denied.status).toBe(403);
    expect(fault(denied).code).toBe(403);

    const created = await as.admin('post', '/types', {
      volume_type: { name: 'fast', description: 'quick', 'os-volume-type-access:is_public': true, extra_specs: { volume_backend_name: 'shared', multiattach: '<is> True' } },
    });
    expect(created.status).toBe(200);
    const fast = created.body.volume_type;
    expect(fast).toMatchObject({ name: 'fast', description: 'quick', is_public: true, 'os-volume-type-access:is_public': true, qos_specs_id: null, extra_specs: { volume_backend_name: 'shared', multiattach: '<is> True' } });
    const dup = await as.admin('post', '/types', { volume_type: { name: 'fast' } });
    expect([dup.status, fault(dup).message]).toEqual([409, 'Volume Type fast already exists.']);
    for (const bad of [{}, { name: '' }, { name: 'x', colour: 'red' }, { name: 'x', extra_specs: { 'bad key!': 'v' } }, { name: 5 }]) {
      const r = await as.admin('post', '/types', { volume_type: bad });
      expect([JSON.stringify(bad), r.status]).toEqual([JSON.stringify(bad), 400]);
      expect(fault(r).message).toBeTruthy();
    }

    const seen = (await as.alice('get', `/types/${fast.id}`)).body.volume_type;
    expect(seen.extra_specs).toEqual({ multiattach: '<is> True' });
    expect((await as.alice('get', '/types')).body.volume_types.map((x: { name: string }) => x.name).sort()).toEqual(['__DEFAULT__', 'fast']);
    expect((await as.alice('get', `/types/${fast.id}/extra_specs/volume_backend_name`)).status).toBe(404);

    expect((await as.admin('post', `/types/${fast.id}/extra_specs`, { extra_specs: { color: 'blue' } })).body).toEqual({ extra_specs: { color: 'blue' } });
    expect((await as.admin('put', `/types/${fast.id}/extra_specs/color`, { color: 'green' })).body).toEqual({ color: 'green' });
    expect((await as.admin('put', `/types/${fast.id}/extra_specs/color`, { colour: 'green' })).status).toBe(400);
    expect((await as.admin('get', `/types/${fast.id}/extra_specs/color`)).body).toEqual({ color: 'green' });
    expect((await as.admin('delete', `/types/${fast.id}/extra_specs/color`)).status).toBe(202);
    const gone = await as.admin('get', `/types/${fast.id}/extra_specs/color`);
    expect([gone.status, fault(gone).message]).toEqual([404, `Volume Type ${fast.id} has no extra specs with key color.`]);
    expect((await as.admin('get', `/types/${fast.id}/extra_specs`)).body.extra_specs).toEqual({ volume_backend_name: 'shared', multiattach: '<is> True' });

    const renamed = await as.admin('put', `/types/${fast.id}`, { volume_type: { description: 'quicker' } });
    expect(renamed.body.volume_type).toMatchObject({ name: 'fast', description: 'quicker' });
    const missing = await as.alice('get', '/types/00000000-0000-0000-0000-000000000000');
    expect([missing.status, fault(missing).message]).toEqual([404, 'Volume type 00000000-0000-0000-0000-000000000000 could not be found.']);

    const defDelete = await as.admin('delete', `/types/${def.body.volume_type.id}`);
    expect([defDelete.status, fault(defDelete).message]).toEqual([400, `The volume type ${def.body.volume_type.id} is a default volume type and cannot be deleted.`]);
  });

  it('creates a blank volume as a sparse ext4 file in the shared pool, and renders it as Cinder v3', async () => {
    const res = await as.alice('post', '/volumes', { volume: { size: 1, name: 'v1', description: 'first', metadata: { tier: 'gold' }, volume_type: null, availability_zone: null, snapshot_id: null, source_volid: null, imageRef: null, backup_id: null, consistencygroup_id: null } });
    expect(res.status).toBe(202);
    const v = res.body.volume;
    expect(v).toMatchObject({
      status: 'creating', size: 1, name: 'v1', description: 'first', availability_zone: 'nova', volume_type: '__DEFAULT__', bootable: 'false',
      encrypted: false, multiattach: false, attachments: [], metadata: { tier: 'gold' }, snapshot_id: null, source_volid: null,
      replication_status: 'disabled', consistencygroup_id: null, 'os-vol-tenant-attr:tenant_id': projectA,
    });
    expect(v.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(v.links[0].href).toMatch(new RegExp(`/volume/v3/${projectA}/volumes/${v.id}$`));
    expect(v['os-vol-host-attr:host']).toBeUndefined();
    const done = await settled(projectA, alice, v.id, ['creating']);
    expect(done.status).toBe('available');

    const file = join(pool, `volume-${v.id}`);
    const st = await stat(file);
    expect(st.size).toBe(GiB);
    expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024);
    if (e2fs.mkfs) {
      const { stdout } = await run('dumpe2fs', ['-h', file]);
      expect(stdout).toMatch(new RegExp(`Filesystem UUID:\\s+${v.id}`));
      expect(stdout).toMatch(/Block count:\s+262144/);
      expect((await run('blkid', ['-o', 'value', '-s', 'TYPE', file])).stdout.trim()).toBe('ext4');
    }

    const asAdmin = (await as.admin('get', `/volumes/${v.id}`)).body.volume;
    expect(asAdmin).toMatchObject({ 'os-vol-host-attr:host': 'berth@shared#shared', 'os-vol-mig-status-attr:migstat': null, migration_status: null });
    const at370 = (await as.alice('get', `/volumes/${v.id}`, undefined, '3.70')).body.volume;
    expect(at370).toMatchObject({ group_id: null, shared_targets: false, service_uuid: null, consumes_quota: true, volume_type_id: expect.any(String) });
    expect(at370.provider_id).toBeUndefined();
  });

  it('keeps volumes to their project, and lists them with filters, sorting and paging', async () => {
    const [a1, a2] = [await createVolume({ size: 1, name: 'list-a', metadata: { app: 'db' } }), await createVolume({ size: 2, name: 'list-b' })];
    const theirs = await as.bob('get', `/volumes/${a1.id}`);
    expect([theirs.status, fault(theirs).message]).toEqual([404, `Volume ${a1.id} could not be found.`]);
    expect((await as.bob('delete', `/volumes/${a1.id}`)).status).toBe(404);
    expect((await as.bob('get', '/volumes/detail')).body.volumes).toEqual([]);
    expect((await as.bob('get', '/volumes/detail?all_tenants=1&name=list-a')).body.volumes).toEqual([]);
    expect((await as.admin('get', '/volumes/detail?name=list-a')).body.volumes).toEqual([]);
    expect((await as.admin('get', '/volumes/detail?all_tenants=1&name=list-a')).body.volumes).toHaveLength(1);

    const summary = (await as.alice('get', '/volumes?name=list-a')).body.volumes;
    expect(summary).toEqual([{ id: a1.id, name: 'list-a', links: expect.any(Array) }]);
    const viaProjectless = (await t.http().get('/volume/v3/volumes?name=list-a').set('X-Auth-Token', alice)).body.volumes;
    expect(viaProjectless[0].links[0].href).toMatch(new RegExp(`/volume/v3/volumes/${a1.id}$`));
    expect((await as.alice('get', '/volumes/list-a')).status).toBe(404);
    expect((await as.alice('get', `/volumes/detail?metadata=${encodeURIComponent("{'app': 'db'}")}`)).body.volumes.map((x: { id: string }) => x.id)).toEqual([a1.id]);
    expect((await as.alice('get', '/volumes/detail?status=available&size=2')).body.volumes.map((x: { id: string }) => x.id)).toEqual([a2.id]);
    expect((await as.alice('get', '/volumes/detail?colour=red')).status).toBe(200);
    expect((await as.alice('get', '/volumes/detail?colour=red', undefined, '3.31')).status).toBe(400);

    const sorted = (await as.alice('get', '/volumes/detail?sort=size:desc,name:asc')).body.volumes as { size: number }[];
    expect(sorted.map((x) => x.size)).toEqual([...sorted.map((x) => x.size)].sort((x, y) => y - x));
    const first = await as.alice('get', '/volumes?limit=1&sort=name:asc');
    expect(first.body.volumes).toHaveLength(1);
    const next = new URL(first.body.volumes_links[0].href);
    expect(next.searchParams.get('marker')).toBe(first.body.volumes[0].id);
    const second = await as.alice('get', `/volumes?limit=1&sort=name:asc&marker=${first.body.volumes[0].id}`);
    expect(second.body.volumes[0].id).not.toBe(first.body.volumes[0].id);
    expect((await as.alice('get', '/volumes?marker=00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await as.alice('get', '/volumes?limit=-1')).status).toBe(400);
    expect((await as.alice('get', '/volumes?sort_key=colour')).status).toBe(400);
    const counted = await as.alice('get', '/volumes?with_count=true', undefined, '3.45');
    expect(counted.body.count).toBe(counted.body.volumes.length);
    expect((await as.alice('get', '/volumes/summary', undefined, '3.36')).body['volume-summary']).toMatchObject({ total_count: counted.body.count, metadata: expect.objectContaining({ app: ['db'] }) });
    expect((await as.alice('get', '/volumes/summary')).status).toBe(404);
  });

  it('answers bad input with 400s naming the field, never a 500', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ size: 'abc' }, 400, /size/],
      [{ size: 0 }, 400, /size.*minimum of 1/],
      [{ size: 1.5 }, 400, /size/],
      [{}, 400, /Volume size 'None' must be an integer/],
      [{ size: 1, name: 123 }, 400, /name/],
      [{ size: 1, metadata: { k: 5 } }, 400, /k/],
      [{ size: 1, metadata: 'x' }, 400, /metadata/],
      [{ size: 1, volume_type: 'nosuch' }, 404, /Volume type with name nosuch could not be found/],
      [{ size: 1, availability_zone: 'mars' }, 400, /Availability zone 'mars' is invalid/],
      [{ size: 1, snapshot_id: 'not-a-uuid' }, 400, /snapshot_id/],
      [{ size: 1, snapshot_id: '00000000-0000-0000-0000-000000000000' }, 404, /Snapshot 00000000-0000-0000-0000-000000000000 could not be found/],
      [{ size: 1, multiattach: true }, 400, /multiattach parameter has been removed/],
    ];
    for (const [volume, status, message] of cases) {
      const r = await as.alice('post', '/volumes', { volume });
      expect([JSON.stringify(volume), r.status]).toEqual([JSON.stringify(volume), status]);
      expect(fault(r).message).toMatch(message);
    }
    expect((await as.alice('post', '/volumes', { volume: { size: 1, colour: 'red' } }, '3.53')).status).toBe(400);
    expect((await as.alice('post', '/volumes', { nope: {} })).status).toBe(400);
    expect((await as.alice('post', '/volumes', [1])).status).toBe(400);
    const notJson = await t.http().post(`/volume/v3/${projectA}/volumes`).set('X-Auth-Token', alice).set('Content-Type', 'application/json').send('{');
    expect(notJson.status).toBe(400);
    expect(notJson.body.badRequest).toBeTruthy();
    expect((await as.alice('post', '/volumes/00000000-0000-0000-0000-000000000000/action', { 'os-extend': { new_size: 2 } })).status).toBe(404);
    const unknownAction = await as.alice('post', '/volumes/00000000-0000-0000-0000-000000000000/action', { 'os-frobnicate': {} });
    expect(unknownAction.status).toBe(400);
  });

  it('extends, snapshots, makes a volume from a snapshot, and refuses to delete a volume with snapshots', async () => {
    const v = await createVolume({ size: 1, name: 'grow' });
    const smaller = await as.alice('post', `/volumes/${v.id}/action`, { 'os-extend': { new_size: 1 } });
    expect([smaller.status, fault(smaller).message]).toEqual([400, 'Invalid input received: New size for extend must be greater than current size. (current: 1, extended: 1).']);
    expect((await as.alice('post', `/volumes/${v.id}/action`, { 'os-extend': { new_size: 'two' } })).status).toBe(400);
    expect((await as.alice('post', `/volumes/${v.id}/action`, { 'os-extend': { new_size: 2 } })).status).toBe(202);
    const grown = await settled(projectA, alice, v.id as string, ['extending']);
    expect(grown).toMatchObject({ status: 'available', size: 2 });
    expect((await stat(join(pool, `volume-${v.id}`))).size).toBe(2 * GiB);
    if (e2fs.mkfs) expect((await run('dumpe2fs', ['-h', join(pool, `volume-${v.id}`)])).stdout).toMatch(/Block count:\s+524288/);

    const snap = await as.alice('post', '/snapshots', { snapshot: { volume_id: v.id, name: 's1', description: null, force: false, metadata: {} } });
    expect(snap.status).toBe(202);
    expect(snap.body.snapshot).toMatchObject({ name: 's1', volume_id: v.id, status: 'creating', size: 2, metadata: {}, 'os-extended-snapshot-attributes:project_id': projectA });
    const sid = snap.body.snapshot.id as string;
    const ready = await until('snapshot available', async () => {
      const s = (await as.alice('get', `/snapshots/${sid}`)).body.snapshot;
      return s.status === 'creating' ? undefined : s;
    });
    expect(ready.status).toBe('available');
    expect((await stat(join(pool, `snapshot-${sid}`))).size).toBe(2 * GiB);
    expect((await as.alice('get', `/snapshots/${sid}`, undefined, '3.41')).body.snapshot.user_id).toBeTruthy();
    expect((await as.alice('get', '/snapshots/detail?name=s1')).body.snapshots.map((s: { id: string }) => s.id)).toEqual([sid]);
    expect((await as.bob('get', `/snapshots/${sid}`)).status).toBe(404);
    expect((await as.bob('post', '/snapshots', { snapshot: { volume_id: v.id } })).status).toBe(404);

    const blocked = await as.alice('delete', `/volumes/${v.id}`);
    expect(blocked.status).toBe(400);
    expect(fault(blocked).message).toBe('Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.');

    const tooSmall = await as.alice('post', '/volumes', { volume: { size: 1, snapshot_id: sid } });
    expect([tooSmall.status, fault(tooSmall).message]).toEqual([400, "Invalid input received: Volume size '1'GB cannot be smaller than the snapshot size 2GB. They must be >= original snapshot size."]);
    const clone = await createVolume({ snapshot_id: sid, size: 3, name: 'clone' });
    expect(clone).toMatchObject({ status: 'available', size: 3, snapshot_id: sid });
    expect((await stat(join(pool, `volume-${clone.id}`))).size).toBe(3 * GiB);
    if (e2fs.mkfs) expect((await run('dumpe2fs', ['-h', join(pool, `volume-${clone.id}`)])).stdout).toMatch(/Block count:\s+786432/);

    expect((await as.alice('delete', `/volumes/${v.id}?cascade=true`)).status).toBe(202);
    await until('volume and snapshot gone', async () => ((await as.alice('get', `/volumes/${v.id}`)).status === 404 ? true : undefined));
    expect((await as.alice('get', `/snapshots/${sid}`)).status).toBe(404);
    await expect(stat(join(pool, `volume-${v.id}`))).rejects.toThrow();
    await expect(stat(join(pool, `snapshot-${sid}`))).rejects.toThrow();

    expect((await as.alice('delete', `/volumes/${clone.id}`)).status).toBe(202);
    await until('clone gone', async () => ((await as.alice('get', `/volumes/${clone.id}`)).status === 404 ? true : undefined));
    await expect(stat(join(pool, `volume-${clone.id}`))).rejects.toThrow();
  });

  it('snapshots: in-use needs force before 3.66; deletion goes through the pool', async () => {
    const v = await createVolume({ size: 1, name: 'snapper' });
    expect((await as.admin('post', `/volumes/${v.id}/action`, { 'os-reset_status': { status: 'in-use' } })).status).toBe(202);
    const refused = await as.alice('post', '/snapshots', { snapshot: { volume_id: v.id, force: false } });
    expect([refused.status, fault(refused).message]).toEqual([400, `Invalid volume: Volume ${v.id} status must be available, but current status is: in-use.`]);
    expect((await as.alice('post', '/snapshots', { snapshot: { volume_id: v.id, force: false } }, '3.66')).status).toBe(400);
    const inUseDelete = await as.alice('delete', `/volumes/${v.id}`);
    expect(inUseDelete.status).toBe(400);
    const forced = await as.alice('post', '/snapshots', { snapshot: { volume_id: v.id, force: true } });
    expect(forced.status).toBe(202);
    const sid = forced.body.snapshot.id as string;
    await until('snapshot available', async () => ((await as.alice('get', `/snapshots/${sid}`)).body.snapshot.status === 'available' ? true : undefined));
    expect((await as.alice('delete', `/snapshots/${sid}`)).status).toBe(202);
    await until('snapshot gone', async () => ((await as.alice('get', `/snapshots/${sid}`)).status === 404 ? true : undefined));
    await expect(stat(join(pool, `snapshot-${sid}`))).rejects.toThrow();
    expect((await as.admin('post', `/volumes/${v.id}/action`, { 'os-reset_status': { status: 'available' } })).status).toBe(202);
  });

  it('updates volumes, their metadata, and admin-only actions', async () => {
    const v = await createVolume({ size: 1, name: 'meta', metadata: { a: '1' } });
    const upd = await as.alice('put', `/volumes/${v.id}`, { volume: { name: 'renamed', description: 'd' } });
    expect(upd.body.volume).toMatchObject({ name: 'renamed', description: 'd' });
    expect((await as.alice('put', `/volumes/${v.id}`, { volume: { size: 5 } })).status).toBe(400);
    expect((await as.alice('put', `/volumes/${v.id}`, { volume: {} }, '3.53')).status).toBe(400);

    expect((await as.alice('post', `/volumes/${v.id}/metadata`, { metadata: { b: '2' } })).body).toEqual({ metadata: { a: '1', b: '2' } });
    expect((await as.alice('get', `/volumes/${v.id}/metadata/b`)).body).toEqual({ meta: { b: '2' } });
    expect((await as.alice('put', `/volumes/${v.id}/metadata/b`, { meta: { b: '3' } })).body).toEqual({ meta: { b: '3' } });
    expect((await as.alice('put', `/volumes/${v.id}/metadata/b`, { meta: { c: '3' } })).status).toBe(400);
    expect((await as.alice('delete', `/volumes/${v.id}/metadata/a`)).status).toBe(200);
    const missing = await as.alice('get', `/volumes/${v.id}/metadata/a`);
    expect([missing.status, fault(missing).message]).toEqual([404, `Volume ${v.id} has no metadata with key a.`]);
    expect((await as.alice('put', `/volumes/${v.id}/metadata`, { metadata: { only: 'this' } })).body).toEqual({ metadata: { only: 'this' } });
    expect((await as.alice('get', `/volumes/${v.id}/metadata`)).body).toEqual({ metadata: { only: 'this' } });

    expect((await as.alice('post', `/volumes/${v.id}/action`, { 'os-set_bootable': { bootable: true } })).status).toBe(200);
    expect((await as.alice('get', `/volumes/${v.id}`)).body.volume.bootable).toBe('true');
    const reset = await as.alice('post', `/volumes/${v.id}/action`, { 'os-reset_status': { status: 'error' } });
    expect([reset.status, fault(reset).message]).toEqual([403, "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed."]);
    expect((await as.admin('post', `/volumes/${v.id}/action`, { 'os-reset_status': { status: 'bogus' } })).status).toBe(400);
    expect((await as.admin('post', `/volumes/${v.id}/action`, { 'os-reset_status': { status: 'deleting' } })).status).toBe(400);
    expect((await as.admin('post', `/volumes/${v.id}/action`, { 'os-reset_status': { status: 'error' } })).status).toBe(202);
    expect((await as.alice('get', `/volumes/${v.id}`)).body.volume.status).toBe('error');
    expect((await as.alice('delete', `/volumes/${v.id}`)).status).toBe(202);
    await until('deleted', async () => ((await as.alice('get', `/volumes/${v.id}`)).status === 404 ? true : undefined));
  });

  it('type in use: cannot be deleted or have its specs changed; a type for another back end finds none', async () => {
    const type = (await as.admin('post', '/types', { volume_type: { name: 'used' } })).body.volume_type;
    const v = await createVolume({ size: 1, volume_type: 'used' });
    expect(v.volume_type).toBe('used');
    const del = await as.admin('delete', `/types/${type.id}`);
    expect([del.status, fault(del).message]).toEqual([400, 'Target volume type is still in use.']);
    const spec = await as.admin('post', `/types/${type.id}/extra_specs`, { extra_specs: { k: 'v' } });
    expect([spec.status, fault(spec).message]).toEqual([400, 'Volume Type is currently in use.']);
    expect((await as.alice('delete', `/volumes/${v.id}`)).status).toBe(202);
    await until('deleted', async () => ((await as.alice('get', `/volumes/${v.id}`)).status === 404 ? true : undefined));
    expect((await as.admin('delete', `/types/${type.id}`)).status).toBe(202);

    await as.admin('post', '/types', { volume_type: { name: 'elsewhere', extra_specs: { volume_backend_name: 'ceph' } } });
    const lost = await createVolume({ size: 1, volume_type: 'elsewhere' });
    expect(lost.status).toBe('error');
  });

  it('a volume the pool cannot hold fails with "no valid backend", a user message, and its quota given back', async () => {
    expect((await as.admin('put', `/os-quota-sets/${projectB}`, { quota_set: { gigabytes: -1 } })).status).toBe(200);
    const huge = await createVolume({ size: 10_000_000, name: 'huge' }, 'bob');
    expect(huge.status).toBe('error');
    expect((await as.bob('get', `/volumes/${huge.id}`, undefined, '3.65')).body.volume.consumes_quota).toBe(false);
    expect((await as.bob('get', '/limits')).body.limits.absolute).toMatchObject({ totalVolumesUsed: 0, totalGigabytesUsed: 0 });
    expect((await as.bob('get', '/messages')).status).toBe(404);
    const messages = (await as.bob('get', `/messages?resource_uuid=${huge.id}`, undefined, '3.3')).body.messages;
    expect(messages).toEqual([expect.objectContaining({
      resource_uuid: huge.id, resource_type: 'VOLUME', event_id: 'VOLUME_VOLUME_001_003', message_level: 'ERROR',
      user_message: 'schedule allocate volume:Could not find any available weighted backend.',
    })]);
    expect((await as.alice('get', `/messages/${messages[0].id}`, undefined, '3.3')).status).toBe(404);
    await expect(stat(join(pool, `volume-${huge.id}`))).rejects.toThrow();
    expect((await as.bob('delete', `/volumes/${huge.id}`)).status).toBe(202);
    expect((await as.bob('get', `/volumes/${huge.id}`)).status).toBe(404);
  });

  it('quotas: Cinder\'s defaults and keys, per-type keys, admin writes, members read their own; limits', async () => {
    const defaults = (await as.alice('get', `/os-quota-sets/${projectA}/defaults`)).body.quota_set;
    expect(defaults).toMatchObject({
      id: projectA, volumes: 10, snapshots: 10, gigabytes: 1000, backups: 10, backup_gigabytes: 1000, per_volume_gigabytes: -1, groups: 10,
      volumes___DEFAULT__: -1, gigabytes___DEFAULT__: -1, snapshots___DEFAULT__: -1, volumes_fast: -1,
    });
    const shown = (await as.alice('get', `/os-quota-sets/${projectA}?usage=False`)).body.quota_set;
    expect(shown).toMatchObject({ id: projectA, volumes: 10, gigabytes: 1000 });
    const usage = (await as.alice('get', `/os-quota-sets/${projectA}?usage=True`)).body.quota_set;
    expect(usage.volumes).toEqual({ limit: 10, in_use: expect.any(Number), reserved: 0 });
    expect(usage.volumes.in_use).toBeGreaterThan(0);
    const other = await as.alice('get', `/os-quota-sets/${projectB}`);
    expect([other.status, fault(other).message]).toEqual([403, "Policy doesn't allow volume_extension:quotas:show to be performed."]);
    expect((await as.alice('put', `/os-quota-sets/${projectA}`, { quota_set: { volumes: 20 } })).status).toBe(403);

    expect((await as.admin('put', `/os-quota-sets/${projectA}`, { quota_set: { volumes: 'many' } })).status).toBe(400);
    const badKey = await as.admin('put', `/os-quota-sets/${projectA}`, { quota_set: { colours: 3 } });
    expect([badKey.status, fault(badKey).message]).toEqual([400, 'Invalid input received: Bad key(s) in quota set: colours']);
    const below = await as.admin('put', `/os-quota-sets/${projectA}`, { quota_set: { volumes: 0 } });
    expect(below.status).toBe(400);
    expect(fault(below).message).toMatch(/^Quota volumes limit must be equal or greater than existing resources\. Current usage is \d+ and the requested limit is 0\.$/);
    const set = await as.admin('put', `/os-quota-sets/${projectA}`, { quota_set: { volumes: 20, volumes_fast: 3, per_volume_gigabytes: 5 } });
    expect(set.body.quota_set).toMatchObject({ volumes: 20, volumes_fast: 3, per_volume_gigabytes: 5 });
    const tooBig = await as.alice('post', '/volumes', { volume: { size: 6 } });
    expect([tooBig.status, fault(tooBig).message]).toEqual([413, 'VolumeSizeExceedsLimit: Requested volume size 6G is larger than maximum allowed limit 5G.']);
    expect((await as.admin('delete', `/os-quota-sets/${projectA}`)).status).toBe(200);
    expect((await as.alice('get', `/os-quota-sets/${projectA}`)).body.quota_set).toMatchObject({ volumes: 10, per_volume_gigabytes: -1 });

    const limits = (await as.alice('get', '/limits')).body.limits;
    expect(limits.rate).toEqual([]);
    expect(limits.absolute).toEqual({
      maxTotalVolumes: 10, maxTotalSnapshots: 10, maxTotalVolumeGigabytes: 1000, maxTotalBackups: 10, maxTotalBackupGigabytes: 1000,
      totalVolumesUsed: usage.volumes.in_use, totalGigabytesUsed: usage.gigabytes.in_use, totalSnapshotsUsed: usage.snapshots.in_use,
      totalBackupsUsed: 0, totalBackupGigabytesUsed: 0,
    });
  });

  it('enforces quotas race-free: 20 parallel creates against a quota of 5 make exactly 5 volumes', async () => {
    await as.admin('put', `/os-quota-sets/${projectC}`, { quota_set: { volumes: 5 } });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call('post', projectC, '/volumes', carol, { volume: { size: 1, name: `race-${i}` } })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 413)).toHaveLength(15);
    expect(fault(results.find((r) => r.status === 413)!)).toEqual({ code: 413, message: "VolumeLimitExceeded: Maximum number of volumes allowed (5) exceeded for quota 'volumes'." });
    expect((await call('get', projectC, '/volumes', carol)).body.volumes).toHaveLength(5);

    await as.admin('put', `/os-quota-sets/${projectC}`, { quota_set: { volumes: 10, gigabytes: 8 } });
    const gb = await call('post', projectC, '/volumes', carol, { volume: { size: 4 } });
    expect([gb.status, fault(gb).message]).toEqual([413, 'VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 4G, quota is 8G and 5G has been consumed.']);
    const ids = (await call('get', projectC, '/volumes', carol)).body.volumes.map((v: { id: string }) => v.id);
    for (const id of ids) await until(`race volume ${id} available`, async () => ((await call('get', projectC, `/volumes/${id}`, carol)).body.volume.status === 'available' ? true : undefined));
    const ext = await call('post', projectC, `/volumes/${ids[0]}/action`, carol, { 'os-extend': { new_size: 5 } });
    expect([ext.status, fault(ext).message]).toEqual([413, 'VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 4G, quota is 8G and 5G has been consumed.']);
    await as.admin('put', `/os-quota-sets/${projectC}`, { quota_set: { snapshots: 1 } });
    expect((await call('post', projectC, '/snapshots', carol, { snapshot: { volume_id: ids[0] } })).status).toBe(202);
    const snap2 = await call('post', projectC, '/snapshots', carol, { snapshot: { volume_id: ids[1] } });
    expect([snap2.status, fault(snap2).message]).toEqual([413, 'SnapshotLimitExceeded: Maximum number of snapshots allowed (1) exceeded']);
  });

  it('QoS specs: create with limits, associate with a type, refuse deletion while associated', async () => {
    const created = await as.admin('post', '/qos-specs', { qos_specs: { name: 'slow', consumer: 'front-end', read_iops_sec: '100', write_iops_sec: '50', read_bytes_sec: '1048576', write_bytes_sec: '524288' } });
    expect(created.status).toBe(200);
    const qos = created.body.qos_specs;
    expect(qos).toMatchObject({ name: 'slow', consumer: 'front-end', specs: { read_iops_sec: '100', write_iops_sec: '50', read_bytes_sec: '1048576', write_bytes_sec: '524288' } });
    expect((await as.admin('post', '/qos-specs', { qos_specs: { name: 'bad', read_iops_sec: 'lots' } })).status).toBe(400);
    expect((await as.admin('post', '/qos-specs', { qos_specs: { name: 'slow' } })).status).toBe(409);
    expect((await as.alice('get', '/qos-specs')).status).toBe(403);
    const type = (await as.admin('post', '/types', { volume_type: { name: 'throttled' } })).body.volume_type;
    expect((await as.admin('get', `/qos-specs/${qos.id}/associate?vol_type_id=${type.id}`)).status).toBe(202);
    expect((await as.admin('get', `/types/${type.id}`)).body.volume_type.qos_specs_id).toBe(qos.id);
    expect((await as.admin('get', `/qos-specs/${qos.id}/associations`)).body).toEqual({ qos_associations: [{ association_type: 'volume_type', name: 'throttled', id: type.id }] });
    const inUse = await as.admin('delete', `/qos-specs/${qos.id}`);
    expect([inUse.status, fault(inUse).message]).toEqual([400, 'Qos specs still in use.']);
    expect((await as.admin('put', `/qos-specs/${qos.id}`, { qos_specs: { total_iops_sec: '500' } })).body).toEqual({ qos_specs: { total_iops_sec: '500' } });
    expect((await as.admin('put', `/qos-specs/${qos.id}/delete_keys`, { keys: ['total_iops_sec'] })).status).toBe(202);
    expect((await as.admin('get', `/qos-specs/${qos.id}`)).body.qos_specs.specs.total_iops_sec).toBeUndefined();
    expect((await as.admin('get', `/qos-specs/${qos.id}/disassociate?vol_type_id=${type.id}`)).status).toBe(202);
    expect((await as.admin('delete', `/qos-specs/${qos.id}`)).status).toBe(202);
    expect((await as.admin('get', `/qos-specs/${qos.id}`)).status).toBe(404);
  });
});
