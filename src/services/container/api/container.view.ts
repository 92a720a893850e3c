import { RequestContext } from '../../../common/context/request-context';
import { InstanceEntity } from '../../compute/entities/instance.entity';
import { TaskState, VmState } from '../../compute/state/instance-state';
import { cpuOf } from '../containers.api';

/** Zun's status from Nova's vm_state and task_state. */
export function containerStatus(i: InstanceEntity): string {
  if (i.taskState === TaskState.deleting) return 'Deleting';
  switch (i.vmState) {
    case VmState.building: return 'Creating';
    case VmState.active: return i.taskState === TaskState.rebooting || i.taskState === TaskState.rebootingHard ? 'Restarting' : 'Running';
    case VmState.stopped: return i.launchedAt ? 'Stopped' : 'Created';
    case VmState.paused: return 'Paused';
    case VmState.error: return 'Error';
    case VmState.deleted: return 'Deleted';
    default: return 'Unknown';
  }
}

/** Zun's task_state names for compute's. */
const TASK_STATES: Record<string, string> = {
  [TaskState.scheduling]: 'container_creating', [TaskState.spawning]: 'container_creating', [TaskState.deleting]: 'container_deleting',
  [TaskState.poweringOn]: 'container_starting', [TaskState.poweringOff]: 'container_stopping', [TaskState.rebooting]: 'container_rebooting',
  [TaskState.rebootingHard]: 'container_rebooting', [TaskState.pausing]: 'container_pausing', [TaskState.unpausing]: 'container_unpausing',
};

/** Zun prints times as 2026-11-23T15:45:01+00:00... close enough: ISO without fractions. */
function zunTime(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, '+00:00') : null;
}

export function containerBase(proto: string, host: string | undefined): string {
  return `${proto}://${host}/container`;
}

/** One container as Zun's API (≤ 1.40) shows it. */
export function renderContainer(i: InstanceEntity, ctx: RequestContext, base: string) {
  const c = i.container ?? {};
  const ports = (c.exposedPorts ?? []).map((p) => Number(p.split('/')[0]));
  const out: Record<string, unknown> = {
    uuid: i.id,
    name: i.name,
    image: i.imageRef,
    image_driver: 'glance',
    status: containerStatus(i),
    status_reason: i.fault?.message ?? null,
    status_detail: null,
    task_state: i.taskState ? TASK_STATES[i.taskState] ?? i.taskState : null,
    command: c.command ?? [],
    entrypoint: [],
    environment: c.environment ?? {},
    labels: c.labels ?? {},
    workdir: c.workdir ?? null,
    cpu: cpuOf(i),
    cpu_policy: 'shared',
    memory: `${i.flavor.memoryMb}M`,
    disk: 0,
    restart_policy: c.restartPolicy
      ? { Name: c.restartPolicy.name, MaximumRetryCount: String(c.restartPolicy.maximumRetryCount ?? 0) }
      : { Name: 'no', MaximumRetryCount: '0' },
    ports,
    addresses: {},
    hostname: i.name.slice(0, 63),
    interactive: false,
    tty: false,
    auto_remove: false,
    auto_heal: false,
    privileged: false,
    healthcheck: {},
    security_groups: [],
    image_pull_policy: null,
    runtime: null,
    registry_id: null,
    project_id: i.projectId,
    user_id: i.userId,
    created_at: zunTime(i.createdAt),
    updated_at: zunTime(i.updatedAt),
    links: [
      { rel: 'self', href: `${base}/v1/containers/${i.id}` },
      { rel: 'bookmark', href: `${base}/containers/${i.id}` },
    ],
  };
  if (ctx.isAdmin) out.host = i.host;
  return out;
}
