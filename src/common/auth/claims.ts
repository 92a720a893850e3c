import { TokenClaims } from '../../contracts/identity/identity.types';
import { RequestContext } from '../context/request-context';

interface Roles {
  roles: string[];
  isAdmin: boolean;
}

/** The validator hands out the same claims object for a token while it stays cached, so each token's roles are derived once. */
const rolesOf = new WeakMap<TokenClaims, Roles>();

export function claimsToContext(c: TokenClaims, requestId: string): RequestContext {
  let r = rolesOf.get(c);
  if (!r) {
    // Shared by every request that carries this token, hence frozen.
    const roles = Object.freeze(c.r.map((role) => role.name)) as string[];
    r = { roles, isAdmin: roles.includes('admin') };
    rolesOf.set(c, r);
  }
  return {
    requestId,
    userId: c.sub,
    userName: c.un,
    projectId: c.pid,
    projectName: c.pn,
    domainId: c.did,
    roles: r.roles,
    authenticated: true,
    isAdmin: r.isAdmin,
  };
}
