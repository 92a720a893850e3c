import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, statfs, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BackendCapacity, GiB, VolumeBackend, VolumeBackendCapabilities } from './volume-backend';

const run = promisify(execFile);

/** Where Debian's e2fsprogs puts its tools (`/sbin` is `/usr/sbin` on merged-/usr systems, not on older ones). */
function e2fsTool(name: string): string | null {
  return ['/sbin', '/usr/sbin'].map((dir) => join(dir, name)).find((p) => existsSync(p)) ?? null;
}

export interface E2fsTools {
  mkfs: string | null;
  resize: string | null;
}

export function findE2fsTools(): E2fsTools {
  return { mkfs: e2fsTool('mkfs.ext4'), resize: e2fsTool('resize2fs') };
}

/**
 * A pool directory every host reaches (NFS in production, any directory in tests) holding one
 * sparse file per volume (`volume-<id>`) and per snapshot (`snapshot-<id>`), sized to the volume.
 * New volumes get an ext4 filesystem when e2fsprogs is installed (its UUID is the volume's id),
 * else stay raw. Snapshots are full copies (`cp --reflink=auto --sparse=always`: a reflink where
 * the filesystem can, else only the written blocks), so a snapshot outlives changes to its volume.
 * Files are written under a temporary name and renamed, so a crash leaves no half-made volume.
 */
export class SharedVolumeBackend implements VolumeBackend {
  readonly name = 'shared';
  readonly capabilities: VolumeBackendCapabilities;

  constructor(readonly poolDir: string, private readonly tools: E2fsTools = findE2fsTools()) {
    this.capabilities = { formatsFilesystem: tools.mkfs !== null };
  }

  volumePath(volumeId: string): string {
    return join(this.poolDir, `volume-${volumeId}`);
  }

  snapshotPath(snapshotId: string): string {
    return join(this.poolDir, `snapshot-${snapshotId}`);
  }

  async capacity(): Promise<BackendCapacity> {
    await mkdir(this.poolDir, { recursive: true });
    const fs = await statfs(this.poolDir);
    return { totalGb: (fs.blocks * fs.bsize) / GiB, freeGb: (fs.bavail * fs.bsize) / GiB };
  }

  async createVolume(volumeId: string, sizeGb: number): Promise<void> {
    await mkdir(this.poolDir, { recursive: true });
    const path = this.volumePath(volumeId);
    await this.atomically(path, async (tmp) => {
      await (await open(tmp, 'w')).close();
      await truncate(tmp, sizeGb * GiB);
      if (this.tools.mkfs) {
        // Lazy inode tables and journal keep the file sparse and the format instant at any size.
        await this.exec(this.tools.mkfs, ['-q', '-F', '-m', '0', '-U', volumeId, '-E', 'lazy_itable_init=1,lazy_journal_init=1', tmp]);
      }
    });
  }

  async createVolumeFromSnapshot(volumeId: string, snapshotId: string, sizeGb: number): Promise<void> {
    const path = this.volumePath(volumeId);
    await this.atomically(path, async (tmp) => {
      await this.copy(this.snapshotPath(snapshotId), tmp);
      await this.grow(tmp, sizeGb);
    });
  }

  async extendVolume(volumeId: string, newSizeGb: number): Promise<void> {
    await this.grow(this.volumePath(volumeId), newSizeGb);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await rm(this.volumePath(volumeId), { force: true });
  }

  async createSnapshot(snapshotId: string, volumeId: string): Promise<void> {
    await this.atomically(this.snapshotPath(snapshotId), (tmp) => this.copy(this.volumePath(volumeId), tmp));
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await rm(this.snapshotPath(snapshotId), { force: true });
  }

  /** Grows a file to `sizeGb` and its ext4 filesystem, if it carries one, to the new end. Never shrinks. */
  private async grow(path: string, sizeGb: number): Promise<void> {
    const handle = await open(path, 'r+');
    try {
      const { size } = await handle.stat();
      if (sizeGb * GiB < size) throw new Error(`${path}: cannot shrink from ${size / GiB} to ${sizeGb} GB`);
      if (sizeGb * GiB === size) return;
      await handle.truncate(sizeGb * GiB);
    } finally {
      await handle.close();
    }
    if (!(await hasExtFilesystem(path))) return;
    if (!this.tools.resize) throw new Error(`${path} holds ext4 but resize2fs is not installed`);
    // -f: the filesystem is not mounted (no attachments yet), so no fresh e2fsck is needed first.
    await this.exec(this.tools.resize, ['-f', path]);
  }

  private async copy(from: string, to: string): Promise<void> {
    await this.exec('cp', ['--reflink=auto', '--sparse=always', from, to]);
  }

  private async atomically(path: string, make: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = `${path}.creating`;
    try {
      await make(tmp);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private async exec(file: string, args: string[]): Promise<void> {
    try {
      await run(file, args, { timeout: 10 * 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${file} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
    }
  }
}

/** An ext2/3/4 superblock: the magic 0xEF53 at byte 1080 of the device. */
export async function hasExtFilesystem(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buf, 0, 2, 1080);
    return bytesRead === 2 && buf.readUInt16LE(0) === 0xef53;
  } finally {
    await handle.close();
  }
}
