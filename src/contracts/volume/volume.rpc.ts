import { IsUUID } from 'class-validator';
import { Cast, RpcContract } from '../rpc';

/**
 * Served by the volume service on `volume`: the back-end work the volume API hands off once it
 * has recorded the request (Cinder's api → volume manager casts). Every handler is idempotent:
 * it acts only while the record is still in the state the API left it in.
 */
export interface VolumeRpc {
  /** Picks a back end with room (or fails the volume with a user message) and creates it, blank or from `snapshotId`. */
  createVolume: Cast<{ volumeId: string }>;
  deleteVolume: Cast<{ volumeId: string }>;
  /** Grows a volume in `extending` to its target size. */
  extendVolume: Cast<{ volumeId: string }>;
  createSnapshot: Cast<{ snapshotId: string }>;
  deleteSnapshot: Cast<{ snapshotId: string }>;
}

class VolumeIdParams {
  @IsUUID() volumeId: string;
}
class SnapshotIdParams {
  @IsUUID() snapshotId: string;
}

export const VOLUME_RPC: RpcContract<VolumeRpc> = {
  topic: 'volume',
  version: '1.0',
  methods: {
    createVolume: VolumeIdParams,
    deleteVolume: VolumeIdParams,
    extendVolume: VolumeIdParams,
    createSnapshot: SnapshotIdParams,
    deleteSnapshot: SnapshotIdParams,
  },
};
