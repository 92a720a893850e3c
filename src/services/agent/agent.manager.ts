import { Logger } from 'pino';
import { AgentRpc } from '../../contracts/agent/agent.rpc';
import { FlavorLimits, ImageRef, InstanceSpec, InstanceStatus, PowerState, RebootType } from '../../contracts/agent/agent.types';
import { InstanceStats, ProcessList, SignalName } from '../../contracts/agent/instance-ops.types';
import { ComputeRpc, InstanceEventKind } from '../../contracts/compute/compute.rpc';
import { RpcHandlers } from '../../contracts/rpc';
import { RequestContext } from '../../common/context/request-context';
import { BadRequestError, ConflictError, NotFoundError } from '../../common/errors/api-error';
import { RpcClient } from '../../common/messaging/rpc-client';
import { EngineDriver } from './drivers/engine.driver';
import { ImageCache } from './image-cache';
import { uploadImageData } from './image-upload';
import { KeyedLock } from './keyed-lock';

export interface AgentManagerOptions {
  host: string;
  driver: EngineDriver;
  compute: RpcClient<ComputeRpc>;
  images: ImageCache;
  log: Logger;
  /** For tests (image uploads); the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** Longest failure message sent to compute (the contract allows 65535). */
const MAX_MESSAGE = 4000;

/** How long killInstance watches for the process to end, so the answer (and compute) see what the signal did. */
const KILL_SETTLE_MS = 2000;

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

/** The spec's fields the agent relies on (the RPC layer only checks that `spec` is an object). */
function assertSpec(spec: InstanceSpec): void {
  const bad = (field: string) => new BadRequestError(`spawnInstance: invalid spec field '${field}'`);
  if (spec.kind !== 'container' && spec.kind !== 'vm') throw bad('kind');
  const f = spec.flavor;
  if (!f || typeof f !== 'object') throw bad('flavor');
  for (const k of ['vcpus', 'memoryMb', 'diskGb'] as const) {
    if (typeof f[k] !== 'number' || !Number.isFinite(f[k]) || f[k] < 0) throw bad(`flavor.${k}`);
  }
  if (!spec.image || typeof spec.image.dataUrl !== 'string' || typeof spec.image.id !== 'string') throw bad('image');
}

/**
 * The agent's RPC handlers (`agent.<host>`). Each instance's operations run one at a time (a keyed
 * lock); long work is a cast whose outcome goes to compute as an instanceEvent, so a failure is
 * reported rather than thrown (a thrown cast would be redelivered and repeat the failure). Only a
 * failure to report is thrown, so the bus redelivers and the idempotent handler reports again.
 *
 * getStatus, getConsoleOutput, listProcesses and getStats only read, and answer without waiting
 * for the instance's lock: a status question must not wait behind a spawn that is still
 * downloading its image, nor behind a capture that is uploading one.
 */
export class AgentManager implements RpcHandlers<AgentRpc> {
  private readonly locks = new KeyedLock();

  constructor(private readonly opts: AgentManagerOptions) {}

  private get driver(): EngineDriver {
    return this.opts.driver;
  }

  async spawnInstance({ spec }: { spec: InstanceSpec }, ctx: RequestContext): Promise<void> {
    // Without an id there is nothing to report on: the message is refused (and dead-lettered).
    if (typeof spec.id !== 'string' || spec.id === '') throw new BadRequestError("spawnInstance: invalid spec field 'id'");
    await this.locks.run(spec.id, async () => {
      const log = this.opts.log.child({ instanceId: spec.id, requestId: ctx.requestId });
      let status: InstanceStatus;
      try {
        assertSpec(spec);
        const existing = await this.driver.status(spec.id);
        if (existing) {
          // Delivered twice, or a spawn interrupted between create and start: finish it, never create a second one.
          if (existing.powerState === 'shutdown' && !existing.startedAt) await this.driver.powerOn(spec.id);
          status = (await this.driver.status(spec.id)) ?? existing;
        } else {
          if (!this.driver.capabilities.kinds.includes(spec.kind)) {
            throw new ConflictError(`Host ${this.opts.host} (driver ${this.driver.name}) does not run ${spec.kind} instances.`);
          }
          const started = Date.now();
          let image = await this.opts.images.ensure(spec.image);
          status = await this.driver.spawn(spec, image).catch(async (err: unknown) => {
            // The only NotFound of a spawn is its image: removed from the engine since the cache saw it, so load it again.
            if (!(err instanceof NotFoundError) || !this.opts.images.forget(spec.image)) throw err;
            image = await this.opts.images.ensure(spec.image);
            return this.driver.spawn(spec, image);
          });
          log.info({ ms: Date.now() - started, image: image.reference }, 'instance spawned');
        }
      } catch (err) {
        log.warn({ err: messageOf(err) }, 'spawn failed');
        await this.report(spec.id, 'spawn_failed', await this.powerStateOf(spec.id), ctx, messageOf(err));
        return;
      }
      await this.report(spec.id, 'spawned', status.powerState, ctx);
    });
  }

  async destroyInstance({ instanceId }: { instanceId: string }, ctx: RequestContext): Promise<void> {
    await this.action(instanceId, 'destroyed', ctx, () => this.driver.destroy(instanceId));
  }

  async powerOn({ instanceId }: { instanceId: string }, ctx: RequestContext): Promise<void> {
    await this.action(instanceId, 'started', ctx, () => this.driver.powerOn(instanceId));
  }

  async powerOff({ instanceId }: { instanceId: string }, ctx: RequestContext): Promise<void> {
    await this.action(instanceId, 'stopped', ctx, () => this.driver.powerOff(instanceId));
  }

  async reboot({ instanceId, type }: { instanceId: string; type: RebootType }, ctx: RequestContext): Promise<void> {
    await this.action(instanceId, 'rebooted', ctx, () => this.driver.reboot(instanceId, type));
  }

  async pause({ instanceId }: { instanceId: string }, ctx: RequestContext): Promise<void> {
    await this.action(instanceId, 'paused', ctx, () => {
      this.require('supportsPause', 'pause');
      return this.driver.pause(instanceId);
    });
  }

  async unpause({ instanceId }: { instanceId: string }, ctx: RequestContext): Promise<void> {
    await this.action(instanceId, 'unpaused', ctx, () => {
      this.require('supportsPause', 'unpause');
      return this.driver.unpause(instanceId);
    });
  }

  async prefetchImage({ image }: { image: ImageRef }, ctx: RequestContext): Promise<void> {
    // A bad image would fail the same way on every redelivery: log it, do not throw.
    await this.opts.images.ensure(image).catch((err) => {
      this.opts.log.warn({ imageId: image.id, requestId: ctx.requestId, err: messageOf(err) }, 'image prefetch failed');
    });
  }

  async getStatus({ instanceId }: { instanceId: string }): Promise<InstanceStatus> {
    const status = await this.driver.status(instanceId);
    if (!status) throw new NotFoundError(`Instance ${instanceId} could not be found on host ${this.opts.host}.`);
    return status;
  }

  async getConsoleOutput({ instanceId, tailLines }: { instanceId: string; tailLines?: number }): Promise<{ output: string }> {
    this.require('supportsConsoleOutput', 'show the console output of');
    return { output: await this.driver.consoleOutput(instanceId, tailLines) };
  }

  async execute({ instanceId, command }: { instanceId: string; command: string[] }): Promise<{ output: string; exitCode: number }> {
    this.require('supportsExec', 'run commands in');
    return this.locks.run(instanceId, () => this.driver.execute(instanceId, command));
  }

  async updateLimits({ instanceId, flavor }: { instanceId: string; flavor: FlavorLimits }): Promise<{ applied: boolean }> {
    // Not applied in place: the caller falls back to a cold resize.
    if (!this.driver.capabilities.supportsLiveResize) return { applied: false };
    return this.locks.run(instanceId, async () => {
      await this.driver.updateLimits(instanceId, flavor);
      return { applied: true };
    });
  }

  /**
   * Signals the instance, then watches it for a moment: when the signal ended it, compute hears it
   * at once as a power_state event (as the periodic sync would later) and the answer says so.
   */
  async killInstance({ instanceId, signal }: { instanceId: string; signal: SignalName }, ctx: RequestContext): Promise<InstanceStatus> {
    return this.locks.run(instanceId, async () => {
      await this.driver.kill(instanceId, signal);
      const deadline = Date.now() + KILL_SETTLE_MS;
      let status = await this.driver.status(instanceId);
      while (status?.powerState === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        status = await this.driver.status(instanceId);
      }
      if (!status) throw new NotFoundError(`Instance ${instanceId} could not be found on host ${this.opts.host}.`);
      if (status.powerState !== 'running') await this.report(instanceId, 'power_state', status.powerState, ctx);
      return status;
    });
  }

  async listProcesses({ instanceId, psArgs }: { instanceId: string; psArgs?: string }): Promise<ProcessList> {
    return this.driver.top(instanceId, psArgs);
  }

  async getStats({ instanceId }: { instanceId: string }): Promise<InstanceStats> {
    return this.driver.stats(instanceId);
  }

  /**
   * Captures the instance and streams the archive straight to the image service's signed upload
   * URL, then tells compute how it went. A failure is reported, not thrown (see the class comment).
   */
  async captureImage({ instanceId, imageId, uploadUrl }: { instanceId: string; imageId: string; uploadUrl: string }, ctx: RequestContext): Promise<void> {
    await this.locks.run(instanceId, async () => {
      const log = this.opts.log.child({ instanceId, imageId, requestId: ctx.requestId });
      const started = Date.now();
      let error: string | undefined;
      try {
        this.require('supportsSnapshot', 'capture');
        await this.driver.snapshot(instanceId, (archive) => uploadImageData(uploadUrl, archive, this.opts.fetch));
        log.info({ ms: Date.now() - started }, 'instance captured');
      } catch (err) {
        error = messageOf(err);
        log.warn({ err: error }, 'capture failed');
      }
      await this.opts.compute.cast('imageCaptured', { instanceId, host: this.opts.host, imageId, ...(error !== undefined ? { error } : {}) }, ctx);
    });
  }

  /** Resolves when every operation running or waiting now has finished. */
  idle(): Promise<void> {
    return this.locks.idle();
  }

  private require(capability: 'supportsPause' | 'supportsExec' | 'supportsConsoleOutput' | 'supportsSnapshot', what: string): void {
    if (!this.driver.capabilities[capability]) {
      throw new ConflictError(`Host ${this.opts.host} (driver ${this.driver.name}) cannot ${what} instances.`);
    }
  }

  /** A power action under the instance's lock, reported as `event` or `action_failed`. */
  private async action(instanceId: string, event: InstanceEventKind, ctx: RequestContext, fn: () => Promise<void>): Promise<void> {
    await this.locks.run(instanceId, async () => {
      try {
        await fn();
      } catch (err) {
        this.opts.log.warn({ instanceId, requestId: ctx.requestId, event, err: messageOf(err) }, 'instance action failed');
        await this.report(instanceId, 'action_failed', await this.powerStateOf(instanceId), ctx, messageOf(err));
        return;
      }
      await this.report(instanceId, event, event === 'destroyed' ? 'nostate' : await this.powerStateOf(instanceId), ctx);
    });
  }

  private async powerStateOf(instanceId: string): Promise<PowerState> {
    try {
      return (await this.driver.status(instanceId))?.powerState ?? 'nostate';
    } catch {
      return 'nostate';
    }
  }

  private report(instanceId: string, event: InstanceEventKind, powerState: PowerState, ctx: RequestContext, message?: string): Promise<void> {
    const params = { instanceId, host: this.opts.host, event, powerState, ...(message !== undefined ? { message } : {}) };
    return this.opts.compute.cast('instanceEvent', params, ctx);
  }
}
