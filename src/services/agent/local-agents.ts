import { Logger } from 'pino';
import { MessageBus } from '../../common/messaging/message-bus';
import { RunningAgent, startAgent } from './agent.runtime';
import { DriverUnavailableError, createDriver } from './drivers/driver.registry';
import { EngineDriver } from './drivers/engine.driver';

export interface LocalAgentsOptions {
  bus: MessageBus;
  host: string;
  /** The engine socket given by --docker-host; absent → the default sockets, else the fake driver. */
  dockerHost?: string;
  /** This machine's data directory (see DriverSettings.dataDir). */
  dataDir?: string;
  fakeHosts: number;
  log: Logger;
}

export interface LocalAgents {
  /** host → driver name, for the start-up message. */
  readonly hosts: { host: string; driver: string }[];
  stop(): Promise<void>;
}

/**
 * The all-in-one's agents, in process: one for this machine (docker when an engine answers,
 * fake otherwise) and `fakeHosts` simulated ones for scale and scheduling.
 */
export async function startLocalAgents(opts: LocalAgentsOptions): Promise<LocalAgents> {
  const started: { agent: RunningAgent; driver: EngineDriver }[] = [];
  let local: EngineDriver;
  try {
    local = await createDriver('docker', { dockerHost: opts.dockerHost, dataDir: opts.dataDir });
  } catch (err) {
    if (opts.dockerHost || !(err instanceof DriverUnavailableError)) throw err;
    opts.log.info({ reason: (err as Error).message }, 'no container engine found: the local host runs the fake driver');
    local = await createDriver('fake');
  }
  const drivers: [string, EngineDriver][] = [[opts.host, local]];
  for (let i = 1; i <= opts.fakeHosts; i++) drivers.push([`${opts.host}-fake-${i}`, await createDriver('fake')]);
  try {
    for (const [host, driver] of drivers) started.push({ agent: await startAgent({ bus: opts.bus, host, driver, log: opts.log }), driver });
  } catch (err) {
    for (const s of started) await s.agent.stop().catch(() => undefined);
    throw err;
  }
  return {
    hosts: started.map((s) => ({ host: s.agent.host, driver: s.driver.name })),
    stop: async () => {
      for (const s of started) {
        await s.agent.stop().catch((err) => opts.log.warn({ err, host: s.agent.host }, 'agent stop failed'));
        await s.driver.close?.();
      }
    },
  };
}
