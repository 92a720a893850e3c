import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HostResources, ImageRef, InstanceKind, InstanceSpec, InstanceStatus, PowerState, RebootType,
} from '../../../contracts/agent/agent.types';
import { InstanceStats, ProcessList, SIGNALS, SignalName } from '../../../contracts/agent/instance-ops.types';
import { ConflictError, InvalidStateError, NotFoundError } from '../../../common/errors/api-error';
import { filesOfDockerArchive, packDockerArchive } from './docker-archive';
import {
  CONTAINER_INFO_PATH, ContainerInfo, DriverCapabilities, EngineDriver, FlavorUpdate, LoadedImage,
  containerInfoFor, imageReference, limitEnvironment,
} from './engine.driver';
import { runFakeShell, scriptOf, trapsIn } from './fake-shell';

export type FakeOperation =
  | 'spawn' | 'destroy' | 'powerOn' | 'powerOff' | 'reboot' | 'pause' | 'unpause' | 'execute' | 'updateLimits' | 'loadImage' | 'kill'
  | 'snapshot';

export interface FakeDriverOptions {
  /** What the host reports (capacity); unset fields get generous defaults. */
  resources?: Partial<Omit<HostResources, 'kinds'>>;
  /** Instance kinds the simulated host runs (default: container and vm). */
  kinds?: InstanceKind[];
  /** Simulated time each operation takes: one number for all, or per operation (default 0). */
  delayMs?: number | Partial<Record<FakeOperation, number>>;
}

interface FakeInstance {
  spec: InstanceSpec;
  powerState: PowerState;
  startedAt?: string;
  exitCode?: number;
  info: ContainerInfo;
  env: Record<string, string>;
  console: string[];
  /** Its filesystem: the image's files, berth's, and what commands wrote (`echo hi > /f`). */
  files: Record<string, string>;
  /** Every signal kill sent, in order (tests read them through signalsOf). */
  signals: SignalName[];
}

/** The files berth puts in every instance: its real limits and its host name. */
function berthFiles(spec: InstanceSpec, info: ContainerInfo): Record<string, string> {
  return { [CONTAINER_INFO_PATH]: `${JSON.stringify(info)}\n`, '/etc/hostname': `${spec.name}\n` };
}

const DEFAULT_RESOURCES: Omit<HostResources, 'kinds'> = {
  vcpus: 64, memoryMb: 256 * 1024, diskGb: 2000, hypervisorType: 'fake', hypervisorVersion: '1.0', hostIp: '127.0.0.1',
};

/** Console lines kept per instance (older ones are dropped, as a log rotation would). */
const CONSOLE_LIMIT = 1000;

/**
 * An engine in memory: instances in a Map, no processes. For unit tests and scale tests
 * (thousands of instances on simulated hosts). Console output and exec are simulated
 * deterministically from the instance's command (see fake-shell.ts).
 */
export class FakeDriver implements EngineDriver {
  readonly name = 'fake';
  readonly capabilities: DriverCapabilities;
  private readonly instances = new Map<string, FakeInstance>();
  private readonly images = new Map<string, LoadedImage>();
  /** The files of each loaded image that is a `docker save` archive, by reference. */
  private readonly imageFiles = new Map<string, Record<string, string>>();
  private readonly resources: Omit<HostResources, 'kinds'>;
  /** A clock that only moves forward, so each start gets a distinct startedAt. */
  private lastStart = 0;

  constructor(private readonly opts: FakeDriverOptions = {}) {
    this.resources = { ...DEFAULT_RESOURCES, ...opts.resources };
    this.capabilities = {
      kinds: [...(opts.kinds ?? ['container', 'vm'])],
      supportsLiveResize: true,
      supportsExec: true,
      supportsPause: true,
      supportsConsoleOutput: true,
      supportsSnapshot: true,
    };
  }

  /** How many instances the fake holds (scale tests). */
  get size(): number {
    return this.instances.size;
  }

  async spawn(spec: InstanceSpec, image: LoadedImage): Promise<InstanceStatus> {
    if (!this.capabilities.kinds.includes(spec.kind)) {
      throw new ConflictError(`The fake driver on this host does not run ${spec.kind} instances.`);
    }
    if (![...this.images.values()].some((i) => i.reference === image.reference)) {
      throw new NotFoundError(`Image ${image.reference} is not loaded on this host.`);
    }
    await this.delay('spawn');
    if (this.instances.has(spec.id)) throw new ConflictError(`Instance ${spec.id} already exists on this host.`);
    const info = containerInfoFor(spec.id, spec.flavor, { hostCpus: this.resources.vcpus });
    const instance: FakeInstance = {
      spec, info, powerState: 'shutdown', console: [], signals: [],
      files: { ...this.imageFiles.get(image.reference), ...berthFiles(spec, info) },
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...spec.environment, ...limitEnvironment(info) },
    };
    this.instances.set(spec.id, instance);
    if (spec.start !== false) this.start(instance);
    return this.statusOf(instance);
  }

  async destroy(instanceId: string): Promise<void> {
    await this.delay('destroy');
    this.instances.delete(instanceId);
  }

  async powerOn(instanceId: string): Promise<void> {
    const instance = this.get(instanceId);
    if (instance.powerState === 'running') return;
    this.assertNot(instance, 'paused', 'start');
    await this.delay('powerOn');
    this.start(instance);
  }

  async powerOff(instanceId: string): Promise<void> {
    const instance = this.get(instanceId);
    if (instance.powerState === 'shutdown') return;
    await this.delay('powerOff');
    this.stop(instance, 0);
  }

  async reboot(instanceId: string, type: RebootType): Promise<void> {
    const instance = this.get(instanceId);
    if (type === 'SOFT' && instance.powerState !== 'running') {
      throw new InvalidStateError(`Cannot soft-reboot instance ${instanceId} while it is ${instance.powerState}.`);
    }
    await this.delay('reboot');
    if (instance.powerState !== 'shutdown') this.stop(instance, type === 'SOFT' ? 0 : 137);
    this.start(instance);
  }

  async pause(instanceId: string): Promise<void> {
    const instance = this.get(instanceId);
    if (instance.powerState === 'paused') return;
    this.assertNot(instance, 'shutdown', 'pause');
    await this.delay('pause');
    instance.powerState = 'paused';
  }

  async unpause(instanceId: string): Promise<void> {
    const instance = this.get(instanceId);
    if (instance.powerState === 'running') return;
    this.assertNot(instance, 'shutdown', 'unpause');
    await this.delay('unpause');
    instance.powerState = 'running';
  }

  async status(instanceId: string): Promise<InstanceStatus | undefined> {
    const instance = this.instances.get(instanceId);
    return instance && this.statusOf(instance);
  }

  async list(): Promise<InstanceStatus[]> {
    return [...this.instances.values()].map((i) => this.statusOf(i));
  }

  async strays(): Promise<string[]> {
    return [];
  }

  async consoleOutput(instanceId: string, tailLines?: number): Promise<string> {
    const lines = this.get(instanceId).console;
    return (tailLines === undefined ? lines : lines.slice(-tailLines)).map((l) => `${l}\n`).join('');
  }

  async execute(instanceId: string, command: string[]): Promise<{ output: string; exitCode: number }> {
    const instance = this.get(instanceId);
    if (instance.powerState !== 'running') {
      throw new InvalidStateError(`Cannot run a command in instance ${instanceId} while it is ${instance.powerState}.`);
    }
    await this.delay('execute');
    return runFakeShell(scriptOf(command), this.world(instance));
  }

  async updateLimits(instanceId: string, flavor: FlavorUpdate): Promise<void> {
    const instance = this.get(instanceId);
    await this.delay('updateLimits');
    instance.info = containerInfoFor(instanceId, flavor, { hostCpus: this.resources.vcpus, previous: instance.info });
    Object.assign(instance.files, berthFiles(instance.spec, instance.info));
  }

  /**
   * SIGKILL ends the fake process (exit 137); a signal its command traps (`trap "exit 0" TERM`) ends
   * it with the trap's exit status; any other signal is ignored, as by a container's PID 1.
   */
  async kill(instanceId: string, signal: SignalName): Promise<void> {
    const instance = this.get(instanceId);
    if (instance.powerState !== 'running') {
      throw new InvalidStateError(`Cannot kill instance ${instanceId} while it is ${instance.powerState}.`);
    }
    await this.delay('kill');
    instance.signals.push(signal);
    if (signal === 'SIGKILL') return this.stop(instance, 128 + SIGNALS.SIGKILL);
    const traps = trapsIn(scriptOf(instance.spec.command ?? ['sh']));
    const action = traps[signal.slice(3)] ?? traps[String(SIGNALS[signal])];
    if (action === undefined) return;
    const { output, exitCode } = runFakeShell(action, this.world(instance));
    this.log(instance, output);
    this.stop(instance, exitCode);
  }

  /** The signals kill sent to an instance, oldest first. */
  signalsOf(instanceId: string): SignalName[] {
    return [...this.get(instanceId).signals];
  }

  /** One process: the instance's command as PID 1. */
  async top(instanceId: string): Promise<ProcessList> {
    const instance = this.live(instanceId, 'list the processes of');
    return { titles: ['PID', 'USER', 'COMMAND'], processes: [['1', 'root', (instance.spec.command ?? ['sh']).join(' ')]] };
  }

  /** Numbers derived from the limits: an eighth of the memory in use, half a CPU per vCPU. */
  async stats(instanceId: string): Promise<InstanceStats> {
    const instance = this.live(instanceId, 'read the usage of');
    const limit = instance.info.memory_mb * 1024 * 1024;
    return {
      cpuPercent: (50 * instance.info.cpus) / this.resources.vcpus, memoryUsageBytes: limit / 8, memoryLimitBytes: limit,
      blockReadBytes: 0, blockWriteBytes: 0, netRxBytes: 0, netTxBytes: 0,
    };
  }

  /** A small `docker save` archive of the fake instance's files, with its command as the image's. */
  async snapshot<T>(instanceId: string, consume: (archive: Readable) => Promise<T>): Promise<T> {
    const instance = this.get(instanceId);
    await this.delay('snapshot');
    const archive = await packDockerArchive(instance.files, {
      Cmd: instance.spec.command ?? ['sh'],
      Env: Object.entries(instance.spec.environment ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(instance.spec.workdir ? { WorkingDir: instance.spec.workdir } : {}),
    });
    return consume(Readable.from([archive]));
  }

  /** Takes any bytes; a `docker save` archive's files become the files of instances spawned from it. */
  async loadImage(ref: ImageRef, data: Readable): Promise<LoadedImage> {
    const chunks: Buffer[] = [];
    for await (const chunk of data) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    await this.delay('loadImage');
    const image: LoadedImage = { imageId: ref.id, checksum: ref.checksum, reference: imageReference(ref), sizeBytes: bytes.length };
    this.imageFiles.set(image.reference, await filesOfDockerArchive(bytes).catch(() => ({})));
    this.images.set(image.reference, image);
    return image;
  }

  async hasImage(ref: ImageRef): Promise<LoadedImage | undefined> {
    const image = this.images.get(imageReference(ref));
    return image && { ...image, sizeBytes: 0 };
  }

  async hostResources(): Promise<HostResources> {
    return { ...this.resources, kinds: [...this.capabilities.kinds] };
  }

  private get(instanceId: string): FakeInstance {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new NotFoundError(`Instance ${instanceId} could not be found on this host.`);
    return instance;
  }

  /** A running or paused instance (ConflictError otherwise). */
  private live(instanceId: string, action: string): FakeInstance {
    const instance = this.get(instanceId);
    this.assertNot(instance, 'shutdown', action);
    return instance;
  }

  private assertNot(instance: FakeInstance, state: PowerState, action: string): void {
    if (instance.powerState === state) {
      throw new InvalidStateError(`Cannot ${action} instance ${instance.spec.id} while it is ${state}.`);
    }
  }

  private world(instance: FakeInstance) {
    return { env: instance.env, hostname: instance.spec.name, files: instance.files };
  }

  private start(instance: FakeInstance): void {
    this.lastStart = Math.max(Date.now(), this.lastStart + 1);
    instance.powerState = 'running';
    instance.startedAt = new Date(this.lastStart).toISOString();
    instance.exitCode = undefined;
    this.log(instance, runFakeShell(scriptOf(instance.spec.command ?? ['sh']), this.world(instance), true).output);
  }

  /** Appends what the instance printed to its console. */
  private log(instance: FakeInstance, output: string): void {
    instance.console.push(...output.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1));
    if (instance.console.length > CONSOLE_LIMIT) instance.console.splice(0, instance.console.length - CONSOLE_LIMIT);
  }

  private stop(instance: FakeInstance, exitCode: number): void {
    instance.powerState = 'shutdown';
    instance.exitCode = exitCode;
  }

  private statusOf(instance: FakeInstance): InstanceStatus {
    const status: InstanceStatus = { instanceId: instance.spec.id, powerState: instance.powerState };
    if (instance.startedAt) status.startedAt = instance.startedAt;
    if (instance.exitCode !== undefined) status.exitCode = instance.exitCode;
    return status;
  }

  private async delay(op: FakeOperation): Promise<void> {
    const d = this.opts.delayMs;
    const ms = typeof d === 'number' ? d : d?.[op] ?? 0;
    if (ms > 0) await sleep(ms);
  }
}
