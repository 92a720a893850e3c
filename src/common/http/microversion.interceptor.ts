import { CallHandler, ExecutionContext, Injectable, NestInterceptor, createParamDecorator } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { Microversion, MicroversionPolicy, negotiateMicroversion } from './microversion';

type VersionedRequest = FastifyRequest & { microversion?: Microversion };

/** Negotiates the request's microversion and echoes it in the response headers. */
export function microversionInterceptor(policy: MicroversionPolicy) {
  const vary = ['OpenStack-API-Version', policy.legacyHeader].filter(Boolean).join(', ');
  @Injectable()
  class MicroversionInterceptor implements NestInterceptor {
    intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
      const http = execution.switchToHttp();
      const req = http.getRequest<VersionedRequest>();
      const reply = http.getResponse<FastifyReply>();
      const v = negotiateMicroversion(req.headers, policy);
      req.microversion = v;
      const version = v.toString();
      reply.header('OpenStack-API-Version', `${policy.service} ${version}`);
      if (policy.legacyHeader) reply.header(policy.legacyHeader, version);
      reply.header('Vary', vary);
      return next.handle();
    }
  }
  return MicroversionInterceptor;
}

/** The negotiated microversion of this request. */
export const Mv = createParamDecorator((_d: unknown, execution: ExecutionContext) =>
  execution.switchToHttp().getRequest<VersionedRequest>().microversion!);
