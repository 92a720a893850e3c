import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import * as amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { RequestContext } from '../context/request-context';
import { ApiError, MessagingTimeoutError, RpcErrorBody, decodeRpcError, encodeRpcError } from '../errors/api-error';
import {
  CallOptions, Envelope, EventHandler, EventMessage, MAX_DELIVERIES, MessageBus, RpcDispatcher, ServeOptions,
  SubscribeOptions, Subscription, fromWireContext, toWireContext,
} from './message-bus';
import { backoffMs, settleWithin, sleeper } from './amqp/timing';

export const EVENTS_EXCHANGE = 'berth.notifications';
/** Messages that failed MAX_DELIVERIES times, routed by the name of the queue they came from. */
export const DEAD_LETTER_EXCHANGE = 'berth.dead-letter';
/** Bound to every routing key of DEAD_LETTER_EXCHANGE, so nothing dead-lettered is dropped. */
export const DEAD_LETTER_QUEUE = 'berth.dead-letter';
/** Failed deliveries so far; carried by the copy we republish instead of trusting the broker's redelivery. */
export const DELIVERIES_HEADER = 'x-berth-deliveries';
export const ORIGIN_QUEUE_HEADER = 'x-berth-queue';
export const LAST_ERROR_HEADER = 'x-berth-error';

const REPLY_TO = 'amq.rabbitmq.reply-to';
const JSON_TYPE = 'application/json';
const DEFAULT_PREFETCH = 16;
const MAX_OUTBOX = 10_000;
const CLOSE_GRACE_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** The subset of pino's logger the bus uses. */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AmqpBusOptions {
  url: string;
  defaultTimeoutMs?: number;
  logger?: BusLogger;
  /** Shown by the broker (rabbitmqctl, management UI) to tell connections apart. */
  connectionName?: string;
}

const silent: BusLogger = { info() {}, warn() {}, error() {} };
const ignore = (): void => undefined;

/** One AMQP connection and the channels every user of the bus shares. */
class Link {
  pub!: ConfirmChannel;
  rpc!: Channel;
  /** Lazily opened for declaring work queues on first use; a failed declaration closes only this channel. */
  topology?: Promise<Channel>;
  readonly declared = new Set<string>();
  readonly declaring = new Map<string, Promise<void>>();
  established = false;
  dropped = false;
  constructor(readonly conn: ChannelModel) {}
}

interface Publication {
  readonly kind: 'publish';
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
  /** A work queue that must exist first, so a cast sent before its server starts waits in the queue. */
  readonly queue?: string;
  /**
   * False for the copies a consumer republishes: if they cannot be confirmed now, the original stays
   * unacked and the broker redelivers it, so keeping them for later would only duplicate it.
   */
  readonly retain: boolean;
  resolve(): void;
  reject(err: Error): void;
}

interface CallRequest {
  readonly kind: 'call';
  readonly id: string;
  readonly queue: string;
  readonly content: Buffer;
}

type Outgoing = Publication | CallRequest;

interface PendingCall {
  readonly topic: string;
  readonly method: string;
  readonly deadline: number;
  readonly timer: NodeJS.Timeout;
  resolve(value: unknown): void;
  reject(err: Error): void;
  /** The connection the request went out on; its reply can only come back on that connection. */
  link?: Link;
}

interface Consumer {
  readonly name: string;
  /** Undefined for a private subscription: an exclusive, server-named queue. */
  readonly queue?: string;
  readonly pattern?: string;
  readonly prefetch: number;
  readonly handle: (msg: ConsumeMessage) => Promise<unknown>;
  readonly running: Set<Promise<void>>;
  channel?: Channel;
  tag?: string;
  link?: Link;
  closed: boolean;
}

interface Reply {
  result?: unknown;
  error?: RpcErrorBody;
}

/**
 * MessageBus on RabbitMQ, with the semantics of InMemoryBus.
 *
 * - Work queues: one durable queue per topic (default exchange, routing key = topic), competing consumers.
 * - Calls: direct reply-to with correlation ids; the request expires with the call's timeout.
 * - Casts and events: persistent, publisher-confirmed, acked after the handler; a failed delivery is
 *   republished with DELIVERIES_HEADER incremented, and after MAX_DELIVERIES it goes to DEAD_LETTER_QUEUE.
 * - One connection; channels per role (publishing, calls and replies, one per consumer for its prefetch).
 * - The connection is re-established with backoff; consumers are re-attached and messages sent while
 *   it was down wait in a bounded outbox.
 */
export class AmqpBus implements MessageBus {
  private readonly url: string;
  private readonly defaultTimeoutMs: number;
  private readonly logger: BusLogger;
  private readonly connectionName: string;
  private readonly consumers = new Set<Consumer>();
  private readonly calls = new Map<string, PendingCall>();
  private outbox: Outgoing[] = [];
  private link?: Link;
  private connecting?: Promise<void>;
  private readonly pause = sleeper();
  private callSeq = 0;
  private closed = false;

  constructor(opts: AmqpBusOptions) {
    this.url = opts.url;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 60_000;
    this.logger = opts.logger ?? silent;
    this.connectionName = opts.connectionName ?? `berth@${hostname()}:${process.pid}`;
  }

  /** Opens the connection; afterwards the bus keeps itself connected until close(). */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    this.connecting ??= this.open().catch((err: Error) => {
      this.connecting = undefined;
      throw new ApiError(503, `Cannot connect to the message broker at ${redact(this.url)}: ${err.message}`, 'MessagingUnavailable');
    });
    return this.connecting;
  }

  isReady(): boolean {
    return this.link !== undefined && !this.closed;
  }

  call<R = unknown>(topic: string, method: string, args: unknown, ctx: RequestContext, version: string, opts: CallOptions = {}): Promise<R> {
    if (this.closed) return Promise.reject(closedError());
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const id = String(++this.callSeq);
    const request: CallRequest = { kind: 'call', id, queue: topic, content: envelope(method, args, ctx, version) };
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        const waiting = this.outbox.indexOf(request);
        if (waiting >= 0) this.outbox.splice(waiting, 1);
        reject(new MessagingTimeoutError(`Timed out after ${timeoutMs} ms waiting for a reply to ${method} on ${topic}`));
      }, timeoutMs);
      this.calls.set(id, { topic, method, deadline: Date.now() + timeoutMs, timer, resolve: resolve as (v: unknown) => void, reject });
      this.enqueue(request, (err) => this.abandon(request, err));
    });
  }

  cast(topic: string, method: string, args: unknown, ctx: RequestContext, version: string): Promise<void> {
    return this.publish('', topic, envelope(method, args, ctx, version), { persistent: true, contentType: JSON_TYPE }, topic);
  }

  notify(eventType: string, payload: unknown, ctx: RequestContext): Promise<void> {
    const message: EventMessage = {
      event_type: eventType, payload, context: toWireContext(ctx), sent_at: new Date().toISOString(), message_id: randomUUID(),
    };
    const content = Buffer.from(JSON.stringify(message));
    return this.publish(EVENTS_EXCHANGE, eventType, content, { persistent: true, contentType: JSON_TYPE, messageId: message.message_id });
  }

  serve(topic: string, dispatch: RpcDispatcher, opts: ServeOptions = {}): Promise<Subscription> {
    return this.register({
      name: topic, queue: topic, prefetch: opts.prefetch ?? DEFAULT_PREFETCH, running: new Set(), closed: false,
      handle: (msg) => {
        const env = parse(msg) as Envelope;
        return dispatch(env.method, env.args, fromWireContext(env.context), env.version);
      },
    });
  }

  subscribe(pattern: string, handler: EventHandler, opts: SubscribeOptions = {}): Promise<Subscription> {
    return this.register({
      name: opts.queue ?? pattern, queue: opts.queue, pattern, prefetch: opts.prefetch ?? DEFAULT_PREFETCH,
      running: new Set(), closed: false,
      handle: (msg) => {
        const event = parse(msg) as EventMessage;
        return handler(event, fromWireContext(event.context));
      },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pause.cancel();
    const err = closedError();
    for (const item of this.outbox.splice(0)) if (item.kind === 'publish') item.reject(err);
    for (const call of this.calls.values()) {
      clearTimeout(call.timer);
      call.reject(err);
    }
    this.calls.clear();
    await Promise.all([...this.consumers].map((c) => this.detach(c)));
    const link = this.link;
    this.link = undefined;
    if (!link) return;
    link.dropped = true;
    await settleWithin([link.pub.waitForConfirms()], CLOSE_GRACE_MS);
    await link.conn.close().catch(ignore);
    this.logger.info({ connection: this.connectionName }, 'closed the message bus');
  }

  private async open(): Promise<void> {
    const conn = await amqp.connect(this.url, {
      // With Nagle's algorithm a small request waits for the delayed ACK of the previous one (~40 ms).
      noDelay: true,
      // Without it, a broker host that drops packets holds each attempt for the OS TCP timeout (minutes).
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: this.connectionName },
    });
    const link = new Link(conn);
    // Without 'error' listeners an emitter throws; the 'close' that follows is what we act on.
    conn.on('error', (err: Error) => this.logger.warn({ err }, 'AMQP connection error'));
    conn.on('close', (err?: Error) => this.drop(link, err?.message ?? 'the connection closed'));
    conn.on('blocked', (reason: string) => this.logger.warn({ reason }, 'the broker is blocking publishers'));
    conn.on('unblocked', () => this.logger.info({}, 'the broker accepts publishers again'));
    try {
      link.pub = this.watch(link, await conn.createConfirmChannel(), 'publishing');
      link.rpc = this.watch(link, await conn.createChannel(), 'replies');
      await link.rpc.consume(REPLY_TO, (msg) => msg && this.onReply(msg), { noAck: true });
      await link.pub.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
      await link.pub.assertExchange(DEAD_LETTER_EXCHANGE, 'topic', { durable: true });
      await link.pub.assertQueue(DEAD_LETTER_QUEUE, { durable: true });
      await link.pub.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '#');
      for (const c of this.consumers) await this.attach(link, c);
      if (this.closed) throw closedError();
      if (link.dropped) throw new Error('the connection closed while it was being set up');
    } catch (err) {
      link.dropped = true;
      await conn.close().catch(ignore);
      throw err;
    }
    link.established = true;
    this.link = link;
    this.logger.info({ connection: this.connectionName, url: redact(this.url) }, 'connected to the message broker');
    const waiting = this.outbox;
    this.outbox = [];
    for (const item of waiting) this.send(link, item);
  }

  /** Any channel of ours closing unexpectedly leaves the link in an unknown state: start over. */
  private watch<C extends Channel>(link: Link, ch: C, role: string): C {
    ch.on('error', (err: Error) => this.logger.warn({ err, role }, 'AMQP channel error'));
    ch.on('close', () => this.dropSoon(link, `the ${role} channel closed`));
    return ch;
  }

  /**
   * amqplib closes the channels just before it reports the connection's close and its cause; waiting a
   * turn lets that cause be the one logged.
   */
  private dropSoon(link: Link, reason: string): void {
    setImmediate(() => this.drop(link, reason));
  }

  private drop(link: Link, reason: string): void {
    if (link.dropped) return;
    link.dropped = true;
    link.conn.close().catch(ignore);
    if (!link.established) return;
    this.link = undefined;
    for (const c of this.consumers) if (c.link === link) c.channel = undefined;
    for (const [id, call] of this.calls) {
      if (call.link !== link) continue;
      this.calls.delete(id);
      clearTimeout(call.timer);
      call.reject(new MessagingTimeoutError(`Lost the connection to the message broker before the reply to ${call.method} on ${call.topic}`));
    }
    if (this.closed) return;
    this.logger.warn({ reason }, 'lost the connection to the message broker; reconnecting');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.pause(backoffMs(attempt));
      if (this.closed) return;
      try {
        await this.open();
        this.logger.info({ attempt }, 'reconnected to the message broker');
        return;
      } catch (err) {
        if (this.closed) return;
        this.logger.warn({ err, attempt }, 'reconnecting to the message broker failed');
      }
    }
  }

  private publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, queue?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.enqueue({ kind: 'publish', exchange, routingKey, content, options, queue, retain: true, resolve, reject }, reject);
    });
  }

  private enqueue(item: Outgoing, reject: (err: Error) => void): void {
    if (this.closed) return reject(closedError());
    if (this.link) return this.send(this.link, item);
    if (this.outbox.length >= MAX_OUTBOX) {
      return reject(new ApiError(503, `The message broker is unreachable and ${MAX_OUTBOX} messages are already waiting to be sent`, 'MessagingUnavailable'));
    }
    this.outbox.push(item);
  }

  /** Sends now, or keeps the item for the next connection if this one is gone. */
  private send(link: Link, item: Outgoing): void {
    if (link.dropped) return this.park(link, item);
    if (item.queue !== undefined && !link.declared.has(item.queue)) {
      this.declare(link, item.queue).then(
        () => this.send(link, item),
        (err: Error) => {
          if (link.dropped) return this.park(link, item);
          this.logger.error({ err, queue: item.queue }, 'could not declare a work queue');
          this.abandon(item, new ApiError(503, `Cannot declare queue ${item.queue}: ${err.message}`, 'MessagingUnavailable'));
        },
      );
      return;
    }
    if (item.kind === 'call') return this.sendCall(link, item);
    try {
      // A false return only means amqplib's write buffer is past its high-water mark; every caller
      // awaits its confirm, which bounds how much can pile up.
      link.pub.publish(item.exchange, item.routingKey, item.content, item.options, (err: Error | null) => {
        if (!err) return item.resolve();
        // amqplib reports a broker nack as this error; any other means the channel went away first.
        if (err.message === 'message nacked') {
          return item.reject(new ApiError(503, `The message broker refused a message for ${item.routingKey}`, 'MessagingUnavailable'));
        }
        this.park(link, item);
      });
    } catch {
      this.park(link, item);
    }
  }

  private sendCall(link: Link, item: CallRequest): void {
    const call = this.calls.get(item.id);
    if (!call) return;
    const ttl = call.deadline - Date.now();
    if (ttl <= 0) return;
    call.link = link;
    try {
      // Not persistent and not confirmed: the reply is the acknowledgement, and a request that outlived
      // a broker restart would run with nobody waiting for its reply.
      link.rpc.publish('', item.queue, item.content, {
        replyTo: REPLY_TO, correlationId: item.id, expiration: String(ttl), contentType: JSON_TYPE,
      });
    } catch {
      // The reply channel is closing; drop() rejects the calls sent on this link as lost.
    }
  }

  /**
   * For a message caught on a failing link: whether the broker got it is unknown, so it is sent again
   * (at least once) on the next link. Already accepted, it may exceed the outbox bound.
   */
  private park(from: Link, item: Outgoing): void {
    if (item.kind === 'publish' && !item.retain) return item.reject(new Error('the connection to the message broker was lost'));
    if (this.closed) return this.abandon(item, closedError());
    if (this.link && this.link !== from) return this.send(this.link, item);
    this.outbox.push(item);
  }

  private abandon(item: Outgoing, err: Error): void {
    if (item.kind === 'publish') return item.reject(err);
    const call = this.calls.get(item.id);
    if (!call) return;
    this.calls.delete(item.id);
    clearTimeout(call.timer);
    call.reject(err);
  }

  private declare(link: Link, queue: string): Promise<void> {
    let declaring = link.declaring.get(queue);
    if (!declaring) {
      declaring = this.topology(link)
        .then((ch) => ch.assertQueue(queue, { durable: true }))
        .then(() => {
          link.declared.add(queue);
        })
        .finally(() => link.declaring.delete(queue));
      link.declaring.set(queue, declaring);
    }
    return declaring;
  }

  private topology(link: Link): Promise<Channel> {
    if (!link.topology) {
      const opening: Promise<Channel> = link.conn.createChannel().then((ch) => {
        ch.on('error', (err: Error) => this.logger.warn({ err }, 'AMQP topology channel error'));
        ch.on('close', () => {
          if (link.topology === opening) link.topology = undefined;
        });
        return ch;
      });
      opening.catch(() => {
        if (link.topology === opening) link.topology = undefined;
      });
      link.topology = opening;
    }
    return link.topology;
  }

  private onReply(msg: ConsumeMessage): void {
    const id = msg.properties.correlationId as string;
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    clearTimeout(call.timer);
    let reply: Reply;
    try {
      reply = parse(msg) as Reply;
    } catch (err) {
      return call.reject(new ApiError(502, `Unreadable reply to ${call.method} on ${call.topic}: ${(err as Error).message}`));
    }
    if (reply.error) call.reject(decodeRpcError(reply.error));
    else call.resolve(reply.result);
  }

  private async register(c: Consumer): Promise<Subscription> {
    if (this.closed) throw closedError();
    // Registered first, so a reconnect racing with this attach re-attaches it too.
    this.consumers.add(c);
    const link = this.link;
    if (link) {
      try {
        await this.attach(link, c);
      } catch (err) {
        if (!link.dropped || this.closed) {
          this.consumers.delete(c);
          throw err;
        }
      }
    }
    return { close: () => this.detach(c) };
  }

  private async attach(link: Link, c: Consumer): Promise<void> {
    const ch = await link.conn.createChannel();
    ch.on('error', (err: Error) => this.logger.warn({ err, consumer: c.name }, 'AMQP consumer channel error'));
    ch.on('close', () => {
      if (c.channel === ch && !c.closed) this.dropSoon(link, `the channel consuming ${c.name} closed`);
    });
    try {
      await ch.prefetch(c.prefetch);
      const { queue } = c.queue === undefined
        ? await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false })
        : await ch.assertQueue(c.queue, { durable: true });
      if (c.pattern !== undefined) await ch.bindQueue(queue, EVENTS_EXCHANGE, c.pattern);
      const { consumerTag } = await ch.consume(queue, (msg) => {
        // null: the broker cancelled us, e.g. the queue was deleted; a new link declares it again.
        if (!msg) return c.closed ? undefined : this.drop(link, `the broker cancelled the consumer of ${queue}`);
        const delivery = this.deliver(link, ch, queue, c, msg);
        c.running.add(delivery);
        void delivery.finally(() => c.running.delete(delivery));
      });
      if (link.dropped) throw new Error(`the connection closed while the consumer of ${queue} was being set up`);
      if (c.closed) {
        await ch.close();
        return;
      }
      c.channel = ch;
      c.tag = consumerTag;
      c.link = link;
    } catch (err) {
      await ch.close().catch(ignore);
      throw err;
    }
  }

  private async detach(c: Consumer): Promise<void> {
    if (c.closed) return;
    c.closed = true;
    this.consumers.delete(c);
    const ch = c.channel;
    c.channel = undefined;
    if (!ch) return;
    if (c.tag) await ch.cancel(c.tag).catch(ignore);
    // Handlers already running still ack (or reply) on this channel before it closes.
    await settleWithin([...c.running], CLOSE_GRACE_MS);
    await ch.close().catch(ignore);
  }

  /** Never rejects: every outcome ends in an ack, a reply, a republish or a redelivery by the broker. */
  private async deliver(link: Link, ch: Channel, queue: string, c: Consumer, msg: ConsumeMessage): Promise<void> {
    const { replyTo, correlationId, headers } = msg.properties;
    if (replyTo) {
      let reply: string;
      try {
        reply = JSON.stringify({ result: await c.handle(msg) });
      } catch (err) {
        if (!(err instanceof ApiError)) this.logger.error({ err, queue }, 'RPC handler failed');
        reply = JSON.stringify({ error: encodeRpcError(err) } satisfies Reply);
      }
      quietly(() => {
        ch.publish('', replyTo, Buffer.from(reply), { correlationId, contentType: JSON_TYPE });
        ch.ack(msg);
      });
      return;
    }
    const deliveries = (Number(headers?.[DELIVERIES_HEADER]) || 0) + 1;
    // The broker redelivers when a consumer died or lost its connection mid-handler. Counting that as a
    // failed delivery bounds a message that crashes its consumer, which a plain retry would not.
    if (msg.fields.redelivered) return this.fail(link, ch, queue, msg, deliveries, new Error('an earlier delivery ended without an ack'));
    try {
      await c.handle(msg);
    } catch (err) {
      return this.fail(link, ch, queue, msg, deliveries, err);
    }
    quietly(() => ch.ack(msg));
  }

  private async fail(link: Link, ch: Channel, queue: string, msg: ConsumeMessage, deliveries: number, err: unknown): Promise<void> {
    const dead = deliveries >= MAX_DELIVERIES;
    if (dead) this.logger.error({ err, queue, deliveries }, 'dead-lettering a message that keeps failing');
    else this.logger.warn({ err, queue, deliveries }, 'handler failed; the message will be delivered again');
    // On another connection than the delivery's, our ack could not land; the broker redelivers it.
    if (this.link !== link) return;
    const p = msg.properties;
    const headers: Record<string, unknown> = { ...p.headers, [DELIVERIES_HEADER]: deliveries };
    if (dead) {
      headers[ORIGIN_QUEUE_HEADER] = queue;
      headers[LAST_ERROR_HEADER] = err instanceof Error ? err.message : String(err);
    }
    try {
      await new Promise<void>((resolve, reject) => this.send(link, {
        kind: 'publish', exchange: dead ? DEAD_LETTER_EXCHANGE : '', routingKey: queue, content: msg.content,
        options: { persistent: true, contentType: p.contentType, messageId: p.messageId, headers },
        retain: false, resolve, reject,
      }));
      quietly(() => ch.ack(msg));
    } catch (publishErr) {
      this.logger.warn({ err: publishErr, queue }, 'could not republish a failed message; returning it to its queue');
      quietly(() => ch.nack(msg, false, true));
    }
  }
}

function envelope(method: string, args: unknown, ctx: RequestContext, version: string): Buffer {
  const env: Envelope = { version, method, args, context: toWireContext(ctx), sent_at: new Date().toISOString() };
  return Buffer.from(JSON.stringify(env));
}

function parse(msg: ConsumeMessage): unknown {
  return JSON.parse(msg.content.toString('utf8'));
}

/** Acks and replies on a channel that has since closed have nowhere to go; the broker redelivers. */
function quietly(op: () => void): void {
  try {
    op();
  } catch {
    // Channel closed: see above.
  }
}

function closedError(): ApiError {
  return new ApiError(503, 'The message bus is closed', 'MessagingUnavailable');
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
