import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenValidator } from '../../../src/common/auth/token-validator';
import { systemContext } from '../../../src/common/context/request-context';
import { UnauthorizedError } from '../../../src/common/errors/api-error';
import { AmqpBus } from '../../../src/common/messaging/amqp-bus';
import { RpcClient } from '../../../src/common/messaging/rpc-client';
import { IDENTITY_RPC, IdentityRpc } from '../../../src/contracts/identity/identity.rpc';
import { BerthProcess, runBerth, startAllInOne } from '../../utils/berth-process';
import { createTestDatabase, createTestVhost } from '../../utils/test-backends';

jest.setTimeout(120000);

/**
 * A split deployment as the README describes it: `berth db migrate`, `berth bootstrap`, then
 * `berth serve identity` as its own process on PostgreSQL and RabbitMQ; this test process plays
 * another service that validates tokens over the bus.
 */
describe('split services on PostgreSQL and RabbitMQ', () => {
  let env: Record<string, string>;
  let dataDir: string;
  let identity: BerthProcess | undefined;
  let bus: AmqpBus | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    const vhost = await createTestVhost();
    cleanups.push(db.drop, vhost.drop);
    dataDir = mkdtempSync(join(tmpdir(), 'berth-split-'));
    env = {
      BERTH_DATABASE_URL: db.url, BERTH_AMQP_URL: vhost.url, BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_PASSWORD: 'split-admin-password', BERTH_LOG_LEVEL: 'warn', BERTH_PUBLIC_URL: 'http://cloud.example:8080',
    };
  });

  afterAll(async () => {
    await bus?.close();
    await identity?.stop().catch(() => undefined);
    for (const c of cleanups) await c();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to serve while migrations are pending, then migrates, bootstraps and serves', async () => {
    const early = await runBerth(['serve', 'identity', '--port', '0'], env);
    expect(early.code).toBe(2);
    expect(early.stderr.trim()).toBe('berth: the database has pending migrations: run `berth db migrate` first');

    const migrate = await runBerth(['db', 'migrate'], env);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('applied: IdentityInit1795450000000');
    expect(migrate.stdout).toContain('ComputeInit1795470000000');
    expect((await runBerth(['db', 'migrate'], env)).stdout).toContain('up to date');

    const boot = await runBerth(['bootstrap'], env);
    expect(boot.code).toBe(0);
    expect(boot.stdout).toContain('admin user created');
    expect((await runBerth(['bootstrap'], env)).stdout).toContain('already existed');

    identity = await startAllInOne({ dataDir, env, argv: ['serve', 'identity', '--port', '0'] });
    const res = await fetch(`${identity.url}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'split-admin-password' } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } };
    const compute = body.token.catalog.find((c) => c.type === 'compute')!;
    expect(compute.endpoints[0].url).toBe('http://cloud.example:8080/compute/v2.1');
    expect((await fetch(`${identity.url}/readyz`)).status).toBe(200);
  });

  it('lets another process validate tokens over the bus and sees a revocation within seconds', async () => {
    expect(identity).toBeDefined();
    const issue = async () => {
      const res = await fetch(`${identity!.url}/identity/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'split-admin-password' } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
      });
      return res.headers.get('x-subject-token')!;
    };
    bus = new AmqpBus({ url: env.BERTH_AMQP_URL });
    await bus.connect();
    const client = new RpcClient<IdentityRpc>(bus, IDENTITY_RPC);
    const validator = new TokenValidator({
      getValidationKeys: async () => (await client.call('getValidationKeys', {}, systemContext())).keys,
      listRevocations: async (afterId) => (await client.call('listRevocations', { afterId }, systemContext())).events,
    }, { pollMs: 500 });
    try {
      const admin = await issue();
      const victim = await issue();
      await expect(validator.validate(victim)).resolves.toMatchObject({ un: 'admin', pn: 'admin' });
      const revoked = await fetch(`${identity!.url}/identity/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': admin, 'X-Subject-Token': victim } });
      expect(revoked.status).toBe(204);
      const started = Date.now();
      let refused = false;
      while (!refused && Date.now() - started < 5000) {
        refused = await validator.validate(victim).then(() => false, (e) => e instanceof UnauthorizedError);
        if (!refused) await new Promise((r) => setTimeout(r, 100));
      }
      expect(refused).toBe(true);
      await expect(validator.validate(admin)).resolves.toBeDefined();
    } finally {
      validator.stop();
    }
  });
});
