import { BadRequestError, NotFoundError } from '../errors/api-error';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AnyMethod, ParamsDto, RpcContract, RpcHandlers } from '../../contracts/rpc';
import { MessageBus, ServeOptions, Subscription } from './message-bus';

/** Params are checked against the contract's DTO before any handler sees them. */
function validParams(dto: ParamsDto, args: unknown, where: string): object {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new BadRequestError(`${where}: params must be an object`);
  const instance = plainToInstance(dto, args);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length) {
    const e = errors[0];
    throw new BadRequestError(`${where}: invalid params field '${e.property}': ${Object.values(e.constraints ?? { invalid: 'is invalid' })[0]}`);
  }
  return instance;
}

function major(version: string): string {
  return version.split('.')[0];
}

/**
 * Serves a contract's handlers on the bus. Messages of another major version, or naming a
 * method the contract lacks, are answered with an error instead of being run.
 */
export function serveContract<T extends { [K in keyof T]: AnyMethod }>(
  bus: MessageBus,
  contract: RpcContract<T>,
  handlers: RpcHandlers<T>,
  opts: ServeOptions & { host?: string } = {},
): Promise<Subscription> {
  const dtos = contract.methods as Record<string, ParamsDto>;
  const topic = opts.host ? `${contract.topic}.${opts.host}` : contract.topic;
  return bus.serve(topic, async (method, args, ctx, version) => {
    if (major(version) !== major(contract.version)) {
      throw new BadRequestError(`${topic}: message version ${version} is not compatible with ${contract.version}`);
    }
    const dto = Object.prototype.hasOwnProperty.call(dtos, method) ? dtos[method] : undefined;
    if (!dto) throw new NotFoundError(`${topic}: no RPC method ${method}`);
    const params = validParams(dto, args, `${topic}.${method}`);
    const handler = (handlers as unknown as Record<string, (p: unknown, c: typeof ctx) => Promise<unknown>>)[method];
    return handler.call(handlers, params, ctx);
  }, opts);
}
