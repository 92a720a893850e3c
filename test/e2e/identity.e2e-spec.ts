import { ADMIN_PASSWORD, TestBerth, startTestBerth } from '../utils/test-berth';

jest.setTimeout(60000);

const pw = (name: string, password: string, scope?: unknown) => ({
  auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } }, ...(scope ? { scope } : {}) },
});

async function eventually(check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

describe('identity (Keystone v3) on PostgreSQL and RabbitMQ', () => {
  let t: TestBerth;
  let admin: string;

  beforeAll(async () => {
    t = await startTestBerth({ settings: { BERTH_LOCKOUT_FAILURES: '3', BERTH_LOCKOUT_SECONDS: '2' } });
    admin = await t.adminToken();
  });
  afterAll(async () => t?.close());

  async function createProject(name: string): Promise<string> {
    const res = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name } });
    expect(res.status).toBe(201);
    return res.body.project.id;
  }

  async function createUser(name: string, password: string, projectId?: string): Promise<string> {
    const res = await t.http().post('/identity/v3/users').set('X-Auth-Token', admin)
      .send({ user: { name, password, ...(projectId ? { default_project_id: projectId } : {}) } });
    expect(res.status).toBe(201);
    return res.body.user.id;
  }

  async function roleId(name: string): Promise<string> {
    const res = await t.http().get(`/identity/v3/roles?name=${name}`).set('X-Auth-Token', admin);
    return res.body.roles[0].id;
  }

  async function grant(projectId: string, userId: string, role: string): Promise<void> {
    const res = await t.http().put(`/identity/v3/projects/${projectId}/users/${userId}/roles/${await roleId(role)}`).set('X-Auth-Token', admin);
    expect(res.status).toBe(204);
  }

  describe('version discovery', () => {
    it('serves /identity and /identity/v3 without a token', async () => {
      const root = await t.http().get('/identity/');
      expect(root.status).toBe(300);
      expect(root.body.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' });
      const v3 = await t.http().get('/identity/v3');
      expect(v3.status).toBe(200);
      expect(v3.body.version.links[0].href).toBe(`${t.url.replace('127.0.0.1', '127.0.0.1')}/identity/v3/`);
    });
  });

  describe('tokens', () => {
    it('issues a project-scoped token with X-Subject-Token, roles and a catalog of every service', async () => {
      const res = await t.http().post('/identity/v3/auth/tokens').send(pw('admin', ADMIN_PASSWORD, { project: { name: 'admin', domain: { name: 'Default' } } }));
      expect(res.status).toBe(201);
      expect(res.headers['x-subject-token']).toMatch(/^[\w-]+\.[\w-]+$/);
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
      const token = res.body.token;
      expect(token.methods).toEqual(['password']);
      expect(token.user).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
      expect(token.project).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
      expect(token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
      expect(Date.parse(token.expires_at) - Date.now()).toBeGreaterThan(3500 * 1000);
      const types = token.catalog.map((c: { type: string }) => c.type).sort();
      expect(types).toEqual(['compute', 'container', 'identity', 'image', 'network', 'placement', 'volumev3']);
      const volume = token.catalog.find((c: { type: string }) => c.type === 'volumev3');
      expect(volume.endpoints[0].url).toBe(`${t.url}/volume/v3/${token.project.id}`);
    });

    it('issues unscoped and domain-scoped tokens, and omits the catalog with ?nocatalog', async () => {
      const unscoped = await t.http().post('/identity/v3/auth/tokens?nocatalog').send({ ...pw('admin', ADMIN_PASSWORD), auth: { ...pw('admin', ADMIN_PASSWORD).auth, scope: 'unscoped' } });
      expect(unscoped.status).toBe(201);
      expect(unscoped.body.token.project).toBeUndefined();
      expect(unscoped.body.token.catalog).toBeUndefined();
      const domain = await t.http().post('/identity/v3/auth/tokens').send(pw('admin', ADMIN_PASSWORD, { domain: { id: 'default' } }));
      expect(domain.status).toBe(201);
      expect(domain.body.token.domain).toEqual({ id: 'default', name: 'Default' });
    });

    it('rescopes with the token method and never extends the expiry', async () => {
      const first = await t.http().post('/identity/v3/auth/tokens').send({ auth: { ...pw('admin', ADMIN_PASSWORD).auth, scope: 'unscoped' } });
      const res = await t.http().post('/identity/v3/auth/tokens').send({
        auth: { identity: { methods: ['token'], token: { id: first.headers['x-subject-token'] } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } },
      });
      expect(res.status).toBe(201);
      expect(res.body.token.project.name).toBe('admin');
      expect(Date.parse(res.body.token.expires_at)).toBeLessThanOrEqual(Date.parse(first.body.token.expires_at));
      expect(res.body.token.audit_ids).toHaveLength(2);
    });

    it('validates (GET, HEAD) and revokes (DELETE) a token; a revoked token is refused', async () => {
      const subject = await t.token('admin', ADMIN_PASSWORD, 'admin');
      const shown = await t.http().get('/identity/v3/auth/tokens').set('X-Auth-Token', admin).set('X-Subject-Token', subject);
      expect(shown.status).toBe(200);
      expect(shown.body.token.user.name).toBe('admin');
      expect((await t.http().head('/identity/v3/auth/tokens').set('X-Auth-Token', admin).set('X-Subject-Token', subject)).status).toBe(200);
      expect((await t.http().delete('/identity/v3/auth/tokens').set('X-Auth-Token', admin).set('X-Subject-Token', subject)).status).toBe(204);
      const after = await t.http().get('/identity/v3/auth/catalog').set('X-Auth-Token', subject);
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe(401);
      expect((await t.http().get('/identity/v3/auth/tokens').set('X-Auth-Token', admin).set('X-Subject-Token', subject)).status).toBe(404);
    });

    it('answers 401 without saying whether the user or the password was wrong', async () => {
      const wrongPassword = await t.http().post('/identity/v3/auth/tokens').send(pw('admin', 'not-the-password'));
      const noSuchUser = await t.http().post('/identity/v3/auth/tokens').send(pw('ghost', 'whatever'));
      expect(wrongPassword.status).toBe(401);
      expect(noSuchUser.status).toBe(401);
      expect(wrongPassword.body).toEqual(noSuchUser.body);
      expect(wrongPassword.body).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    });

    it('locks a user after repeated failures, even for the right password, then lets them in again', async () => {
      await createUser('lockme', 'right-password-1');
      for (let i = 0; i < 3; i++) expect((await t.http().post('/identity/v3/auth/tokens').send(pw('lockme', 'wrong'))).status).toBe(401);
      const locked = await t.http().post('/identity/v3/auth/tokens').send(pw('lockme', 'right-password-1'));
      expect(locked.status).toBe(401);
      expect(locked.body.error.message).toMatch(/locked/);
      const ghost = await t.http().post('/identity/v3/auth/tokens').send(pw('lockme-ghost', 'x'));
      for (let i = 0; i < 3; i++) await t.http().post('/identity/v3/auth/tokens').send(pw('lockme-ghost', 'x'));
      expect(ghost.status).toBe(401);
      expect((await t.http().post('/identity/v3/auth/tokens').send(pw('lockme-ghost', 'x'))).body.error.message).toMatch(/locked/);
      await new Promise((r) => setTimeout(r, 2100));
      expect((await t.http().post('/identity/v3/auth/tokens').send(pw('lockme', 'right-password-1'))).status).toBe(201);
    });

    it('rejects bad auth bodies with 400 naming the field', async () => {
      const noMethods = await t.http().post('/identity/v3/auth/tokens').send({ auth: { identity: { methods: 'password' } } });
      expect(noMethods.status).toBe(400);
      expect(noMethods.body.error.message).toContain('auth.identity.methods');
      const noPassword = await t.http().post('/identity/v3/auth/tokens').send({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' } } } } } });
      expect(noPassword.status).toBe(400);
      expect(noPassword.body.error.message).toContain('auth.identity.password.user.password');
      const malformed = await t.http().post('/identity/v3/auth/tokens').set('content-type', 'application/json').send('{"auth": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.title).toBe('Bad Request');
    });

    it('refuses requests without a valid token with 401 in Keystone\'s shape', async () => {
      const none = await t.http().get('/identity/v3/projects');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toContain('Keystone');
      expect((await t.http().get('/identity/v3/projects').set('X-Auth-Token', 'garbage')).status).toBe(401);
      const forged = admin.replace(/\.[\w-]+$/, '.AAAA');
      expect((await t.http().get('/identity/v3/projects').set('X-Auth-Token', forged)).status).toBe(401);
    });
  });

  describe('projects, users, roles and policy', () => {
    let projectA: string;
    let projectB: string;
    let alice: string;
    let aliceToken: string;

    beforeAll(async () => {
      projectA = await createProject('project-a');
      projectB = await createProject('project-b');
      alice = await createUser('alice', 'alice-password', projectA);
      await grant(projectA, alice, 'member');
      aliceToken = await t.token('alice', 'alice-password', 'project-a');
    });

    it('creates, lists, filters, shows, updates and deletes a project', async () => {
      const id = await createProject('scratch');
      const list = await t.http().get('/identity/v3/projects?name=scratch').set('X-Auth-Token', admin);
      expect(list.body.projects.map((p: { id: string }) => p.id)).toEqual([id]);
      const shown = await t.http().get(`/identity/v3/projects/${id}`).set('X-Auth-Token', admin);
      expect(shown.body.project).toMatchObject({ id, name: 'scratch', domain_id: 'default', enabled: true, is_domain: false });
      const patched = await t.http().patch(`/identity/v3/projects/${id}`).set('X-Auth-Token', admin).send({ project: { description: 'hello' } });
      expect(patched.status).toBe(200);
      expect(patched.body.project.description).toBe('hello');
      expect((await t.http().delete(`/identity/v3/projects/${id}`).set('X-Auth-Token', admin)).status).toBe(204);
      const gone = await t.http().get(`/identity/v3/projects/${id}`).set('X-Auth-Token', admin);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({ error: { code: 404, title: 'Not Found', message: `Could not find project: ${id}.` } });
    });

    it('answers a duplicate name with 409 and changes nothing', async () => {
      const res = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'project-a' } });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('Duplicate entry');
      const list = await t.http().get('/identity/v3/projects?name=project-a').set('X-Auth-Token', admin);
      expect(list.body.projects).toHaveLength(1);
    });

    it('rejects unknown fields and wrong types with 400 naming the field', async () => {
      const unknown = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'p1', colour: 'red' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain('project.colour');
      const wrongType = await t.http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'p2', enabled: 'yes' } });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.message).toContain('project.enabled');
      const missing = await t.http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: {} });
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('user.name');
      expect((await t.http().get('/identity/v3/projects?name=p1').set('X-Auth-Token', admin)).body.projects).toHaveLength(0);
    });

    it('never returns password hashes and shows a user to itself', async () => {
      const res = await t.http().get(`/identity/v3/users/${alice}`).set('X-Auth-Token', aliceToken);
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ id: alice, name: 'alice', default_project_id: projectA });
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|password_hash|passwordHash/);
    });

    it('lets a member see its own project and user, but not others (404) nor admin APIs (403)', async () => {
      expect((await t.http().get(`/identity/v3/projects/${projectA}`).set('X-Auth-Token', aliceToken)).status).toBe(200);
      expect((await t.http().get(`/identity/v3/projects/${projectB}`).set('X-Auth-Token', aliceToken)).status).toBe(404);
      const list = await t.http().get('/identity/v3/projects').set('X-Auth-Token', aliceToken);
      expect(list.status).toBe(403);
      expect(list.body.error).toMatchObject({ code: 403, title: 'Forbidden' });
      expect((await t.http().post('/identity/v3/users').set('X-Auth-Token', aliceToken).send({ user: { name: 'mallory' } })).status).toBe(403);
      const own = await t.http().get(`/identity/v3/users/${alice}/projects`).set('X-Auth-Token', aliceToken);
      expect(own.body.projects.map((p: { name: string }) => p.name)).toEqual(['project-a']);
      const auth = await t.http().get('/identity/v3/auth/projects').set('X-Auth-Token', aliceToken);
      expect(auth.body.projects.map((p: { name: string }) => p.name)).toEqual(['project-a']);
    });

    it('refuses to scope to a project the user has no role on', async () => {
      const res = await t.http().post('/identity/v3/auth/tokens').send(pw('alice', 'alice-password', { project: { id: projectB } }));
      expect(res.status).toBe(401);
    });

    it('expands implied roles and lists assignments with names', async () => {
      const token = await t.http().get('/identity/v3/auth/tokens').set('X-Auth-Token', admin).set('X-Subject-Token', aliceToken);
      expect(token.body.token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['member', 'reader']);
      const res = await t.http().get(`/identity/v3/role_assignments?user.id=${alice}&include_names`).set('X-Auth-Token', admin);
      expect(res.body.role_assignments).toEqual([{
        role: { id: await roleId('member'), name: 'member' },
        user: { id: alice, name: 'alice', domain: { id: 'default', name: 'Default' } },
        scope: { project: { id: projectA, name: 'project-a', domain: { id: 'default', name: 'Default' } } },
      }]);
      const effective = await t.http().get(`/identity/v3/role_assignments?user.id=${alice}&effective`).set('X-Auth-Token', admin);
      expect(effective.body.role_assignments).toHaveLength(2);
    });

    it('revokes a user\'s tokens on that project when the role is removed, within seconds', async () => {
      const bob = await createUser('bob', 'bob-password');
      await grant(projectB, bob, 'member');
      const bobToken = await t.token('bob', 'bob-password', 'project-b');
      expect((await t.http().get('/identity/v3/auth/catalog').set('X-Auth-Token', bobToken)).status).toBe(200);
      const del = await t.http().delete(`/identity/v3/projects/${projectB}/users/${bob}/roles/${await roleId('member')}`).set('X-Auth-Token', admin);
      expect(del.status).toBe(204);
      await eventually(async () => (await t.http().get('/identity/v3/auth/catalog').set('X-Auth-Token', bobToken)).status === 401);
      const again = await t.http().delete(`/identity/v3/projects/${projectB}/users/${bob}/roles/${await roleId('member')}`).set('X-Auth-Token', admin);
      expect(again.status).toBe(404);
    });

    it('revokes tokens when a user is disabled or changes its password', async () => {
      const carol = await createUser('carol', 'carol-password-1', projectA);
      await grant(projectA, carol, 'reader');
      const carolToken = await t.token('carol', 'carol-password-1', 'project-a');
      const change = await t.http().post(`/identity/v3/users/${carol}/password`).set('X-Auth-Token', carolToken)
        .send({ user: { original_password: 'carol-password-1', password: 'carol-password-2' } });
      expect(change.status).toBe(204);
      await eventually(async () => (await t.http().get('/identity/v3/auth/catalog').set('X-Auth-Token', carolToken)).status === 401);
      const fresh = await t.token('carol', 'carol-password-2', 'project-a');
      await t.http().patch(`/identity/v3/users/${carol}`).set('X-Auth-Token', admin).send({ user: { enabled: false } });
      await eventually(async () => (await t.http().get('/identity/v3/auth/catalog').set('X-Auth-Token', fresh)).status === 401);
      expect((await t.http().post('/identity/v3/auth/tokens').send(pw('carol', 'carol-password-2'))).status).toBe(401);
    });

    it('gives a reader read access only', async () => {
      const dave = await createUser('dave', 'dave-password');
      await grant(projectA, dave, 'reader');
      const daveToken = await t.token('dave', 'dave-password', 'project-a');
      expect((await t.http().get(`/identity/v3/projects/${projectA}`).set('X-Auth-Token', daveToken)).status).toBe(200);
      expect((await t.http().patch(`/identity/v3/projects/${projectA}`).set('X-Auth-Token', daveToken).send({ project: { description: 'x' } })).status).toBe(403);
    });
  });

  describe('paging', () => {
    it('pages projects with limit and marker, following links.next, and refuses a bad limit', async () => {
      for (const n of ['pg-1', 'pg-2', 'pg-3']) await createProject(n);
      const first = await t.http().get('/identity/v3/projects?limit=2&sort_key=name&sort_dir=asc').set('X-Auth-Token', admin);
      expect(first.status).toBe(200);
      expect(first.body.projects).toHaveLength(2);
      const names: string[] = first.body.projects.map((p: { name: string }) => p.name);
      let next: string | null = first.body.links.next;
      while (next) {
        const page = await t.http().get(new URL(next).pathname + new URL(next).search).set('X-Auth-Token', admin);
        names.push(...page.body.projects.map((p: { name: string }) => p.name));
        next = page.body.links.next;
      }
      const all = await t.http().get('/identity/v3/projects').set('X-Auth-Token', admin);
      expect(names).toEqual(all.body.projects.map((p: { name: string }) => p.name));
      expect(new Set(names).size).toBe(names.length);
      expect((await t.http().get('/identity/v3/projects?limit=-3').set('X-Auth-Token', admin)).status).toBe(400);
      expect((await t.http().get('/identity/v3/projects?sort_key=secret').set('X-Auth-Token', admin)).status).toBe(400);
    });
  });

  describe('catalog administration', () => {
    it('serves GET /v3/auth/catalog as JSON with the project substituted into URLs', async () => {
      const res = await t.http().get('/identity/v3/auth/catalog').set('X-Auth-Token', admin);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const volume = res.body.catalog.find((c: { type: string }) => c.type === 'volumev3');
      const token = await t.http().get('/identity/v3/auth/tokens').set('X-Auth-Token', admin).set('X-Subject-Token', admin);
      expect(volume.endpoints[0].url).toBe(`${t.url}/volume/v3/${token.body.token.project.id}`);
      expect(res.body.links.self).toMatch(/\/identity\/v3\/auth\/catalog$/);
    });

    it('lists services and endpoints, and adds an endpoint that appears in new tokens', async () => {
      const services = await t.http().get('/identity/v3/services').set('X-Auth-Token', admin);
      expect(services.body.services.map((s: { type: string }) => s.type)).toContain('compute');
      const created = await t.http().post('/identity/v3/services').set('X-Auth-Token', admin).send({ service: { type: 'metric', name: 'gnocchi' } });
      expect(created.status).toBe(201);
      const ep = await t.http().post('/identity/v3/endpoints').set('X-Auth-Token', admin)
        .send({ endpoint: { service_id: created.body.service.id, interface: 'public', url: 'http://metrics.example/', region_id: 'RegionOne' } });
      expect(ep.status).toBe(201);
      const token = await t.http().post('/identity/v3/auth/tokens').send(pw('admin', ADMIN_PASSWORD, { project: { name: 'admin', domain: { id: 'default' } } }));
      expect(token.body.token.catalog.map((c: { type: string }) => c.type)).toContain('metric');
      const badRegion = await t.http().post('/identity/v3/endpoints').set('X-Auth-Token', admin)
        .send({ endpoint: { service_id: created.body.service.id, interface: 'sideways', url: 'http://x/' } });
      expect(badRegion.status).toBe(400);
    });
  });
});
