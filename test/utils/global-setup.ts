import { Client } from 'pg';
import * as net from 'node:net';
import { TEST_AMQP_URL, TEST_PG_URL } from './services';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    s.setTimeout(3000);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}

/** Fails the run at once, with the reason, when a back end the tests need is down. */
export default async function globalSetup(): Promise<void> {
  const c = new Client({ connectionString: TEST_PG_URL });
  try {
    await c.connect();
    await c.query('select 1');
  } catch (err) {
    throw new Error(`PostgreSQL at ${TEST_PG_URL} is not usable (${(err as Error).message}); run the suite with npm test, which starts it`);
  } finally {
    await c.end().catch(() => undefined);
  }
  if (!(await reachable(TEST_AMQP_URL, 5672))) {
    throw new Error(`RabbitMQ at ${TEST_AMQP_URL} is not reachable; run the suite with npm test, which starts it`);
  }
}
