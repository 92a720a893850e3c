import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { RunningBerth, startBerth } from '../../src/berth';
import { ConfigService } from '../../src/common/config/config.service';
import { ServiceName } from '../../src/common/http/service-prefixes';
import { createTestDatabase, createTestVhost } from './test-backends';

export const ADMIN_PASSWORD = 'admin-test-password';

export interface TestBerth {
  berth: RunningBerth;
  url: string;
  /** supertest bound to the running server. */
  http(): request.Agent;
  /** Password-issues a project-scoped token. */
  token(user: string, password: string, project?: string): Promise<string>;
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts berth on the real path: a fresh PostgreSQL database and its own RabbitMQ vhost,
 * migrated and bootstrapped, on a free port.
 */
export async function startTestBerth(opts: { services?: ServiceName[]; settings?: Record<string, string> } = {}): Promise<TestBerth> {
  const db = await createTestDatabase();
  const vhost = await createTestVhost();
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  const config = ConfigService.load({
    BERTH_DATABASE_URL: db.url,
    BERTH_AMQP_URL: vhost.url,
    BERTH_DATA_DIR: dataDir,
    BERTH_PORT: '0',
    BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BERTH_LOG_LEVEL: 'silent',
    BERTH_RPC_TIMEOUT_MS: '10000',
    ...opts.settings,
  }, {});
  const berth = await startBerth({
    config, services: opts.services ?? ['identity', 'image', 'compute', 'placement', 'network', 'volume', 'container'],
    migrate: true, bootstrap: true,
  });
  const http = () => request.agent(berth.url);
  const token = async (user: string, password: string, project?: string) => {
    const res = await http().post('/identity/v3/auth/tokens').send({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        ...(project ? { scope: { project: { name: project, domain: { id: 'default' } } } } : {}),
      },
    });
    if (res.status !== 201) throw new Error(`token for ${user}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.headers['x-subject-token'] as string;
  };
  let admin: string | undefined;
  return {
    berth,
    url: berth.url,
    http,
    token,
    adminToken: async () => (admin ??= await token('admin', ADMIN_PASSWORD, 'admin')),
    close: async () => {
      await berth.close();
      await vhost.drop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
