import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Logger } from 'pino';
import { DynamicModule } from '@nestjs/common';
import { FaultFilter } from '../errors/fault.filter';
import { NestPinoLogger } from '../logging/nest-logger';
import { createValidationPipe } from '../validation/validation.pipe';
import { httpMetrics } from './metrics';
import { serviceForPath } from './service-prefixes';
import { BadRequestError, UnsupportedMediaTypeError } from '../errors/api-error';

/** Route config key (`@RouteConfig({ [STREAM_BODY]: true })`) of handlers that take an application/octet-stream body as a stream (`req.body`). */
export const STREAM_BODY = 'berthStreamBody';

/**
 * The HTTP edge every service shares: Fastify, a request id on every response, JSON bodies
 * (empty allowed, malformed → 400, oversized → 413), one access-log line per request, metrics.
 */
export async function createHttpApp(root: DynamicModule, log: Logger, maxBodyBytes: number): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: maxBodyBytes,
    genReqId: () => `req-${randomUUID()}`,
    exposeHeadRoutes: false,
    logger: false,
    // berth uses no Nest middleware, and @fastify/middie would otherwise run an onRequest hook on every request.
    skipMiddie: true,
    routerOptions: { maxParamLength: 1024, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, { logger: new NestPinoLogger(log.child({ component: 'nest' })), abortOnError: false, bodyParser: false });
  const fastify = app.getHttpAdapter().getInstance();

  const parseJson = (_req: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new BadRequestError('Malformed request body: it is not valid JSON.'), undefined);
    }
  };
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  // Glance's PATCH media type: a JSON-patch document, parsed like any JSON body.
  fastify.addContentTypeParser('application/openstack-images-v2.1-json-patch', { parseAs: 'string' }, parseJson);
  // Raw bytes (image data) reach the handler as the request stream itself, never buffered, so bodyLimit does not
  // apply; only routes declaring @RouteConfig({ [STREAM_BODY]: true }) take them, the others answer 415.
  fastify.addContentTypeParser('application/octet-stream', (req, payload, done) => {
    if (req.is404 || Reflect.get(req.routeOptions.config ?? {}, STREAM_BODY) === true) return done(null, payload);
    done(new UnsupportedMediaTypeError('The media type application/octet-stream is not supported here: send application/json.'), undefined);
  });

  // The APIs speak JSON; any other media type (beyond the two above) is refused.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('*', (req, _payload, done) => {
    done(new UnsupportedMediaTypeError(`The media type ${req.headers['content-type']} is not supported: send application/json.`), undefined);
  });

  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-openstack-request-id', req.id);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const ms = reply.elapsedTime;
    httpMetrics.record(serviceForPath(req.url)?.type ?? 'berth', req.method, reply.statusCode, ms / 1000);
    log.info({ req_id: req.id, method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
    done();
  });

  app.useGlobalFilters(new FaultFilter(log));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  return app;
}
