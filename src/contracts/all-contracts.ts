import { AGENT_RPC } from './agent/agent.rpc';
import { COMPUTE_RPC } from './compute/compute.rpc';
import { IDENTITY_RPC } from './identity/identity.rpc';
import { IMAGE_RPC } from './image/image.rpc';
import { NETWORK_RPC } from './network/network.rpc';
import { RpcContract } from './rpc';
import { VOLUME_RPC } from './volume/volume.rpc';

/** Every RPC contract, for the contract-shape test and tooling. */
export const ALL_CONTRACTS = [IDENTITY_RPC, IMAGE_RPC, COMPUTE_RPC, AGENT_RPC, NETWORK_RPC, VOLUME_RPC] as RpcContract<unknown>[];
