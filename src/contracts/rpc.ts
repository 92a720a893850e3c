import { RequestContext } from '../common/context/request-context';

/** A request/reply method of a contract (type-level only). */
export interface Call<P, R> {
  readonly kind: 'call';
  readonly params: P;
  readonly result: R;
}
/** A fire-and-forget method of a contract (type-level only). */
export interface Cast<P> {
  readonly kind: 'cast';
  readonly params: P;
}

export type AnyMethod = Call<any, any> | Cast<any>;
export type CallMethods<T> = { [K in keyof T]: T[K] extends Call<any, any> ? K : never }[keyof T] & string;
export type CastMethods<T> = { [K in keyof T]: T[K] extends Cast<any> ? K : never }[keyof T] & string;
export type ParamsOf<M> = M extends { params: infer P } ? P : never;
export type ResultOf<M> = M extends Call<any, infer R> ? R : void;

/** What a server class implements for a contract: one async handler per method. */
export type RpcHandlers<T extends { [K in keyof T]: AnyMethod }> = {
  [K in keyof T]: (params: ParamsOf<T[K]>, ctx: RequestContext) => Promise<ResultOf<T[K]>>;
};

/** A class-validator DTO class describing one method's params. */
export type ParamsDto = new () => object;

/** The runtime half of a contract: where it is served, at which version, and each method's params DTO. */
export interface RpcContract<T> {
  /** Work-queue topic; per-host contracts append `.<host>`. */
  readonly topic: string;
  readonly version: string;
  readonly methods: { readonly [K in keyof T & string]: ParamsDto };
}
