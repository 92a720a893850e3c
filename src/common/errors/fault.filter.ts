import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'pino';
import { serviceForPath } from '../http/service-prefixes';
import { ApiError } from './api-error';
import { faultBody } from './fault-bodies';

const INTERNAL_MESSAGE = 'The server has either erred or is incapable of performing the requested operation.';

interface Classified { status: number; message: string; type?: string }

/** Maps anything thrown while serving a request to the service's OpenStack error body. */
export function classify(err: unknown): Classified {
  if (err instanceof ApiError) return { status: err.status, message: err.message, type: err.type };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse() as string | { message?: string | string[] };
    const raw = typeof res === 'string' ? res : res.message;
    let message = Array.isArray(raw) ? raw.join('; ') : raw ?? err.message;
    if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD)/.test(message)) message = 'The resource could not be found.';
    return { status, message };
  }
  const fe = err as { statusCode?: number; code?: string; message?: string };
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, message: 'Request is too large.' };
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, message: 'The request media type is not supported.' };
    return { status: fe.statusCode, message: fe.message ?? 'Bad request' };
  }
  return { status: 500, message: INTERNAL_MESSAGE };
}

@Catch()
export class FaultFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const { status, message, type } = classify(err);
    const requestId = String(req.id);
    if (status >= 500) this.log.error({ req_id: requestId, err }, 'request failed');
    const spec = serviceForPath(req.url);
    if (status === 401 && spec?.faults === 'keystone') reply.header('WWW-Authenticate', 'Keystone uri="/identity"');
    void reply.status(status).header('content-type', 'application/json').send(faultBody(spec, status, message, type, requestId));
  }
}
