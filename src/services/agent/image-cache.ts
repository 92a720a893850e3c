import { createHash } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Logger } from 'pino';
import { ImageRef } from '../../contracts/agent/agent.types';
import { ApiError } from '../../common/errors/api-error';
import { EngineDriver, LoadedImage } from './drivers/engine.driver';

function keyOf(ref: Pick<ImageRef, 'id' | 'checksum'>): string {
  return `${ref.id}:${ref.checksum}`;
}

/** The image data did not match its checksum (or size): nothing was loaded. */
export class ImageChecksumError extends ApiError {
  constructor(message: string) {
    super(502, message, 'ImageChecksumMismatch');
  }
}

/**
 * Passes data through while computing its md5, and holds the last chunk back until the end: on a
 * mismatch it fails instead of delivering that chunk, so the engine never sees a complete
 * archive made of unverified bytes.
 */
export class Md5Verifier extends Transform {
  private readonly hash = createHash('md5');
  private held?: Buffer;
  bytes = 0;

  constructor(private readonly ref: Pick<ImageRef, 'id' | 'checksum' | 'size'>) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const previous = this.held;
    this.held = chunk;
    cb(null, previous);
  }

  override _flush(cb: (err?: Error | null, data?: Buffer) => void): void {
    const md5 = this.hash.digest('hex');
    if (md5 !== this.ref.checksum.toLowerCase()) {
      return cb(new ImageChecksumError(`The data of image ${this.ref.id} has md5 ${md5}, expected ${this.ref.checksum}: refusing to load it.`));
    }
    if (this.ref.size > 0 && this.bytes !== this.ref.size) {
      return cb(new ImageChecksumError(`The data of image ${this.ref.id} has ${this.bytes} bytes, expected ${this.ref.size}: refusing to load it.`));
    }
    cb(null, this.held);
  }
}

export interface ImageCacheOptions {
  log?: Logger;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/**
 * Images on this host's engine, keyed by image id and checksum. An image the engine lacks is
 * streamed once from its signed `dataUrl` (no token) into the engine while its md5 is checked;
 * concurrent spawns of the same image wait for that one download. Once the engine holds an
 * image, later spawns of it do not ask the engine again (Podman's image lookup is a tenth of a
 * build's engine time); a spawn that finds it gone after all calls forget and ensures it again.
 */
export class ImageCache {
  private readonly loading = new Map<string, Promise<LoadedImage>>();
  private readonly held = new Map<string, LoadedImage>();

  constructor(private readonly driver: EngineDriver, private readonly opts: ImageCacheOptions = {}) {}

  ensure(ref: ImageRef): Promise<LoadedImage> {
    const key = keyOf(ref);
    const held = this.held.get(key);
    if (held) return Promise.resolve(held);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(ref).then((image) => {
        this.held.set(key, { ...image, sizeBytes: 0 });
        return image;
      }).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** The engine does not hold this image after all (removed behind the agent's back): true when it was thought to. */
  forget(ref: ImageRef): boolean {
    return this.held.delete(keyOf(ref));
  }

  private async load(ref: ImageRef): Promise<LoadedImage> {
    const present = await this.driver.hasImage(ref);
    if (present) return present;
    if (!/^[0-9a-f]{32}$/i.test(ref.checksum ?? '')) {
      throw new ImageChecksumError(`Image ${ref.id} has no md5 checksum to verify its data against.`);
    }
    const started = Date.now();
    const res = await (this.opts.fetch ?? fetch)(ref.dataUrl).catch((err: Error) => {
      throw new ApiError(502, `Could not download image ${ref.id}: ${err.message}`, 'ImageDownloadFailed');
    });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new ApiError(502, `Could not download image ${ref.id}: the image service answered ${res.status}.`, 'ImageDownloadFailed');
    }
    const verifier = new Md5Verifier(ref);
    pipeline(Readable.fromWeb(res.body as WebReadableStream), verifier, () => undefined);
    const image = await this.driver.loadImage(ref, verifier);
    this.opts.log?.info({ imageId: ref.id, checksum: ref.checksum, bytes: verifier.bytes, ms: Date.now() - started, reference: image.reference }, 'image loaded');
    return image;
  }
}
