import { randomUUID } from 'node:crypto';

/** Who asks and on whose behalf; travels with every HTTP request and every RPC message. */
export interface RequestContext {
  requestId: string;
  userId?: string;
  userName?: string;
  projectId?: string;
  projectName?: string;
  domainId?: string;
  roles: string[];
  /** Set only when the request carried a valid token. */
  authenticated: boolean;
  isAdmin: boolean;
}

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

export function anonymousContext(requestId = newRequestId()): RequestContext {
  return { requestId, roles: [], authenticated: false, isAdmin: false };
}

export function systemContext(requestId = newRequestId()): RequestContext {
  return { requestId, roles: ['admin'], authenticated: true, isAdmin: true, userId: 'berth-system' };
}
