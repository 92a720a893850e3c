/**
 * Smoke test of `berth all-in-one` as a user runs it: no BERTH_DATABASE_URL / BERTH_AMQP_URL, so
 * the embedded store and the in-process bus; state must survive a restart on the same data dir.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthProcess, adminRcPath, parseOpenrc, runBerth, startAllInOne } from '../utils/berth-process';

jest.setTimeout(180_000);

const ADMIN_PASSWORD = 'embedded-admin-pw';

async function issueToken(url: string, user: string, password: string, project: string): Promise<Response> {
  return fetch(`${url}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    }),
  });
}

async function adminToken(url: string, rc: Record<string, string>): Promise<string> {
  const res = await issueToken(url, rc.OS_USERNAME, rc.OS_PASSWORD, rc.OS_PROJECT_NAME);
  const body = await res.text();
  expect({ status: res.status, body }).toEqual({ status: 201, body: expect.any(String) });
  const token = res.headers.get('x-subject-token');
  expect(token).toBeTruthy();
  return token!;
}

describe('berth all-in-one with the embedded store', () => {
  const dirs: string[] = [];
  const running: BerthProcess[] = [];

  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-embedded-'));
    dirs.push(d);
    return d;
  };

  afterAll(async () => {
    for (const p of running) await p.stop(15_000).catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('bootstraps, writes a 0600 rc file, keeps users across a restart', async () => {
    const dataDir = newDir();
    const env = { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LOG_LEVEL: 'warn' };

    // first start
    const first = await startAllInOne({ dataDir, env });
    running.push(first);
    const rcPath = adminRcPath(dataDir);
    expect(statSync(rcPath).mode & 0o777).toBe(0o600);
    const rc = parseOpenrc(rcPath);
    expect(rc.OS_AUTH_URL).toBe(`${first.url}/identity/v3`);
    expect(rc.OS_PASSWORD).toBe(ADMIN_PASSWORD);

    const token = await adminToken(first.url, rc);
    const userName = `smoke-${Date.now().toString(36)}`;
    const created = await fetch(`${first.url}/identity/v3/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify({ user: { name: userName, password: 'smoke-user-password', domain_id: 'default' } }),
    });
    const createdBody = await created.json() as { user: { id: string; name: string } };
    expect(created.status).toBe(201);
    expect(createdBody.user.name).toBe(userName);

    // SIGTERM: a clean exit, promptly
    const status = await first.stop(15_000);
    expect(status).toEqual({ code: 0, signal: null });

    // second start on the same data dir, without BERTH_ADMIN_PASSWORD: the stored state must be used
    const second = await startAllInOne({ dataDir, env: { BERTH_LOG_LEVEL: 'warn' } });
    running.push(second);
    const rc2 = parseOpenrc(rcPath);
    expect(rc2.OS_PASSWORD).toBe(ADMIN_PASSWORD);
    expect(statSync(rcPath).mode & 0o777).toBe(0o600);

    const token2 = await adminToken(second.url, rc2);
    const found = await fetch(`${second.url}/identity/v3/users?name=${encodeURIComponent(userName)}`, { headers: { 'x-auth-token': token2 } });
    expect(found.status).toBe(200);
    const foundBody = await found.json() as { users: Array<{ id: string; name: string }> };
    expect(foundBody.users).toEqual([expect.objectContaining({ id: createdBody.user.id, name: userName })]);

    const status2 = await second.stop(15_000);
    expect(status2).toEqual({ code: 0, signal: null });
  });

  it('an invalid setting exits 2 with one stderr line naming it', async () => {
    const r = await runBerth(['all-in-one', '--data-dir', newDir()], { BERTH_PORT: 'notaport' });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^berth: invalid configuration: BERTH_PORT: /);
  });

  it('an unknown flag exits 2', async () => {
    const r = await runBerth(['all-in-one', '--data-dir', newDir(), '--bogus', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bogus/);
  });
});
