import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { RequestContext, systemContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { preparedQuery } from '../../common/database/prepared';
import { MESSAGE_BUS, MessageBus, Subscription } from '../../common/messaging/message-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { serveContract } from '../../common/messaging/rpc-server';
import { AGENT_RPC, AgentRpc } from '../../contracts/agent/agent.rpc';
import { HostResources, ImageRef, InstanceSpec, InstanceStatus, PowerState } from '../../contracts/agent/agent.types';
import { COMPUTE_RPC, ComputeRpc, InstanceEventKind } from '../../contracts/compute/compute.rpc';
import { IMAGE_RPC, ImageRpc } from '../../contracts/image/image.rpc';
import { RpcHandlers } from '../../contracts/rpc';
import { COMPUTE_SETTINGS, ComputeSettings } from './compute.settings';
import { InstanceEntity } from './entities/instance.entity';
import { ServerGroupEntity, ServerGroupMemberEntity } from './entities/server-group.entity';
import { HostsService } from './hosts/hosts.service';
import { InstanceActionsService } from './instance-actions.service';
import { CAPTURE_ACTIONS, CAPTURE_EVENT } from './instance-ops.api';
import { InstanceRepository } from './instance.repository';
import { ClaimFailedError, PlacementService } from './placement/placement.service';
import { HostScheduler } from './scheduler/host-scheduler';
import { ScheduleRequest } from './scheduler/host-selector';
import { HostState, HostStateCache } from './scheduler/host-state';
import { POWER_STATE_CODE, TaskState, VmState } from './state/instance-state';
import { LOGGER } from '../../common/logging/logger';
import { ApiError } from '../../common/errors/api-error';
import { InstanceNetworks } from './networking/instance-networks';
import { PortInfo } from '../../contracts/network/network.rpc';

/** What the power-state sync needs of an instance. */
type PowerView = Pick<InstanceEntity, 'id' | 'vmState' | 'taskState' | 'powerState'>;

/** What the last build attempt was, kept on the instance so a failed spawn can be rescheduled. */
interface BuildAttempt {
  attempt: number;
  triedHosts: string[];
}

const ATTEMPT_KEY = 'berth:build';

/**
 * How long builds share one image reference. Its signed data URL is valid for an hour
 * (DATA_URL_TTL_SECONDS), so a reference handed out up to a minute later is still good.
 */
const IMAGE_REF_TTL_MS = 60_000;

/** After an agent event, the instance moves from these task states to this state. */
const EVENT_OUTCOMES: Partial<Record<InstanceEventKind, { action: string; fromTask: string[]; vmState: string; powerState: PowerState }>> = {
  started: { action: 'start', fromTask: [TaskState.poweringOn], vmState: VmState.active, powerState: 'running' },
  stopped: { action: 'stop', fromTask: [TaskState.poweringOff], vmState: VmState.stopped, powerState: 'shutdown' },
  rebooted: { action: 'reboot', fromTask: [TaskState.rebooting, TaskState.rebootingHard], vmState: VmState.active, powerState: 'running' },
  paused: { action: 'pause', fromTask: [TaskState.pausing], vmState: VmState.paused, powerState: 'paused' },
  unpaused: { action: 'unpause', fromTask: [TaskState.unpausing], vmState: VmState.active, powerState: 'running' },
};

const TASK_ACTION: Record<string, string> = {
  [TaskState.poweringOn]: 'start', [TaskState.poweringOff]: 'stop', [TaskState.rebooting]: 'reboot',
  [TaskState.rebootingHard]: 'reboot', [TaskState.pausing]: 'pause', [TaskState.unpausing]: 'unpause', [TaskState.deleting]: 'delete',
};

/** RPC handlers of the `compute` topic: scheduling, and what agents report. */
@Injectable()
export class ComputeManager implements RpcHandlers<ComputeRpc>, OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;
  private watchdog?: NodeJS.Timeout;
  private readonly agents: RpcClient<AgentRpc>;
  private readonly images: RpcClient<ImageRpc>;
  private readonly self: RpcClient<ComputeRpc>;
  private readonly imageRefs = new Map<string, { ref: Promise<ImageRef>; until: number }>();

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(COMPUTE_SETTINGS) private readonly settings: ComputeSettings,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly instances: InstanceRepository,
    private readonly actions: InstanceActionsService,
    private readonly hosts: HostsService,
    private readonly placement: PlacementService,
    private readonly networks: InstanceNetworks,
    private readonly hostStates: HostStateCache,
    private readonly scheduler: HostScheduler,
  ) {
    this.agents = new RpcClient(bus, AGENT_RPC);
    this.images = new RpcClient(bus, IMAGE_RPC);
    this.self = new RpcClient(bus, COMPUTE_RPC);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await serveContract(this.bus, COMPUTE_RPC, this, { prefetch: 32 });
    this.watchdog = setInterval(() => void this.rescueStuckBuilds().catch((err) => this.log.warn({ err }, 'build watchdog failed')), this.settings.watchdogIntervalMs);
    this.watchdog.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    await this.subscription?.close().catch(() => undefined);
  }

  /**
   * Builds whose host stopped heartbeating, or that spawn for longer than the build timeout, are
   * rescheduled (or end in ERROR): an agent that dies mid-build never leaves an instance stuck or
   * its resources claimed. Every replica may run it; the guarded transitions make it idempotent.
   */
  async rescueStuckBuilds(): Promise<void> {
    const down = (await this.hostStates.hosts()).filter((h) => !this.hosts.isUp(h)).map((h) => h.host);
    const stuck: { id: string; host: string | null; timed_out: boolean }[] = await this.db.query(
      `SELECT id, host, updated_at < now() - make_interval(secs => $2) AS timed_out FROM compute.instances
       WHERE deleted_at IS NULL AND vm_state = 'building' AND task_state = 'spawning'
         AND (host = ANY($1) OR updated_at < now() - make_interval(secs => $2))`,
      [down, this.settings.buildTimeoutSeconds],
    );
    for (const row of stuck) {
      const inst = await this.instances.find(row.id);
      if (!inst) continue;
      const why = row.timed_out ? `the build did not finish within ${this.settings.buildTimeoutSeconds} s` : `host ${row.host} stopped responding during the build`;
      await this.reschedule(inst, why, systemContext());
    }
  }

  async reportHost(p: { host: string; driver: string; resources: HostResources }): Promise<void> {
    await this.hosts.report(p.host, p.driver, p.resources);
  }

  async scheduleInstance(p: { instanceId: string; attempt: number; triedHosts: string[] }, ctx: RequestContext): Promise<void> {
    const inst = await this.instances.find(p.instanceId);
    if (!inst || inst.vmState !== VmState.building || inst.taskState !== TaskState.scheduling) return;
    const request: ScheduleRequest = {
      kind: inst.kind,
      resources: { VCPU: inst.flavor.vcpus, MEMORY_MB: inst.flavor.memoryMb, DISK_GB: inst.flavor.rootGb + inst.flavor.ephemeralGb },
      availabilityZone: inst.availabilityZone || undefined,
      ignoreHosts: p.triedHosts,
      sameHost: await this.hostsOf(inst.schedulerHints.same_host as string[] | undefined),
      differentHost: await this.hostsOf(inst.schedulerHints.different_host as string[] | undefined),
      group: await this.groupRequest(inst),
      flavorExtraSpecs: inst.flavor.extraSpecs,
      projectId: inst.projectId,
    };
    const owner = { projectId: inst.projectId, userId: inst.userId };
    const claimedOn = (candidate: HostState): Promise<boolean> => this.db.transaction(async (tx) => {
      if (request.group) {
        // Members of one group are placed one at a time, each seeing where the others went.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [inst.schedulerHints.group]);
        const now = await this.groupRequest(inst);
        if (now && (now.policy === 'anti-affinity' ? now.memberHosts.includes(candidate.host)
          : now.policy === 'affinity' && now.memberHosts.length > 0 && !now.memberHosts.includes(candidate.host))) {
          throw new ClaimFailedError('server group policy');
        }
      }
      await this.placement.claim(tx, inst.id, candidate.usage.providerId, request.resources, owner);
      const moved = await this.instances.moveIf(inst.id, {
        fromVm: [VmState.building], fromTask: [TaskState.scheduling],
        set: { host: candidate.host, taskState: TaskState.spawning, availabilityZone: candidate.zone },
        mergeHints: { [ATTEMPT_KEY]: { attempt: p.attempt, triedHosts: [...p.triedHosts, candidate.host] } satisfies BuildAttempt },
      }, tx);
      if (!moved) throw new ClaimFailedError('instance changed while scheduling');
      await this.actions.eventFinish(inst.id, 'create', 'conductor_schedule_and_build_instances', 'Success', {
        details: `host ${candidate.host}`, next: { event: 'compute_build_and_run_instance', host: candidate.host },
      }, tx);
      return true;
    }).catch((e: unknown) => {
      if (e instanceof ClaimFailedError) return false;
      throw e;
    });
    const placed = await this.scheduler.place(request, claimedOn);
    if (placed.host) return this.spawnOn(inst, placed.host.host, ctx);
    const why = placed.trail.find((t) => t.left === 0);
    await this.fail(inst.id, 'create', 'conductor_schedule_and_build_instances',
      `No valid host was found. ${why ? `There are not enough hosts available (${why.filter} left none).` : 'There are not enough hosts available.'}`, [VmState.building]);
  }

  async instanceEvent(p: { instanceId: string; host: string; event: InstanceEventKind; powerState: PowerState; message?: string }, ctx: RequestContext): Promise<void> {
    if (p.event === 'spawned') return this.spawned(p, ctx);
    const inst = await this.instances.find(p.instanceId);
    if (!inst || (inst.host && inst.host !== p.host)) return;
    switch (p.event) {
      case 'spawn_failed':
        return this.reschedule(inst, p.message ?? 'spawn failed', ctx);
      case 'destroyed':
        await this.db.transaction(async (tx) => {
          await this.placement.release(tx, inst.id);
          await this.instances.markDeleted(inst.id, tx);
        });
        await this.networks.release(inst, ctx);
        await this.actions.eventFinish(inst.id, 'delete', 'compute_terminate_instance', 'Success', { final: true });
        await this.bus.notify('compute.instance.delete.end', { instance_id: inst.id }, ctx).catch(() => undefined);
        return;
      case 'action_failed': {
        const action = inst.taskState ? TASK_ACTION[inst.taskState] : undefined;
        await this.instances.transition(inst.id, { set: { taskState: null, powerState: POWER_STATE_CODE[p.powerState] } });
        if (action) await this.actions.eventFinish(inst.id, action, `compute_${action === 'delete' ? 'terminate' : action}_instance`, 'Error', { final: true, details: p.message, message: 'Error' });
        return;
      }
      case 'power_state':
        return this.syncPower(inst, p.powerState);
      default: {
        const outcome = EVENT_OUTCOMES[p.event];
        if (!outcome) return;
        const moved = await this.instances.transition(inst.id, {
          fromTask: outcome.fromTask,
          set: { vmState: outcome.vmState, taskState: null, powerState: POWER_STATE_CODE[outcome.powerState], ...(outcome.vmState === VmState.active && !inst.launchedAt ? { launchedAt: new Date() } : {}) },
        });
        if (moved) await this.actions.eventFinish(inst.id, outcome.action, `compute_${outcome.action}_instance`, 'Success', { final: true });
      }
    }
  }

  /**
   * A build finished: one transaction moves the instance out of spawning and finishes the build
   * step, guarded on the instance still spawning on the reporting host (a duplicate or late report
   * changes nothing), without reading the instance first.
   */
  private async spawned(p: { instanceId: string; host: string; powerState: PowerState }, ctx: RequestContext): Promise<void> {
    const moved = await this.db.transaction(async (tx) => {
      const changed = await this.instances.moveIf(p.instanceId, {
        fromVm: [VmState.building], fromTask: [TaskState.spawning], onHost: p.host,
        // Created but not started (Zun's create without run): stopped, and not launched yet.
        set: p.powerState === 'shutdown'
          ? { vmState: VmState.stopped, taskState: null, powerState: POWER_STATE_CODE.shutdown }
          : { vmState: VmState.active, taskState: null, powerState: POWER_STATE_CODE[p.powerState], launchedAt: new Date() },
      }, tx);
      if (changed) await this.actions.eventFinish(p.instanceId, 'create', 'compute_build_and_run_instance', 'Success', { final: true }, tx);
      return changed;
    });
    if (moved) {
      await this.networks.plugged(p.instanceId, p.host, ctx);
      await this.bus.notify('compute.instance.create.end', { instance_id: p.instanceId, host: p.host }, ctx).catch(() => undefined);
    }
  }

  /**
   * The engine is the truth: align power states of idle instances with what the host runs. One
   * query loads the host's instances, so a report costs the same whatever it lists; only
   * instances whose state differs are written.
   */
  async reportInstances(p: { host: string; instances: InstanceStatus[]; unknown: string[] }): Promise<void> {
    const reported = new Map(p.instances.map((s) => [s.instanceId, s.powerState]));
    // Only the state columns, as plain rows: every host reports every 30 s, whatever it runs.
    const { rows: ours } = await preparedQuery<PowerView>(this.db.manager,
      `SELECT id, vm_state AS "vmState", task_state AS "taskState", power_state AS "powerState"
       FROM compute.instances WHERE host = $1 AND deleted_at IS NULL`, [p.host]);
    for (const inst of ours) {
      const power = reported.get(inst.id);
      if (power !== undefined && inst.taskState === null) await this.syncPower(inst, power);
    }
    const known = new Set(ours.map((i) => i.id));
    const foreign = p.instances.filter((s) => !known.has(s.instanceId)).map((s) => s.instanceId);
    if (p.unknown.length || foreign.length) {
      this.log.warn({ host: p.host, unknown: p.unknown, notHere: foreign }, 'engine runs berth-labelled containers that no instance on this host owns');
    }
  }

  /**
   * A capture (createImage, commit) ended on the agent. The instance's task_state is cleared and
   * the action finished; a failed capture's image is deleted, as Nova deletes a failed snapshot,
   * so no killed or empty image is left for anyone to boot.
   */
  async imageCaptured(p: { instanceId: string; host: string; imageId: string; error?: string }, ctx: RequestContext): Promise<void> {
    if (p.error !== undefined) {
      await this.images.call('deleteImage', { imageId: p.imageId }, ctx, { timeoutMs: 15000 }).catch((err: unknown) => {
        this.log.warn({ imageId: p.imageId, err: (err as Error).message }, 'could not delete the image of a failed capture');
      });
    }
    const inst = await this.instances.find(p.instanceId);
    if (!inst || (inst.host && inst.host !== p.host)) return;
    await this.instances.transition(inst.id, { fromTask: [TaskState.imageSnapshot], set: { taskState: null } });
    const [latest] = await this.db.query(
      'SELECT action FROM compute.instance_actions WHERE instance_id = $1 AND action = ANY($2) ORDER BY id DESC LIMIT 1',
      [inst.id, CAPTURE_ACTIONS],
    ) as { action: string }[];
    if (!latest) return;
    await this.actions.eventFinish(inst.id, latest.action, CAPTURE_EVENT, p.error === undefined ? 'Success' : 'Error', {
      final: true, details: p.error ?? `image ${p.imageId}`,
    });
  }

  private async syncPower(inst: PowerView, power: PowerState): Promise<void> {
    if (inst.taskState !== null) return;
    const code = POWER_STATE_CODE[power];
    if (inst.vmState === VmState.active && (power === 'shutdown' || power === 'crashed')) {
      // Nova's power-state sync: an instance that stopped by itself is recorded as stopped.
      await this.instances.moveIf(inst.id, { fromVm: [VmState.active], fromTask: [null], set: { vmState: VmState.stopped, powerState: code } });
    } else if (code !== inst.powerState) {
      await this.instances.moveIf(inst.id, { fromTask: [null], set: { powerState: code } });
    }
  }

  /** Starts the build on the host the claim went to (its action event started with the claim). */
  private async spawnOn(inst: InstanceEntity, host: string, ctx: RequestContext): Promise<void> {
    let ports: PortInfo[];
    try {
      ports = await this.networks.allocate(inst, host, ctx);
    } catch (err) {
      // The network refused (no address left, a port taken meanwhile): another host would not help.
      if (err instanceof ApiError && err.status < 500) {
        await this.fail(inst.id, 'create', 'compute_build_and_run_instance', `Build of instance ${inst.id} aborted: ${err.message}`, [VmState.building]);
        return;
      }
      await this.reschedule(inst, `could not allocate the network on ${host}: ${(err as Error).message}`, ctx);
      return;
    }
    try {
      const image = await this.imageRef(inst.imageRef!, ctx);
      const spec: InstanceSpec = {
        id: inst.id, name: inst.name, projectId: inst.projectId, userId: inst.userId, kind: inst.kind,
        flavor: {
          id: inst.flavor.id, name: inst.flavor.name, vcpus: inst.flavor.vcpus, memoryMb: inst.flavor.memoryMb,
          diskGb: inst.flavor.rootGb, cpuShares: inst.flavor.extraSpecs['quota:cpu_shares'] ? Number(inst.flavor.extraSpecs['quota:cpu_shares']) : undefined,
          dedicatedCpus: inst.flavor.extraSpecs['hw:cpu_policy'] === 'dedicated',
        },
        image,
        ...inst.container,
        ...(ports.length ? { networks: ports } : {}),
      };
      await this.agents.cast('spawnInstance', { spec }, ctx, { host });
    } catch (err) {
      await this.reschedule(inst, `could not start the build on ${host}: ${(err as Error).message}`, ctx);
    }
  }

  /**
   * What an agent needs to fetch the image, shared by the builds of IMAGE_REF_TTL_MS instead of an
   * RPC to the image service per build. An image deleted meanwhile fails at the agent's download,
   * as in Nova, unless the host already has it.
   */
  private imageRef(imageId: string, ctx: RequestContext): Promise<ImageRef> {
    const now = Date.now();
    const cached = this.imageRefs.get(imageId);
    if (cached && cached.until > now) return cached.ref;
    for (const [id, old] of this.imageRefs) if (old.until <= now) this.imageRefs.delete(id);
    const ref = this.images.call('getImageRef', { imageId }, systemContext(ctx.requestId), { timeoutMs: 15000 });
    this.imageRefs.set(imageId, { ref, until: now + IMAGE_REF_TTL_MS });
    ref.catch(() => {
      if (this.imageRefs.get(imageId)?.ref === ref) this.imageRefs.delete(imageId);
    });
    return ref;
  }

  /** A failed build gives back its claim and tries another host, a bounded number of times. */
  private async reschedule(inst: InstanceEntity, reason: string, ctx: RequestContext): Promise<void> {
    const fresh = (await this.instances.find(inst.id)) ?? inst;
    const last = (fresh.schedulerHints[ATTEMPT_KEY] as BuildAttempt | undefined) ?? { attempt: 1, triedHosts: fresh.host ? [fresh.host] : [] };
    await this.actions.eventFinish(inst.id, 'create', 'compute_build_and_run_instance', 'Error', { details: reason, message: 'Error' });
    const retry = last.attempt < this.settings.maxBuildAttempts;
    const moved = await this.db.transaction(async (tx) => {
      await this.placement.release(tx, inst.id);
      return this.instances.transition(inst.id, {
        fromVm: [VmState.building], fromTask: [TaskState.spawning, TaskState.scheduling],
        set: retry ? { host: null, taskState: TaskState.scheduling } : { host: null },
      }, tx);
    });
    if (!moved) return;
    if (retry) {
      await this.self.cast('scheduleInstance', { instanceId: inst.id, attempt: last.attempt + 1, triedHosts: last.triedHosts }, ctx);
    } else {
      await this.fail(inst.id, 'create', 'compute_build_and_run_instance', `Build of instance ${inst.id} failed after ${last.attempt} attempts: ${reason}`, [VmState.building]);
    }
  }

  private async fail(instanceId: string, action: string, event: string, message: string, fromVm: string[]): Promise<void> {
    const failed = await this.db.transaction(async (tx) => {
      await this.placement.release(tx, instanceId);
      return this.instances.transition(instanceId, {
        fromVm, set: { vmState: VmState.error, taskState: null, host: null, fault: { code: 500, message, created: new Date().toISOString() } },
      }, tx);
    });
    // A build that will not run anywhere gives its ports back, as Nova deallocates networks then.
    if (failed && action === 'create') await this.networks.release(failed, systemContext()).catch(() => undefined);
    await this.actions.eventFinish(instanceId, action, event, 'Error', { final: true, details: message, message: 'Error' });
  }

  private async hostsOf(instanceIds: string[] | undefined): Promise<string[] | undefined> {
    if (!instanceIds?.length) return undefined;
    const rows = await this.db.getRepository(InstanceEntity).createQueryBuilder('i').select('i.host', 'host')
      .where('i.id IN (:...ids) AND i.host IS NOT NULL', { ids: instanceIds.filter((i) => /^[0-9a-f-]{36}$/i.test(i)) }).getRawMany();
    return rows.map((r: { host: string }) => r.host);
  }

  private async groupRequest(inst: InstanceEntity): Promise<ScheduleRequest['group']> {
    const groupId = inst.schedulerHints.group as string | undefined;
    if (!groupId) return undefined;
    const group = await this.db.getRepository(ServerGroupEntity).findOneBy({ id: groupId });
    if (!group) return undefined;
    const members = await this.db.getRepository(ServerGroupMemberEntity).findBy({ groupId });
    const others = members.map((m) => m.instanceId).filter((id) => id !== inst.id);
    const memberHosts = (await this.hostsOf(others)) ?? [];
    return { policy: group.policy, memberHosts };
  }
}
