import { TokenClaims } from '../../contracts/identity/identity.types';
import { RequestContext } from '../context/request-context';

export function claimsToContext(c: TokenClaims, requestId: string): RequestContext {
  const roles = c.r.map((r) => r.name);
  return {
    requestId,
    userId: c.sub,
    userName: c.un,
    projectId: c.pid,
    projectName: c.pn,
    domainId: c.did,
    roles,
    authenticated: true,
    isAdmin: roles.includes('admin'),
  };
}
