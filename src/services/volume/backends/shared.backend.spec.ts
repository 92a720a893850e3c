import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DATA_OFFSET, volumeBackendContract } from '../../../../test/contracts/volume-backend.contract';
import { findE2fsTools, hasExtFilesystem, SharedVolumeBackend } from './shared.backend';
import { GiB } from './volume-backend';

const run = promisify(execFile);

function fixture(tools = findE2fsTools()) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-shared-pool-'));
  const backend = new SharedVolumeBackend(dir, tools);
  const path = (kind: 'volume' | 'snapshot', id: string) => (kind === 'volume' ? backend.volumePath(id) : backend.snapshotPath(id));
  return {
    dir,
    backend,
    sizeOf: async (kind: 'volume' | 'snapshot', id: string) => (await stat(path(kind, id)).catch(() => undefined))?.size,
    write: async (id: string, offset: number, data: Buffer) => {
      const h = await open(backend.volumePath(id), 'r+');
      await h.write(data, 0, data.length, offset);
      await h.close();
    },
    read: async (kind: 'volume' | 'snapshot', id: string, offset: number, length: number) => {
      const h = await open(path(kind, id), 'r');
      const buf = Buffer.alloc(length);
      await h.read(buf, 0, length, offset);
      await h.close();
      return buf;
    },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

volumeBackendContract(SharedVolumeBackend.name, async () => fixture());

describe(SharedVolumeBackend.name, () => {
  const tools = findE2fsTools();
  let f: ReturnType<typeof fixture>;
  afterEach(async () => f?.close());

  it('keeps volumes as sparse files named after them in the pool', async () => {
    f = fixture();
    const id = randomUUID();
    await f.backend.createVolume(id, 2);
    const st = await stat(join(f.dir, `volume-${id}`));
    expect(st.size).toBe(2 * GiB);
    expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024);
    const snap = randomUUID();
    await f.backend.createSnapshot(snap, id);
    expect((await stat(join(f.dir, `snapshot-${snap}`))).blocks * 512).toBeLessThan(64 * 1024 * 1024);
  });

  (tools.mkfs ? it : it.skip)('formats new volumes with ext4 whose UUID is the volume id, and grows the filesystem on extend', async () => {
    f = fixture();
    const id = randomUUID();
    expect(f.backend.capabilities.formatsFilesystem).toBe(true);
    await f.backend.createVolume(id, 1);
    const { stdout } = await run('dumpe2fs', ['-h', f.backend.volumePath(id)]);
    expect(stdout).toMatch(new RegExp(`Filesystem UUID:\\s+${id}`));
    expect(stdout).toMatch(/Block count:\s+262144/);
    await f.backend.extendVolume(id, 2);
    expect((await run('dumpe2fs', ['-h', f.backend.volumePath(id)])).stdout).toMatch(/Block count:\s+524288/);
    const clone = randomUUID();
    const snap = randomUUID();
    await f.backend.createSnapshot(snap, id);
    await f.backend.createVolumeFromSnapshot(clone, snap, 3);
    expect((await run('dumpe2fs', ['-h', f.backend.volumePath(clone)])).stdout).toMatch(/Block count:\s+786432/);
    await run('e2fsck', ['-f', '-n', f.backend.volumePath(clone)]);
  });

  it('without e2fsprogs leaves raw zero-filled volumes, and extends them without a filesystem', async () => {
    f = fixture({ mkfs: null, resize: null });
    const id = randomUUID();
    expect(f.backend.capabilities.formatsFilesystem).toBe(false);
    await f.backend.createVolume(id, 1);
    expect(await hasExtFilesystem(f.backend.volumePath(id))).toBe(false);
    expect((await f.read('volume', id, 0, 4096)).every((b) => b === 0)).toBe(true);
    await f.backend.extendVolume(id, 2);
    expect(await f.sizeOf('volume', id)).toBe(2 * GiB);
  });

  it('leaves no half-made file when a copy fails', async () => {
    f = fixture();
    const id = randomUUID();
    await expect(f.backend.createVolumeFromSnapshot(id, randomUUID(), 1)).rejects.toThrow(/cp .* failed/);
    expect(await f.sizeOf('volume', id)).toBeUndefined();
    expect(await stat(`${f.backend.volumePath(id)}.creating`).catch(() => undefined)).toBeUndefined();
  });

  it('measures the pool from its filesystem', async () => {
    f = fixture();
    const c = await f.backend.capacity();
    expect(c.totalGb).toBeGreaterThan(c.freeGb);
    expect(DATA_OFFSET).toBeLessThan(GiB);
  });
});
