/** What a back end's pool holds and has free, in GB, as the capacity filter reads it. */
export interface BackendCapacity {
  totalGb: number;
  freeGb: number;
}

export interface VolumeBackendCapabilities {
  /** New blank volumes carry an ext4 filesystem (false: raw, zero-filled devices). */
  formatsFilesystem: boolean;
}

/**
 * A volume back end (Cinder's volume driver), in berth's terms: ids and sizes in GB, never
 * entities. Deleting what is already gone is no error, so a repeated request is harmless.
 * Attaching (connection info for a host's connector) comes with the attachments API, and with
 * it the per-host `local` back end, whose volumes attach only on their host.
 */
export interface VolumeBackend {
  /** The `volume_backend_name` a volume type selects it by. */
  readonly name: string;
  readonly capabilities: VolumeBackendCapabilities;
  capacity(): Promise<BackendCapacity>;
  createVolume(volumeId: string, sizeGb: number): Promise<void>;
  /** A new volume holding the snapshot's data, grown to `sizeGb` (at least the snapshot's size). */
  createVolumeFromSnapshot(volumeId: string, snapshotId: string, sizeGb: number): Promise<void>;
  /** Grows the volume (and its filesystem, if it has one) to `newSizeGb`. */
  extendVolume(volumeId: string, newSizeGb: number): Promise<void>;
  deleteVolume(volumeId: string): Promise<void>;
  createSnapshot(snapshotId: string, volumeId: string): Promise<void>;
  deleteSnapshot(snapshotId: string): Promise<void>;
}

export const VOLUME_BACKEND = Symbol('VOLUME_BACKEND');

export const GiB = 1024 ** 3;
