import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsString, Length } from 'class-validator';
import { Call, Cast, RpcContract } from '../rpc';

/** What a server asked for, per Nova's `networks`: a network (optionally with a fixed IP) or a port. */
export interface NetworkRequest {
  networkId?: string;
  portId?: string;
  fixedIp?: string;
}

export interface PortAddress {
  ip: string;
  version: 4 | 6;
  subnetId: string;
  cidr: string;
  gateway: string | null;
}

/** A port as compute keeps it in the instance's network cache and hands it to the agent to plug. */
export interface PortInfo {
  portId: string;
  networkId: string;
  networkName: string;
  macAddress: string;
  addresses: PortAddress[];
  mtu: number;
  /** Compute made it for the server, so it goes with the server; a port the user passed stays. */
  createdForInstance: boolean;
}

/** Served by the network service on `network`. */
export interface NetworkRpc {
  /**
   * API-time checks of a server's requested networks, as Nova does before accepting a create:
   * networks visible to the project, ports the project's and not in use. `auto` resolves to the
   * project's only network (409 when several). Returns the concrete requests.
   */
  resolveNetworkRequests: Call<{ requests: NetworkRequest[] | 'auto' }, { requests: NetworkRequest[] }>;
  /** Creates (or takes over) and binds to `host` the instance's ports; all or nothing. */
  allocatePorts: Call<{ instanceId: string; zone: string; host: string; requests: NetworkRequest[] }, { ports: PortInfo[] }>;
  /** Gives up the instance's ports: deletes those made for it, unbinds and keeps the others. */
  releasePorts: Call<{ instanceId: string; keepPortIds: string[] }, void>;
  /** An agent plugged (or unplugged) a port on its host. */
  portPlugged: Cast<{ portId: string; host: string; up: boolean }>;
}

class NetworkRequestsParams {
  @IsDefined() requests: NetworkRequest[] | 'auto';
}
class AllocatePortsParams {
  @IsString() instanceId: string;
  @IsString() @Length(1, 255) zone: string;
  @IsString() @Length(1, 255) host: string;
  @IsArray() @ArrayMaxSize(64) requests: NetworkRequest[];
}
class ReleasePortsParams {
  @IsString() instanceId: string;
  @IsArray() @IsString({ each: true }) keepPortIds: string[];
}
class PortPluggedParams {
  @IsString() portId: string;
  @IsString() host: string;
  @IsBoolean() up: boolean;
}

export const NETWORK_RPC: RpcContract<NetworkRpc> = {
  topic: 'network',
  version: '1.0',
  methods: {
    resolveNetworkRequests: NetworkRequestsParams,
    allocatePorts: AllocatePortsParams,
    releasePorts: ReleasePortsParams,
    portPlugged: PortPluggedParams,
  },
};

/** Nova's device_owner for a server's ports. */
export const deviceOwnerFor = (zone: string) => `compute:${zone}`;
