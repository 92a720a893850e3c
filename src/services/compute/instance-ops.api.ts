import { Inject, Injectable } from '@nestjs/common';
import { RequestContext, systemContext } from '../../common/context/request-context';
import { ApiError, BadRequestError, ConflictError, ForbiddenError } from '../../common/errors/api-error';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { AGENT_RPC, AgentRpc } from '../../contracts/agent/agent.rpc';
import { InstanceStats, ProcessList, SignalName } from '../../contracts/agent/instance-ops.types';
import { IMAGE_RPC, ImageRpc } from '../../contracts/image/image.rpc';
import { InstanceEntity } from './entities/instance.entity';
import { InstanceActionsService } from './instance-actions.service';
import { InstanceRepository } from './instance.repository';
import { ServersApi } from './servers.api';
import { TaskState, VmState } from './state/instance-state';

/** The instance actions a capture is recorded under: Nova's createImage, Zun's commit. */
export type CaptureAction = 'createImage' | 'commit';
export const CAPTURE_ACTIONS: readonly CaptureAction[] = ['createImage', 'commit'];
/** The step of a capture action the agent's work is recorded as (Nova's event name). */
export const CAPTURE_EVENT = 'compute_snapshot_instance';

const KILL_EVENT = 'compute_kill_instance';
/** Nova snapshots active, stopped and paused instances (and suspended ones, which berth has not). */
const CAPTURABLE: string[] = [VmState.active, VmState.stopped, VmState.paused];

/** A new image to capture an instance into. */
interface CaptureRequest {
  action: CaptureAction;
  name: string;
  visibility: 'private' | 'shared';
  tags?: string[];
  properties: Record<string, string>;
}

function stateOf(inst: InstanceEntity): string {
  return `vm_state ${inst.vmState}${inst.taskState ? ` and task_state ${inst.taskState}` : ''}`;
}

/**
 * What a running instance's engine can do beyond power actions: send a signal, list processes,
 * sample usage (Zun's kill, top, stats), and capture the instance into a new image (Nova's
 * createImage, Zun's commit). The agent does the work; captures report back through
 * ComputeManager.imageCaptured.
 */
@Injectable()
export class InstanceOpsApi {
  private readonly agents: RpcClient<AgentRpc>;
  private readonly images: RpcClient<ImageRpc>;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    private readonly servers: ServersApi,
    private readonly instances: InstanceRepository,
    private readonly actions: InstanceActionsService,
  ) {
    this.agents = new RpcClient(bus, AGENT_RPC);
    this.images = new RpcClient(bus, IMAGE_RPC);
  }

  /**
   * Sends the signal through the agent, recorded as a `kill` action. A signal that ends the process
   * makes the instance stopped, as when it exits by itself (the agent reports the power state).
   */
  async kill(id: string, signal: SignalName, ctx: RequestContext): Promise<void> {
    const inst = await this.servers.get(id, ctx);
    this.checkLock(inst, ctx);
    if (inst.vmState !== VmState.active || inst.taskState !== null || !inst.host) {
      throw new ConflictError(`Cannot 'kill' instance ${id} while it is in ${stateOf(inst)}`);
    }
    await this.actions.start(inst.id, 'kill', ctx);
    await this.actions.eventStart(inst.id, 'kill', KILL_EVENT, inst.host);
    try {
      await this.agents.call('killInstance', { instanceId: inst.id, signal }, ctx, { host: inst.host, timeoutMs: 30000 });
    } catch (err) {
      await this.actions.eventFinish(inst.id, 'kill', KILL_EVENT, 'Error', { final: true, details: (err as Error).message });
      throw err;
    }
    await this.actions.eventFinish(inst.id, 'kill', KILL_EVENT, 'Success', { final: true, details: signal });
  }

  async top(id: string, psArgs: string | undefined, ctx: RequestContext): Promise<ProcessList> {
    const { instanceId, host } = await this.running(id, 'list the processes of', ctx);
    return this.agents.call('listProcesses', { instanceId, ...(psArgs ? { psArgs } : {}) }, ctx, { host, timeoutMs: 30000 });
  }

  async stats(id: string, ctx: RequestContext): Promise<InstanceStats> {
    const { instanceId, host } = await this.running(id, 'read the usage of', ctx);
    return this.agents.call('getStats', { instanceId }, ctx, { host, timeoutMs: 30000 });
  }

  /** Nova's createImage: a private snapshot image with Nova's properties, the request's metadata over them. */
  async createImage(id: string, name: string, metadata: Record<string, string>, ctx: RequestContext): Promise<string> {
    const inst = await this.servers.get(id, ctx);
    const properties = {
      image_type: 'snapshot', instance_uuid: inst.id, ...(ctx.userId ? { user_id: ctx.userId } : {}),
      ...(inst.imageRef ? { base_image_ref: inst.imageRef } : {}), ...metadata,
    };
    return this.capture(inst, { action: 'createImage', name, visibility: 'private', properties }, ctx);
  }

  /** Zun's commit: an image named after the repository and tagged, shared (Glance's default visibility). */
  async commit(id: string, repository: string, tag: string, ctx: RequestContext): Promise<string> {
    return this.capture(await this.servers.get(id, ctx), { action: 'commit', name: repository, visibility: 'shared', tags: [tag], properties: {} }, ctx);
  }

  /**
   * Starts capturing the instance into a new image owned by the caller's project and answers its
   * id at once: the image is queued, goes saving while the agent uploads, then active, or it is
   * deleted when the capture fails. The instance holds task_state image_snapshot meanwhile, so
   * other actions get 409. The image's formats are the instance's image's, as Nova's snapshots.
   */
  private async capture(inst: InstanceEntity, req: CaptureRequest, ctx: RequestContext): Promise<string> {
    this.checkLock(inst, ctx);
    const host = inst.host;
    const moved = host
      ? await this.instances.transition(inst.id, { fromVm: CAPTURABLE, fromTask: [null], set: { taskState: TaskState.imageSnapshot } })
      : undefined;
    if (!host || !moved) throw new ConflictError(`Cannot '${req.action}' instance ${inst.id} while it is in ${stateOf(inst)}`);
    let imageId: string | undefined;
    let recorded = false;
    try {
      const formats = await this.formatsFor(inst, ctx);
      const created = await this.images.call('createSnapshotImage', {
        name: req.name, ...formats, visibility: req.visibility, properties: req.properties, ...(req.tags ? { tags: req.tags } : {}),
      }, ctx, { timeoutMs: 15000 }).catch((err: unknown) => {
        // The image service refuses properties it keeps for itself (403): the request is at fault.
        throw err instanceof ForbiddenError ? new BadRequestError(err.message) : err;
      });
      imageId = created.image.id;
      await this.actions.start(inst.id, req.action, ctx);
      recorded = true;
      await this.actions.eventStart(inst.id, req.action, CAPTURE_EVENT, host);
      await this.agents.cast('captureImage', { instanceId: inst.id, imageId, uploadUrl: created.uploadUrl }, ctx, { host });
      return imageId;
    } catch (err) {
      await this.instances.transition(inst.id, { fromTask: [TaskState.imageSnapshot], set: { taskState: null } });
      if (recorded) await this.actions.eventFinish(inst.id, req.action, CAPTURE_EVENT, 'Error', { final: true, details: (err as Error).message });
      if (imageId) await this.images.call('deleteImage', { imageId }, ctx, { timeoutMs: 15000 }).catch(() => undefined);
      throw err;
    }
  }

  /** The instance's image's formats; when that image is gone, what its kind's images are (a docker archive, a qcow2 disk). */
  private async formatsFor(inst: InstanceEntity, ctx: RequestContext): Promise<{ containerFormat: string; diskFormat: string }> {
    const fallback = inst.kind === 'container' ? { containerFormat: 'docker', diskFormat: 'raw' } : { containerFormat: 'bare', diskFormat: 'qcow2' };
    if (!inst.imageRef) return fallback;
    // The system context sees the image even when its owner made it private since the boot.
    const base = await this.images.call('getImage', { imageId: inst.imageRef }, systemContext(ctx.requestId), { timeoutMs: 15000 }).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    });
    return base?.containerFormat && base.diskFormat ? { containerFormat: base.containerFormat, diskFormat: base.diskFormat } : fallback;
  }

  /** An active instance and its host; 409 otherwise. Reads need no free task_state. */
  private async running(id: string, what: string, ctx: RequestContext): Promise<{ instanceId: string; host: string }> {
    const inst = await this.servers.get(id, ctx);
    if (inst.vmState !== VmState.active || !inst.host) throw new ConflictError(`Cannot ${what} instance ${id} while it is in ${stateOf(inst)}`);
    return { instanceId: inst.id, host: inst.host };
  }

  private checkLock(inst: InstanceEntity, ctx: RequestContext): void {
    if (inst.locked && !ctx.isAdmin) throw new ConflictError(`Instance ${inst.id} is locked`);
  }
}
