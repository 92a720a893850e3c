#!/usr/bin/env node
import 'reflect-metadata';
import { join } from 'node:path';
import { ParsedArgs, UsageError, parseArgs } from './cli/args';
import { ConfigService, InvalidConfigError } from './common/config/config.service';
import type { ServiceName } from './common/http/service-prefixes';
import { createLogger } from './common/logging/logger';

/*
 * Each command loads only what it runs: a per-host agent never needs NestJS, TypeORM or pg, and
 * loading them would cost it ~40 MB of the memory the host should give to its instances.
 */

const USAGE = `usage: berth <command> [options]

commands:
  all-in-one [--port 8080] [--host NAME] [--docker-host unix://PATH] [--fake-hosts N]
                      every service in one process on one port (embedded store and in-process bus
                      unless BERTH_DATABASE_URL / BERTH_AMQP_URL are set)
  serve <identity|image|compute|network|volume> [--port N]
                      one service in this process (needs BERTH_DATABASE_URL and BERTH_AMQP_URL)
  agent --host NAME --driver docker|qemu|fake [--docker-host unix://PATH]
                      a per-host agent
  db migrate          apply pending database migrations
  bootstrap           create the admin project, user, roles and the service catalog

options for every command: --data-dir --database-url --amqp-url --public-url --bind --log-level
(each also settable as BERTH_<NAME>, e.g. BERTH_PORT)`;

const SERVABLE: ServiceName[] = ['identity', 'image', 'compute', 'network', 'volume'];

function fail(message: string, code = 2): never {
  process.stderr.write(`berth: ${message}\n`);
  process.exit(code);
}

function stopOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function allInOne(args: ParsedArgs): Promise<void> {
  const config = ConfigService.load(args.settings);
  const { ALL_SERVICES, startBerth } = await import('./berth');
  const { readRcPassword, writeAdminRc } = await import('./cli/openrc');
  const running = await startBerth({ config, services: ALL_SERVICES, migrate: true, bootstrap: true, localAgents: true });
  stopOnSignals(running.close);
  const rcPath = join(config.dataDir, 'admin-openrc');
  const password = running.bootstrap?.adminPassword ?? readRcPassword(rcPath);
  if (password) writeAdminRc(rcPath, `${running.publicUrl}/identity/v3`, password, config.region);
  const lines = [`berth all-in-one is serving on ${running.url}`];
  if (running.publicUrl !== running.url) lines.push(`the catalog advertises ${running.publicUrl}`);
  lines.push(`hosts: ${running.agents.map((a) => `${a.host} (${a.driver})`).join(', ')}`);
  if (password) lines.push(`admin credentials: ${rcPath}`, `try: source ${rcPath} && openstack server list`);
  else lines.push(`the admin user already existed; set BERTH_ADMIN_PASSWORD to reset its password and rewrite ${rcPath}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function serve(args: ParsedArgs): Promise<void> {
  const service = args.positional[1] as ServiceName;
  if (!SERVABLE.includes(service)) throw new UsageError(`serve needs one of: ${SERVABLE.join(', ')}`);
  const config = ConfigService.load(args.settings);
  if (!config.databaseUrl || !config.amqpUrl) {
    throw new InvalidConfigError('BERTH_DATABASE_URL and BERTH_AMQP_URL: a split service needs both (shared PostgreSQL and RabbitMQ)');
  }
  const services: ServiceName[] = service === 'compute' ? ['compute', 'placement', 'container'] : [service];
  const { startBerth } = await import('./berth');
  const running = await startBerth({ config, services, migrate: false, bootstrap: false });
  stopOnSignals(running.close);
  process.stdout.write(`berth ${service} is serving on ${running.url}\n`);
}

async function dbMigrate(args: ParsedArgs): Promise<void> {
  const config = ConfigService.load(args.settings);
  const { Store } = await import('./common/database/store');
  const { ALL_ENTITIES } = await import('./services/entities');
  const store = new Store({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, entities: ALL_ENTITIES });
  await store.open();
  try {
    const applied = await store.migrate();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
  } finally {
    await store.close();
  }
}

async function bootstrap(args: ParsedArgs): Promise<void> {
  const config = ConfigService.load(args.settings);
  const { startBerth } = await import('./berth');
  const { InMemoryBus } = await import('./common/messaging/in-memory-bus');
  const { BootstrapService } = await import('./services/identity/bootstrap.service');
  const { writeAdminRc } = await import('./cli/openrc');
  const running = await startBerth({
    config, services: ['identity'], migrate: true, bootstrap: false, log: createLogger('warn'),
    bus: new InMemoryBus(), listenPort: 0,
  });
  try {
    const result = await running.app.get(BootstrapService).run({ adminPassword: config.adminPassword, publicUrl: config.publicUrl(), region: config.region });
    const rcPath = join(config.dataDir, 'admin-openrc');
    if (result.adminPassword) writeAdminRc(rcPath, `${config.publicUrl()}/identity/v3`, result.adminPassword, config.region);
    process.stdout.write(result.adminCreated ? `admin user created; credentials in ${rcPath}\n` : 'bootstrap complete (the admin user already existed)\n');
  } finally {
    await running.close();
  }
}

async function agent(args: ParsedArgs): Promise<void> {
  const { DRIVER_NAMES, DriverUnavailableError, createDriver, isDriverName } = await import('./services/agent/drivers/driver.registry');
  const { createBus } = await import('./common/messaging/bus-factory');
  const { startAgent } = await import('./services/agent/agent.runtime');
  const driverName = args.flags.driver;
  if (!isDriverName(driverName ?? '')) throw new UsageError(`agent needs --driver ${DRIVER_NAMES.join('|')}`);
  const config = ConfigService.load(args.settings);
  if (!config.amqpUrl) {
    throw new InvalidConfigError('BERTH_AMQP_URL: a separate agent needs the message broker (set BERTH_AMQP_URL or --amqp-url)');
  }
  const log = createLogger(config.logLevel);
  let driver: Awaited<ReturnType<typeof createDriver>>;
  try {
    driver = await createDriver(driverName!, { dockerHost: config.dockerHost, dataDir: config.dataDir });
  } catch (err) {
    if (err instanceof DriverUnavailableError) fail(err.message, 3);
    throw err;
  }
  const bus = await createBus(config, log);
  const running = await startAgent({ bus, host: config.host, driver, log });
  stopOnSignals(async () => {
    await running.stop();
    await driver.close?.();
    await bus.close();
    log.flush();
  });
  process.stdout.write(`berth agent is serving agent.${config.host} with the ${driver.name} driver\n`);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  const args = parseArgs(argv.slice(1), command === 'agent' ? ['driver'] : []);
  args.positional.unshift(command);
  switch (command) {
    case 'all-in-one': return allInOne(args);
    case 'serve': return serve(args);
    case 'agent': return agent(args);
    case 'db':
      if (args.positional[1] !== 'migrate') throw new UsageError('db needs a subcommand: migrate');
      return dbMigrate(args);
    case 'bootstrap': return bootstrap(args);
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) fail(`${err.message}\n${USAGE}`);
  if (err instanceof InvalidConfigError) fail(`invalid configuration: ${err.message}`);
  if (err instanceof Error && err.name === 'PendingMigrationsError') fail(err.message);
  fail(`could not start: ${err instanceof Error ? err.message : String(err)}`, 1);
});
