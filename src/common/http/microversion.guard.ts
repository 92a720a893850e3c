import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpReply, httpRequest } from './http-args';
import { Microversion, MicroversionPolicy, negotiateMicroversion } from './microversion';

type VersionedRequest = FastifyRequest & { microversion?: Microversion };

/**
 * Negotiates the request's microversion (400 malformed, 406 out of range) and echoes it in the
 * response headers; put on a controller with @UseGuards, after which @Mv() reads the version.
 * A guard rather than an interceptor: it runs at the same point (after the AuthGuard, before the
 * pipes and the handler), without Nest's interceptor chain, which on Node 20 binds two
 * AsyncResources per request (~100 µs of CPU per request on a busy 2-core machine).
 */
export function microversionGuard(policy: MicroversionPolicy) {
  const vary = ['OpenStack-API-Version', policy.legacyHeader].filter(Boolean).join(', ');
  @Injectable()
  class MicroversionGuard implements CanActivate {
    canActivate(execution: ExecutionContext): boolean {
      const req = httpRequest<VersionedRequest>(execution);
      const reply = httpReply<FastifyReply>(execution);
      const v = negotiateMicroversion(req.headers, policy);
      req.microversion = v;
      const version = v.toString();
      reply.header('OpenStack-API-Version', `${policy.service} ${version}`);
      if (policy.legacyHeader) reply.header(policy.legacyHeader, version);
      reply.header('Vary', vary);
      return true;
    }
  }
  return MicroversionGuard;
}

/** The negotiated microversion of this request. */
export const Mv = createParamDecorator((_d: unknown, execution: ExecutionContext) =>
  httpRequest<VersionedRequest>(execution).microversion!);
