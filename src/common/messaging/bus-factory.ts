import { Logger } from 'pino';
import { ConfigService } from '../config/config.service';
import { AmqpBus } from './amqp-bus';
import { InMemoryBus } from './in-memory-bus';
import { MessageBus } from './message-bus';

/** RabbitMQ when BERTH_AMQP_URL is set, else the in-process bus. */
export async function createBus(config: ConfigService, log: Logger): Promise<MessageBus> {
  if (!config.amqpUrl) return new InMemoryBus(config.rpcTimeoutMs);
  const bus = new AmqpBus({ url: config.amqpUrl, defaultTimeoutMs: config.rpcTimeoutMs, logger: log.child({ component: 'bus' }) });
  await bus.connect();
  return bus;
}
