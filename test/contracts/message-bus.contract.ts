import { randomUUID } from 'node:crypto';
import { RequestContext } from '../../src/common/context/request-context';
import { ApiError, ConflictError, MessagingTimeoutError } from '../../src/common/errors/api-error';
import { EventMessage, MAX_DELIVERIES, MessageBus } from '../../src/common/messaging/message-bus';

const VERSION = '1.0';
const TEST_TIMEOUT_MS = 15_000;

/** Polls until `check` holds; the buses deliver asynchronously, whichever the transport. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function testContext(overrides: Partial<RequestContext> = {}): RequestContext {
  return {
    requestId: `req-${randomUUID()}`, roles: ['member'], authenticated: true, isAdmin: false,
    userId: 'u-1', projectId: 'p-1', ...overrides,
  };
}

/**
 * The semantics every MessageBus shares (InMemoryBus and AmqpBus). `factory` returns a bus that is
 * ready to use; the suite closes every bus it made.
 */
export function messageBusContract(name: string, factory: () => Promise<MessageBus>): void {
  describe(`${name} (MessageBus contract)`, () => {
    const made: MessageBus[] = [];
    const newBus = async (): Promise<MessageBus> => {
      const bus = await factory();
      made.push(bus);
      return bus;
    };

    afterEach(async () => {
      await Promise.all(made.splice(0).map((b) => b.close()));
    });

    it('call returns the handler result', async () => {
      const bus = await newBus();
      const topic = unique('calc');
      await bus.serve(topic, async (method, args) => {
        const { a, b } = args as { a: number; b: number };
        return { method, sum: a + b };
      });
      await expect(bus.call(topic, 'add', { a: 2, b: 3 }, testContext(), VERSION)).resolves.toEqual({ method: 'add', sum: 5 });
    }, TEST_TIMEOUT_MS);

    it('call rejects with the ApiError subclass the handler threw', async () => {
      const bus = await newBus();
      const topic = unique('conflict');
      await bus.serve(topic, async () => {
        throw new ConflictError('x');
      });
      const err = await bus.call(topic, 'boom', {}, testContext(), VERSION).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ status: 409, message: 'x' });
    }, TEST_TIMEOUT_MS);

    it('call without a server times out with MessagingTimeoutError naming topic and method', async () => {
      const bus = await newBus();
      const topic = unique('nobody');
      const started = Date.now();
      const err = await bus.call(topic, 'getConsoleOutput', {}, testContext(), VERSION, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingTimeoutError);
      expect((err as Error).message).toContain(topic);
      expect((err as Error).message).toContain('getConsoleOutput');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    }, TEST_TIMEOUT_MS);

    it('cast runs the handler with method, args and version', async () => {
      const bus = await newBus();
      const topic = unique('cast');
      const seen: unknown[] = [];
      await bus.serve(topic, async (method, args, _ctx, version) => {
        seen.push({ method, args, version });
      });
      await bus.cast(topic, 'rebootInstance', { instanceId: 'i-1', type: 'SOFT' }, testContext(), VERSION);
      await waitFor(() => seen.length === 1, 'the cast');
      expect(seen).toEqual([{ method: 'rebootInstance', args: { instanceId: 'i-1', type: 'SOFT' }, version: VERSION }]);
    }, TEST_TIMEOUT_MS);

    it(`a cast whose handler always throws is delivered exactly ${MAX_DELIVERIES} times`, async () => {
      const bus = await newBus();
      const topic = unique('poison');
      let deliveries = 0;
      await bus.serve(topic, async () => {
        deliveries++;
        throw new Error('always fails');
      });
      await bus.cast(topic, 'spawn', {}, testContext(), VERSION);
      await waitFor(() => deliveries >= MAX_DELIVERIES, `${MAX_DELIVERIES} deliveries`);
      await delay(500);
      expect(deliveries).toBe(MAX_DELIVERIES);
    }, TEST_TIMEOUT_MS);

    it('a cast sent before its server starts waits for it', async () => {
      const bus = await newBus();
      const topic = unique('early');
      await bus.cast(topic, 'spawn', { n: 1 }, testContext(), VERSION);
      const seen: unknown[] = [];
      await bus.serve(topic, async (_m, args) => {
        seen.push(args);
      });
      await waitFor(() => seen.length === 1, 'the early cast');
      expect(seen).toEqual([{ n: 1 }]);
    }, TEST_TIMEOUT_MS);

    it('competing consumers on one topic split the work', async () => {
      const bus = await newBus();
      const topic = unique('work');
      const byConsumer = [0, 0];
      for (const i of [0, 1]) {
        await bus.serve(topic, async () => {
          byConsumer[i]++;
          await delay(10);
        });
      }
      const n = 20;
      await Promise.all(Array.from({ length: n }, (_, i) => bus.cast(topic, 'work', { i }, testContext(), VERSION)));
      await waitFor(() => byConsumer[0] + byConsumer[1] === n, `${n} casts handled`);
      expect(byConsumer[0]).toBeGreaterThan(0);
      expect(byConsumer[1]).toBeGreaterThan(0);
      await delay(100);
      expect(byConsumer[0] + byConsumer[1]).toBe(n);
    }, TEST_TIMEOUT_MS);

    it('prefetch 1 keeps at most one message in flight per consumer', async () => {
      const bus = await newBus();
      const topic = unique('serial');
      let inFlight = 0;
      let maxInFlight = 0;
      let done = 0;
      await bus.serve(topic, async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await delay(20);
        inFlight--;
        done++;
      }, { prefetch: 1 });
      await Promise.all(Array.from({ length: 5 }, (_, i) => bus.cast(topic, 'step', { i }, testContext(), VERSION)));
      await waitFor(() => done === 5, 'five casts handled');
      expect(maxInFlight).toBe(1);
    }, TEST_TIMEOUT_MS);

    it('notify reaches a matching pattern subscriber and not a non-matching one', async () => {
      const bus = await newBus();
      const id = randomUUID().slice(0, 8);
      const mine = (e: EventMessage): boolean => e.event_type.endsWith(id);
      const matching: EventMessage[] = [];
      const other: EventMessage[] = [];
      await bus.subscribe('compute.instance.*', async (e) => {
        if (mine(e)) matching.push(e);
      });
      await bus.subscribe('compute.volume.*', async (e) => {
        if (mine(e)) other.push(e);
      });
      const ctx = testContext();
      await bus.notify(`compute.instance.${id}`, { instanceId: 'i-1' }, ctx);
      await waitFor(() => matching.length === 1, 'the event');
      await delay(200);
      expect(matching).toHaveLength(1);
      expect(matching[0]).toMatchObject({
        event_type: `compute.instance.${id}`, payload: { instanceId: 'i-1' }, context: { request_id: ctx.requestId },
      });
      expect(typeof matching[0].message_id).toBe('string');
      expect(typeof matching[0].sent_at).toBe('string');
      expect(other).toHaveLength(0);
    }, TEST_TIMEOUT_MS);

    it(`an event whose handler always throws is delivered exactly ${MAX_DELIVERIES} times`, async () => {
      const bus = await newBus();
      const prefix = unique('evtfail');
      let deliveries = 0;
      await bus.subscribe(`${prefix}.*`, async () => {
        deliveries++;
        throw new Error('always fails');
      });
      await bus.notify(`${prefix}.created`, {}, testContext());
      await waitFor(() => deliveries >= MAX_DELIVERIES, `${MAX_DELIVERIES} deliveries`);
      await delay(500);
      expect(deliveries).toBe(MAX_DELIVERIES);
    }, TEST_TIMEOUT_MS);

    it('subscribers sharing a queue split the events; an exclusive subscriber gets them all', async () => {
      const bus = await newBus();
      const prefix = unique('evt');
      const queue = unique('shared');
      const shared = [0, 0];
      let exclusive = 0;
      for (const i of [0, 1]) {
        await bus.subscribe(`${prefix}.#`, async () => {
          shared[i]++;
          await delay(10);
        }, { queue });
      }
      await bus.subscribe(`${prefix}.#`, async () => {
        exclusive++;
      });
      const n = 10;
      for (let i = 0; i < n; i++) await bus.notify(`${prefix}.port.update.end`, { i }, testContext());
      await waitFor(() => shared[0] + shared[1] === n && exclusive === n, `${n} events on both queues`);
      expect(shared[0]).toBeGreaterThan(0);
      expect(shared[1]).toBeGreaterThan(0);
      await delay(100);
      expect(shared[0] + shared[1]).toBe(n);
      expect(exclusive).toBe(n);
    }, TEST_TIMEOUT_MS);

    it('the request context arrives intact', async () => {
      const bus = await newBus();
      const topic = unique('ctx');
      let received: RequestContext | undefined;
      await bus.serve(topic, async (_m, _a, ctx) => {
        received = ctx;
        return null;
      });
      const ctx = testContext({
        requestId: `req-${randomUUID()}`, userId: 'u-42', userName: 'alice', projectId: 'p-42', projectName: 'demo',
        domainId: 'default', roles: ['admin', 'member'],
      });
      await bus.call(topic, 'whoami', {}, ctx, VERSION);
      expect(received).toEqual({ ...ctx, isAdmin: true });
    }, TEST_TIMEOUT_MS);

    it('args are copied: a handler mutating them does not affect the caller', async () => {
      const bus = await newBus();
      const topic = unique('copy');
      await bus.serve(topic, async (_m, args) => {
        const a = args as { name: string; tags: string[] };
        a.name = 'changed';
        a.tags.push('added');
        return a;
      });
      const args = { name: 'original', tags: ['a'] };
      const result = await bus.call<{ name: string; tags: string[] }>(topic, 'mutate', args, testContext(), VERSION);
      expect(result).toEqual({ name: 'changed', tags: ['a', 'added'] });
      expect(args).toEqual({ name: 'original', tags: ['a'] });
    }, TEST_TIMEOUT_MS);

    it('close rejects calls in flight, then refuses new messages', async () => {
      const bus = await newBus();
      const topic = unique('closing');
      let started = false;
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      await bus.serve(topic, async () => {
        started = true;
        await released;
        return 'late';
      });
      expect(bus.isReady()).toBe(true);
      const pending = bus.call(topic, 'slow', {}, testContext(), VERSION).catch((e: unknown) => e);
      await waitFor(() => started, 'the handler to start');
      const closing = bus.close();
      const err = await pending;
      expect(err).toBeInstanceOf(ApiError);
      expect(bus.isReady()).toBe(false);
      release();
      await closing;
      await expect(bus.cast(topic, 'x', {}, testContext(), VERSION)).rejects.toThrow(/closed/);
      await expect(bus.call(topic, 'x', {}, testContext(), VERSION)).rejects.toThrow(/closed/);
      await expect(bus.notify(`${topic}.event`, {}, testContext())).rejects.toThrow(/closed/);
    }, TEST_TIMEOUT_MS);
  });
}
