import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingStream, ImageStore, StoredImageData } from './image-store';

const TMP_PREFIX = '.upload-';
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Image data as files in one directory (`<BERTH_DATA_DIR>/images/<image id>`). An upload is
 * written to a temporary file in the same directory, flushed to disk, then renamed into place,
 * so a reader never sees a partial file and a failed upload leaves nothing behind.
 */
export class LocalFileImageStore implements ImageStore {
  private ready?: Promise<void>;

  constructor(readonly directory: string) {}

  async put(imageId: string, data: Readable): Promise<StoredImageData> {
    const final = this.pathOf(imageId);
    // The source may fail while the directory is being made, before the pipeline listens: that
    // error must not be an unhandled 'error' event. The pipeline still sees it (stream.errored).
    const untilPiped = () => undefined;
    data.on('error', untilPiped);
    try {
      await this.ensureDirectory();
    } finally {
      data.off('error', untilPiped);
    }
    const tmp = join(this.directory, `${TMP_PREFIX}${imageId}-${randomBytes(6).toString('hex')}`);
    const hashing = new HashingStream();
    try {
      await pipeline(data, hashing, createWriteStream(tmp, { flags: 'wx' }));
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
    } catch (err) {
      data.destroy();
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return hashing.result();
  }

  async get(imageId: string): Promise<{ stream: Readable; size: number }> {
    const path = this.pathOf(imageId);
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      return { stream: fh.createReadStream(), size };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async delete(imageId: string): Promise<void> {
    await unlink(this.pathOf(imageId)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /**
   * Removes temporary files left by a process that died mid-upload: those not written to for
   * `idleMs` (a live upload keeps touching its file). Returns how many went.
   */
  async removeLeftovers(idleMs = 3600_000): Promise<number> {
    const names = (await readdir(this.directory).catch(() => [] as string[])).filter((n) => n.startsWith(TMP_PREFIX));
    let removed = 0;
    for (const n of names) {
      const path = join(this.directory, n);
      const s = await stat(path).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > idleMs && (await unlink(path).then(() => true, () => false))) removed++;
    }
    return removed;
  }

  /** True when an object exists (tests, tooling). */
  async has(imageId: string): Promise<boolean> {
    return stat(this.pathOf(imageId)).then((s) => s.isFile(), () => false);
  }

  private pathOf(imageId: string): string {
    // Ids are uuids checked at the API; refuse anything else so no path can escape the directory.
    if (!ID.test(imageId)) throw new Error(`invalid image id for the store: ${JSON.stringify(imageId)}`);
    return join(this.directory, imageId);
  }

  private ensureDirectory(): Promise<void> {
    this.ready ??= mkdir(this.directory, { recursive: true, mode: 0o750 }).then(() => undefined);
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }
}
