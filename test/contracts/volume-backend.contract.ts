import { randomUUID } from 'node:crypto';
import { GiB, VolumeBackend } from '../../src/services/volume/backends/volume-backend';

/** What the suite needs from a back end under test, beyond the interface: a look at what it stores. */
export interface VolumeBackendFixture {
  backend: VolumeBackend;
  /** The device's size in bytes, or undefined when the back end holds no such volume/snapshot. */
  sizeOf(kind: 'volume' | 'snapshot', id: string): Promise<number | undefined>;
  write(volumeId: string, offset: number, data: Buffer): Promise<void>;
  read(kind: 'volume' | 'snapshot', id: string, offset: number, length: number): Promise<Buffer>;
  close?(): Promise<void>;
}

/**
 * Far from where ext4 keeps its metadata (block group 4 holds no superblock backup, and flex_bg
 * puts the bitmaps and inode tables in group 0), so test bytes land in what would be file data.
 */
export const DATA_OFFSET = 576 * 1024 * 1024;

/** One suite every volume back end passes (the fake and the real ones). */
export function volumeBackendContract(name: string, make: () => Promise<VolumeBackendFixture>): void {
  describe(`${name}: the VolumeBackend contract`, () => {
    let f: VolumeBackendFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => f.close?.());

    it('reports its capacity in GB', async () => {
      const c = await f.backend.capacity();
      expect(c.totalGb).toBeGreaterThan(0);
      expect(c.freeGb).toBeGreaterThanOrEqual(0);
      expect(c.freeGb).toBeLessThanOrEqual(c.totalGb);
    });

    it('creates a volume of exactly its size, and deleting it twice is no error', async () => {
      const id = randomUUID();
      await f.backend.createVolume(id, 1);
      expect(await f.sizeOf('volume', id)).toBe(GiB);
      await f.backend.deleteVolume(id);
      expect(await f.sizeOf('volume', id)).toBeUndefined();
      await f.backend.deleteVolume(id);
    });

    it('extends a volume keeping its data, and refuses to shrink it', async () => {
      const id = randomUUID();
      await f.backend.createVolume(id, 1);
      await f.write(id, DATA_OFFSET, Buffer.from('kept across extend'));
      await f.backend.extendVolume(id, 3);
      expect(await f.sizeOf('volume', id)).toBe(3 * GiB);
      expect((await f.read('volume', id, DATA_OFFSET, 18)).toString()).toBe('kept across extend');
      await expect(f.backend.extendVolume(id, 2)).rejects.toThrow(/shrink/);
      expect(await f.sizeOf('volume', id)).toBe(3 * GiB);
    });

    it('snapshots hold the data of their moment; a volume made from one has it, at a larger size if asked', async () => {
      const vol = randomUUID();
      const snap = randomUUID();
      await f.backend.createVolume(vol, 1);
      await f.write(vol, DATA_OFFSET, Buffer.from('before'));
      await f.backend.createSnapshot(snap, vol);
      await f.write(vol, DATA_OFFSET, Buffer.from('after!'));
      expect(await f.sizeOf('snapshot', snap)).toBe(GiB);
      expect((await f.read('snapshot', snap, DATA_OFFSET, 6)).toString()).toBe('before');
      expect((await f.read('volume', vol, DATA_OFFSET, 6)).toString()).toBe('after!');

      const clone = randomUUID();
      await f.backend.createVolumeFromSnapshot(clone, snap, 2);
      expect(await f.sizeOf('volume', clone)).toBe(2 * GiB);
      expect((await f.read('volume', clone, DATA_OFFSET, 6)).toString()).toBe('before');

      await f.backend.deleteSnapshot(snap);
      await f.backend.deleteSnapshot(snap);
      expect(await f.sizeOf('snapshot', snap)).toBeUndefined();
      expect((await f.read('volume', clone, DATA_OFFSET, 6)).toString()).toBe('before');
    });

    it('fails, leaving nothing behind, on a missing source', async () => {
      const id = randomUUID();
      await expect(f.backend.createSnapshot(randomUUID(), id)).rejects.toThrow();
      await expect(f.backend.createVolumeFromSnapshot(id, randomUUID(), 1)).rejects.toThrow();
      expect(await f.sizeOf('volume', id)).toBeUndefined();
      await expect(f.backend.extendVolume(id, 2)).rejects.toThrow();
    });
  });
}
