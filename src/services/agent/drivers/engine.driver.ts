import { Readable } from 'node:stream';
import {
  FlavorLimits, HostResources, ImageRef, InstanceKind, InstanceSpec, InstanceStatus, RebootType,
} from '../../../contracts/agent/agent.types';
import { InstanceStats, ProcessList, SignalName } from '../../../contracts/agent/instance-ops.types';

/** What a driver can do, so the manager refuses early (409) instead of failing halfway. */
export interface DriverCapabilities {
  /** Instance kinds this driver runs (`container`, `vm`). */
  kinds: InstanceKind[];
  /** updateLimits changes CPU/memory of a running instance without a restart. */
  supportsLiveResize: boolean;
  /** execute runs a command inside a running instance. */
  supportsExec: boolean;
  /** pause/unpause freeze an instance in memory. */
  supportsPause: boolean;
  /** consoleOutput returns what the instance wrote (container logs, serial console). */
  supportsConsoleOutput: boolean;
  /** snapshot captures the instance's filesystem as image data. */
  supportsSnapshot: boolean;
}

/** An image the engine holds, as the driver refers to it when it spawns an instance. */
export interface LoadedImage {
  /** berth's image id (Glance id). */
  imageId: string;
  /** md5 of the image data (Glance `checksum`): the cache key. */
  checksum: string;
  /** How the engine names it, e.g. `berth/<image id>:<checksum prefix>`. */
  reference: string;
  /** The engine's own id of the image (e.g. `sha256:…`), when it has one. */
  engineId?: string;
  /** Bytes of image data that were loaded (0 when the image was already there). */
  sizeBytes?: number;
}

/**
 * One host's engine in berth's terms. Methods take plain specs from the contracts, never entities;
 * engine ids and names stay inside the driver. Instances are found by berth's labels, so the
 * engine is the truth and an agent that restarts loses nothing.
 *
 * Errors are ApiErrors: NotFoundError for an instance the engine does not hold, ConflictError
 * (InvalidStateError) for an action the instance's state does not allow (pause of a stopped
 * instance, exec in a stopped one), ServiceUnavailableError when the engine cannot be reached.
 *
 * Repeating an action whose goal already holds changes nothing and succeeds (powerOn of a running
 * instance, pause of a paused one, destroy of an unknown one): messages may be delivered twice.
 */
export interface EngineDriver {
  /** The registry name: `fake`, `docker`, `qemu`. */
  readonly name: string;
  readonly capabilities: DriverCapabilities;

  /**
   * Creates and starts the instance with the flavor's limits. ConflictError when an instance with
   * this id already exists; a failure halfway leaves nothing behind.
   */
  spawn(spec: InstanceSpec, image: LoadedImage): Promise<InstanceStatus>;
  /** Removes the instance and what it wrote (idempotent: unknown ids succeed). */
  destroy(instanceId: string): Promise<void>;
  /** shutdown → running; running stays running; paused is a ConflictError. */
  powerOn(instanceId: string): Promise<void>;
  /** running or paused → shutdown (graceful, then forced); shutdown stays shutdown. */
  powerOff(instanceId: string): Promise<void>;
  /** SOFT: graceful restart of a running instance. HARD: also from paused or shutdown. */
  reboot(instanceId: string, type: RebootType): Promise<void>;
  /** running → paused; paused stays paused; shutdown is a ConflictError. */
  pause(instanceId: string): Promise<void>;
  /** paused → running; running stays running; shutdown is a ConflictError. */
  unpause(instanceId: string): Promise<void>;
  /** The instance's state, or undefined when the engine does not hold it. */
  status(instanceId: string): Promise<InstanceStatus | undefined>;
  /** Every instance berth manages on this engine (found by labels). */
  list(): Promise<InstanceStatus[]>;
  /**
   * Engine objects marked as berth's that name no instance (created by hand, or left by an older
   * version): reported to compute as `unknown` so an operator can look at them.
   */
  strays(): Promise<string[]>;
  /** What the instance wrote to its console (stdout and stderr), the last `tailLines` lines if given. */
  consoleOutput(instanceId: string, tailLines?: number): Promise<string>;
  /** Runs a command in a running instance; output is stdout and stderr interleaved. */
  execute(instanceId: string, command: string[]): Promise<{ output: string; exitCode: number }>;
  /** Changes CPU/memory/pids limits in place, without a restart (see capabilities.supportsLiveResize). */
  updateLimits(instanceId: string, flavor: FlavorUpdate): Promise<void>;
  /**
   * Sends `signal` to the main process of a running instance (ConflictError otherwise). Whether the
   * process ends is up to it: a container's PID 1 ignores the signals it does not handle, except SIGKILL.
   */
  kill(instanceId: string, signal: SignalName): Promise<void>;
  /** The processes of a running or paused instance; `psArgs` are `ps` options where the engine takes them. */
  top(instanceId: string, psArgs?: string): Promise<ProcessList>;
  /** A one-shot sample of what a running or paused instance uses. */
  stats(instanceId: string): Promise<InstanceStats>;
  /**
   * Captures the instance's filesystem (running, paused or stopped; a running one is paused while
   * its filesystem is committed) in the engine's native image format, a `docker save` archive for
   * containers, and hands that stream to `consume`. Whatever happens, nothing of the capture stays
   * in the engine once the returned promise settles; it rejects with consume's error if consume fails.
   */
  snapshot<T>(instanceId: string, consume: (archive: Readable) => Promise<T>): Promise<T>;

  /**
   * Loads image data (the engine's native format: a `docker save` archive for containers) and
   * names it so instances can refer to it. If `data` fails (e.g. a checksum mismatch found while
   * streaming), the load is aborted and rejects with that error; nothing is named.
   */
  loadImage(ref: ImageRef, data: Readable): Promise<LoadedImage>;
  /** The image when the engine already holds this image id at this checksum, else undefined. */
  hasImage(ref: ImageRef): Promise<LoadedImage | undefined>;

  /** What this host offers; also the heartbeat's proof that the engine answers. */
  hostResources(): Promise<HostResources>;
  /** Releases connections and timers (the engine's instances keep running). */
  close?(): Promise<void>;
}

export const ENGINE_DRIVER = Symbol('ENGINE_DRIVER');

/** The engine-side reference of an image: stable per image id and content. */
export function imageReference(ref: Pick<ImageRef, 'id' | 'checksum'>): string {
  return `berth/${ref.id.toLowerCase()}:${ref.checksum.toLowerCase().slice(0, 12)}`;
}

/** What an instance is told about its real limits (`/etc/berth/container_info`), as JSON. */
export interface ContainerInfo {
  instance_id: string;
  flavor: string;
  flavor_id?: string;
  cpus: number;
  memory_mb: number;
  disk_gb: number;
  pids_limit: number;
  cpu_shares?: number;
  cpuset?: string;
}

/** New limits; `id`/`name` name the new flavor when the caller sends them (else the old name stays). */
export type FlavorUpdate = FlavorLimits & { id?: string; name?: string };

/**
 * The limits an instance really gets. vCPUs beyond the host's CPUs cannot be enforced as a quota
 * (engines refuse NanoCpus above the host's count), so `cpus` is capped at the host's count.
 */
export function containerInfoFor(
  instanceId: string, flavor: FlavorUpdate, opts: { hostCpus?: number; cpuset?: string; previous?: ContainerInfo } = {},
): ContainerInfo {
  const cpus = opts.hostCpus ? Math.min(flavor.vcpus, opts.hostCpus) : flavor.vcpus;
  const info: ContainerInfo = {
    instance_id: instanceId,
    flavor: flavor.name ?? opts.previous?.flavor ?? 'unknown',
    cpus,
    memory_mb: flavor.memoryMb,
    disk_gb: flavor.diskGb,
    pids_limit: flavor.pidsLimit ?? DEFAULT_PIDS_LIMIT,
  };
  const flavorId = flavor.id ?? (flavor.name === undefined ? opts.previous?.flavor_id : undefined);
  if (flavorId !== undefined) info.flavor_id = flavorId;
  if (flavor.cpuShares !== undefined) info.cpu_shares = flavor.cpuShares;
  if (opts.cpuset) info.cpuset = opts.cpuset;
  return info;
}

export const CONTAINER_INFO_PATH = '/etc/berth/container_info';
export const DEFAULT_PIDS_LIMIT = 1024;

/** The environment berth adds to every instance, next to the spec's. */
export function limitEnvironment(info: Pick<ContainerInfo, 'cpus' | 'memory_mb'>): Record<string, string> {
  return { BERTH_CPUS: String(info.cpus), BERTH_MEMORY_MB: String(info.memory_mb) };
}
