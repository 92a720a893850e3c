import { IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Call, Cast, RpcContract } from '../rpc';
import { FlavorLimits, ImageRef, InstanceSpec, InstanceStatus, RebootType } from './agent.types';
import { InstanceStats, ProcessList, SIGNAL_NAMES, SignalName } from './instance-ops.types';

/**
 * Served by each host's agent on `agent.<host>`. Work that takes time is a cast; the agent
 * reports the outcome to compute through ComputeRpc.instanceEvent.
 */
export interface AgentRpc {
  spawnInstance: Cast<{ spec: InstanceSpec }>;
  destroyInstance: Cast<{ instanceId: string }>;
  powerOn: Cast<{ instanceId: string }>;
  powerOff: Cast<{ instanceId: string }>;
  reboot: Cast<{ instanceId: string; type: RebootType }>;
  pause: Cast<{ instanceId: string }>;
  unpause: Cast<{ instanceId: string }>;
  /** Loads an image into the engine ahead of mass creation. */
  prefetchImage: Cast<{ image: ImageRef }>;
  getStatus: Call<{ instanceId: string }, InstanceStatus>;
  getConsoleOutput: Call<{ instanceId: string; tailLines?: number }, { output: string }>;
  execute: Call<{ instanceId: string; command: string[] }, { output: string; exitCode: number }>;
  /** Live limit change (containers): no restart. */
  updateLimits: Call<{ instanceId: string; flavor: FlavorLimits }, { applied: boolean }>;
  /**
   * (1.1) Sends a signal to the instance's main process and answers its state once settled; when
   * the signal ended it, the agent also reports that as a power_state event.
   */
  killInstance: Call<{ instanceId: string; signal: SignalName }, InstanceStatus>;
  /** (1.1) The processes running in the instance; `psArgs` are `ps` options (engines that support them). */
  listProcesses: Call<{ instanceId: string; psArgs?: string }, ProcessList>;
  /** (1.1) A one-shot sample of the instance's CPU, memory, block and network use. */
  getStats: Call<{ instanceId: string }, InstanceStats>;
  /**
   * (1.1) Captures the instance's filesystem as image data (a `docker save` archive for containers)
   * and streams it to `uploadUrl`, a signed upload URL of the image service for image `imageId`.
   * The outcome goes to compute as imageCaptured.
   */
  captureImage: Cast<{ instanceId: string; imageId: string; uploadUrl: string }>;
}

class InstanceIdParams {
  @IsString() instanceId: string;
}
export class SpawnInstanceParams {
  @IsObject() spec: InstanceSpec;
}
export class RebootParams extends InstanceIdParams {
  @IsIn(['SOFT', 'HARD']) type: RebootType;
}
export class PrefetchImageParams {
  @IsObject() image: ImageRef;
}
export class ConsoleOutputParams extends InstanceIdParams {
  @IsOptional() @IsInt() @Min(1) @Max(100000) tailLines?: number;
}
export class ExecuteParams extends InstanceIdParams {
  @IsArray() @IsString({ each: true }) command: string[];
}
export class UpdateLimitsParams extends InstanceIdParams {
  @IsObject() flavor: FlavorLimits;
}
export class KillInstanceParams extends InstanceIdParams {
  @IsIn(SIGNAL_NAMES) signal: SignalName;
}
/** `ps` options are words of letters, digits and `,+-` (Zun's ps_args): nothing a shell would read. */
export const PS_ARGS = /^[A-Za-z0-9 ,+-]*$/;
export class ListProcessesParams extends InstanceIdParams {
  @IsOptional() @IsString() @MaxLength(255) @Matches(PS_ARGS) psArgs?: string;
}
export class CaptureImageParams extends InstanceIdParams {
  @IsString() imageId: string;
  @IsString() @Matches(/^https?:\/\//) uploadUrl: string;
}

export const AGENT_RPC: RpcContract<AgentRpc> = {
  topic: 'agent',
  version: '1.1',
  methods: {
    spawnInstance: SpawnInstanceParams,
    destroyInstance: InstanceIdParams,
    powerOn: InstanceIdParams,
    powerOff: InstanceIdParams,
    reboot: RebootParams,
    pause: InstanceIdParams,
    unpause: InstanceIdParams,
    prefetchImage: PrefetchImageParams,
    getStatus: InstanceIdParams,
    getConsoleOutput: ConsoleOutputParams,
    execute: ExecuteParams,
    updateLimits: UpdateLimitsParams,
    killInstance: KillInstanceParams,
    listProcesses: ListProcessesParams,
    getStats: InstanceIdParams,
    captureImage: CaptureImageParams,
  },
};
