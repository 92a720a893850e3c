import { BackendCapacity, VolumeBackend, VolumeBackendCapabilities } from './volume-backend';

/** A volume or snapshot of the fake back end: its size and the bytes written into it, by offset. */
export interface FakeDevice {
  sizeGb: number;
  data: Map<number, Buffer>;
}

/**
 * An in-memory back end for unit tests: sizes and written bytes, no files. Fails like a real one
 * (a missing volume or snapshot, a shrink) so the contract suite holds for it too.
 */
export class FakeVolumeBackend implements VolumeBackend {
  readonly name: string;
  readonly capabilities: VolumeBackendCapabilities = { formatsFilesystem: false };
  readonly volumes = new Map<string, FakeDevice>();
  readonly snapshots = new Map<string, FakeDevice>();

  constructor(private readonly totalGb = 1000, name = 'fake') {
    this.name = name;
  }

  async capacity(): Promise<BackendCapacity> {
    let used = 0;
    for (const d of [...this.volumes.values(), ...this.snapshots.values()]) used += d.sizeGb;
    return { totalGb: this.totalGb, freeGb: Math.max(0, this.totalGb - used) };
  }

  async createVolume(volumeId: string, sizeGb: number): Promise<void> {
    this.volumes.set(volumeId, { sizeGb, data: new Map() });
  }

  async createVolumeFromSnapshot(volumeId: string, snapshotId: string, sizeGb: number): Promise<void> {
    const snap = this.device(this.snapshots, snapshotId, 'snapshot');
    if (sizeGb < snap.sizeGb) throw new Error(`volume ${volumeId}: ${sizeGb} GB is smaller than snapshot ${snapshotId} (${snap.sizeGb} GB)`);
    this.volumes.set(volumeId, { sizeGb, data: new Map(snap.data) });
  }

  async extendVolume(volumeId: string, newSizeGb: number): Promise<void> {
    const vol = this.device(this.volumes, volumeId, 'volume');
    if (newSizeGb < vol.sizeGb) throw new Error(`volume ${volumeId}: cannot shrink from ${vol.sizeGb} to ${newSizeGb} GB`);
    vol.sizeGb = newSizeGb;
  }

  async deleteVolume(volumeId: string): Promise<void> {
    this.volumes.delete(volumeId);
  }

  async createSnapshot(snapshotId: string, volumeId: string): Promise<void> {
    const vol = this.device(this.volumes, volumeId, 'volume');
    this.snapshots.set(snapshotId, { sizeGb: vol.sizeGb, data: new Map(vol.data) });
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    this.snapshots.delete(snapshotId);
  }

  private device(map: Map<string, FakeDevice>, id: string, what: string): FakeDevice {
    const d = map.get(id);
    if (!d) throw new Error(`${what} ${id} does not exist on back end ${this.name}`);
    return d;
  }
}
