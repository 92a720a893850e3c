import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { BadRequestError, ConflictError, NotFoundError } from '../../common/errors/api-error';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { AGENT_RPC, AgentRpc } from '../../contracts/agent/agent.rpc';
import { RestartPolicy } from '../../contracts/agent/agent.types';
import { IMAGE_RPC, ImageRecord, ImageRpc } from '../../contracts/image/image.rpc';
import { ContainerExtras, FlavorSnapshot, InstanceEntity } from '../compute/entities/instance.entity';
import { ServersApi } from '../compute/servers.api';
import { VmState } from '../compute/state/instance-state';
import { shellWords } from './shell-words';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** Used when the request gives no cpu/memory (Zun's defaults are 1 CPU and 2048 MiB; berth picks less). */
export const DEFAULT_CPU = 1;
export const DEFAULT_MEMORY_MB = 512;
const RESTART_POLICIES = ['no', 'always', 'on-failure', 'unless-stopped'];

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(field: string, v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'string')) throw new BadRequestError(`Invalid input for field '${field}': expected an object of strings.`);
  return v as Record<string, string>;
}

/** Zun's memory: a number of MiB ("512", 512) or with a unit suffix (b, k, m, g). */
export function parseMemoryMb(v: unknown): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg])?i?b?$/i.exec(String(v).trim());
  if (!m) throw new BadRequestError(`Invalid input for field 'memory': ${String(v)} is not a memory size like 512 or 512M.`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'm').toLowerCase();
  const mb = unit === 'b' ? n / 1048576 : unit === 'k' ? n / 1024 : unit === 'g' ? n * 1024 : n;
  if (!(mb >= 4)) throw new BadRequestError(`Invalid input for field 'memory': at least 4M is required.`);
  return Math.ceil(mb);
}

export function parseCpu(v: unknown): number {
  const n = Number(v);
  if (v === '' || v === null || !Number.isFinite(n) || n <= 0) throw new BadRequestError(`Invalid input for field 'cpu': ${String(v)} is not a positive number.`);
  return n;
}

/** What berth keeps of Zun's cpu, beside the whole vCPUs of the flavor snapshot. */
const CPU_SPEC = 'berth:zun_cpu';

export function cpuOf(inst: InstanceEntity): number {
  const s = inst.flavor.extraSpecs?.[CPU_SPEC];
  return s ? Number(s) : inst.flavor.vcpus;
}

/** A flavor snapshot without a flavor row: vcpus = ceil(cpu), the exact cpu in an extra spec. */
function snapshotFor(cpu: number, memoryMb: number): FlavorSnapshot {
  return {
    id: 'zun', name: `zun-${cpu}cpu-${memoryMb}M`, vcpus: Math.ceil(cpu), memoryMb, rootGb: 0, ephemeralGb: 0, swapMb: 0,
    extraSpecs: { [CPU_SPEC]: String(cpu) },
  };
}

/**
 * Zun's containers over compute's instances: every container is a `container` kind server,
 * so quotas, scheduling, state guards and the agent calls are compute's.
 */
@Injectable()
export class ContainersApi {
  private readonly images: RpcClient<ImageRpc>;
  private readonly agents: RpcClient<AgentRpc>;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    private readonly servers: ServersApi,
  ) {
    this.images = new RpcClient(bus, IMAGE_RPC);
    this.agents = new RpcClient(bus, AGENT_RPC);
  }

  async list(ctx: RequestContext, allProjects: boolean): Promise<InstanceEntity[]> {
    const where = { kind: 'container' as const, deletedAt: IsNull(), ...(allProjects && ctx.isAdmin ? {} : { projectId: ctx.projectId! }) };
    return this.db.getRepository(InstanceEntity).find({ where, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** By uuid, else by name within the project (all projects for admins asking so); several → 409. */
  async get(ident: string, ctx: RequestContext, allProjects = false): Promise<InstanceEntity> {
    const repo = this.db.getRepository(InstanceEntity);
    const scope = allProjects && ctx.isAdmin ? {} : ctx.isAdmin && UUID.test(ident) ? {} : { projectId: ctx.projectId! };
    const rows = UUID.test(ident)
      ? await repo.findBy({ id: ident, kind: 'container', deletedAt: IsNull(), ...scope })
      : await repo.findBy({ name: ident, kind: 'container', deletedAt: IsNull(), ...scope });
    if (rows.length > 1) throw new ConflictError(`Multiple containers exist with same name. Please use the container uuid instead.`);
    if (rows.length === 0) {
      if (UUID.test(ident) && (await repo.existsBy({ id: ident, kind: 'vm', deletedAt: IsNull(), ...scope }))) {
        throw new ConflictError(`Instance ${ident} is a VM, not a container: the container API does not apply to it; use /compute/v2.1/servers/${ident}.`);
      }
      throw new NotFoundError(`Container ${ident} could not be found.`);
    }
    return rows[0];
  }

  /** `run`: start it once created (Zun's `run`); otherwise it stays Created until started. */
  async create(body: unknown, run: boolean, ctx: RequestContext): Promise<InstanceEntity> {
    if (!isObj(body)) throw new BadRequestError('Invalid input: the request body must be a container object.');
    const name = body.name === undefined || body.name === null ? `zun-${Math.random().toString(36).slice(2, 10)}` : body.name;
    if (typeof name !== 'string' || !NAME.test(name) || name.length > 255) throw new BadRequestError(`Invalid input for field 'name': ${String(name)} does not match ${NAME.source}.`);
    if (typeof body.image !== 'string' || !body.image) throw new BadRequestError("Invalid input for field 'image': a glance image name or id is required.");
    const command = this.command(body.command);
    const cpu = body.cpu === undefined || body.cpu === null ? DEFAULT_CPU : parseCpu(body.cpu);
    const memoryMb = body.memory === undefined || body.memory === null ? DEFAULT_MEMORY_MB : parseMemoryMb(body.memory);
    for (const f of ['nets', 'mounts'] as const) {
      if (body[f] !== undefined && (!Array.isArray(body[f]) || (body[f] as unknown[]).length > 0)) {
        throw new BadRequestError(`'${f}' is not supported yet: ${f === 'nets' ? 'networks arrive with the network service' : 'volumes arrive with the volume service'}.`);
      }
    }
    if (body.workdir !== undefined && body.workdir !== null && typeof body.workdir !== 'string') throw new BadRequestError("Invalid input for field 'workdir'.");
    const container: ContainerExtras = {
      ...(command ? { command } : {}),
      environment: stringMap('environment', body.environment) ?? {},
      labels: stringMap('labels', body.labels) ?? {},
      ...(typeof body.workdir === 'string' && body.workdir ? { workdir: body.workdir } : {}),
      ...(this.exposedPorts(body.exposed_ports) ?? {}),
      ...(this.restartPolicy(body.restart_policy) ?? {}),
      ...(run ? {} : { start: false }),
    };
    const image = await this.findImage(body.image, ctx);
    const az = isObj(body.hints) && typeof body.hints.availability_zone === 'string' ? body.hints.availability_zone : undefined;
    return this.servers.createContainer({ name, image, flavor: snapshotFor(cpu, memoryMb), container, availabilityZone: az }, ctx);
  }

  async delete(ident: string, force: boolean, stop: boolean, ctx: RequestContext): Promise<void> {
    const inst = await this.get(ident, ctx);
    if (!force && !stop && (inst.vmState === VmState.active || inst.vmState === VmState.paused)) {
      throw new ConflictError(`Cannot delete container ${inst.id} in ${inst.vmState === VmState.paused ? 'Paused' : 'Running'} state. Please stop it before deleting, or use --force or --stop.`);
    }
    await this.servers.delete(inst.id, ctx);
  }

  async execute(ident: string, command: unknown, ctx: RequestContext): Promise<{ output: string; exit_code: number }> {
    const inst = await this.get(ident, ctx);
    if (typeof command !== 'string' || !command.trim()) throw new BadRequestError("Invalid input for query parameter 'command': a command is required.");
    if (inst.vmState !== VmState.active || inst.taskState !== null || !inst.host) throw new ConflictError(`Cannot execute a command in container ${inst.id} while it is not Running.`);
    const { output, exitCode } = await this.agents.call('execute', { instanceId: inst.id, command: shellWords(command) }, ctx, { host: inst.host, timeoutMs: 60000 });
    return { output, exit_code: exitCode };
  }

  async logs(ident: string, tail: unknown, ctx: RequestContext): Promise<string> {
    const inst = await this.get(ident, ctx);
    let lines: number | undefined;
    if (tail !== undefined && tail !== 'all' && tail !== '') {
      lines = Number(tail);
      if (!Number.isInteger(lines) || lines < 0) throw new BadRequestError(`Invalid input for query parameter 'tail': ${String(tail)}.`);
      if (lines === 0) return '';
    }
    return this.servers.consoleOutput(inst.id, lines, ctx);
  }

  async rename(ident: string, name: unknown, ctx: RequestContext): Promise<InstanceEntity> {
    if (typeof name !== 'string' || !NAME.test(name)) throw new BadRequestError(`Invalid input for query parameter 'name': ${String(name)} does not match ${NAME.source}.`);
    const inst = await this.get(ident, ctx);
    return this.servers.update(inst.id, { name }, ctx);
  }

  /** PATCH: live cpu/memory (no restart), name too as Zun allows. */
  async update(ident: string, body: unknown, ctx: RequestContext): Promise<InstanceEntity> {
    if (!isObj(body)) throw new BadRequestError('Invalid input: the request body must be an object.');
    const unknown = Object.keys(body).filter((k) => !['cpu', 'memory', 'name'].includes(k));
    if (unknown.length) throw new BadRequestError(`Additional properties are not allowed (${unknown.join(', ')} were unexpected).`);
    let inst = await this.get(ident, ctx);
    if (body.cpu !== undefined || body.memory !== undefined) {
      const cpu = body.cpu !== undefined ? parseCpu(body.cpu) : cpuOf(inst);
      const memoryMb = body.memory !== undefined ? parseMemoryMb(body.memory) : inst.flavor.memoryMb;
      await this.servers.updateLimits(inst.id, { vcpus: Math.ceil(cpu), memoryMb }, ctx);
      const fresh = await this.servers.get(inst.id, ctx);
      const flavor = { ...fresh.flavor, name: `zun-${cpu}cpu-${memoryMb}M`, extraSpecs: { ...fresh.flavor.extraSpecs, [CPU_SPEC]: String(cpu) } };
      await this.db.getRepository(InstanceEntity).update({ id: inst.id }, { flavor });
      inst = await this.get(inst.id, ctx);
    }
    if (body.name !== undefined) inst = await this.rename(inst.id, body.name, ctx);
    return inst;
  }

  private command(v: unknown): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v.trim() ? shellWords(v) : undefined;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.length ? v : undefined;
    throw new BadRequestError("Invalid input for field 'command': expected a list of strings.");
  }

  /** Zun's {"80/tcp": {}} → ["80/tcp"]. */
  private exposedPorts(v: unknown): Pick<ContainerExtras, 'exposedPorts'> | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) throw new BadRequestError("Invalid input for field 'exposed_ports': expected an object like {\"80/tcp\": {}}.");
    const ports = Object.keys(v).map((k) => (k.includes('/') ? k : `${k}/tcp`));
    for (const p of ports) {
      const [port, proto] = p.split('/');
      if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535 || !['tcp', 'udp'].includes(proto)) throw new BadRequestError(`Invalid input for field 'exposed_ports': ${p}.`);
    }
    return ports.length ? { exposedPorts: ports } : undefined;
  }

  private restartPolicy(v: unknown): { restartPolicy: RestartPolicy } | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isObj(v) || typeof v.Name !== 'string' || !RESTART_POLICIES.includes(v.Name)) {
      throw new BadRequestError(`Invalid input for field 'restart_policy': Name must be one of ${RESTART_POLICIES.join(', ')}.`);
    }
    const retries = v.MaximumRetryCount === undefined || v.MaximumRetryCount === '' ? undefined : Number(v.MaximumRetryCount);
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) throw new BadRequestError("Invalid input for field 'restart_policy': MaximumRetryCount must be a non-negative integer.");
    if (retries && v.Name !== 'on-failure') throw new BadRequestError("Invalid input for field 'restart_policy': MaximumRetryCount is only allowed with on-failure.");
    return { restartPolicy: { name: v.Name as RestartPolicy['name'], ...(retries !== undefined ? { maximumRetryCount: retries } : {}) } };
  }

  /** Zun's glance driver: by id, else by exact name (a ":tag" is dropped when only the repository matches). */
  private async findImage(ref: string, ctx: RequestContext): Promise<ImageRecord> {
    const find = (nameOrId: string) => this.images.call('findImage', { nameOrId }, ctx, { timeoutMs: 15000 });
    try {
      return await find(ref);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      const repo = /^(.+):[\w][\w.-]*$/.exec(ref)?.[1];
      if (repo) {
        try {
          return await find(repo);
        } catch (e2) {
          if (!(e2 instanceof NotFoundError)) throw e2;
        }
      }
      throw new BadRequestError(`Image ${ref} could not be found: berth runs images from the image service (glance) only, by id or name.`);
    }
  }
}
