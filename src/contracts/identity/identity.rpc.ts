import { Matches } from 'class-validator';
import { Call, RpcContract } from '../rpc';
import { RevocationEvent, ValidationKey } from './identity.types';

export interface IdentityRpc {
  /** Public keys tokens are signed with, so any service can verify them locally. */
  getValidationKeys: Call<Record<string, never>, { keys: ValidationKey[] }>;
  /** Revocation events with an id above `afterId` ("0" for all live ones). */
  listRevocations: Call<{ afterId: string }, { events: RevocationEvent[] }>;
}

export class GetValidationKeysParams {}

export class ListRevocationsParams {
  @Matches(/^\d{1,19}$/, { message: 'must be a decimal event id' }) afterId: string;
}

export const IDENTITY_RPC: RpcContract<IdentityRpc> = {
  topic: 'identity',
  version: '1.0',
  methods: { getValidationKeys: GetValidationKeysParams, listRevocations: ListRevocationsParams },
};
