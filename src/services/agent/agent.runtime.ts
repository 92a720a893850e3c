import pino, { Logger } from 'pino';
import { AGENT_RPC } from '../../contracts/agent/agent.rpc';
import { COMPUTE_RPC, ComputeRpc } from '../../contracts/compute/compute.rpc';
import { systemContext } from '../../common/context/request-context';
import { MessageBus, Subscription } from '../../common/messaging/message-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { serveContract } from '../../common/messaging/rpc-server';
import { AgentManager } from './agent.manager';
import { EngineDriver } from './drivers/engine.driver';
import { ImageCache, ImageCacheOptions } from './image-cache';

export interface AgentOptions {
  bus: MessageBus;
  /** This host's name: the agent serves `agent.<host>`. */
  host: string;
  /** The caller owns the driver (stop() does not close it). */
  driver: EngineDriver;
  /** Heartbeat: ComputeRpc.reportHost with the host's resources; default 10 s. */
  reportIntervalMs?: number;
  /** Sync: ComputeRpc.reportInstances with what the engine runs; default 30 s. */
  syncIntervalMs?: number;
  log?: Logger;
  /** For tests (image downloads and uploads). */
  fetch?: ImageCacheOptions['fetch'];
  /** How long stop() waits for operations in flight; default 30 s. */
  stopTimeoutMs?: number;
}

export interface RunningAgent {
  readonly host: string;
  readonly manager: AgentManager;
  /** Sends a heartbeat now (resolves when it was sent, rejects if it could not be). */
  reportHost(): Promise<void>;
  /** Sends the engine's instance list now. */
  reportInstances(): Promise<void>;
  /** Stops serving and reporting, then waits for the operations in flight. */
  stop(): Promise<void>;
}

/**
 * Runs one host's agent on a bus. It holds no database credentials and no state of its own:
 * the engine is the truth, re-read at start and every sync, so a restarted agent loses nothing.
 *
 * Start order: serve `agent.<host>` first (the host can act as soon as compute hears of it),
 * then a heartbeat and a sync at once, then both periodically. A periodic report that fails is
 * logged and retried at the next period; missing heartbeats are how compute learns a host is down.
 */
export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const { bus, host, driver } = opts;
  const log = (opts.log ?? pino({ level: 'silent' })).child({ component: 'agent', host, driver: driver.name });
  const compute = new RpcClient<ComputeRpc>(bus, COMPUTE_RPC);
  const images = new ImageCache(driver, { log, fetch: opts.fetch });
  const manager = new AgentManager({ host, driver, compute, images, log, fetch: opts.fetch });

  const reportHost = async (): Promise<void> => {
    const resources = await driver.hostResources();
    await compute.cast('reportHost', { host, driver: driver.name, resources }, systemContext());
  };
  const reportInstances = async (): Promise<void> => {
    const [instances, unknown] = await Promise.all([driver.list(), driver.strays()]);
    await compute.cast('reportInstances', { host, instances, unknown }, systemContext());
  };

  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (!stopped) log.warn({ err: err instanceof Error ? err.message : String(err) }, `${what} failed`);
    }
  };
  /** Runs fn every `ms` after the previous run finished (runs never overlap). */
  const every = (ms: number, what: string, fn: () => Promise<void>): void => {
    const schedule = () => {
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void attempt(what, fn).then(schedule);
      }, ms);
      timer.unref();
      timers.add(timer);
    };
    schedule();
  };

  const subscription: Subscription = await serveContract(bus, AGENT_RPC, manager, { host });
  await attempt('heartbeat', reportHost);
  await attempt('instance sync', reportInstances);
  every(opts.reportIntervalMs ?? 10_000, 'heartbeat', reportHost);
  every(opts.syncIntervalMs ?? 30_000, 'instance sync', reportInstances);
  log.info(`agent serving ${AGENT_RPC.topic}.${host}`);

  return {
    host,
    manager,
    reportHost,
    reportInstances,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await subscription.close();
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        manager.idle().then(() => true),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(false), opts.stopTimeoutMs ?? 30_000); }),
      ]);
      clearTimeout(timer);
      if (!waited) log.warn('agent stopped with operations still running');
      log.info('agent stopped');
    },
  };
}
