import 'reflect-metadata';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'pino';
import { ConfigService } from './common/config/config.service';
import { Store } from './common/database/store';
import { createHttpApp } from './common/http/http-app';
import { ServiceName } from './common/http/service-prefixes';
import { createLogger } from './common/logging/logger';
import { startIdleCollector } from './common/memory/idle-collector';
import { createBus } from './common/messaging/bus-factory';
import { MessageBus } from './common/messaging/message-bus';
import { RootModule } from './root.module';
import { ALL_ENTITIES } from './services/entities';
import { BootstrapResult, BootstrapService } from './services/identity/bootstrap.service';
import { startLocalAgents } from './services/agent/local-agents';

export const ALL_SERVICES: ServiceName[] = ['identity', 'image', 'compute', 'placement', 'network', 'volume', 'container'];

export interface StartOptions {
  config: ConfigService;
  services: ServiceName[];
  /** Apply pending migrations first (the all-in-one does; split services expect `berth db migrate`). */
  migrate: boolean;
  /** Create the admin user and the catalog if missing (the all-in-one does). */
  bootstrap: boolean;
  log?: Logger;
  /** A bus to use instead of the configured one (the bootstrap command needs none). */
  bus?: MessageBus;
  /** Listen here instead of the configured port (0: any free port). */
  listenPort?: number;
  /** Run this machine's agent and BERTH_FAKE_HOSTS fake ones in process (the all-in-one). */
  localAgents?: boolean;
}

export interface RunningBerth {
  app: NestFastifyApplication;
  store: Store;
  bus: MessageBus;
  port: number;
  /** Where this process listens (loopback when bound to all interfaces). */
  url: string;
  /** What the catalog advertises (BERTH_PUBLIC_URL, or `url`). */
  publicUrl: string;
  bootstrap?: BootstrapResult;
  /** Agents running in this process. */
  agents: { host: string; driver: string }[];
  close(): Promise<void>;
}

export class PendingMigrationsError extends Error {
  override name = 'PendingMigrationsError';
}

/** Opens the store and the bus, then serves the chosen services on one HTTP port. */
export async function startBerth(opts: StartOptions): Promise<RunningBerth> {
  const { config } = opts;
  const log = opts.log ?? createLogger(config.logLevel);
  const store = new Store({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, entities: ALL_ENTITIES });
  await store.open();
  let bus: MessageBus | undefined;
  let app: NestFastifyApplication | undefined;
  try {
    if (opts.migrate) {
      const applied = await store.migrate();
      if (applied.length) log.info({ applied }, 'migrations applied');
    } else if (await store.dataSource.showMigrations()) {
      throw new PendingMigrationsError('the database has pending migrations: run `berth db migrate` first');
    }
    bus = opts.bus ?? (await createBus(config, log));
    app = await createHttpApp(RootModule.forServices(opts.services, { config, store, bus, log }), log, config.maxBodyBytes);
    await app.listen({ port: opts.listenPort ?? config.port, host: config.bind });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.bind === '0.0.0.0' || config.bind === '::' ? '127.0.0.1' : config.bind;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const publicUrl = config.publicUrl(port);
    let bootstrap: BootstrapResult | undefined;
    if (opts.bootstrap) {
      bootstrap = await app.get(BootstrapService).run({ adminPassword: config.adminPassword, publicUrl, region: config.region });
    }
    const agents = opts.localAgents
      ? await startLocalAgents({ bus, host: config.host, dockerHost: config.dockerHost, dataDir: config.dataDir, fakeHosts: config.fakeHosts, log })
      : undefined;
    log.info({ url, publicUrl, agents: agents?.hosts, services: opts.services, store: config.embeddedStore ? 'embedded' : 'postgresql', bus: config.amqpUrl ? 'amqp' : 'in-process' }, 'berth is serving');
    const collector = startIdleCollector({ onCollect: (released, ms) => log.debug({ releasedMiB: Math.round(released / 2 ** 20), ms: Math.round(ms) }, 'idle: collected the heap') });
    const running: RunningBerth = {
      app, store, bus, port, url, publicUrl, bootstrap, agents: agents?.hosts ?? [],
      close: async () => {
        collector.stop();
        await agents?.stop();
        await app!.close().catch((err) => log.warn({ err }, 'http close failed'));
        await bus!.close().catch((err) => log.warn({ err }, 'bus close failed'));
        await store.close().catch((err) => log.warn({ err }, 'store close failed'));
        log.flush();
      },
    };
    return running;
  } catch (err) {
    await app?.close().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}
