import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestContext } from '../../src/common/context/request-context';
import { EventMessage } from '../../src/common/messaging/message-bus';
import { RpcClient } from '../../src/common/messaging/rpc-client';
import { ImageRef } from '../../src/contracts/agent/agent.types';
import { IMAGE_RPC, ImageRpc } from '../../src/contracts/image/image.rpc';
import { DataUrlService } from '../../src/services/image/data-urls.service';
import { TestBerth, startTestBerth } from '../utils/test-berth';

jest.setTimeout(120_000);

const MAX_BODY = 65536;
const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';
const GLANCE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('image (Glance v2) on PostgreSQL and RabbitMQ', () => {
  let t: TestBerth;
  let dataDir: string;
  let admin: string;
  let adminProject: string;
  let bob: string; // member of p2
  let p2: string;
  let carol: string; // member of p3
  let p3: string;
  let rita: string; // reader of p2
  const events: EventMessage[] = [];

  const http = () => t.http();
  const imagesDir = () => join(dataDir, 'images');
  const filesOf = (id: string) => readdirSync(imagesDir()).filter((n) => n.includes(id));

  async function createImage(token: string, body: Record<string, unknown>): Promise<Record<string, any>> {
    const res = await http().post('/image/v2/images').set('X-Auth-Token', token).send(body);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
    return res.body;
  }

  async function upload(token: string, id: string, data: Buffer) {
    return http().put(`/image/v2/images/${id}/file`).set('X-Auth-Token', token).set('Content-Type', 'application/octet-stream').send(data);
  }

  async function show(token: string, id: string) {
    return http().get(`/image/v2/images/${id}`).set('X-Auth-Token', token);
  }

  async function download(path: string, token?: string) {
    const req = http().get(path).responseType('blob');
    return token ? req.set('X-Auth-Token', token) : req;
  }

  async function patch(token: string, id: string, ops: unknown[], type = PATCH_TYPE) {
    return http().patch(`/image/v2/images/${id}`).set('X-Auth-Token', token).set('Content-Type', type).send(JSON.stringify(ops));
  }

  async function userIn(name: string, project: string, role: string): Promise<string> {
    const password = `${name}-password-1`;
    const user = await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name, password } });
    expect(user.status).toBe(201);
    const roles = await http().get(`/identity/v3/roles?name=${role}`).set('X-Auth-Token', admin);
    const projects = await http().get(`/identity/v3/projects?name=${project}`).set('X-Auth-Token', admin);
    const grant = await http().put(`/identity/v3/projects/${projects.body.projects[0].id}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`).set('X-Auth-Token', admin);
    expect(grant.status).toBe(204);
    return t.token(name, password, project);
  }

  async function project(name: string): Promise<string> {
    const res = await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name } });
    expect(res.status).toBe(201);
    return res.body.project.id;
  }

  function ctxOf(projectId: string, roles = ['member', 'reader']): RequestContext {
    return { requestId: `req-${randomBytes(4).toString('hex')}`, projectId, roles, authenticated: true, isAdmin: roles.includes('admin') };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-image-e2e-'));
    t = await startTestBerth({ services: ['identity', 'image'], settings: { BERTH_MAX_BODY_BYTES: String(MAX_BODY), BERTH_DATA_DIR: dataDir } });
    await t.berth.bus.subscribe('image.#', async (e) => { events.push(e); });
    admin = await t.adminToken();
    const tok = await http().get('/identity/v3/auth/tokens').set('X-Auth-Token', admin).set('X-Subject-Token', admin);
    adminProject = tok.body.token.project.id;
    p2 = await project('p2');
    p3 = await project('p3');
    bob = await userIn('bob', 'p2', 'member');
    carol = await userIn('carol', 'p3', 'member');
    rita = await userIn('rita', 'p2', 'reader');
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('version discovery', () => {
    it('serves /image, /image/ and /image/v2 without a token', async () => {
      for (const path of ['/image', '/image/', '/image/v2']) {
        const res = await http().get(path);
        expect(res.status).toBe(300);
        expect(res.body.versions[0]).toEqual({ id: 'v2.15', status: 'CURRENT', links: [{ rel: 'self', href: `${t.url}/image/v2/` }] });
        expect(res.body.versions.every((v: { status: string }) => ['CURRENT', 'SUPPORTED'].includes(v.status))).toBe(true);
      }
    });

    it('needs a token for everything else, and serves the schemas', async () => {
      const anon = await http().get('/image/v2/images');
      expect(anon.status).toBe(401);
      expect(anon.body).toMatchObject({ code: 401, title: 'Unauthorized' });
      const schema = await http().get('/image/v2/schemas/image').set('X-Auth-Token', bob);
      expect(schema.status).toBe(200);
      expect(schema.body).toMatchObject({ name: 'image', additionalProperties: { type: 'string' } });
      expect(schema.body.properties.container_format.enum).toContain('docker');
      const list = await http().get('/image/v2/schemas/images').set('X-Auth-Token', bob);
      expect(list.body.properties.images.items.name).toBe('image');
    });
  });

  describe('create', () => {
    it('takes a flat body with extra string properties at the top level and returns the image unwrapped', async () => {
      const image = await createImage(admin, {
        name: 'cirros', container_format: 'bare', disk_format: 'qcow2', tags: ['t1', 't1', 't2'], min_ram: 64,
        hw_architecture: 'x86_64', docker_image: 'nginx:1.25', 'owner_specified.openstack.md5': '', kernel_id: 'k', ramdisk_id: 'r',
      });
      expect(image).toEqual({
        id: expect.stringMatching(UUID), name: 'cirros', status: 'queued', visibility: 'shared', protected: false, os_hidden: false,
        checksum: null, os_hash_algo: null, os_hash_value: null, owner: adminProject, size: null, virtual_size: null,
        min_ram: 64, min_disk: 0, container_format: 'bare', disk_format: 'qcow2',
        created_at: expect.stringMatching(GLANCE_TIME), updated_at: expect.stringMatching(GLANCE_TIME), tags: ['t1', 't2'],
        file: `/v2/images/${image.id}/file`, self: `/v2/images/${image.id}`, schema: '/v2/schemas/image',
        hw_architecture: 'x86_64', docker_image: 'nginx:1.25', 'owner_specified.openstack.md5': '', kernel_id: 'k', ramdisk_id: 'r',
      });
      const shown = await show(admin, image.id);
      expect(shown.status).toBe(200);
      expect(shown.body).toEqual(image);
      await eventually(async () => events.some((e) => e.event_type === 'image.create' && (e.payload as { id: string }).id === image.id));
    });

    it('honours a given id once (409 after, even once deleted), and creates with no body fields at all', async () => {
      const id = '6e1bd4d1-8d3a-4b54-8d6f-4d3c9b3d6a01';
      expect((await createImage(bob, { id, name: 'fixed' })).id).toBe(id);
      const again = await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ id, name: 'fixed' });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 409, title: 'Conflict' });
      expect((await http().delete(`/image/v2/images/${id}`).set('X-Auth-Token', bob)).status).toBe(204);
      expect((await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ id })).status).toBe(409);
      const bare = await createImage(bob, {});
      expect(bare).toMatchObject({ name: null, container_format: null, disk_format: null, owner: p2, visibility: 'shared' });
    });

    it('refuses read-only and reserved attributes with 403, as Glance', async () => {
      const size = await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ name: 'x', size: 5 });
      expect(size.status).toBe(403);
      expect(size.body).toEqual({ code: 403, title: 'Forbidden', message: "Attribute 'size' is read-only." });
      for (const key of ['status', 'checksum', 'created_at', 'os_hash_value', 'self', 'file']) {
        expect((await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ [key]: 'x' })).status).toBe(403);
      }
      const reserved = await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ deleted: 'true' });
      expect(reserved.status).toBe(403);
      expect(reserved.body.message).toBe("Attribute 'deleted' is reserved.");
    });

    it('refuses values that do not match the schema with 400', async () => {
      const bad = await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ name: 'x', container_format: 'tarball' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 400, title: 'Bad Request' });
      expect(bad.body.message).toContain('container_format');
      const cases = [{ disk_format: 'exe' }, { visibility: 'everyone' }, { min_ram: -1 }, { min_disk: 1.5 }, { protected: 'yes' },
        { tags: 'a' }, { name: 'n'.repeat(256) }, { id: 'not-a-uuid' }, { hw_cpu_cores: 4 }, { foo: null }];
      for (const body of cases) {
        const res = await http().post('/image/v2/images').set('X-Auth-Token', bob).send(body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
      const array = await http().post('/image/v2/images').set('X-Auth-Token', bob).send([{ name: 'x' }]);
      expect(array.status).toBe(400);
    });

    it('lets only admins create public images; members and readers get 403', async () => {
      const pub = await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ name: 'pub', visibility: 'public' });
      expect(pub.status).toBe(403);
      expect((await createImage(admin, { name: 'admin-public', visibility: 'public' })).visibility).toBe('public');
      const reader = await http().post('/image/v2/images').set('X-Auth-Token', rita).send({ name: 'by-reader' });
      expect(reader.status).toBe(403);
      expect((await http().get('/image/v2/images').set('X-Auth-Token', rita)).status).toBe(200);
      const owned = await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ name: 'someone-elses', owner: p3 });
      expect(owned.status).toBe(403);
    });

    it('answers 404 for unknown ids and for names in the id slot (the SDK then lists ?name=)', async () => {
      await createImage(bob, { name: 'by-name' });
      const byName = await show(bob, 'by-name');
      expect(byName.status).toBe(404);
      expect(byName.body).toMatchObject({ code: 404, title: 'Not Found' });
      expect((await show(bob, '3f1bd4d1-0000-4b54-8d6f-4d3c9b3d6a01')).status).toBe(404);
      const listed = await http().get('/image/v2/images?name=by-name').set('X-Auth-Token', bob);
      expect(listed.body.images.map((i: { name: string }) => i.name)).toEqual(['by-name']);
    });
  });

  describe('data', () => {
    it('uploads a few MB and downloads identical bytes with md5, sha512 and size; a second upload is 409', async () => {
      const image = await createImage(bob, { name: 'data', container_format: 'bare', disk_format: 'raw' });
      expect((await download(`/image/v2/images/${image.id}/file`, bob)).status).toBe(204);
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const put = await upload(bob, image.id, bytes);
      expect(put.status).toBe(204);
      const shown = (await show(bob, image.id)).body;
      expect(shown).toMatchObject({ status: 'active', size: bytes.length, checksum: md5(bytes), os_hash_algo: 'sha512', os_hash_value: sha512(bytes) });
      const got = await download(`/image/v2/images/${image.id}/file`, bob);
      expect(got.status).toBe(200);
      expect(got.headers['content-type']).toBe('application/octet-stream');
      expect(got.headers['content-length']).toBe(String(bytes.length));
      expect(got.headers['content-md5']).toBe(md5(bytes));
      expect(Buffer.compare(got.body as Buffer, bytes)).toBe(0);
      const second = await upload(bob, image.id, Buffer.from('again'));
      expect(second.status).toBe(409);
      expect(second.body.code).toBe(409);
      expect((await show(bob, image.id)).body.checksum).toBe(md5(bytes));
      await eventually(async () => events.some((e) => e.event_type === 'image.upload' && (e.payload as { id: string }).id === image.id));
    });

    it('streams uploads far larger than BERTH_MAX_BODY_BYTES, which still limits JSON bodies', async () => {
      const image = await createImage(bob, { name: 'big', container_format: 'docker', disk_format: 'raw' });
      const bytes = randomBytes(5 * 1024 * 1024);
      expect(bytes.length).toBeGreaterThan(MAX_BODY * 50);
      expect((await upload(bob, image.id, bytes)).status).toBe(204);
      expect((await show(bob, image.id)).body).toMatchObject({ status: 'active', size: bytes.length, checksum: md5(bytes) });
      const json = await http().post('/image/v2/images').set('X-Auth-Token', bob).send({ name: 'x', description: 'd'.repeat(MAX_BODY + 1) });
      expect(json.status).toBe(413);
    });

    it('marks an upload broken off mid-stream killed and leaves no data behind', async () => {
      const image = await createImage(bob, { name: 'aborted', container_format: 'bare', disk_format: 'raw' });
      const url = new URL(`${t.url}/image/v2/images/${image.id}/file`);
      const req = httpRequest({
        hostname: url.hostname, port: url.port, path: url.pathname, method: 'PUT',
        headers: { 'X-Auth-Token': bob, 'Content-Type': 'application/octet-stream', 'Content-Length': String(5 * 1024 * 1024) },
      });
      req.on('error', () => undefined);
      req.write(randomBytes(1024 * 1024));
      await eventually(async () => (await show(bob, image.id)).body.status === 'saving');
      await eventually(async () => filesOf(image.id).length > 0);
      req.destroy();
      await eventually(async () => (await show(bob, image.id)).body.status === 'killed');
      await eventually(async () => filesOf(image.id).length === 0);
      expect((await show(bob, image.id)).body).toMatchObject({ size: null, checksum: null });
      expect((await download(`/image/v2/images/${image.id}/file`, bob)).status).toBe(204);
      expect((await upload(bob, image.id, Buffer.from('retry'))).status).toBe(409);
    });

    it('refuses other media types on upload, and data before the formats are set', async () => {
      const image = await createImage(bob, { name: 'typed', container_format: 'bare', disk_format: 'raw' });
      const text = await http().put(`/image/v2/images/${image.id}/file`).set('X-Auth-Token', bob).set('Content-Type', 'text/plain').send('hello');
      expect(text.status).toBe(415);
      const json = await http().put(`/image/v2/images/${image.id}/file`).set('X-Auth-Token', bob).send({ a: 1 });
      expect(json.status).toBe(415);
      expect((await show(bob, image.id)).body.status).toBe('queued');
      const octetElsewhere = await http().post('/identity/v3/projects').set('X-Auth-Token', admin).set('Content-Type', 'application/octet-stream').send(Buffer.from('{}'));
      expect(octetElsewhere.status).toBe(415);
      const noFormats = await createImage(bob, { name: 'no-formats' });
      expect((await upload(bob, noFormats.id, Buffer.from('x'))).status).toBe(400);
    });
  });

  describe('list', () => {
    const names = ['page-c', 'page-a', 'page-f', 'page-b', 'page-e', 'page-d', 'page-g'];
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      for (const [n, name] of names.entries()) {
        const image = await createImage(carol, {
          name, tags: ['paging', n % 2 ? 'odd' : 'even'], container_format: n < 3 ? 'docker' : 'bare', disk_format: n < 3 ? 'raw' : 'qcow2',
          visibility: n === 6 ? 'private' : 'shared', min_ram: n, hw_architecture: n < 2 ? 'aarch64' : 'x86_64',
        });
        ids[name] = image.id;
      }
    });

    async function list(query: string, token = carol) {
      const res = await http().get(`/image/v2/images${query}`).set('X-Auth-Token', token);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
      return res.body as { images: Array<Record<string, any>>; first: string; next?: string; schema: string };
    }

    it('pages with limit/marker and `next` links relative to the endpoint, sorted by sort=key:dir', async () => {
      const first = await list('?tag=paging&limit=3&sort=name:asc');
      expect(first.first).toBe('/v2/images?tag=paging&limit=3&sort=name%3Aasc');
      expect(first.schema).toBe('/v2/schemas/images');
      const seen: string[] = first.images.map((i) => i.name);
      let next = first.next;
      let pages = 1;
      while (next) {
        expect(next).toMatch(/^\/v2\/images\?.*marker=/);
        const res = await http().get(`/image${next}`).set('X-Auth-Token', carol);
        expect(res.status).toBe(200);
        seen.push(...res.body.images.map((i: { name: string }) => i.name));
        next = res.body.next;
        pages++;
      }
      expect(seen).toEqual([...names].sort());
      expect(pages).toBe(3);
    });

    it('sorts with sort_key/sort_dir, newest first by default, and refuses unknown sort keys', async () => {
      const desc = await list('?tag=paging&sort_key=name&sort_dir=desc');
      expect(desc.images.map((i) => i.name)).toEqual([...names].sort().reverse());
      expect(desc.next).toBeUndefined();
      const byRam = await list('?tag=paging&sort_key=min_ram&sort_dir=asc&limit=2');
      expect(byRam.images.map((i) => i.name)).toEqual(['page-c', 'page-a']);
      const newest = await list('?tag=paging&limit=1');
      expect(newest.images[0].name).toBe('page-g');
      expect((await http().get('/image/v2/images?sort_key=color').set('X-Auth-Token', carol)).status).toBe(400);
      expect((await http().get('/image/v2/images?marker=nope').set('X-Auth-Token', carol)).status).toBe(400);
    });

    it('filters by name, status, visibility, owner, formats, tags and properties (member_status ignored)', async () => {
      const names_ = (b: { images: Array<Record<string, any>> }) => b.images.map((i) => String(i.name)).sort();
      expect(names_(await list('?name=page-d'))).toEqual(['page-d']);
      expect(names_(await list('?name=in:page-a,page-b'))).toEqual(['page-a', 'page-b']);
      expect(names_(await list('?tag=paging&container_format=docker'))).toEqual(['page-a', 'page-c', 'page-f']);
      expect(names_(await list('?tag=paging&disk_format=qcow2&tag=odd'))).toEqual(['page-b', 'page-d']);
      expect(names_(await list('?tag=paging&visibility=private'))).toEqual(['page-g']);
      expect(names_(await list('?tag=paging&status=queued&member_status=all'))).toHaveLength(7);
      expect(names_(await list('?tag=paging&status=active'))).toEqual([]);
      expect(names_(await list(`?tag=paging&owner=${p3}&hw_architecture=aarch64`))).toEqual(['page-a', 'page-c']);
      expect((await http().get('/image/v2/images?visibility=everyone').set('X-Auth-Token', carol)).status).toBe(400);
      expect((await http().get('/image/v2/images?status=gone').set('X-Auth-Token', carol)).status).toBe(400);
    });
  });

  describe('JSON-patch', () => {
    it('adds, replaces and removes attributes and properties', async () => {
      const image = await createImage(bob, { name: 'patchme', container_format: 'bare', disk_format: 'raw', color: 'red', size_hint: 'x' });
      const res = await patch(bob, image.id, [
        { op: 'replace', path: '/name', value: 'patched' },
        { op: 'add', path: '/foo', value: 'bar' },
        { op: 'replace', path: '/color', value: 'blue' },
        { op: 'remove', path: '/size_hint' },
        { op: 'add', path: '/tags', value: ['x', 'y'] },
        { op: 'replace', path: '/min_ram', value: 128 },
        { op: 'replace', path: '/protected', value: true },
        { op: 'replace', path: '/visibility', value: 'private' },
        { op: 'add', path: '/a~1b', value: 'slash' },
        { op: 'replace', path: '/disk_format', value: 'qcow2' },
      ]);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: image.id, name: 'patched', foo: 'bar', color: 'blue', tags: ['x', 'y'], min_ram: 128, protected: true, visibility: 'private', 'a/b': 'slash', disk_format: 'qcow2' });
      expect(res.body.size_hint).toBeUndefined();
      expect((await show(bob, image.id)).body).toEqual(res.body);
    });

    it('answers Glance\'s errors: 409 for missing properties, 403 for read-only ones, 415 for plain JSON, 400 for bad documents', async () => {
      const image = await createImage(bob, { name: 'patch-errors', container_format: 'bare', disk_format: 'raw' });
      expect((await patch(bob, image.id, [{ op: 'remove', path: '/nothing' }])).status).toBe(409);
      expect((await patch(bob, image.id, [{ op: 'replace', path: '/nothing', value: 'x' }])).status).toBe(409);
      const status = await patch(bob, image.id, [{ op: 'replace', path: '/status', value: 'active' }]);
      expect(status.status).toBe(403);
      expect(status.body.message).toBe("Attribute 'status' is read-only.");
      expect((await patch(bob, image.id, [{ op: 'remove', path: '/name' }])).status).toBe(403);
      expect((await patch(bob, image.id, [{ op: 'replace', path: '/name', value: 'x' }], 'application/json')).status).toBe(415);
      expect((await patch(bob, image.id, [{ op: 'move', path: '/name', from: '/x' }])).status).toBe(400);
      expect((await patch(bob, image.id, [{ op: 'add', path: '/a/b', value: 'x' }])).status).toBe(400);
      expect((await patch(bob, image.id, [{ op: 'add', path: '/n', value: 1 }])).status).toBe(400);
      expect((await patch(bob, image.id, { op: 'add' } as unknown as unknown[])).status).toBe(400);
      expect((await patch(bob, image.id, [{ op: 'replace', path: '/visibility', value: 'public' }])).status).toBe(403);
      await upload(bob, image.id, Buffer.from('data'));
      const format = await patch(bob, image.id, [{ op: 'replace', path: '/container_format', value: 'docker' }]);
      expect(format.status).toBe(403);
      expect((await patch(bob, image.id, [{ op: 'replace', path: '/name', value: 'active-renamed' }])).body.name).toBe('active-renamed');
      const other = await patch(carol, image.id, [{ op: 'replace', path: '/name', value: 'x' }]);
      expect(other.status).toBe(404);
    });
  });

  describe('delete', () => {
    it('deletes the record and its data; a protected image is 403 until unprotected', async () => {
      const image = await createImage(bob, { name: 'doomed', container_format: 'bare', disk_format: 'raw', protected: true });
      expect((await upload(bob, image.id, randomBytes(4096))).status).toBe(204);
      expect(filesOf(image.id)).toEqual([image.id]);
      const refused = await http().delete(`/image/v2/images/${image.id}`).set('X-Auth-Token', bob);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toContain('protected');
      expect((await patch(bob, image.id, [{ op: 'replace', path: '/protected', value: false }])).status).toBe(200);
      expect((await http().delete(`/image/v2/images/${image.id}`).set('X-Auth-Token', rita)).status).toBe(403);
      expect((await http().delete(`/image/v2/images/${image.id}`).set('X-Auth-Token', bob)).status).toBe(204);
      expect((await show(bob, image.id)).status).toBe(404);
      expect((await http().delete(`/image/v2/images/${image.id}`).set('X-Auth-Token', bob)).status).toBe(404);
      expect(filesOf(image.id)).toEqual([]);
      await eventually(async () => events.some((e) => e.event_type === 'image.delete' && (e.payload as { id: string }).id === image.id));
    });
  });

  describe('visibility across projects', () => {
    let priv: string;
    let shared: string;
    let community: string;
    let pub: string;

    beforeAll(async () => {
      priv = (await createImage(bob, { name: 'bob-private', visibility: 'private', tags: ['vis'] })).id;
      shared = (await createImage(bob, { name: 'bob-shared', tags: ['vis'] })).id;
      community = (await createImage(bob, { name: 'bob-community', visibility: 'community', tags: ['vis'] })).id;
      pub = (await createImage(admin, { name: 'admin-public-vis', visibility: 'public', tags: ['vis'] })).id;
    });

    const listNames = async (token: string, query = '') =>
      ((await http().get(`/image/v2/images?tag=vis${query}`).set('X-Auth-Token', token)).body.images as Array<{ name: string }>).map((i) => i.name).sort();

    it('hides other projects\' private and shared images (404), shows public and community ones', async () => {
      expect((await show(carol, priv)).status).toBe(404);
      expect((await show(carol, shared)).status).toBe(404);
      expect((await show(carol, community)).status).toBe(200);
      expect((await show(carol, pub)).status).toBe(200);
      expect((await download(`/image/v2/images/${priv}/file`, carol)).status).toBe(404);
      expect(await listNames(carol)).toEqual(['admin-public-vis']);
      expect(await listNames(carol, '&visibility=community')).toEqual(['bob-community']);
      expect(await listNames(carol, '&visibility=all')).toEqual(['admin-public-vis', 'bob-community']);
      expect(await listNames(bob)).toEqual(['admin-public-vis', 'bob-community', 'bob-private', 'bob-shared']);
      expect(await listNames(rita)).toEqual(['admin-public-vis', 'bob-community', 'bob-private', 'bob-shared']);
      expect(await listNames(admin)).toEqual(['admin-public-vis', 'bob-community', 'bob-private', 'bob-shared']);
    });

    it('lets only the owner (or an admin) change what others can see: 403 for visible, 404 for hidden', async () => {
      expect((await patch(carol, pub, [{ op: 'replace', path: '/name', value: 'x' }])).status).toBe(403);
      expect((await patch(carol, community, [{ op: 'replace', path: '/name', value: 'x' }])).status).toBe(403);
      expect((await http().delete(`/image/v2/images/${priv}`).set('X-Auth-Token', carol)).status).toBe(404);
      expect((await http().delete(`/image/v2/images/${pub}`).set('X-Auth-Token', carol)).status).toBe(403);
      expect((await patch(admin, priv, [{ op: 'add', path: '/audited', value: 'yes' }])).status).toBe(200);
    });

    it('applies the same rules to getImage over RPC', async () => {
      const rpc = new RpcClient<ImageRpc>(t.berth.bus, IMAGE_RPC);
      await expect(rpc.call('getImage', { imageId: priv }, ctxOf(p3))).rejects.toMatchObject({ status: 404 });
      const own = await rpc.call('getImage', { imageId: priv }, ctxOf(p2));
      expect(own).toMatchObject({ id: priv, name: 'bob-private', status: 'queued', visibility: 'private', owner: p2, minDisk: 0, minRam: 0, properties: {} });
      expect((await rpc.call('getImage', { imageId: pub }, ctxOf(p3))).visibility).toBe('public');
      expect((await rpc.call('getImage', { imageId: priv }, ctxOf(adminProject, ['admin', 'member', 'reader']))).id).toBe(priv);
      await expect(rpc.call('getImage', { imageId: 'bob-private' }, ctxOf(p2))).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('signed data URLs, getImageRef and predistribution', () => {
    let image: Record<string, any>;
    const bytes = randomBytes(256 * 1024);
    const rpc = () => new RpcClient<ImageRpc>(t.berth.bus, IMAGE_RPC);

    beforeAll(async () => {
      image = await createImage(bob, { name: 'app', container_format: 'docker', disk_format: 'raw' });
    });

    it('getImageRef is 409 until the image is active, then gives a signed URL that streams the data without a token', async () => {
      await expect(rpc().call('getImageRef', { imageId: image.id }, ctxOf(p2))).rejects.toMatchObject({ status: 409 });
      expect((await upload(bob, image.id, bytes)).status).toBe(204);
      const ref: ImageRef = await rpc().call('getImageRef', { imageId: image.id }, ctxOf(p2));
      expect(ref).toMatchObject({ id: image.id, name: 'app', containerFormat: 'docker', diskFormat: 'raw', size: bytes.length, checksum: md5(bytes) });
      expect(ref.dataUrl.startsWith(`${t.url}/image/v2/internal/images/${image.id}/data?expires=`)).toBe(true);
      const path = ref.dataUrl.slice(t.url.length);
      const got = await download(path);
      expect(got.status).toBe(200);
      expect(got.headers['content-md5']).toBe(md5(bytes));
      expect(Buffer.compare(got.body as Buffer, bytes)).toBe(0);
      await expect(rpc().call('getImageRef', { imageId: image.id }, ctxOf(p3))).rejects.toMatchObject({ status: 404 });
    });

    it('refuses a tampered, re-dated or expired URL with 403', async () => {
      const ref: ImageRef = await rpc().call('getImageRef', { imageId: image.id }, ctxOf(p2));
      const u = new URL(ref.dataUrl);
      const sig = u.searchParams.get('signature')!;
      const tampered = new URL(u);
      tampered.searchParams.set('signature', `${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
      const redated = new URL(u);
      redated.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600));
      const otherImage = ref.dataUrl.replace(image.id, '00000000-0000-4000-8000-000000000000');
      const expired = await t.berth.app.get(DataUrlService).sign(image.id, -5);
      const missing = `${u.pathname}`;
      for (const url of [tampered.toString(), redated.toString(), otherImage, expired, `${t.url}${missing}`]) {
        const res = await download(url.slice(t.url.length));
        expect({ url, status: res.status }).toEqual({ url, status: 403 });
      }
    });

    it('predistributes an active image: casts prefetchImage with its ImageRef to each host (admin only)', async () => {
      const received: Array<{ host: string; method: string; args: { image: ImageRef } }> = [];
      const subs = await Promise.all(['h1', 'h2'].map((host) => t.berth.bus.serve(`agent.${host}`, async (method, args) => {
        received.push({ host, method, args: args as { image: ImageRef } });
      })));
      try {
        const res = await http().post(`/image/v2/images/${image.id}/actions/predistribute`).set('X-Auth-Token', admin).send({ hosts: ['h1', 'h2', 'h1'] });
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ image_id: image.id, hosts: ['h1', 'h2'] });
        await eventually(async () => received.length === 2);
        expect(received.map((r) => r.host).sort()).toEqual(['h1', 'h2']);
        for (const r of received) {
          expect(r.method).toBe('prefetchImage');
          expect(r.args.image).toMatchObject({ id: image.id, checksum: md5(bytes), size: bytes.length });
        }
        const fetched = await download(received[0].args.image.dataUrl.slice(t.url.length));
        expect(Buffer.compare(fetched.body as Buffer, bytes)).toBe(0);
      } finally {
        await Promise.all(subs.map((s) => s.close()));
      }
      const member = await http().post(`/image/v2/images/${image.id}/actions/predistribute`).set('X-Auth-Token', bob).send({ hosts: ['h1'] });
      expect(member.status).toBe(403);
      const queued = await createImage(admin, { name: 'not-yet' });
      const notActive = await http().post(`/image/v2/images/${queued.id}/actions/predistribute`).set('X-Auth-Token', admin).send({ hosts: ['h1'] });
      expect(notActive.status).toBe(400);
      for (const body of [{}, { hosts: [] }, { hosts: 'h1' }, { hosts: ['bad host'] }, { hosts: ['h1'], extra: 1 }]) {
        const res = await http().post(`/image/v2/images/${image.id}/actions/predistribute`).set('X-Auth-Token', admin).send(body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
    });
  });
});
