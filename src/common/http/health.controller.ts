import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/policy';
import { STORE } from '../database/database.module';
import { Store } from '../database/store';
import { MESSAGE_BUS, MessageBus } from '../messaging/message-bus';
import { metricsRegistry } from './metrics';

@Controller()
export class HealthController {
  constructor(@Inject(STORE) private readonly store: Store, @Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  /** Liveness: the process serves HTTP. */
  @Public() @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and the bus can deliver. */
  @Public() @Get('readyz')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply) {
    const database = await this.store.ping();
    const bus = this.bus.isReady();
    if (!database || !bus) reply.status(503);
    return { status: database && bus ? 'ok' : 'unavailable', checks: { database: database ? 'ok' : 'down', bus: bus ? 'ok' : 'down' } };
  }

  @Public() @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('content-type', metricsRegistry.contentType);
    return metricsRegistry.metrics();
  }
}
