import { BadRequestError } from '../../../common/errors/api-error';
import { RebootType } from '../../../contracts/agent/agent.types';

/** One parsed body of POST /servers/{id}/action. */
export type ServerAction =
  | { kind: 'os-start' } | { kind: 'os-stop' } | { kind: 'pause' } | { kind: 'unpause' } | { kind: 'unlock' }
  | { kind: 'reboot'; type: RebootType }
  | { kind: 'lock'; reason?: string }
  | { kind: 'os-getConsoleOutput'; length?: number };

const NULL_BODY = new Set(['os-start', 'os-stop', 'pause', 'unpause', 'unlock']);

/**
 * Picks the action from the body's single key and checks its argument, as Nova's per-action
 * schemas do. Known Nova actions this build cannot perform yet are 400 with a clear reason.
 */
export function parseServerAction(body: unknown): ServerAction {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('The request body must be an object with one action.');
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new BadRequestError(`There must be exactly one action in the body (got ${keys.length}).`);
  const [kind] = keys;
  const arg = (body as Record<string, unknown>)[kind];
  if (NULL_BODY.has(kind)) {
    if (arg !== null && (typeof arg !== 'object' || Object.keys(arg as object).length > 0)) throw new BadRequestError(`Invalid input for field/attribute ${kind}: must be null.`);
    return { kind } as ServerAction;
  }
  switch (kind) {
    case 'reboot': {
      const type = (arg as { type?: unknown } | null)?.type;
      if (typeof type !== 'string' || !['SOFT', 'HARD'].includes(type.toUpperCase())) {
        throw new BadRequestError(`Invalid input for field/attribute type. Value: ${String(type)}. '${String(type)}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']`);
      }
      return { kind, type: type.toUpperCase() as RebootType };
    }
    case 'lock': {
      if (arg === null) return { kind };
      const reason = (arg as { locked_reason?: unknown }).locked_reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 255)) throw new BadRequestError('Invalid input for field/attribute locked_reason.');
      return { kind, reason: reason as string | undefined };
    }
    case 'os-getConsoleOutput': {
      const length = (arg as { length?: unknown } | null)?.length;
      if (length === undefined || length === null) return { kind };
      const n = typeof length === 'string' ? Number(length) : length;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw new BadRequestError('Invalid input for field/attribute length.');
      return { kind, length: n === -1 ? undefined : n };
    }
    default:
      throw new BadRequestError(`Action ${kind} is not supported by this cloud yet.`);
  }
}
