import { TokenClaims } from '../../contracts/identity/identity.types';
import { claimsToContext } from './claims';

const claims: TokenClaims = {
  v: 1, kid: 'k1', sub: 'u1', un: 'alice', ud: 'default', udn: 'Default', pid: 'p1', pn: 'demo', pd: 'default', pdn: 'Default',
  r: [{ id: 'r1', name: 'member' }, { id: 'r2', name: 'admin' }], m: ['password'], iat: 0, exp: Date.now() + 3600_000, aid: 'audit-1',
};

describe(claimsToContext.name, () => {
  it('gives each request its own context with its own request id', () => {
    const a = claimsToContext(claims, 'req-a');
    const b = claimsToContext(claims, 'req-b');
    expect(a).toEqual({
      requestId: 'req-a', userId: 'u1', userName: 'alice', projectId: 'p1', projectName: 'demo', domainId: undefined,
      roles: ['member', 'admin'], authenticated: true, isAdmin: true,
    });
    expect(b.requestId).toBe('req-b');
    expect(a).not.toBe(b);
  });

  it('shares a frozen roles list between the requests of one token', () => {
    const a = claimsToContext(claims, 'req-a');
    expect(claimsToContext(claims, 'req-b').roles).toBe(a.roles);
    expect(() => a.roles.push('reader')).toThrow(TypeError);
  });
});
