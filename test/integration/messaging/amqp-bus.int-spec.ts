import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import { MessagingTimeoutError } from '../../../src/common/errors/api-error';
import {
  AmqpBus, DEAD_LETTER_QUEUE, DELIVERIES_HEADER, LAST_ERROR_HEADER, ORIGIN_QUEUE_HEADER,
} from '../../../src/common/messaging/amqp-bus';
import { Envelope, MAX_DELIVERIES } from '../../../src/common/messaging/message-bus';
import { messageBusContract, testContext, unique, waitFor } from '../../contracts/message-bus.contract';
import { TEST_AMQP_URL } from '../../utils/services';

const run = promisify(execFile);

// A vhost of our own: closing its connections or clearing its permissions leaves other test files alone.
const VHOST = `berth-test-${randomUUID().slice(0, 8)}`;
const brokerUrl = new URL(TEST_AMQP_URL);
const USER = decodeURIComponent(brokerUrl.username || 'guest');
brokerUrl.pathname = `/${encodeURIComponent(VHOST)}`;
const VHOST_URL = brokerUrl.toString();

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['--quiet', ...args], { timeout: 30_000 });
  return stdout;
}

/** Connections the broker holds in our vhost under this client-provided name. */
async function connectionsNamed(name: string): Promise<number> {
  const out = await rabbitmqctl('list_connections', '--no-table-headers', 'vhost', 'client_properties');
  return out.split('\n').filter((l) => l.startsWith(`${VHOST}\t`) && l.includes(`{"connection_name","${name}"}`)).length;
}

async function connectedBus(connectionName?: string): Promise<AmqpBus> {
  const bus = new AmqpBus({ url: VHOST_URL, defaultTimeoutMs: 5_000, connectionName });
  await bus.connect();
  return bus;
}

beforeAll(async () => {
  await rabbitmqctl('add_vhost', VHOST);
  await rabbitmqctl('set_permissions', '-p', VHOST, USER, '.*', '.*', '.*');
}, 30_000);

afterAll(async () => {
  await rabbitmqctl('delete_vhost', VHOST);
}, 30_000);

messageBusContract(AmqpBus.name, () => connectedBus());

describe(`${AmqpBus.name} on RabbitMQ`, () => {
  const open: AmqpBus[] = [];
  const track = (bus: AmqpBus): AmqpBus => {
    open.push(bus);
    return bus;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it('connect rejects with a clear error when the broker is unreachable', async () => {
    const bus = new AmqpBus({ url: 'amqp://guest:secret@127.0.0.1:1' });
    await expect(bus.connect()).rejects.toThrow(/Cannot connect to the message broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/);
    expect(bus.isReady()).toBe(false);
    await bus.close();
  });

  it('uses exactly one AMQP connection for calls, casts, events and several consumers', async () => {
    const name = unique('one-connection');
    const bus = track(await connectedBus(name));
    const topics = [unique('a'), unique('b'), unique('c')];
    for (const t of topics) await bus.serve(t, async (_m, args) => args, { prefetch: 4 });
    let events = 0;
    await bus.subscribe('compute.instance.#', async () => { events++; });
    await bus.subscribe('compute.instance.#', async () => undefined, { queue: unique('shared') });
    for (const t of topics) {
      await expect(bus.call(t, 'echo', { t }, testContext(), '1.0')).resolves.toEqual({ t });
      await bus.cast(t, 'echo', { t }, testContext(), '1.0');
    }
    await bus.notify('compute.instance.create.end', {}, testContext());
    await waitFor(() => events === 1, 'the event');
    expect(await connectionsNamed(name)).toBe(1);
  }, 30_000);

  it('dead-letters a cast that keeps failing, with its origin, delivery count and last error', async () => {
    const bus = track(await connectedBus());
    const topic = unique('poison');
    let deliveries = 0;
    await bus.serve(topic, async () => {
      deliveries++;
      throw new Error(`attempt ${deliveries} failed`);
    });
    await bus.cast(topic, 'spawnInstance', { instanceId: 'i-dead' }, testContext(), '1.0');
    await waitFor(() => deliveries === MAX_DELIVERIES, `${MAX_DELIVERIES} deliveries`);

    const conn = await amqp.connect(VHOST_URL);
    try {
      const ch = await conn.createChannel();
      let found: amqp.GetMessage | undefined;
      const deadline = Date.now() + 5_000;
      while (!found && Date.now() < deadline) {
        const msg = await ch.get(DEAD_LETTER_QUEUE, { noAck: true });
        if (msg === false) await new Promise((r) => setTimeout(r, 20));
        else if (msg.properties.headers?.[ORIGIN_QUEUE_HEADER] === topic) found = msg;
      }
      expect(found).toBeDefined();
      expect(found!.fields.routingKey).toBe(topic);
      expect(found!.properties.headers).toMatchObject({
        [DELIVERIES_HEADER]: MAX_DELIVERIES, [LAST_ERROR_HEADER]: `attempt ${MAX_DELIVERIES} failed`,
      });
      const env = JSON.parse(found!.content.toString()) as Envelope;
      expect(env).toMatchObject({ method: 'spawnInstance', args: { instanceId: 'i-dead' }, version: '1.0' });
      const { messageCount } = await ch.checkQueue(topic);
      expect(messageCount).toBe(0);
    } finally {
      await conn.close();
    }
    expect(deliveries).toBe(MAX_DELIVERIES);
  }, 30_000);

  it('reconnects after the broker drops its connection, without losing casts or events sent meanwhile', async () => {
    const name = unique('survivor');
    const bus = track(await connectedBus(name));
    const topic = unique('work');
    const handled = new Set<number>();
    let blocking = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    await bus.serve(topic, async (method, args) => {
      if (method === 'block') {
        blocking = true;
        await released;
        return 'too late';
      }
      if (method === 'echo') return args;
      handled.add((args as { i: number }).i);
      return undefined;
    });
    const events = new Set<number>();
    await bus.subscribe(`${topic}.#`, async (e) => {
      events.add((e.payload as { i: number }).i);
    }, { queue: unique('listener') });
    const inFlight = bus.call(topic, 'block', {}, testContext(), '1.0', { timeoutMs: 30_000 }).catch((e: unknown) => e);
    await waitFor(() => blocking, 'the blocking handler');

    // Refusing the vhost keeps every reconnect attempt failing until the permissions are back.
    let sent: Promise<void>[] = [];
    await rabbitmqctl('clear_permissions', '-p', VHOST, USER);
    try {
      await rabbitmqctl('close_all_connections', '-p', VHOST, 'test: connection dropped');
      await waitFor(() => !bus.isReady(), 'the bus to notice');

      const lost = await inFlight;
      expect(lost).toBeInstanceOf(MessagingTimeoutError);
      expect((lost as Error).message).toContain(topic);
      expect((lost as Error).message).toContain('block');
      release();

      sent = Array.from({ length: 50 }, (_, i) => bus.cast(topic, 'work', { i }, testContext(), '1.0'));
      sent.push(...Array.from({ length: 10 }, (_, i) => bus.notify(`${topic}.instance.update`, { i }, testContext())));
      await new Promise((r) => setTimeout(r, 300));
      expect(bus.isReady()).toBe(false);
    } finally {
      await rabbitmqctl('set_permissions', '-p', VHOST, USER, '.*', '.*', '.*');
    }
    await waitFor(() => bus.isReady(), 'the bus to reconnect', 10_000);
    await Promise.all(sent);
    await waitFor(() => handled.size === 50, 'every cast sent while disconnected', 10_000);
    await waitFor(() => events.size === 10, 'every event sent while disconnected', 10_000);
    await expect(bus.call(topic, 'echo', { back: true }, testContext(), '1.0')).resolves.toEqual({ back: true });
    expect(await connectionsNamed(name)).toBe(1);
  }, 45_000);
});
