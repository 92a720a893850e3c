import { RequestContext } from '../context/request-context';

/** What travels on the wire for every RPC message (design.md: Messaging). */
export interface Envelope {
  version: string;
  method: string;
  args: unknown;
  context: WireContext;
  sent_at: string;
}

export interface WireContext {
  request_id: string;
  user_id?: string;
  user_name?: string;
  project_id?: string;
  project_name?: string;
  domain_id?: string;
  roles: string[];
  authenticated: boolean;
}

/** A notification on the `berth.notifications` topic exchange. */
export interface EventMessage {
  event_type: string;
  payload: unknown;
  context: WireContext;
  sent_at: string;
  message_id: string;
}

/** Handles one RPC message; the method is already resolved by the caller of `serve`. */
export type RpcDispatcher = (method: string, args: unknown, ctx: RequestContext, version: string) => Promise<unknown>;
export type EventHandler = (event: EventMessage, ctx: RequestContext) => Promise<void>;

export interface CallOptions {
  timeoutMs?: number;
}

export interface ServeOptions {
  /** Messages in flight per consumer. */
  prefetch?: number;
}

export interface SubscribeOptions {
  /**
   * Subscribers sharing a queue name compete for events (one of them gets each);
   * without one, the subscriber gets its own exclusive queue and sees every event.
   */
  queue?: string;
  prefetch?: number;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The bus every service talks through. Two implementations with the same semantics:
 * AmqpBus (RabbitMQ) and InMemoryBus (all-in-one without a broker).
 *
 * - call: request/reply; rejects with the handler's ApiError, or MessagingTimeoutError naming
 *   the topic and method when no reply comes in time.
 * - cast: resolves once the message is safely queued (publisher confirm); the handler runs later.
 *   A cast whose handler keeps throwing is retried, then dead-lettered.
 * - notify: publishes an event; resolves once confirmed.
 */
export interface MessageBus {
  call<R = unknown>(topic: string, method: string, args: unknown, ctx: RequestContext, version: string, opts?: CallOptions): Promise<R>;
  cast(topic: string, method: string, args: unknown, ctx: RequestContext, version: string): Promise<void>;
  notify(eventType: string, payload: unknown, ctx: RequestContext): Promise<void>;
  serve(topic: string, dispatch: RpcDispatcher, opts?: ServeOptions): Promise<Subscription>;
  subscribe(pattern: string, handler: EventHandler, opts?: SubscribeOptions): Promise<Subscription>;
  /** True while the bus can deliver (readiness). */
  isReady(): boolean;
  close(): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

/** Deliveries of one cast before it goes to the dead-letter queue. */
export const MAX_DELIVERIES = 3;

export function toWireContext(ctx: RequestContext): WireContext {
  return {
    request_id: ctx.requestId,
    user_id: ctx.userId,
    user_name: ctx.userName,
    project_id: ctx.projectId,
    project_name: ctx.projectName,
    domain_id: ctx.domainId,
    roles: ctx.roles,
    authenticated: ctx.authenticated,
  };
}

export function fromWireContext(w: WireContext | undefined): RequestContext {
  const roles = Array.isArray(w?.roles) ? w!.roles : [];
  return {
    requestId: w?.request_id ?? 'req-unknown',
    userId: w?.user_id,
    userName: w?.user_name,
    projectId: w?.project_id,
    projectName: w?.project_name,
    domainId: w?.domain_id,
    roles,
    authenticated: w?.authenticated === true,
    isAdmin: roles.includes('admin'),
  };
}

/** AMQP-style topic matching: `*` is one word, `#` is zero or more words. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === '#') return match(i + 1, j) || (j < k.length && match(i, j + 1));
    if (j === k.length) return false;
    return (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
