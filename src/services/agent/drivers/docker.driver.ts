import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm, statfs } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { Readable, Transform, pipeline } from 'node:stream';
import * as tar from 'tar-stream';
import {
  HostResources, ImageRef, InstanceSpec, InstanceStatus, PowerState, RebootType,
} from '../../../contracts/agent/agent.types';
import { InstanceStats, ProcessList, SignalName } from '../../../contracts/agent/instance-ops.types';
import {
  ApiError, BadRequestError, ConflictError, InvalidStateError, NotFoundError, ServiceUnavailableError,
} from '../../../common/errors/api-error';
import { KeyedLock } from '../keyed-lock';
import { withoutImageNames } from './docker-archive';
import { ContainerInspect, ContainerSummary, EngineApiError, EngineClient } from './engine-client';
import { connectMore, createNetworking, ensureEngineNetwork, removeUnusedEngineNetworks } from './engine-networks';
import {
  CONTAINER_INFO_PATH, ContainerInfo, DriverCapabilities, EngineDriver, FlavorUpdate, LoadedImage,
  containerInfoFor, imageReference, limitEnvironment,
} from './engine.driver';

export const LABEL_MANAGED = 'berth.managed';
export const LABEL_INSTANCE = 'berth.instance_id';
export const LABEL_PROJECT = 'berth.project_id';
export const LABEL_FLAVOR = 'berth.flavor';
/** The container_info an instance was created with: rewrites its host file should that be lost. */
export const LABEL_CONTAINER_INFO = 'berth.container_info';

/**
 * Capabilities every instance gets; all others are dropped (CapDrop ALL, then CapAdd these).
 * This is Docker's default set minus NET_RAW (raw sockets: ARP and ICMP spoofing of the other
 * tenants on a shared bridge), MKNOD (device nodes), AUDIT_WRITE and SETFCAP (granting file
 * capabilities, pointless under no-new-privileges). What remains is what ordinary images need as
 * root inside their own filesystem: CHOWN, DAC_OVERRIDE, FOWNER and FSETID for entrypoints and
 * package managers that fix ownership and modes; SETUID, SETGID and SETPCAP to drop to a service
 * user (su, gosu, nginx and postgres workers); KILL to signal processes of other users in the
 * container (supervisors); NET_BIND_SERVICE for ports below 1024; SYS_CHROOT for sshd's privilege
 * separation and build tools. Nothing here reaches outside the container's namespaces.
 */
export const SAFE_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT',
];

/** Sockets tried, in order, when no Docker host is configured. */
export const DEFAULT_DOCKER_SOCKETS = ['/run/podman/podman.sock', '/var/run/docker.sock'];

/** Console and exec output kept (the end of it), so one reply stays a sane size. */
const MAX_OUTPUT_BYTES = 1024 * 1024;
const MIB = 1024 * 1024;
/** With an infoDir, the directory mounted from the host and the file's name in it. */
const CONTAINER_INFO_DIR = posix.dirname(CONTAINER_INFO_PATH);
const CONTAINER_INFO_FILE = posix.basename(CONTAINER_INFO_PATH);

function containerInfoText(info: ContainerInfo): string {
  return `${JSON.stringify(info, null, 2)}\n`;
}

export interface DockerDriverOptions {
  /** Seconds a graceful stop (powerOff, soft reboot) waits before SIGKILL; default 10. */
  stopTimeoutSec?: number;
  /** How long execute waits for a command; default 60 s. */
  execTimeoutMs?: number;
  /** The address the host reports; default: its first non-internal IPv4 address. */
  hostIp?: string;
  /** How the engine was named (for messages); default `unix://<socket>`. */
  where?: string;
  /**
   * A directory of the engine's host where each instance's container_info is kept
   * (`<infoDir>/<instance id>/container_info`) and bind-mounted read-only at /etc/berth, so a
   * spawn writes a local file instead of copying it into the container (one engine round trip
   * less). Absent, or ignored by connect for an engine on another machine: the file is copied
   * into each container.
   */
  infoDir?: string;
}

function engineMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim();
}

/** The engine's HTTP status of a failed call; undefined when it did not answer. */
function statusOf(err: unknown): number | undefined {
  return err instanceof EngineApiError ? err.statusCode : undefined;
}

function isStateError(err: unknown): boolean {
  return /state improper|is not running|is paused|not paused|already paused|cannot (pause|unpause|exec)/i.test(engineMessage(err));
}

/** The Docker host to use: the configured one, else the first default socket that exists. */
export function resolveDockerHost(configured?: string): string {
  if (configured) return configured;
  const found = DEFAULT_DOCKER_SOCKETS.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `no container engine socket found (tried ${DEFAULT_DOCKER_SOCKETS.join(', ')}): start one ` +
      '(`podman system service --time=0 unix:///run/podman/podman.sock`) or pass --docker-host / BERTH_DOCKER_HOST',
    );
  }
  return `unix://${found}`;
}

export function containerName(instanceId: string): string {
  return `berth-${instanceId}`;
}

/** A valid host name from an instance's display name (RFC 1123 label), or undefined. */
function hostnameFor(name: string): string | undefined {
  const h = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return h || undefined;
}

function powerStateOf(state: { Status?: string; Running?: boolean; Paused?: boolean; Restarting?: boolean; Dead?: boolean }): PowerState {
  if (state.Paused) return 'paused';
  if (state.Running || state.Restarting) return 'running';
  if (state.Dead) return 'crashed';
  return 'shutdown';
}

function powerStateOfListed(state: string): PowerState {
  switch (state) {
    case 'running': case 'restarting': return 'running';
    case 'paused': return 'paused';
    case 'dead': return 'crashed';
    case 'removing': return 'nostate';
    default: return 'shutdown';
  }
}

/** The frames of Docker's multiplexed stdout/stderr stream, in order; raw data if it is not one. */
export function demux(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i];
    if (type > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) return buf;
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  if (i !== buf.length && parts.length === 0) return buf;
  return Buffer.concat(parts);
}

function tailOf(text: string, maxBytes = MAX_OUTPUT_BYTES): string {
  const b = Buffer.from(text, 'utf8');
  return b.length <= maxBytes ? text : b.subarray(b.length - maxBytes).toString('utf8');
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The JSON messages of a streamed engine answer (one per line, or back to back). */
function jsonMessages(text: string): { stream?: string; error?: string; errorDetail?: { message?: string }; message?: string }[] {
  return text.split(/\r?\n|(?<=\})(?=\{)/).map((l) => l.trim()).filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [{ stream: l }];
    }
  });
}

/** `0-3`, `0,2,5-6` → [0,1,2,3] etc. */
function parseCpuset(cpuset: string | undefined): number[] {
  if (!cpuset) return [];
  return cpuset.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map((n) => Number.parseInt(n, 10));
    if (Number.isNaN(a)) return [];
    return b === undefined || Number.isNaN(b) ? [a] : Array.from({ length: b - a + 1 }, (_, k) => a + k);
  });
}

interface EngineFacts {
  cpus: number;
  memoryMb: number;
  rootDir?: string;
  type: 'docker' | 'podman';
  version: string;
}

interface LimitResources {
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuShares?: number;
  CpusetCpus?: string;
  PidsLimit: number;
}

/**
 * Containers through the Docker Engine API (Docker, or Podman's compatible service). Each instance
 * is a container named `berth-<instance id>` carrying berth's labels; the flavor becomes cgroup
 * limits, and `/etc/berth/container_info` plus BERTH_CPUS/BERTH_MEMORY_MB tell the programs inside
 * their real limits (they would otherwise size themselves from the host's /proc).
 *
 * With an `infoDir` (an engine on this machine) /etc/berth is a read-only bind mount of the
 * instance's directory there: the agent writes the file, live updates replace it (a rename, which
 * the container sees at once), a commit does not capture it, and destroy removes it. Otherwise the
 * file is copied into the container's filesystem.
 */
export class DockerDriver implements EngineDriver {
  readonly name = 'docker';
  readonly capabilities: DriverCapabilities = {
    kinds: ['container'], supportsLiveResize: true, supportsExec: true, supportsPause: true, supportsConsoleOutput: true,
    supportsSnapshot: true,
  };
  private readonly stopTimeoutSec: number;
  private readonly execTimeoutMs: number;
  private readonly where: string;
  private readonly infoDir?: string;
  /** Serialises choosing dedicated CPUs with creating the container that gets them. */
  private readonly cpusetLock = new KeyedLock();
  private engineFacts?: EngineFacts;
  /** Podman 4 has no Docker-compatible update endpoint; its own (libpod) one is used instead. */
  private updateApi: 'compat' | 'libpod' = 'compat';

  constructor(readonly engine: EngineClient, private readonly opts: DockerDriverOptions = {}) {
    this.stopTimeoutSec = opts.stopTimeoutSec ?? 10;
    this.execTimeoutMs = opts.execTimeoutMs ?? 60_000;
    this.where = opts.where ?? 'the container engine';
    this.infoDir = opts.infoDir ? resolve(opts.infoDir) : undefined;
  }

  /** A driver for `dockerHost` (see resolveDockerHost), after checking that the engine answers. */
  static async connect(dockerHost: string, opts: DockerDriverOptions = {}): Promise<DockerDriver> {
    const engine = EngineClient.for(dockerHost);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        engine.ping(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000); }),
      ]);
    } catch (err) {
      engine.close();
      throw new Error(`the container engine at ${dockerHost} is not reachable: ${engineMessage(err)}`);
    } finally {
      clearTimeout(timer);
    }
    // A path of this machine means nothing to an engine on another one.
    const infoDir = engine.endpoint.local ? opts.infoDir : undefined;
    return new DockerDriver(engine, { where: dockerHost, ...opts, infoDir });
  }

  async close(): Promise<void> {
    this.engine.close();
  }

  // --- instances ------------------------------------------------------------------------------

  async spawn(spec: InstanceSpec, image: LoadedImage): Promise<InstanceStatus> {
    if (spec.kind !== 'container') {
      throw new ConflictError(`The docker driver runs container instances, not ${spec.kind} instances.`);
    }
    const hostCpus = await this.hostCpus();
    const ports = spec.networks ?? [];
    const networkNames: string[] = [];
    for (const port of ports) networkNames.push(await ensureEngineNetwork(this.engine, port).catch((err: unknown) => { throw this.engineError(err, `create the network of port ${port.portId}`); }));
    const create = async () => {
      const cpuset = spec.flavor.dedicatedCpus ? await this.pickCpus(spec.flavor.vcpus, hostCpus, spec.id) : undefined;
      const info = containerInfoFor(spec.id, spec.flavor, { hostCpus, cpuset });
      // The mount's source has to exist when the engine creates the container.
      if (this.infoDir) this.writeInfoFile(this.infoDirOf(spec.id), info);
      try {
        return { id: (await this.engine.createContainer(containerName(spec.id), this.createOptions(spec, image, info, networkNames))).Id, info };
      } catch (err) {
        const status = statusOf(err);
        // The container by that name is this instance's (compute never reuses an id): its file stays.
        if (status === 409 || /already in use/i.test(engineMessage(err))) throw new ConflictError(`Instance ${spec.id} already exists on this host.`);
        await this.removeInfoFile(spec.id);
        if (status === 404) throw new NotFoundError(`Image ${image.reference} is not loaded on this host.`);
        throw this.engineError(err, `create instance ${spec.id}`);
      }
    };
    // Choosing dedicated CPUs and creating the container that holds them happen as one step.
    const container = spec.flavor.dedicatedCpus ? await this.cpusetLock.run('cpuset', create) : await create();
    try {
      if (!this.infoDir) await this.copyContainerInfo(container.id, container.info);
      await connectMore(this.engine, container.id, ports, networkNames);
      if (spec.start !== false) await this.engine.containerAction(container.id, 'start');
    } catch (err) {
      await this.engine.removeContainer(container.id, { force: true, v: true }).catch(() => undefined);
      await this.removeInfoFile(spec.id);
      throw this.engineError(err, `start instance ${spec.id}`);
    }
    const status = await this.status(spec.id);
    if (!status) throw new ApiError(500, `Instance ${spec.id} vanished right after it was created.`);
    return status;
  }

  async destroy(instanceId: string): Promise<void> {
    const name = containerName(instanceId);
    const networks = Object.keys((await this.engine.inspectContainer(name).catch(() => undefined))?.NetworkSettings?.Networks ?? {});
    // No grace period for a container about to be removed (a forced remove would wait for its stop timeout).
    await this.engine.containerAction(name, 'kill').catch(() => undefined);
    try {
      await this.engine.removeContainer(name, { force: true, v: true });
    } catch (err) {
      const status = statusOf(err);
      // Two removals racing: the other one wins, the instance is gone either way.
      if (status !== 404 && !(status === 409 && /removal.*in progress|being removed/i.test(engineMessage(err)))) {
        throw this.engineError(err, `destroy instance ${instanceId}`);
      }
    }
    await this.removeInfoFile(instanceId);
    await removeUnusedEngineNetworks(this.engine, networks);
  }

  async powerOn(instanceId: string): Promise<void> {
    const { id, inspect, state } = await this.require(instanceId);
    if (state === 'running') return;
    if (state === 'paused') throw new InvalidStateError(`Cannot start instance ${instanceId} while it is paused.`);
    this.restoreInfoFile(inspect);
    await this.act(instanceId, 'start', () => this.engine.containerAction(id, 'start'));
    await this.reapplyLimits(instanceId, inspect);
  }

  async powerOff(instanceId: string): Promise<void> {
    const { id, state } = await this.require(instanceId);
    if (state === 'shutdown' || state === 'crashed') return;
    // Podman refuses to stop a paused container; Docker would kill it. Thaw it so it can shut down cleanly.
    if (state === 'paused') await this.act(instanceId, 'unpause', () => this.engine.containerAction(id, 'unpause'));
    await this.act(instanceId, 'stop', () => this.engine.containerAction(id, 'stop', { t: this.stopTimeoutSec }));
  }

  async reboot(instanceId: string, type: RebootType): Promise<void> {
    const { id, inspect, state } = await this.require(instanceId);
    if (type === 'SOFT' && state !== 'running') throw new InvalidStateError(`Cannot soft-reboot instance ${instanceId} while it is ${state}.`);
    this.restoreInfoFile(inspect);
    if (type === 'SOFT') {
      await this.act(instanceId, 'restart', () => this.engine.containerAction(id, 'restart', { t: this.stopTimeoutSec }));
    } else if (state === 'shutdown' || state === 'crashed') {
      await this.act(instanceId, 'start', () => this.engine.containerAction(id, 'start'));
    } else {
      if (state === 'paused') await this.act(instanceId, 'unpause', () => this.engine.containerAction(id, 'unpause'));
      await this.act(instanceId, 'restart', () => this.engine.containerAction(id, 'restart', { t: 0 }));
    }
    await this.reapplyLimits(instanceId, inspect);
  }

  async pause(instanceId: string): Promise<void> {
    const { id, state } = await this.require(instanceId);
    if (state === 'paused') return;
    if (state !== 'running') throw new InvalidStateError(`Cannot pause instance ${instanceId} while it is ${state}.`);
    await this.act(instanceId, 'pause', () => this.engine.containerAction(id, 'pause'));
  }

  async unpause(instanceId: string): Promise<void> {
    const { id, state } = await this.require(instanceId);
    if (state === 'running') return;
    if (state !== 'paused') throw new InvalidStateError(`Cannot unpause instance ${instanceId} while it is ${state}.`);
    await this.act(instanceId, 'unpause', () => this.engine.containerAction(id, 'unpause'));
  }

  async status(instanceId: string): Promise<InstanceStatus | undefined> {
    const inspect = await this.inspect(instanceId);
    if (!inspect) return undefined;
    const status: InstanceStatus = { instanceId, powerState: powerStateOf(inspect.State) };
    const started = inspect.State.StartedAt;
    if (started && !started.startsWith('0001-')) status.startedAt = started;
    if (status.powerState === 'shutdown' || status.powerState === 'crashed') status.exitCode = inspect.State.ExitCode;
    return status;
  }

  async list(): Promise<InstanceStatus[]> {
    return (await this.managedContainers()).flatMap((c) => {
      const instanceId = c.Labels?.[LABEL_INSTANCE];
      if (!instanceId) return [];
      const status: InstanceStatus = { instanceId, powerState: powerStateOfListed(c.State) };
      const exited = /Exited \((-?\d+)\)/.exec(c.Status ?? '');
      if (exited && status.powerState === 'shutdown') status.exitCode = Number(exited[1]);
      return [status];
    });
  }

  async strays(): Promise<string[]> {
    return (await this.managedContainers())
      .filter((c) => !c.Labels?.[LABEL_INSTANCE])
      .map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, ''));
  }

  async consoleOutput(instanceId: string, tailLines?: number): Promise<string> {
    const { id } = await this.require(instanceId);
    try {
      return tailOf(demux(await this.engine.containerLogs(id, tailLines)).toString('utf8'));
    } catch (err) {
      throw this.engineError(err, `read the console of instance ${instanceId}`);
    }
  }

  async execute(instanceId: string, command: string[]): Promise<{ output: string; exitCode: number }> {
    const { id, state } = await this.require(instanceId);
    if (state !== 'running') throw new InvalidStateError(`Cannot run a command in instance ${instanceId} while it is ${state}.`);
    if (command.length === 0) throw new ConflictError('The command to execute is empty.');
    try {
      const { Id: execId } = await this.engine.createExec(id, command);
      const stream = await this.engine.startExec(execId);
      let timer: NodeJS.Timeout | undefined;
      const output = await Promise.race([
        readAll(stream),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            stream.destroy();
            reject(new ApiError(504, `The command in instance ${instanceId} did not finish within ${this.execTimeoutMs} ms.`, 'ExecTimeout'));
          }, this.execTimeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      return { output: tailOf(demux(output).toString('utf8')), exitCode: await this.exitCodeOf(execId) };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw this.engineError(err, `run a command in instance ${instanceId}`);
    }
  }

  async updateLimits(instanceId: string, flavor: FlavorUpdate): Promise<void> {
    const { id, inspect } = await this.require(instanceId);
    const hostCpus = await this.hostCpus();
    const previous = await this.readContainerInfo(inspect);
    const update = async () => {
      const cpuset = flavor.dedicatedCpus ? await this.pickCpus(flavor.vcpus, hostCpus, instanceId) : undefined;
      const next = containerInfoFor(instanceId, flavor, { hostCpus, cpuset, previous });
      await this.applyLimits(instanceId, id, this.resourcesFor(next, previous?.cpuset !== undefined));
      return next;
    };
    const info = flavor.dedicatedCpus ? await this.cpusetLock.run('cpuset', update) : await update();
    const dir = this.mountedInfoDir(inspect);
    if (dir) {
      this.writeInfoFile(dir, info);
    } else {
      await this.copyContainerInfo(id, info).catch((err) => { throw this.engineError(err, `update ${CONTAINER_INFO_PATH} of instance ${instanceId}`); });
    }
  }

  async kill(instanceId: string, signal: SignalName): Promise<void> {
    const { id, state } = await this.require(instanceId);
    if (state !== 'running') throw new InvalidStateError(`Cannot kill instance ${instanceId} while it is ${state}.`);
    await this.act(instanceId, 'kill', () => this.engine.containerAction(id, 'kill', { signal }));
  }

  async top(instanceId: string, psArgs?: string): Promise<ProcessList> {
    const id = await this.requireLive(instanceId, 'list the processes of');
    try {
      return processListOf(await this.engine.topContainer(id, psArgs || undefined));
    } catch (err) {
      // Docker runs `ps <ps_args>` itself: a failure with options given is ps refusing them.
      if (psArgs && statusOf(err) === 500 && !isStateError(err)) {
        throw new BadRequestError(`The container engine could not list processes with ps options '${psArgs}': ${engineMessage(err)}`);
      }
      throw this.engineError(err, `list the processes of instance ${instanceId}`);
    }
  }

  async stats(instanceId: string): Promise<InstanceStats> {
    const id = await this.requireLive(instanceId, 'read the usage of');
    try {
      return statsOf(await this.engine.containerStats(id) as EngineStats);
    } catch (err) {
      throw this.engineError(err, `read the usage of instance ${instanceId}`);
    }
  }

  /**
   * `POST /commit` (the engine pauses a running container meanwhile) into an untagged image,
   * exported with `GET /images/{id}/get` and removed again. A bind-mounted /etc/berth is not part
   * of the container's filesystem, so its container_info stays out of the image.
   */
  async snapshot<T>(instanceId: string, consume: (archive: Readable) => Promise<T>): Promise<T> {
    const { id, state } = await this.require(instanceId);
    let imageId: string;
    try {
      ({ Id: imageId } = await this.engine.commit(id, { pause: state === 'running', comment: `berth snapshot of instance ${instanceId}` }));
    } catch (err) {
      throw this.engineError(err, `commit instance ${instanceId}`);
    }
    let archive: Readable | undefined;
    try {
      try {
        archive = await this.engine.exportImage(imageId);
      } catch (err) {
        throw this.engineError(err, `export the snapshot of instance ${instanceId}`);
      }
      return await consume(archive);
    } finally {
      archive?.destroy();
      await this.engine.removeImage(imageId, { force: true }).catch(() => undefined);
    }
  }

  // --- images ---------------------------------------------------------------------------------

  async loadImage(ref: ImageRef, data: Readable): Promise<LoadedImage> {
    let sizeBytes = 0;
    let sourceError: Error | undefined;
    const counted = new Transform({ transform(c: Buffer, _enc, cb) { sizeBytes += c.length; cb(null, c); } });
    pipeline(data, counted, (err) => { if (err) sourceError ??= err; });
    const archive = withoutImageNames(counted);
    let answer: string;
    try {
      answer = await this.engine.loadImage(archive);
    } catch (err) {
      if (sourceError) throw sourceError;
      throw this.engineError(err, `load image ${ref.id}`);
    }
    if (sourceError) throw sourceError;
    const messages = jsonMessages(answer);
    const failed = messages.find((m) => m.error || m.errorDetail);
    if (failed) throw new ApiError(500, `The container engine could not load image ${ref.id}: ${failed.error ?? failed.errorDetail?.message}`);
    const loaded = messages.map((m) => /Loaded image(?: ID)?(?:\(s\))?: *(\S+)/.exec(m.stream ?? '')?.[1]).find(Boolean);
    if (!loaded) throw new ApiError(500, `The container engine did not say which image it loaded from image ${ref.id}: ${answer.slice(0, 500)}`);
    const reference = imageReference(ref);
    const [repo, tag] = [reference.slice(0, reference.lastIndexOf(':')), reference.slice(reference.lastIndexOf(':') + 1)];
    try {
      await this.engine.tagImage(loaded.split(',')[0], repo, tag);
      const inspect = await this.engine.inspectImage(reference);
      return { imageId: ref.id, checksum: ref.checksum, reference, engineId: inspect.Id, sizeBytes };
    } catch (err) {
      throw this.engineError(err, `name image ${ref.id} ${reference}`);
    }
  }

  async hasImage(ref: ImageRef): Promise<LoadedImage | undefined> {
    const reference = imageReference(ref);
    try {
      const inspect = await this.engine.inspectImage(reference);
      return { imageId: ref.id, checksum: ref.checksum, reference, engineId: inspect.Id, sizeBytes: 0 };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.engineError(err, `look up image ${reference}`);
    }
  }

  // --- host -----------------------------------------------------------------------------------

  /**
   * The engine's CPUs and memory are read once (Podman takes ~0.3 s for `info` and ~0.45 s for
   * `version`); each call, a heartbeat, then only pings the engine and measures the disk.
   */
  async hostResources(): Promise<HostResources> {
    try {
      await this.engine.ping();
    } catch (err) {
      throw this.engineError(err, 'reach the container engine');
    }
    const facts = await this.facts();
    return {
      vcpus: facts.cpus,
      memoryMb: facts.memoryMb,
      diskGb: await this.diskGb(facts.rootDir),
      kinds: [...this.capabilities.kinds],
      hypervisorType: facts.type,
      hypervisorVersion: facts.version,
      hostIp: this.opts.hostIp ?? firstIpv4(),
    };
  }

  // --- internals ------------------------------------------------------------------------------

  private createOptions(spec: InstanceSpec, image: LoadedImage, info: ContainerInfo, networkNames: string[]): object {
    const userLabels = Object.fromEntries(Object.entries(spec.labels ?? {}).filter(([k]) => !k.startsWith('berth.')));
    const env = { ...spec.environment, ...limitEnvironment(info) };
    const restart = spec.restartPolicy ?? { name: 'no' as const };
    const { HostConfigNetworkMode, ...networking } = createNetworking(spec.networks ?? [], networkNames);
    return {
      ...networking,
      Image: image.reference,
      Cmd: spec.command?.length ? spec.command : undefined,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: spec.workdir || undefined,
      Hostname: hostnameFor(spec.name),
      Labels: {
        ...userLabels,
        [LABEL_MANAGED]: 'true',
        [LABEL_INSTANCE]: spec.id,
        [LABEL_PROJECT]: spec.projectId,
        [LABEL_FLAVOR]: spec.flavor.name,
        ...(this.infoDir ? { [LABEL_CONTAINER_INFO]: JSON.stringify(info) } : {}),
      },
      ExposedPorts: Object.fromEntries((spec.exposedPorts ?? []).map((p) => [p.includes('/') ? p : `${p}/tcp`, {}])),
      StopTimeout: this.stopTimeoutSec,
      HostConfig: {
        ...this.resourcesFor(info, false),
        Privileged: false,
        CapDrop: ['ALL'],
        CapAdd: SAFE_CAPABILITIES,
        SecurityOpt: ['no-new-privileges'],
        RestartPolicy: {
          Name: restart.name,
          ...(restart.name === 'on-failure' && restart.maximumRetryCount !== undefined ? { MaximumRetryCount: restart.maximumRetryCount } : {}),
        },
        ...(this.infoDir ? { Mounts: [{ Type: 'bind', Source: this.infoDirOf(spec.id), Target: CONTAINER_INFO_DIR, ReadOnly: true }] } : {}),
        ...(HostConfigNetworkMode ? { NetworkMode: HostConfigNetworkMode } : {}),
      },
    };
  }

  /** Engine limits from what the instance is told; `unpin` spreads an unpinned instance over every CPU. */
  private resourcesFor(info: ContainerInfo, unpin: boolean): LimitResources {
    const r: LimitResources = {
      Memory: info.memory_mb * MIB,
      MemorySwap: info.memory_mb * MIB,
      NanoCpus: Math.round(info.cpus * 1e9),
      PidsLimit: info.pids_limit,
    };
    if (info.cpu_shares !== undefined) r.CpuShares = info.cpu_shares;
    if (info.cpuset) r.CpusetCpus = info.cpuset;
    else if (unpin && this.engineFacts) r.CpusetCpus = `0-${this.engineFacts.cpus - 1}`;
    return r;
  }

  private async applyLimits(instanceId: string, id: string, r: LimitResources): Promise<void> {
    if (this.updateApi === 'compat') {
      try {
        await this.engine.updateContainer(id, r);
        return;
      } catch (err) {
        // The container exists (we just looked), so a 404 means the endpoint is missing: Podman 4.
        if (statusOf(err) !== 404) throw this.engineError(err, `update the limits of instance ${instanceId}`);
        this.updateApi = 'libpod';
      }
    }
    const resources = {
      memory: { limit: r.Memory, swap: r.MemorySwap },
      cpu: {
        quota: Math.round((r.NanoCpus / 1e9) * 100_000), period: 100_000,
        ...(r.CpuShares !== undefined ? { shares: r.CpuShares } : {}),
        ...(r.CpusetCpus ? { cpus: r.CpusetCpus } : {}),
      },
      pids: { limit: r.PidsLimit },
    };
    await this.engine.updateContainerLibpod(id, resources).catch((err) => { throw this.engineError(err, `update the limits of instance ${instanceId}`); });
  }

  /**
   * Podman 4's update changes the cgroups but not the container's stored configuration, so a
   * restart falls back to the limits of creation. The limits last applied are in the instance's
   * container_info; after a start they are applied again where the engine differs.
   */
  private async reapplyLimits(instanceId: string, inspect: ContainerInspect): Promise<void> {
    const info = await this.readContainerInfo(inspect).catch(() => undefined);
    if (!info) return;
    const h = inspect.HostConfig;
    await this.hostCpus();
    const want = this.resourcesFor(info, Boolean(h.CpusetCpus));
    const same = h.Memory === want.Memory && h.NanoCpus === want.NanoCpus && h.PidsLimit === want.PidsLimit
      && (want.CpuShares === undefined || h.CpuShares === want.CpuShares)
      && (want.CpusetCpus === undefined || h.CpusetCpus === want.CpusetCpus);
    if (!same) await this.applyLimits(instanceId, inspect.Id, want);
  }

  /** `count` host CPUs for a dedicated instance: the ones fewest other pinned instances use. */
  private async pickCpus(count: number, hostCpus: number, forInstance: string): Promise<string> {
    if (count > hostCpus) {
      throw new ConflictError(`A flavor with ${count} dedicated CPUs does not fit on this host (${hostCpus} CPUs).`);
    }
    const use = new Array<number>(hostCpus).fill(0);
    const others = (await this.managedContainers()).filter((c) => c.Labels?.[LABEL_INSTANCE] !== forInstance);
    const inspected = await Promise.all(others.map((c) => this.engine.inspectContainer(c.Id).catch(() => undefined)));
    for (const i of inspected) {
      const pinned = parseCpuset(i?.HostConfig.CpusetCpus);
      if (pinned.length < hostCpus) for (const cpu of pinned) if (cpu < hostCpus) use[cpu]++;
    }
    const chosen = use.map((n, cpu) => ({ n, cpu })).sort((a, b) => a.n - b.n || a.cpu - b.cpu).slice(0, count).map((c) => c.cpu);
    return chosen.sort((a, b) => a - b).join(',');
  }

  private infoDirOf(instanceId: string): string {
    return join(this.infoDir!, instanceId);
  }

  /** The host directory mounted at /etc/berth, when this driver keeps the instance's file on the host. */
  private mountedInfoDir(inspect: ContainerInspect): string | undefined {
    if (!this.infoDir) return undefined;
    return (inspect.Mounts ?? []).find((m) => m.Type === 'bind' && m.Destination === CONTAINER_INFO_DIR)?.Source;
  }

  /**
   * Replaces the file in an instance's host directory at once (a rename, from beside the
   * directory so the container never lists the temporary file): a program inside never reads
   * half of it. Synchronous: a few hundred bytes on a local disk take microseconds, where five
   * trips through libuv's thread pool took ~15 ms of a spawn on a loaded host.
   */
  private writeInfoFile(dir: string, info: ContainerInfo): void {
    const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}.tmp`);
    try {
      mkdirSync(dir, { recursive: true });
      // Readable by any user of the container, whatever this process's umask.
      chmodSync(dir, 0o755);
      writeFileSync(tmp, containerInfoText(info));
      chmodSync(tmp, 0o644);
      renameSync(tmp, join(dir, CONTAINER_INFO_FILE));
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new ApiError(500, `Could not write ${join(dir, CONTAINER_INFO_FILE)}: ${engineMessage(err)}`, 'ContainerInfoError');
    }
  }

  private async removeInfoFile(instanceId: string): Promise<void> {
    if (this.infoDir) await rm(this.infoDirOf(instanceId), { recursive: true, force: true });
  }

  /**
   * A container whose host directory is gone (the agent's data directory was wiped) would not
   * start: the file is written again from the limits the container was created with.
   */
  private restoreInfoFile(inspect: ContainerInspect): void {
    const dir = this.mountedInfoDir(inspect);
    const created = inspect.Config.Labels?.[LABEL_CONTAINER_INFO];
    if (!dir || !created || existsSync(join(dir, CONTAINER_INFO_FILE))) return;
    this.writeInfoFile(dir, JSON.parse(created) as ContainerInfo);
  }

  private async copyContainerInfo(id: string, info: ContainerInfo): Promise<void> {
    const pack = tar.pack();
    const dir = CONTAINER_INFO_PATH.slice(1, CONTAINER_INFO_PATH.lastIndexOf('/') + 1);
    pack.entry({ name: dir, type: 'directory', mode: 0o755, mtime: new Date() });
    pack.entry({ name: CONTAINER_INFO_PATH.slice(1), mode: 0o644, mtime: new Date() }, containerInfoText(info));
    pack.finalize();
    await this.engine.putArchive(id, '/', pack as unknown as Readable);
  }

  private async readContainerInfo(inspect: ContainerInspect): Promise<ContainerInfo | undefined> {
    const dir = this.mountedInfoDir(inspect);
    const body = dir ? await readFile(join(dir, CONTAINER_INFO_FILE), 'utf8').catch(() => '') : await this.readCopiedContainerInfo(inspect.Id);
    try {
      return JSON.parse(body) as ContainerInfo;
    } catch {
      return undefined;
    }
  }

  private async readCopiedContainerInfo(id: string): Promise<string> {
    let archive: Readable;
    try {
      archive = await this.engine.getArchive(id, CONTAINER_INFO_PATH);
    } catch (err) {
      if (statusOf(err) === 404) return '';
      throw err;
    }
    const extract = tar.extract();
    let body = '';
    extract.on('entry', (_h, stream, next) => {
      stream.on('data', (c: unknown) => { body += (c as Buffer).toString('utf8'); });
      stream.on('end', () => next());
    });
    await new Promise<void>((resolve, reject) => {
      extract.on('finish', resolve);
      extract.on('error', reject);
      archive.on('error', reject);
      archive.pipe(extract);
    });
    return body;
  }

  private async inspect(instanceId: string): Promise<ContainerInspect | undefined> {
    try {
      const inspect = await this.engine.inspectContainer(containerName(instanceId));
      return inspect.Config.Labels?.[LABEL_MANAGED] === 'true' ? inspect : undefined;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.engineError(err, `look up instance ${instanceId}`);
    }
  }

  private async require(instanceId: string): Promise<{ id: string; inspect: ContainerInspect; state: PowerState }> {
    const inspect = await this.inspect(instanceId);
    if (!inspect) throw new NotFoundError(`Instance ${instanceId} could not be found on this host.`);
    return { id: inspect.Id, inspect, state: powerStateOf(inspect.State) };
  }

  /** A running or paused instance's container id (ConflictError otherwise: engines answer empty for stopped ones). */
  private async requireLive(instanceId: string, action: string): Promise<string> {
    const { id, state } = await this.require(instanceId);
    if (state !== 'running' && state !== 'paused') throw new InvalidStateError(`Cannot ${action} instance ${instanceId} while it is ${state}.`);
    return id;
  }

  /** Runs one engine action; "already in that state" (304) is success, a state refusal is a 409. */
  private async act(instanceId: string, action: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const status = statusOf(err);
      if (status === 304) return;
      if (status === 404) throw new NotFoundError(`Instance ${instanceId} could not be found on this host.`);
      if (status === 409 || isStateError(err)) {
        throw new InvalidStateError(`Cannot ${action} instance ${instanceId}: ${engineMessage(err)}`);
      }
      throw this.engineError(err, `${action} instance ${instanceId}`);
    }
  }

  /** The exit code of a finished exec; engines may record it a moment after the output ends. */
  private async exitCodeOf(execId: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const i = await this.engine.inspectExec(execId);
      if ((!i.Running && i.ExitCode !== null) || attempt >= 50) return i.ExitCode ?? -1;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private managedContainers(): Promise<ContainerSummary[]> {
    return this.engine.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`] } })
      .catch((err) => { throw this.engineError(err, 'list instances'); });
  }

  private async hostCpus(): Promise<number> {
    return (await this.facts()).cpus;
  }

  private async facts(): Promise<EngineFacts> {
    if (!this.engineFacts) {
      try {
        const [info, version] = await Promise.all([this.engine.info(), this.engine.version()]);
        this.engineFacts = {
          cpus: info.NCPU,
          memoryMb: Math.floor(info.MemTotal / MIB),
          rootDir: info.DockerRootDir,
          type: (version.Components ?? []).some((c) => /podman/i.test(c.Name)) ? 'podman' : 'docker',
          version: version.Version,
        };
      } catch (err) {
        throw this.engineError(err, 'read host resources');
      }
    }
    return this.engineFacts;
  }

  private async diskGb(rootDir: string | undefined): Promise<number> {
    for (const path of [rootDir, '/']) {
      if (!path) continue;
      try {
        const s = await statfs(path);
        return Math.floor((s.blocks * s.bsize) / (1024 * MIB));
      } catch {
        // The engine may be remote (its root dir is not ours): fall back to this host's root.
      }
    }
    return 0;
  }

  private engineError(err: unknown, what: string): ApiError {
    if (err instanceof ApiError) return err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
    if (['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)) {
      return new ServiceUnavailableError(`Could not ${what}: the container engine at ${this.where} is not reachable (${code}).`);
    }
    if (statusOf(err) === 409 || isStateError(err)) return new InvalidStateError(`Could not ${what}: ${engineMessage(err)}`);
    return new ApiError(500, `Could not ${what}: ${engineMessage(err)}`, 'EngineError');
  }
}

/** The parts of the engine's one-shot stats (`GET /containers/{id}/stats?stream=false`) berth reads. */
export interface EngineStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: { total_inactive_file?: number; inactive_file?: number } };
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

/** Zun's reading of the engine's stats (zun/container/docker/driver.py). */
export function statsOf(s: EngineStats): InstanceStats {
  const cpu = s.cpu_stats?.cpu_usage?.total_usage ?? 0;
  const system = s.cpu_stats?.system_cpu_usage ?? 0;
  // Page cache the kernel can drop is not in use: cgroup v1 reports it as total_inactive_file, v2 as inactive_file.
  const cache = s.memory_stats?.stats?.total_inactive_file || s.memory_stats?.stats?.inactive_file || 0;
  const io = s.blkio_stats?.io_service_bytes_recursive ?? [];
  const ioBytes = (op: string) => io.filter((e) => e.op.toLowerCase() === op).reduce((n, e) => n + e.value, 0);
  const nets = Object.values(s.networks ?? {});
  return {
    // Zun's CPU %: the container's CPU time over the host's, each counted since it started.
    cpuPercent: system > 0 ? (cpu / system) * 100 : 0,
    memoryUsageBytes: Math.max(0, (s.memory_stats?.usage ?? 0) - cache),
    memoryLimitBytes: s.memory_stats?.limit ?? 0,
    blockReadBytes: ioBytes('read'),
    blockWriteBytes: ioBytes('write'),
    netRxBytes: nets.reduce((n, v) => n + (v.rx_bytes ?? 0), 0),
    netTxBytes: nets.reduce((n, v) => n + (v.tx_bytes ?? 0), 0),
  };
}

/** `line` cut into `n` whitespace-separated columns, the last taking the rest of the line as it is. */
function columns(line: string, n: number): string[] {
  const m = new RegExp(`^\\s*${'(\\S+)\\s+'.repeat(Math.max(0, n - 1))}(.*?)\\s*$`).exec(line);
  return m ? m.slice(1) : line.trim().split(/\s+/);
}

/**
 * The engine's `top` answer as columns. Docker gives one column per title; Podman 4, when it runs
 * `ps` inside the container, gives one string per row under one title string
 * (`PID   USER     COMMAND`): those are cut into columns here.
 */
export function processListOf(top: { Titles?: string[] | null; Processes?: string[][] | null }): ProcessList {
  const titles = top.Titles ?? [];
  const rows = top.Processes ?? [];
  if (titles.length !== 1 || !/\S\s+\S/.test(titles[0])) return { titles, processes: rows };
  const split = titles[0].trim().split(/\s+/);
  return { titles: split, processes: rows.map((r) => columns(r.join(' '), split.length)) };
}

function firstIpv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
