import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { RequestContext } from '../context/request-context';
import { ForbiddenError } from '../errors/api-error';
import { POLICY_KEY, PUBLIC_KEY, PolicyRule } from './policy';
import { TOKEN_VALIDATOR, TokenValidator } from './token-validator';
import { claimsToContext } from './claims';

export type ContextRequest = FastifyRequest & { context: RequestContext };

/**
 * Every route needs a valid X-Auth-Token unless marked @Public; a route's @Policy rule then
 * decides 403. The resolved RequestContext is attached to the request for @Ctx().
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, @Inject(TOKEN_VALIDATOR) private readonly validator: TokenValidator) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const req = execution.switchToHttp().getRequest<ContextRequest>();
    const targets = [execution.getHandler(), execution.getClass()];
    const requestId = String(req.id);
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) {
      req.context = { requestId, roles: [], authenticated: false, isAdmin: false };
      return true;
    }
    const header = req.headers['x-auth-token'];
    const claims = await this.validator.validate(Array.isArray(header) ? header[0] : header);
    req.context = claimsToContext(claims, requestId);
    const rule = this.reflector.getAllAndOverride<PolicyRule | undefined>(POLICY_KEY, targets);
    if (rule && !rule(req.context)) throw new ForbiddenError();
    return true;
  }
}
