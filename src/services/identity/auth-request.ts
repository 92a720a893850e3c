import { BadRequestError } from '../../common/errors/api-error';

/** A name-or-id reference as Keystone's auth body allows it. */
export interface Ref { id?: string; name?: string; domain?: { id?: string; name?: string } }

export interface AuthRequest {
  methods: string[];
  password?: { user: Ref; password: string };
  token?: { id: string };
  scope: { kind: 'project'; project: Ref } | { kind: 'domain'; domain: Ref } | { kind: 'unscoped' } | { kind: 'default' };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(field: string, why: string): never {
  throw new BadRequestError(`Invalid input for field '${field}': ${why}.`);
}

function optString(obj: Record<string, unknown>, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) bad(`${path}.${key}`, 'must be a non-empty string');
  return v;
}

function parseRef(v: unknown, path: string, needsDomainForName: boolean): Ref {
  if (!isObject(v)) bad(path, 'must be an object');
  const ref: Ref = { id: optString(v, 'id', path), name: optString(v, 'name', path) };
  if (v.domain !== undefined) {
    if (!isObject(v.domain)) bad(`${path}.domain`, 'must be an object');
    ref.domain = { id: optString(v.domain, 'id', `${path}.domain`), name: optString(v.domain, 'name', `${path}.domain`) };
    if (!ref.domain.id && !ref.domain.name) bad(`${path}.domain`, 'needs an id or a name');
  }
  if (!ref.id && !ref.name) bad(path, 'needs an id or a name');
  if (!ref.id && needsDomainForName && !ref.domain) bad(`${path}.domain`, 'is required when a name is given');
  return ref;
}

/** Parses POST /v3/auth/tokens (Keystone's auth schema), with 400s naming the field. */
export function parseAuthRequest(body: unknown): AuthRequest {
  if (!isObject(body) || !isObject(body.auth)) bad('auth', 'is required and must be an object');
  const auth = body.auth;
  if (!isObject(auth.identity)) bad('auth.identity', 'is required and must be an object');
  const identity = auth.identity;
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    bad('auth.identity.methods', 'must be a non-empty list of strings');
  }
  const req: AuthRequest = { methods: methods as string[], scope: { kind: 'default' } };
  for (const m of req.methods) {
    if (m === 'password') {
      const p = identity.password;
      if (!isObject(p) || !isObject(p.user)) bad('auth.identity.password.user', 'is required');
      const user = parseRef(p.user, 'auth.identity.password.user', true);
      const password = (p.user as Record<string, unknown>).password;
      if (typeof password !== 'string') bad('auth.identity.password.user.password', 'must be a string');
      req.password = { user, password: password as string };
    } else if (m === 'token') {
      const t = identity.token;
      if (!isObject(t) || typeof t.id !== 'string' || !t.id) bad('auth.identity.token.id', 'must be a non-empty string');
      req.token = { id: (t as { id: string }).id };
    } else {
      throw new BadRequestError(`Attempted to authenticate with an unsupported method: ${m}.`);
    }
  }
  const scope = auth.scope;
  if (scope === 'unscoped') req.scope = { kind: 'unscoped' };
  else if (scope !== undefined && scope !== null) {
    if (!isObject(scope)) bad('auth.scope', 'must be an object or "unscoped"');
    if (scope.project !== undefined) req.scope = { kind: 'project', project: parseRef(scope.project, 'auth.scope.project', true) };
    else if (scope.domain !== undefined) req.scope = { kind: 'domain', domain: parseRef(scope.domain, 'auth.scope.domain', false) };
    else if (scope.system !== undefined) throw new BadRequestError('System-scoped tokens are not supported by this cloud.');
    else bad('auth.scope', 'must name a project or a domain');
  }
  return req;
}
