import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { ApiError, BadRequestError, ConflictError, NotFoundError } from '../../common/errors/api-error';
import { Microversion } from '../../common/http/microversion';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { AGENT_RPC, AgentRpc } from '../../contracts/agent/agent.rpc';
import { RebootType } from '../../contracts/agent/agent.types';
import { COMPUTE_RPC, ComputeRpc } from '../../contracts/compute/compute.rpc';
import { IMAGE_RPC, ImageRecord, ImageRpc } from '../../contracts/image/image.rpc';
import { CreateServerRequest, UpdateServerDto } from './api/dto/server.dto';
import { ContainerExtras, FlavorSnapshot, InstanceEntity } from './entities/instance.entity';
import { ServerGroupEntity, ServerGroupMemberEntity } from './entities/server-group.entity';
import { FlavorsApi } from './flavors/flavors.api';
import { HostsService } from './hosts/hosts.service';
import { InstanceActionsService } from './instance-actions.service';
import { InstanceRepository, Transition } from './instance.repository';
import { ClaimFailedError, PlacementService } from './placement/placement.service';
import { QuotaService } from './quotas/quota.service';
import { TaskState, VmState } from './state/instance-state';
import { NO_ZONE_REQUESTED } from './zones/availability-zones';
import { InstanceNetworks } from './networking/instance-networks';

const COMPUTE_EVENTS = {
  createStart: 'compute.instance.create.start',
  deleteStart: 'compute.instance.delete.start',
  power: (action: string) => `compute.instance.${action}.start`,
};

/**
 * The servers API facade: policy and state checks, guarded task_state changes, then RPC. The
 * outcome of work on a host arrives later through ComputeManager.
 */
@Injectable()
export class ServersApi {
  private readonly images: RpcClient<ImageRpc>;
  private readonly agents: RpcClient<AgentRpc>;
  private readonly compute: RpcClient<ComputeRpc>;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly instances: InstanceRepository,
    private readonly actions: InstanceActionsService,
    private readonly flavors: FlavorsApi,
    private readonly quotas: QuotaService,
    private readonly hosts: HostsService,
    private readonly placement: PlacementService,
    private readonly networks: InstanceNetworks,
  ) {
    this.images = new RpcClient(bus, IMAGE_RPC);
    this.agents = new RpcClient(bus, AGENT_RPC);
    this.compute = new RpcClient(bus, COMPUTE_RPC);
  }

  /** The instance if the caller may see it: its project's, or any for admins (404 otherwise). */
  async get(id: string, ctx: RequestContext): Promise<InstanceEntity> {
    const inst = /^[0-9a-f-]{36}$/i.test(id) ? await this.instances.find(id) : null;
    if (!inst || (!ctx.isAdmin && inst.projectId !== ctx.projectId)) throw new NotFoundError(`Instance ${id} could not be found.`);
    return inst;
  }

  async create(body: CreateServerRequest, ctx: RequestContext, mv: Microversion): Promise<InstanceEntity[]> {
    const dto = body.server;
    // Nova accepts a link as a reference and keeps its last path segment.
    dto.flavorRef = dto.flavorRef.split('/').pop()!;
    if (dto.imageRef) dto.imageRef = dto.imageRef.split('/').pop()!;
    this.checkNetworks(dto.networks, mv);
    const flavor = await this.flavors.get(dto.flavorRef, ctx).catch((e: unknown) => {
      throw e instanceof NotFoundError ? new BadRequestError(`Flavor ${dto.flavorRef} could not be found.`) : e;
    });
    if (!dto.imageRef) throw new BadRequestError('Missing imageRef attribute: booting from a volume arrives with the volume service.');
    const image = await this.findImage(dto.imageRef, ctx);
    const kind = image.containerFormat === 'docker' ? 'container' : 'vm';
    if (kind === 'vm') {
      if (flavor.memoryMb < image.minRam) throw new BadRequestError(`Flavor's memory is too small for requested image.`);
      if (flavor.rootGb > 0 && flavor.rootGb < image.minDisk) throw new BadRequestError(`Flavor's disk is too small for requested image.`);
    }
    const minCount = dto.min_count ?? 1;
    const count = dto.max_count ?? minCount;
    if (minCount > count) throw new BadRequestError('min_count must be <= max_count');
    const requestedNetworks = await this.networks.resolve(dto.networks, count, ctx);
    const hints = body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {};
    const group = hints.group ? await this.serverGroup(hints.group, ctx) : undefined;
    const snapshot: FlavorSnapshot = {
      id: flavor.id, name: flavor.name, vcpus: flavor.vcpus, memoryMb: flavor.memoryMb, rootGb: flavor.rootGb,
      ephemeralGb: flavor.ephemeralGb, swapMb: flavor.swapMb, extraSpecs: flavor.extraSpecs,
    };
    const reservationId = `r-${randomBytes(4).toString('hex')}`;
    const created = await this.db.transaction(async (tx) => {
      await this.quotas.enforce(tx, ctx.projectId!, { instances: count, cores: count * flavor.vcpus, ram: count * flavor.memoryMb });
      const rows: InstanceEntity[] = [];
      for (let i = 0; i < count; i++) {
        const inst = tx.getRepository(InstanceEntity).create({
          id: randomUUID(), name: count > 1 ? `${dto.name}-${i + 1}` : dto.name, projectId: ctx.projectId!, userId: ctx.userId!,
          kind, imageRef: image.id, flavor: snapshot, vmState: VmState.building, taskState: TaskState.scheduling, powerState: 0,
          host: null, availabilityZone: dto.availability_zone ?? NO_ZONE_REQUESTED, metadata: dto.metadata ?? {}, container: {},
          requestedNetworks, networkInfo: [],
          schedulerHints: { ...(hints.same_host ? { same_host: ([] as string[]).concat(hints.same_host) } : {}), ...(hints.different_host ? { different_host: ([] as string[]).concat(hints.different_host) } : {}), ...(group ? { group: group.id } : {}) },
          locked: false, lockedReason: null, description: dto.description ?? null, reservationId, launchIndex: i, fault: null,
          launchedAt: null, terminatedAt: null,
        });
        await this.instances.insertNew([inst], tx);
        rows.push(inst);
        await this.actions.start(inst.id, 'create', ctx, tx);
        if (group) await tx.getRepository(ServerGroupMemberEntity).insert({ groupId: group.id, instanceId: inst.id });
      }
      return rows;
    });
    for (const inst of created) {
      await this.bus.notify(COMPUTE_EVENTS.createStart, { instance_id: inst.id, project_id: inst.projectId }, ctx).catch(() => undefined);
      await this.compute.cast('scheduleInstance', { instanceId: inst.id, attempt: 1, triedHosts: [] }, ctx);
    }
    return created;
  }

  async update(id: string, dto: UpdateServerDto, ctx: RequestContext): Promise<InstanceEntity> {
    const inst = await this.get(id, ctx);
    const patch: { name?: string; description?: string | null } = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.description !== undefined) patch.description = dto.description;
    if (Object.keys(patch).length) await this.db.getRepository(InstanceEntity).update({ id: inst.id }, patch);
    return this.get(id, ctx);
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const inst = await this.get(id, ctx);
    this.checkLock(inst, ctx);
    if (inst.taskState === TaskState.deleting) return;
    await this.actions.start(inst.id, 'delete', ctx);
    await this.bus.notify(COMPUTE_EVENTS.deleteStart, { instance_id: inst.id }, ctx).catch(() => undefined);
    const service = inst.host ? (await this.hosts.list()).find((s) => s.host === inst.host) : undefined;
    if (!inst.host || !service || !this.hosts.isUp(service)) {
      // Nothing runs it, or its host is down: Nova's "local delete" — records only.
      await this.db.transaction(async (tx) => {
        await this.placement.release(tx, inst.id);
        await this.instances.markDeleted(inst.id, tx);
      });
      await this.networks.release(inst, ctx);
      await this.actions.eventFinish(inst.id, 'delete', 'compute_terminate_instance', 'Success', { final: true, details: inst.host ? `host ${inst.host} is down: deleted locally` : undefined });
      return;
    }
    const moved = await this.instances.transition(inst.id, { set: { taskState: TaskState.deleting } });
    if (!moved) throw new ConflictError(`Cannot 'delete' instance ${id} while it is changing state.`);
    await this.actions.eventStart(inst.id, 'delete', 'compute_terminate_instance', inst.host);
    await this.agents.cast('destroyInstance', { instanceId: inst.id }, ctx, { host: inst.host });
  }

  async start(id: string, ctx: RequestContext): Promise<void> {
    await this.powerAction(id, ctx, 'start', { fromVm: [VmState.stopped], fromTask: [null], set: { taskState: TaskState.poweringOn } }, 'powerOn');
  }

  async stop(id: string, ctx: RequestContext): Promise<void> {
    await this.powerAction(id, ctx, 'stop', { fromVm: [VmState.active, VmState.error], fromTask: [null], set: { taskState: TaskState.poweringOff } }, 'powerOff');
  }

  async reboot(id: string, type: RebootType, ctx: RequestContext): Promise<void> {
    const t: Transition = type === 'SOFT'
      ? { fromVm: [VmState.active], fromTask: [null], set: { taskState: TaskState.rebooting } }
      : { fromVm: [VmState.active, VmState.stopped, VmState.paused, VmState.error], fromTask: [null, TaskState.rebooting], set: { taskState: TaskState.rebootingHard } };
    await this.powerAction(id, ctx, 'reboot', t, 'reboot', type);
  }

  async pause(id: string, ctx: RequestContext): Promise<void> {
    await this.powerAction(id, ctx, 'pause', { fromVm: [VmState.active], fromTask: [null], set: { taskState: TaskState.pausing } }, 'pause');
  }

  async unpause(id: string, ctx: RequestContext): Promise<void> {
    await this.powerAction(id, ctx, 'unpause', { fromVm: [VmState.paused], fromTask: [null], set: { taskState: TaskState.unpausing } }, 'unpause');
  }

  async lock(id: string, ctx: RequestContext, reason?: string): Promise<void> {
    const inst = await this.get(id, ctx);
    await this.instances.transition(inst.id, { set: { locked: true, lockedReason: reason ?? null } });
    await this.actions.start(inst.id, 'lock', ctx);
  }

  async unlock(id: string, ctx: RequestContext): Promise<void> {
    const inst = await this.get(id, ctx);
    this.checkLock(inst, ctx);
    await this.instances.transition(inst.id, { set: { locked: false, lockedReason: null } });
    await this.actions.start(inst.id, 'unlock', ctx);
  }

  async consoleOutput(id: string, length: number | undefined, ctx: RequestContext): Promise<string> {
    const inst = await this.get(id, ctx);
    if (!inst.host || inst.vmState === VmState.building) throw new ConflictError(`Instance ${id} is not ready yet (vm_state ${inst.vmState}).`);
    const { output } = await this.agents.call('getConsoleOutput', { instanceId: inst.id, ...(length ? { tailLines: length } : {}) }, ctx, { host: inst.host, timeoutMs: 30000 });
    return output;
  }

  async setMetadata(id: string, metadata: Record<string, string>, replace: boolean, ctx: RequestContext): Promise<Record<string, string>> {
    const inst = await this.get(id, ctx);
    this.checkLock(inst, ctx);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string' || k.length === 0 || k.length > 255 || v.length > 255) throw new BadRequestError(`Invalid metadata item ${k}: keys and values are strings of 1-255 characters.`);
    }
    const next = replace ? { ...metadata } : { ...inst.metadata, ...metadata };
    if (Object.keys(next).length > 128) throw new ApiError(403, 'Quota exceeded for metadata_items: at most 128 items.');
    await this.db.getRepository(InstanceEntity).update({ id: inst.id }, { metadata: next });
    return next;
  }

  async deleteMetadataItem(id: string, key: string, ctx: RequestContext): Promise<void> {
    const inst = await this.get(id, ctx);
    this.checkLock(inst, ctx);
    if (!(key in inst.metadata)) throw new NotFoundError(`Metadata item was not found`);
    const next = { ...inst.metadata };
    delete next[key];
    await this.db.getRepository(InstanceEntity).update({ id: inst.id }, { metadata: next });
  }

  /** Server groups the instances belong to (for views at ≥ 2.71). */
  async groupsOf(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    for (const m of await this.db.getRepository(ServerGroupMemberEntity).findBy({ instanceId: In(ids) })) {
      out.set(m.instanceId, [...(out.get(m.instanceId) ?? []), m.groupId]);
    }
    return out;
  }

  private async powerAction(id: string, ctx: RequestContext, action: string, t: Transition, method: 'powerOn' | 'powerOff' | 'reboot' | 'pause' | 'unpause', rebootType?: RebootType): Promise<void> {
    const inst = await this.get(id, ctx);
    this.checkLock(inst, ctx);
    const moved = await this.instances.transition(inst.id, t);
    if (!moved) {
      throw new ConflictError(`Cannot '${action}' instance ${id} while it is in vm_state ${inst.vmState}${inst.taskState ? ` and task_state ${inst.taskState}` : ''}`);
    }
    await this.actions.start(inst.id, action, ctx);
    await this.actions.eventStart(inst.id, action, `compute_${action}_instance`, inst.host);
    await this.bus.notify(COMPUTE_EVENTS.power(action), { instance_id: inst.id }, ctx).catch(() => undefined);
    if (method === 'reboot') await this.agents.cast('reboot', { instanceId: inst.id, type: rebootType! }, ctx, { host: inst.host! });
    else await this.agents.cast(method, { instanceId: inst.id }, ctx, { host: inst.host! });
  }

  private checkLock(inst: InstanceEntity, ctx: RequestContext): void {
    if (inst.locked && !ctx.isAdmin) throw new ConflictError(`Instance ${inst.id} is locked`);
  }

  private async findImage(imageRef: string, ctx: RequestContext): Promise<ImageRecord> {
    const image = await this.images.call('getImage', { imageId: imageRef }, ctx, { timeoutMs: 15000 }).catch((e: unknown) => {
      throw e instanceof NotFoundError ? new BadRequestError(`Image ${imageRef} could not be found.`) : e;
    });
    if (image.status !== 'active') throw new BadRequestError(`Image ${imageRef} is not active.`);
    return image;
  }

  private async serverGroup(id: string, ctx: RequestContext): Promise<ServerGroupEntity> {
    const g = await this.db.getRepository(ServerGroupEntity).findOneBy({ id: /^[0-9a-f-]{36}$/i.test(id) ? id : '00000000-0000-0000-0000-000000000000' });
    if (!g || (!ctx.isAdmin && g.projectId !== ctx.projectId)) throw new BadRequestError(`Invalid server group ${id}: it could not be found.`);
    return g;
  }

  /** networks: "auto"/"none" from 2.37 (required then), or a list of network/port requests. */
  private checkNetworks(networks: unknown, mv: Microversion): void {
    if (networks === undefined) {
      if (mv.atLeast('2.37')) throw new BadRequestError("Invalid input for field/attribute server. Value: networks is a required property");
      return;
    }
    if (networks === 'auto' || networks === 'none') {
      if (!mv.atLeast('2.37')) throw new BadRequestError(`Invalid input for field/attribute networks. Value: ${networks}. '${networks}' is not of type 'array'`);
      return;
    }
    if (!Array.isArray(networks) || !networks.every((n) => typeof n === 'object' && n !== null)) {
      throw new BadRequestError('Invalid input for field/attribute networks: expected "auto", "none" or a list of networks.');
    }
  }

  /** For the manager and views: rows by id, any project. */
  async byIds(ids: string[], tx?: EntityManager): Promise<InstanceEntity[]> {
    return (tx ?? this.db.manager).getRepository(InstanceEntity).findBy({ id: In(ids) });
  }

  /**
   * Zun's container create: one `container` instance from an already resolved image, a flavor
   * snapshot built from cpu/memory (no flavor row) and Zun's extras; quota and scheduling as create().
   */
  async createContainer(req: { name: string; image: ImageRecord; flavor: FlavorSnapshot; container: ContainerExtras; availabilityZone?: string }, ctx: RequestContext): Promise<InstanceEntity> {
    if (req.image.status !== 'active') throw new BadRequestError(`Image ${req.image.id} is not active.`);
    if (req.image.containerFormat !== 'docker') throw new BadRequestError(`Image ${req.image.id} is not a container image (container_format ${req.image.containerFormat}).`);
    const inst = await this.db.transaction(async (tx) => {
      await this.quotas.enforce(tx, ctx.projectId!, { instances: 1, cores: req.flavor.vcpus, ram: req.flavor.memoryMb });
      const row = tx.getRepository(InstanceEntity).create({
        id: randomUUID(), name: req.name, projectId: ctx.projectId!, userId: ctx.userId!, kind: 'container', imageRef: req.image.id,
        flavor: req.flavor, vmState: VmState.building, taskState: TaskState.scheduling, powerState: 0, host: null,
        availabilityZone: req.availabilityZone ?? NO_ZONE_REQUESTED, metadata: {}, container: req.container, schedulerHints: {}, requestedNetworks: [], networkInfo: [], locked: false,
        lockedReason: null, description: null, reservationId: `r-${randomBytes(4).toString('hex')}`, launchIndex: 0, fault: null,
        launchedAt: null, terminatedAt: null,
      });
      const saved = await tx.getRepository(InstanceEntity).save(row);
      await this.actions.start(saved.id, 'create', ctx, tx);
      return saved;
    });
    await this.bus.notify(COMPUTE_EVENTS.createStart, { instance_id: inst.id, project_id: inst.projectId }, ctx).catch(() => undefined);
    await this.compute.cast('scheduleInstance', { instanceId: inst.id, attempt: 1, triedHosts: [] }, ctx);
    return inst;
  }

  /**
   * Live CPU/memory change of a container (Zun's update): quota checked for the increase, the
   * agent applies the limits without a restart, then the flavor snapshot records them.
   */
  async updateLimits(id: string, limits: { vcpus?: number; memoryMb?: number }, ctx: RequestContext): Promise<InstanceEntity> {
    const inst = await this.get(id, ctx);
    this.checkLock(inst, ctx);
    if (inst.kind !== 'container') throw new ConflictError(`Instance ${id} is not a container: its limits cannot change live.`);
    if (!inst.host || inst.vmState === VmState.building || inst.taskState !== null) throw new ConflictError(`Cannot 'update' instance ${id} while it is in vm_state ${inst.vmState}${inst.taskState ? ` and task_state ${inst.taskState}` : ''}`);
    const flavor: FlavorSnapshot = { ...inst.flavor, vcpus: limits.vcpus ?? inst.flavor.vcpus, memoryMb: limits.memoryMb ?? inst.flavor.memoryMb };
    await this.db.transaction(async (tx) => {
      await this.quotas.enforce(tx, inst.projectId, { instances: 0, cores: Math.max(0, flavor.vcpus - inst.flavor.vcpus), ram: Math.max(0, flavor.memoryMb - inst.flavor.memoryMb) });
      await this.resizeAllocation(tx, inst, flavor);
      await this.agents.call('updateLimits', {
        instanceId: inst.id,
        flavor: {
          vcpus: flavor.vcpus, memoryMb: flavor.memoryMb, diskGb: flavor.rootGb, dedicatedCpus: flavor.extraSpecs['hw:cpu_policy'] === 'dedicated',
          cpuShares: flavor.extraSpecs['quota:cpu_shares'] ? Number(flavor.extraSpecs['quota:cpu_shares']) : undefined,
        },
      }, ctx, { host: inst.host!, timeoutMs: 30000 });
      await tx.getRepository(InstanceEntity).update({ id: inst.id }, { flavor });
    });
    await this.actions.start(inst.id, 'update', ctx);
    return this.get(inst.id, ctx);
  }

  /**
   * Moves the instance's allocation on its host to the new flavor, atomically with the rest of
   * `tx`: what the host gives back and what it grants are one change, so usage always equals the
   * sum of its instances' flavors. Not enough room on the host → 409, nothing changed.
   */
  private async resizeAllocation(tx: EntityManager, inst: InstanceEntity, flavor: FlavorSnapshot): Promise<void> {
    const held = await tx.query(`SELECT DISTINCT provider_id FROM compute.allocations WHERE consumer_id = $1`, [inst.id]);
    if (held.length === 0) return;
    await this.placement.release(tx, inst.id);
    try {
      await this.placement.claim(tx, inst.id, held[0].provider_id, {
        VCPU: flavor.vcpus, MEMORY_MB: flavor.memoryMb, DISK_GB: flavor.rootGb + flavor.ephemeralGb,
      }, { projectId: inst.projectId, userId: inst.userId });
    } catch (err) {
      if (err instanceof ClaimFailedError) {
        throw new ConflictError(`Cannot update instance ${inst.id}: host ${inst.host} does not have ${flavor.vcpus} vCPUs and ${flavor.memoryMb} MB of memory free for it.`);
      }
      throw err;
    }
  }
}
