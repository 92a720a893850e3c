import { BadRequestError } from '../../../common/errors/api-error';
import { RebootType } from '../../../contracts/agent/agent.types';

/** One parsed body of POST /servers/{id}/action. */
export type ServerAction =
  | { kind: 'os-start' } | { kind: 'os-stop' } | { kind: 'pause' } | { kind: 'unpause' } | { kind: 'unlock' }
  | { kind: 'reboot'; type: RebootType }
  | { kind: 'lock'; reason?: string }
  | { kind: 'os-getConsoleOutput'; length?: number }
  | { kind: 'createImage'; name: string; metadata: Record<string, string> };

const NULL_BODY = new Set(['os-start', 'os-stop', 'pause', 'unpause', 'unlock']);

/** Nova's metadata keys (parameter_types.metadata); values are strings of at most 255 characters. */
const METADATA_KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** createImage: {name, metadata?}, nothing else (Nova's create_image schema). */
function parseCreateImage(arg: unknown): { name: string; metadata: Record<string, string> } {
  if (!isObject(arg)) throw new BadRequestError('Invalid input for field/attribute createImage: it must be an object.');
  const extra = Object.keys(arg).filter((k) => k !== 'name' && k !== 'metadata');
  if (extra.length) throw new BadRequestError(`Invalid input for field/attribute createImage: additional properties are not allowed (${extra.join(', ')}).`);
  const { name, metadata } = arg;
  if (typeof name !== 'string' || name.length < 1 || name.length > 255 || name.trim() !== name) {
    throw new BadRequestError(`Invalid input for field/attribute name. Value: ${String(name)}. It must be 1 to 255 characters without leading or trailing whitespace.`);
  }
  if (metadata === undefined) return { name, metadata: {} };
  if (!isObject(metadata) || !Object.entries(metadata).every(([k, v]) => METADATA_KEY.test(k) && typeof v === 'string' && v.length <= 255)) {
    throw new BadRequestError('Invalid input for field/attribute metadata: keys of 1-255 characters [a-zA-Z0-9-_:. ] and string values of at most 255.');
  }
  return { name, metadata: metadata as Record<string, string> };
}

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
    case 'createImage':
      return { kind, ...parseCreateImage(arg) };
    default:
      throw new BadRequestError(`Action ${kind} is not supported by this cloud yet.`);
  }
}
