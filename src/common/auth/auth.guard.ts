import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { RequestContext, anonymousContext } from '../context/request-context';
import { ForbiddenError } from '../errors/api-error';
import { httpRequest } from '../http/http-args';
import { POLICY_KEY, PUBLIC_KEY, PolicyRule } from './policy';
import { TOKEN_VALIDATOR, TokenValidator } from './token-validator';
import { claimsToContext } from './claims';

export type ContextRequest = FastifyRequest & { context: RequestContext };

interface RouteAccess {
  public: boolean;
  rule?: PolicyRule;
}

/**
 * Every route needs a valid X-Auth-Token unless marked @Public; a route's @Policy rule then
 * decides 403. The resolved RequestContext is attached to the request for @Ctx().
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Controller class → handler → its @Public/@Policy, read from the metadata once rather than on every request. */
  private readonly routes = new WeakMap<object, Map<object, RouteAccess>>();

  constructor(private readonly reflector: Reflector, @Inject(TOKEN_VALIDATOR) private readonly validator: TokenValidator) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const req = httpRequest<ContextRequest>(execution);
    const access = this.accessOf(execution);
    if (access.public) {
      req.context = anonymousContext(String(req.id));
      return true;
    }
    const header = req.headers['x-auth-token'];
    const claims = await this.validator.validate(Array.isArray(header) ? header[0] : header);
    req.context = claimsToContext(claims, String(req.id));
    if (access.rule && !access.rule(req.context)) throw new ForbiddenError();
    return true;
  }

  private accessOf(execution: ExecutionContext): RouteAccess {
    const cls = execution.getClass();
    const handler = execution.getHandler();
    let handlers = this.routes.get(cls);
    if (!handlers) {
      handlers = new Map();
      this.routes.set(cls, handlers);
    }
    let access = handlers.get(handler);
    if (!access) {
      const targets = [handler, cls];
      access = {
        public: this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true,
        rule: this.reflector.getAllAndOverride<PolicyRule | undefined>(POLICY_KEY, targets),
      };
      handlers.set(handler, access);
    }
    return access;
  }
}
