/**
 * Client compatibility: the real `openstack` CLI (Debian's python3-openstackclient 6.0) against
 * `berth all-in-one` (embedded store, in-process bus) started from dist/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOsEnv, BerthProcess, startAllInOne } from '../utils/berth-process';
import { fails, okJson, openstack } from '../utils/openstack-cli';

jest.setTimeout(180_000);

const ADMIN_PASSWORD = 'cli-admin-password';
const ALICE_PASSWORD = 'alice-Pa55word';
describe('openstack CLI against berth all-in-one', () => {
  let dataDir: string;
  let berth: BerthProcess;
  let admin: Record<string, string>;
  let alice: Record<string, string>;
  let demoId: string;
  let adminProjectId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
    berth = await startAllInOne({ dataDir, env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LOG_LEVEL: 'warn' } });
    admin = adminOsEnv(dataDir);
    alice = { ...admin, OS_USERNAME: 'alice', OS_PASSWORD: ALICE_PASSWORD, OS_PROJECT_NAME: 'demo' };
  });

  afterAll(async () => {
    try {
      if (berth) await berth.stop(15_000);
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the rc file points at the server and carries the admin password', () => {
    expect(admin.OS_AUTH_URL).toBe(`${berth.url}/identity/v3`);
    expect(admin.OS_PASSWORD).toBe(ADMIN_PASSWORD);
    expect(admin.OS_USERNAME).toBe('admin');
    expect(admin.OS_PROJECT_NAME).toBe('admin');
  });

  it('token issue', async () => {
    const token = await okJson(['token', 'issue'], admin);
    expect(token).toEqual(expect.objectContaining({
      id: expect.any(String), project_id: expect.any(String), user_id: expect.any(String), expires: expect.any(String),
    }));
    expect(token.id.length).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(token.expires))).toBe(false);
    expect(Date.parse(token.expires)).toBeGreaterThan(Date.now());
    adminProjectId = token.project_id;
  });

  it('catalog list shows every service with URLs under the server URL', async () => {
    const catalog = await okJson<Array<{ Name: string; Type: string; Endpoints: unknown }>>(['catalog', 'list'], admin);
    const types = catalog.map((s) => s.Type);
    for (const t of ['identity', 'compute', 'image', 'network', 'volumev3', 'placement', 'container']) expect(types).toContain(t);
    for (const service of catalog) {
      // OSC prints the endpoints as text or as a list of objects depending on the formatter; take the URLs from either.
      const urls = JSON.stringify(service.Endpoints).match(/https?:\/\/[^\s"',\\]+/g) ?? [];
      expect(urls.length).toBeGreaterThan(0);
      for (const u of urls) expect(u.startsWith(`${berth.url}/`)).toBe(true);
    }
  });

  it('project create demo, and project list shows admin and demo', async () => {
    const demo = await okJson(['project', 'create', 'demo'], admin);
    expect(demo).toEqual(expect.objectContaining({ name: 'demo', id: expect.any(String), enabled: true }));
    demoId = demo.id;
    const projects = await okJson<Array<{ ID: string; Name: string }>>(['project', 'list'], admin);
    const names = projects.map((p) => p.Name);
    expect(names).toEqual(expect.arrayContaining(['admin', 'demo']));
    expect(projects.find((p) => p.Name === 'demo')!.ID).toBe(demoId);
    if (adminProjectId) expect(projects.find((p) => p.Name === 'admin')!.ID).toBe(adminProjectId);
  });

  it('user create alice in demo, role add member, role assignment list --names', async () => {
    const user = await okJson(['user', 'create', '--project', 'demo', '--password', ALICE_PASSWORD, 'alice'], admin);
    expect(user).toEqual(expect.objectContaining({ name: 'alice', id: expect.any(String) }));
    expect(user.default_project_id).toBe(demoId);

    const add = await openstack(['role', 'add', '--project', 'demo', '--user', 'alice', 'member'], admin);
    expect({ code: add.code, stderr: add.stderr }).toEqual({ code: 0, stderr: '' });

    const assignments = await okJson<Array<Record<string, unknown>>>(['role', 'assignment', 'list', '--names'], admin);
    expect(assignments).toContainEqual(expect.objectContaining({ Role: 'member', User: 'alice@Default', Project: 'demo@Default' }));
    expect(assignments).toContainEqual(expect.objectContaining({ Role: 'admin', User: 'admin@Default', Project: 'admin@Default' }));
  });

  it('alice gets a token scoped to demo', async () => {
    const token = await okJson(['token', 'issue'], alice);
    expect(token.project_id).toBe(demoId);
    expect(token.project_id).not.toBe(adminProjectId);
    // her catalog's volumev3 endpoint is substituted with her project, not the admin's
    const catalog = await okJson<Array<{ Type: string; Endpoints: unknown }>>(['catalog', 'list'], alice);
    const volumeUrls = JSON.stringify(catalog.find((s) => s.Type === 'volumev3')?.Endpoints ?? []).match(/https?:\/\/[^\s"',\\]+/g) ?? [];
    expect(volumeUrls.length).toBeGreaterThan(0);
    for (const u of volumeUrls) expect(u).toBe(`${berth.url}/volume/v3/${demoId}`);
  });

  it('alice: project list falls back to her own projects (demo only)', async () => {
    const projects = await okJson<Array<{ ID: string; Name: string }>>(['project', 'list'], alice);
    expect(projects).toEqual([expect.objectContaining({ ID: demoId, Name: 'demo' })]);
  });

  it('alice: project list --domain default is refused with 403 (no fallback with a filter)', async () => {
    const r = await fails(['project', 'list', '--domain', 'default'], alice);
    expect(r.stderr).toMatch(/403|not authorized/i);
  });

  it('alice: user create is refused with 403', async () => {
    const r = await fails(['user', 'create', 'bob', '--password', 'x'], alice);
    expect(r.stderr).toMatch(/403/);
    // and nothing was created
    const users = await okJson<Array<{ Name: string }>>(['user', 'list'], admin);
    expect(users.map((u) => u.Name)).not.toContain('bob');
  });

  it('role remove takes away alice\'s access to demo (401 on token issue)', async () => {
    const rm = await openstack(['role', 'remove', '--project', 'demo', '--user', 'alice', 'member'], admin);
    expect({ code: rm.code, stderr: rm.stderr }).toEqual({ code: 0, stderr: '' });
    const assignments = await okJson<Array<Record<string, unknown>>>(['role', 'assignment', 'list', '--names'], admin);
    expect(assignments).not.toContainEqual(expect.objectContaining({ User: 'alice@Default', Project: 'demo@Default' }));

    const r = await fails(['token', 'issue'], alice);
    expect(r.stderr).toMatch(/401/);
  });
});
