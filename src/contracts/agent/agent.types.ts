import type { PortInfo } from '../network/network.rpc';

/** What an instance is: decided by its image (container_format docker → container). */
export type InstanceKind = 'container' | 'vm';

/** Nova's power states, as the engine reports them. */
export type PowerState = 'running' | 'paused' | 'shutdown' | 'crashed' | 'nostate';

/** A flavor turned into limits an engine understands. */
export interface FlavorLimits {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  /** Relative CPU weight (extra spec quota:cpu_shares). */
  cpuShares?: number;
  /** hw:cpu_policy=dedicated: pin the instance to whole host CPUs. */
  dedicatedCpus?: boolean;
  pidsLimit?: number;
}

/** An image as an agent needs it: where to fetch the bytes and how to check them. */
export interface ImageRef {
  id: string;
  name: string;
  containerFormat: string;
  diskFormat: string;
  size: number;
  /** md5 of the data, as Glance's `checksum`; agents cache by it. */
  checksum: string;
  /** A signed, expiring URL of the image service serving the data (no token needed). */
  dataUrl: string;
}

export interface RestartPolicy {
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  maximumRetryCount?: number;
}

/** Everything an agent needs to create an instance. */
export interface InstanceSpec {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  kind: InstanceKind;
  flavor: FlavorLimits & { id: string; name: string };
  image: ImageRef;
  command?: string[];
  environment?: Record<string, string>;
  workdir?: string;
  labels?: Record<string, string>;
  exposedPorts?: string[];
  restartPolicy?: RestartPolicy;
  /** false: create the instance but leave it stopped (Zun's create without run). Default true. */
  start?: boolean;
  /** Ports to plug, with the exact MAC and addresses the network service allocated. */
  networks?: PortInfo[];
}

export interface InstanceStatus {
  instanceId: string;
  powerState: PowerState;
  exitCode?: number;
  startedAt?: string;
}

/** What a host offers, read from the host or configured. */
export interface HostResources {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  kinds: InstanceKind[];
  hypervisorType: string;
  hypervisorVersion: string;
  hostIp: string;
}

export type RebootType = 'SOFT' | 'HARD';
