import { randomUUID } from 'node:crypto';
import { RequestContext } from '../context/request-context';
import { ApiError, MessagingTimeoutError, decodeRpcError, encodeRpcError } from '../errors/api-error';
import {
  CallOptions, EventHandler, EventMessage, MAX_DELIVERIES, MessageBus, RpcDispatcher, ServeOptions,
  SubscribeOptions, Subscription, fromWireContext, toWireContext, topicMatches,
} from './message-bus';

interface QueuedMessage {
  method: string;
  body: string;
  version: string;
  deliveries: number;
  expiresAt?: number;
  reply?: (err: unknown, result?: unknown) => void;
}

interface Consumer {
  dispatch: RpcDispatcher;
  prefetch: number;
  inFlight: number;
}

interface WorkQueue {
  consumers: Consumer[];
  pending: QueuedMessage[];
  next: number;
}

interface EventGroup {
  members: { pattern: string; handler: EventHandler }[];
  next: number;
}

/**
 * The all-in-one bus without a broker. Same semantics as AmqpBus: messages are serialised
 * (so handlers never share objects with callers), queued until a consumer is free, casts are
 * retried then dead-lettered, and calls time out with MessagingTimeout.
 */
export class InMemoryBus implements MessageBus {
  private readonly queues = new Map<string, WorkQueue>();
  private readonly groups = new Map<string, EventGroup>();
  readonly deadLetters: { topic: string; method: string; body: string }[] = [];
  /** Calls still waiting for a reply, so close() can end them. */
  private readonly waiting = new Set<(err: unknown) => void>();
  private closed = false;

  constructor(private readonly defaultTimeoutMs = 60000) {}

  async call<R>(topic: string, method: string, args: unknown, ctx: RequestContext, version: string, opts: CallOptions = {}): Promise<R> {
    this.assertOpen();
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const settle = (err: unknown, result?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.waiting.delete(settle);
        if (err) reject(err);
        else resolve(result === undefined ? (undefined as R) : JSON.parse(JSON.stringify(result)));
      };
      const timer = setTimeout(() => {
        settle(new MessagingTimeoutError(`Timed out after ${timeoutMs} ms waiting for a reply to ${method} on ${topic}`));
      }, timeoutMs);
      timer.unref?.();
      this.waiting.add(settle);
      this.enqueue(topic, {
        method, version, deliveries: 0, expiresAt: Date.now() + timeoutMs,
        body: JSON.stringify({ args, context: toWireContext(ctx) }),
        reply: settle,
      });
    });
  }

  async cast(topic: string, method: string, args: unknown, ctx: RequestContext, version: string): Promise<void> {
    this.assertOpen();
    this.enqueue(topic, { method, version, deliveries: 0, body: JSON.stringify({ args, context: toWireContext(ctx) }) });
  }

  async notify(eventType: string, payload: unknown, ctx: RequestContext): Promise<void> {
    this.assertOpen();
    const message: EventMessage = {
      event_type: eventType, payload, context: toWireContext(ctx), sent_at: new Date().toISOString(), message_id: randomUUID(),
    };
    const body = JSON.stringify(message);
    for (const group of this.groups.values()) {
      const matching = group.members.filter((m) => topicMatches(m.pattern, eventType));
      if (matching.length === 0) continue;
      const member = matching[group.next++ % matching.length];
      setImmediate(() => void this.deliverEvent(member.handler, body, 1));
    }
  }

  async serve(topic: string, dispatch: RpcDispatcher, opts: ServeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    const queue = this.queue(topic);
    const consumer: Consumer = { dispatch, prefetch: opts.prefetch ?? 16, inFlight: 0 };
    queue.consumers.push(consumer);
    setImmediate(() => this.drain(topic));
    return {
      close: async () => {
        queue.consumers = queue.consumers.filter((c) => c !== consumer);
      },
    };
  }

  async subscribe(pattern: string, handler: EventHandler, opts: SubscribeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    const key = opts.queue ?? `exclusive.${randomUUID()}`;
    const group = this.groups.get(key) ?? { members: [], next: 0 };
    this.groups.set(key, group);
    const member = { pattern, handler };
    group.members.push(member);
    return {
      close: async () => {
        group.members = group.members.filter((m) => m !== member);
        if (group.members.length === 0) this.groups.delete(key);
      },
    };
  }

  isReady(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const settle of [...this.waiting]) settle(new ApiError(503, 'The message bus is closed', 'MessagingUnavailable'));
    this.queues.clear();
    this.groups.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new ApiError(503, 'The message bus is closed', 'MessagingUnavailable');
  }

  private queue(topic: string): WorkQueue {
    let q = this.queues.get(topic);
    if (!q) {
      q = { consumers: [], pending: [], next: 0 };
      this.queues.set(topic, q);
    }
    return q;
  }

  private enqueue(topic: string, message: QueuedMessage): void {
    this.queue(topic).pending.push(message);
    setImmediate(() => this.drain(topic));
  }

  private drain(topic: string): void {
    const q = this.queues.get(topic);
    if (!q) return;
    while (q.pending.length > 0) {
      const free = q.consumers.length === 0 ? undefined : this.pickConsumer(q);
      if (!free) return;
      const message = q.pending.shift()!;
      if (message.expiresAt !== undefined && message.expiresAt < Date.now()) continue;
      free.inFlight++;
      void this.run(topic, free, message).finally(() => {
        free.inFlight--;
        this.drain(topic);
      });
    }
  }

  private pickConsumer(q: WorkQueue): Consumer | undefined {
    for (let i = 0; i < q.consumers.length; i++) {
      const c = q.consumers[(q.next + i) % q.consumers.length];
      if (c.inFlight < c.prefetch) {
        q.next = (q.next + i + 1) % q.consumers.length;
        return c;
      }
    }
    return undefined;
  }

  private async run(topic: string, consumer: Consumer, message: QueuedMessage): Promise<void> {
    const { args, context } = JSON.parse(message.body);
    message.deliveries++;
    try {
      const result = await consumer.dispatch(message.method, args, fromWireContext(context), message.version);
      message.reply?.(null, result);
    } catch (err) {
      if (message.reply) {
        message.reply(decodeRpcError(encodeRpcError(err)));
      } else if (message.deliveries < MAX_DELIVERIES) {
        this.queue(topic).pending.push(message);
      } else {
        this.deadLetters.push({ topic, method: message.method, body: message.body });
      }
    }
  }

  private async deliverEvent(handler: EventHandler, body: string, attempt: number): Promise<void> {
    const event: EventMessage = JSON.parse(body);
    try {
      await handler(event, fromWireContext(event.context));
    } catch {
      if (attempt < MAX_DELIVERIES) setImmediate(() => void this.deliverEvent(handler, body, attempt + 1));
      else this.deadLetters.push({ topic: event.event_type, method: 'notify', body });
    }
  }
}
