/**
 * Client compatibility of the image service: the real `openstack` CLI (Debian's
 * python3-openstackclient 6.0, image commands through openstacksdk 0.101) against
 * `berth all-in-one` (embedded store, in-process bus) started from dist/.
 *
 * stdin (pitfall 7): `image create` without --file uploads stdin whenever it is not a tty, and a
 * closed stdin crashes OSC. Every command here runs with stdin on /dev/null (`stdio: 'ignore'`),
 * which is harmless for every command given --file; the metadata-only create runs under a pty.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOsEnv, BerthProcess, startAllInOne } from '../utils/berth-process';
import { runCli } from '../utils/openstack-cli';

jest.setTimeout(180_000);

const ADMIN_PASSWORD = 'cli-admin-password';
const ALICE_PASSWORD = 'alice-Pa55word';

const run = (command: string, args: string[], osEnv: Record<string, string>, cwd: string) => runCli(command, args, osEnv, { cwd });

const sha = (algo: string, b: Buffer) => createHash(algo).update(b).digest('hex');

describe('openstack image commands against berth all-in-one', () => {
  let dataDir: string;
  let workDir: string;
  let berth: BerthProcess;
  let admin: Record<string, string>;
  let alice: Record<string, string>;
  const archive = randomBytes(700 * 1024 + 3);

  const openstack = (args: string[], env: Record<string, string> = admin) => run('openstack', args, env, workDir);

  async function ok(args: string[], env: Record<string, string> = admin): Promise<string> {
    const r = await openstack(args, env);
    if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r.stdout;
  }

  async function okJson<T = any>(args: string[], env: Record<string, string> = admin): Promise<T> {
    const out = await ok([...args, '-f', 'json'], env);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new Error(`openstack ${args.join(' ')} -f json printed no JSON:\n${out}`);
    }
  }

  /** A token and the public URL for direct API calls (bulk setup the CLI would make slow). */
  async function adminToken(): Promise<string> {
    const res = await fetch(`${berth.url}/identity/v3/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      } }),
    });
    expect(res.status).toBe(201);
    return res.headers.get('x-subject-token')!;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-image-'));
    workDir = mkdtempSync(join(tmpdir(), 'berth-cli-image-files-'));
    writeFileSync(join(workDir, 'app.tar'), archive);
    berth = await startAllInOne({ dataDir, env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LOG_LEVEL: 'warn' } });
    admin = adminOsEnv(dataDir);
    alice = { ...admin, OS_USERNAME: 'alice', OS_PASSWORD: ALICE_PASSWORD, OS_PROJECT_NAME: 'demo' };
  });

  afterAll(async () => {
    try {
      if (berth) await berth.stop(15_000);
    } finally {
      for (const dir of [dataDir, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('image create --container-format docker --disk-format raw --file app.tar img1 uploads the archive', async () => {
    const created = await okJson(['image', 'create', '--container-format', 'docker', '--disk-format', 'raw', '--file', 'app.tar',
      '--property', 'hw_architecture=x86_64', 'img1']);
    expect(created).toMatchObject({ name: 'img1', container_format: 'docker', disk_format: 'raw', visibility: 'shared', id: expect.any(String) });
    expect(created.properties).toMatchObject({ hw_architecture: 'x86_64', 'owner_specified.openstack.object': 'images/img1' });
  });

  it('image list -f json shows img1 active', async () => {
    const images = await okJson<Array<{ ID: string; Name: string; Status: string }>>(['image', 'list']);
    expect(images).toEqual([expect.objectContaining({ Name: 'img1', Status: 'active' })]);
  });

  it('image show img1: active, checksum = md5 of the file, sha512 and size', async () => {
    const image = await okJson(['image', 'show', 'img1']);
    expect(image).toMatchObject({ name: 'img1', status: 'active', checksum: sha('md5', archive), size: archive.length });
    expect(image.properties).toMatchObject({ os_hash_algo: 'sha512', os_hash_value: sha('sha512', archive) });
  });

  it('image save --file out.tar img1 writes the same bytes', async () => {
    await ok(['image', 'save', '--file', 'out.tar', 'img1']);
    expect(Buffer.compare(readFileSync(join(workDir, 'out.tar')), archive)).toBe(0);
  });

  it('image set --property foo=bar img1 (JSON-patch), then image unset --property foo', async () => {
    const set = await openstack(['image', 'set', '--property', 'foo=bar', '--tag', 'web', '--min-ram', '64', 'img1']);
    expect({ code: set.code, stderr: set.stderr }).toEqual({ code: 0, stderr: '' });
    const image = await okJson(['image', 'show', 'img1']);
    expect(image.properties).toMatchObject({ foo: 'bar', hw_architecture: 'x86_64' });
    expect(image).toMatchObject({ tags: ['web'], min_ram: 64 });
    await ok(['image', 'unset', '--property', 'foo', 'img1']);
    expect((await okJson(['image', 'show', 'img1'])).properties.foo).toBeUndefined();
  });

  it('a member of another project cannot see img1, nor create a public image', async () => {
    await ok(['project', 'create', 'demo']);
    await ok(['user', 'create', '--project', 'demo', '--password', ALICE_PASSWORD, 'alice']);
    await ok(['role', 'add', '--project', 'demo', '--user', 'alice', 'member']);
    const shown = await openstack(['image', 'show', 'img1'], alice);
    expect(shown.code).not.toBe(0);
    expect(shown.stderr).toMatch(/No Image found for img1/i);
    expect(await okJson(['image', 'list'], alice)).toEqual([]);
    const pub = await openstack(['image', 'create', '--public', '--container-format', 'bare', '--disk-format', 'raw', '--file', 'app.tar', 'pub'], alice);
    expect(pub.code).not.toBe(0);
    expect(pub.stderr).toMatch(/403|publicize/i);
  });

  it('image create without --file: stdin on /dev/null uploads empty data; under a pty the image stays queued (pitfall 7)', async () => {
    const empty = await okJson(['image', 'create', '--container-format', 'bare', '--disk-format', 'raw', 'from-devnull']);
    expect(empty.name).toBe('from-devnull');
    expect(await okJson(['image', 'show', 'from-devnull'])).toMatchObject({ status: 'active', size: 0 });
    const env = Object.entries(admin).map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`).join(' ');
    const pty = await run('script', ['-qec', `env ${env} openstack image create --container-format bare --disk-format raw metadata-only -f value -c status`, '/dev/null'], {}, workDir);
    expect(pty.code).toBe(0);
    expect(pty.stdout.trim()).toBe('queued');
    for (const name of ['from-devnull', 'metadata-only']) await ok(['image', 'delete', name]);
  });

  it('image list follows Glance\'s relative `next` links past the 25-image page', async () => {
    const token = await adminToken();
    const created: string[] = [];
    for (let i = 0; i < 27; i++) {
      const res = await fetch(`${berth.url}/image/v2/images`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': token }, body: JSON.stringify({ name: `bulk-${i}` }),
      });
      expect(res.status).toBe(201);
      created.push(((await res.json()) as { id: string }).id);
    }
    const images = await okJson<Array<{ ID: string; Name: string }>>(['image', 'list']);
    expect(images).toHaveLength(28);
    expect(images.map((i) => i.ID)).toEqual(expect.arrayContaining(created));
    await ok(['image', 'delete', ...created]);
  });

  it('image delete img1 removes it and its data', async () => {
    const id = (await okJson(['image', 'show', 'img1'])).id as string;
    const del = await openstack(['image', 'delete', 'img1']);
    expect({ code: del.code, stderr: del.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await okJson(['image', 'list'])).toEqual([]);
    const shown = await openstack(['image', 'show', id]);
    expect(shown.code).not.toBe(0);
    expect(() => readFileSync(join(dataDir, 'images', id))).toThrow();
  });
});
