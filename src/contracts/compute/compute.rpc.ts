import { IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { HostResources, InstanceStatus, PowerState } from '../agent/agent.types';
import { Cast, RpcContract } from '../rpc';

export type InstanceEventKind =
  | 'spawned' | 'spawn_failed' | 'started' | 'stopped' | 'rebooted' | 'paused' | 'unpaused'
  | 'destroyed' | 'action_failed' | 'power_state';

/** Served by compute on `compute`: what agents tell it. */
export interface ComputeRpc {
  /** Registration and heartbeat: the host is up and offers these resources. */
  reportHost: Cast<{ host: string; driver: string; resources: HostResources }>;
  /** An instance changed on a host (a step finished, failed, or the engine saw it change). */
  instanceEvent: Cast<{ instanceId: string; host: string; event: InstanceEventKind; powerState: PowerState; message?: string }>;
  /** Periodic sync: what the engine really runs, so compute can fix its records. */
  reportInstances: Cast<{ host: string; instances: InstanceStatus[]; unknown: string[] }>;
  /** Compute's own work queue: schedule an accepted instance and start its build (any replica). */
  scheduleInstance: Cast<{ instanceId: string; attempt: number; triedHosts: string[] }>;
  /** (1.1) An agent finished capturing an instance into image `imageId`: uploaded, or `error` says why not. */
  imageCaptured: Cast<{ instanceId: string; host: string; imageId: string; error?: string }>;
}

export class ReportHostParams {
  @IsString() host: string;
  @IsString() driver: string;
  @IsObject() resources: HostResources;
}
export class InstanceEventParams {
  @IsString() instanceId: string;
  @IsString() host: string;
  @IsIn(['spawned', 'spawn_failed', 'started', 'stopped', 'rebooted', 'paused', 'unpaused', 'destroyed', 'action_failed', 'power_state'])
  event: InstanceEventKind;
  @IsIn(['running', 'paused', 'shutdown', 'crashed', 'nostate']) powerState: PowerState;
  @IsOptional() @IsString() @MaxLength(65535) message?: string;
}
export class ReportInstancesParams {
  @IsString() host: string;
  @IsArray() instances: InstanceStatus[];
  @IsArray() @IsString({ each: true }) unknown: string[];
}

export class ScheduleInstanceParams {
  @IsString() instanceId: string;
  @IsInt() @Min(1) @Max(10) attempt: number;
  @IsArray() @IsString({ each: true }) triedHosts: string[];
}

export class ImageCapturedParams {
  @IsString() instanceId: string;
  @IsString() host: string;
  @IsString() imageId: string;
  @IsOptional() @IsString() @MaxLength(65535) error?: string;
}

export const COMPUTE_RPC: RpcContract<ComputeRpc> = {
  topic: 'compute',
  version: '1.1',
  methods: {
    reportHost: ReportHostParams, instanceEvent: InstanceEventParams, reportInstances: ReportInstancesParams, scheduleInstance: ScheduleInstanceParams,
    imageCaptured: ImageCapturedParams,
  },
};
