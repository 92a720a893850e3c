import { RequestContext } from '../context/request-context';
import { CallMethods, CastMethods, ParamsOf, ResultOf, RpcContract } from '../../contracts/rpc';
import { MessageBus } from './message-bus';

export interface RpcTarget {
  /** For per-host topics (agents): `<topic>.<host>`. */
  host?: string;
  timeoutMs?: number;
}

/** Typed client for one contract: method names and payloads are checked at compile time. */
export class RpcClient<T> {
  constructor(private readonly bus: MessageBus, private readonly contract: RpcContract<T>) {}

  call<K extends CallMethods<T>>(method: K, params: ParamsOf<T[K]>, ctx: RequestContext, target: RpcTarget = {}): Promise<ResultOf<T[K]>> {
    return this.bus.call(this.topicFor(target), method, params, ctx, this.contract.version, { timeoutMs: target.timeoutMs });
  }

  cast<K extends CastMethods<T>>(method: K, params: ParamsOf<T[K]>, ctx: RequestContext, target: RpcTarget = {}): Promise<void> {
    return this.bus.cast(this.topicFor(target), method, params, ctx, this.contract.version);
  }

  private topicFor(target: RpcTarget): string {
    return target.host ? `${this.contract.topic}.${target.host}` : this.contract.topic;
  }
}
