import { SetMetadata } from '@nestjs/common';
import { RequestContext } from '../context/request-context';

/** A policy rule: may this caller do the operation? Target checks (ownership) live in the api facades. */
export type PolicyRule = (ctx: RequestContext) => boolean;

export const rules = {
  /** Any valid token. */
  authenticated: (ctx) => ctx.authenticated,
  /** Cloud administrators (the admin role). */
  admin: (ctx) => ctx.authenticated && ctx.isAdmin,
  /** Reads: reader, member or admin on a project (or admin). */
  projectReader: (ctx) => ctx.authenticated && (ctx.isAdmin || (!!ctx.projectId && ctx.roles.some((r) => r === 'reader' || r === 'member'))),
  /** Writes: member on a project (or admin); readers may only read. */
  projectMember: (ctx) => ctx.authenticated && (ctx.isAdmin || (!!ctx.projectId && ctx.roles.includes('member'))),
} satisfies Record<string, PolicyRule>;

export const PUBLIC_KEY = 'berth:public';
export const POLICY_KEY = 'berth:policy';

/** Served without a token (version documents, token issue, health). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** The rule a token must satisfy; 403 otherwise. */
export const Policy = (rule: PolicyRule) => SetMetadata(POLICY_KEY, rule);
