import { IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';
import { Call, Cast, RpcContract } from '../rpc';
import { FlavorLimits, ImageRef, InstanceSpec, InstanceStatus, RebootType } from './agent.types';

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

export const AGENT_RPC: RpcContract<AgentRpc> = {
  topic: 'agent',
  version: '1.0',
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
  },
};
