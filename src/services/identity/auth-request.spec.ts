import { BadRequestError } from '../../common/errors/api-error';
import { parseAuthRequest } from './auth-request';

const password = (user: unknown, scope?: unknown) => ({ auth: { identity: { methods: ['password'], password: { user } }, ...(scope !== undefined ? { scope } : {}) } });

describe(parseAuthRequest.name, () => {
  it('parses a password auth by name and domain, scoped to a project by name', () => {
    const req = parseAuthRequest(password({ name: 'admin', domain: { name: 'Default' }, password: 'pw' }, { project: { name: 'admin', domain: { id: 'default' } } }));
    expect(req.password).toEqual({ user: { id: undefined, name: 'admin', domain: { id: undefined, name: 'Default' } }, password: 'pw' });
    expect(req.scope).toEqual({ kind: 'project', project: { id: undefined, name: 'admin', domain: { id: 'default', name: undefined } } });
  });

  it('parses token auth, unscoped and domain scopes, and defaults the scope', () => {
    expect(parseAuthRequest({ auth: { identity: { methods: ['token'], token: { id: 't' } }, scope: 'unscoped' } })).toMatchObject({ token: { id: 't' }, scope: { kind: 'unscoped' } });
    expect(parseAuthRequest(password({ id: 'u1', password: 'pw' }, { domain: { id: 'default' } })).scope).toEqual({ kind: 'domain', domain: { id: 'default', name: undefined } });
    expect(parseAuthRequest(password({ id: 'u1', password: 'pw' })).scope).toEqual({ kind: 'default' });
  });

  it.each([
    [{}, "'auth'"],
    [{ auth: { identity: { methods: [] } } }, "'auth.identity.methods'"],
    [password({ name: 'admin', password: 'pw' }), "'auth.identity.password.user.domain'"],
    [password({ name: 'admin', domain: { id: 'default' } }), "'auth.identity.password.user.password'"],
    [password({ password: 'pw' }), "'auth.identity.password.user'"],
    [password({ id: 'u', password: 'pw' }, { project: { name: 'p' } }), "'auth.scope.project.domain'"],
    [password({ id: 'u', password: 'pw' }, 7), "'auth.scope'"],
    [{ auth: { identity: { methods: ['token'], token: {} } } }, "'auth.identity.token.id'"],
    [{ auth: { identity: { methods: ['totp'] } } }, 'unsupported method: totp'],
  ])('rejects %j with a 400 naming %s', (body, needle) => {
    expect(() => parseAuthRequest(body)).toThrow(BadRequestError);
    expect(() => parseAuthRequest(body)).toThrow(needle);
  });
});
