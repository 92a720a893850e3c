import { TokenClaims } from '../../contracts/identity/identity.types';
import { RequestContext } from '../context/request-context';

type Caller = Readonly<Omit<RequestContext, 'requestId'>>;

/** The validator hands out the same claims object for a token while it stays cached, so each token's caller is derived once. */
const callers = new WeakMap<TokenClaims, Caller>();

export function claimsToContext(c: TokenClaims, requestId: string): RequestContext {
  let caller = callers.get(c);
  if (!caller) {
    // Shared by every request that carries this token, hence frozen.
    const roles = Object.freeze(c.r.map((r) => r.name)) as string[];
    caller = Object.freeze({
      userId: c.sub,
      userName: c.un,
      projectId: c.pid,
      projectName: c.pn,
      domainId: c.did,
      roles,
      authenticated: true,
      isAdmin: roles.includes('admin'),
    });
    callers.set(c, caller);
  }
  return { ...caller, requestId };
}
