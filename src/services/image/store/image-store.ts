import { createHash, Hash } from 'node:crypto';
import { Readable, Transform, TransformCallback } from 'node:stream';

/** What a store reports once an image's data is complete and durable. */
export interface StoredImageData {
  size: number;
  /** md5 hex digest: Glance's `checksum`. */
  md5: string;
  /** sha512 hex digest: Glance's `os_hash_value` (`os_hash_algo` sha512). */
  sha512: string;
}

/**
 * Where image data lives. The image service streams uploads into it and downloads out of it;
 * nothing is ever held whole in memory.
 *
 * Contract every store keeps:
 * - `put` consumes `data` to its end while computing size, md5 and sha512 (use `HashingStream`),
 *   and resolves only when the object is complete and durable. If `data` errors or ends early
 *   (a client that went away), or the store fails, it rejects and leaves nothing behind: neither
 *   a partial object nor a temporary one. An existing object under the same id is replaced only
 *   on success.
 * - `get` streams an object `put` completed; `NotFoundError`-free: it rejects with an error whose
 *   `code` is 'ENOENT' when there is none.
 * - `delete` removes an object; a missing one is not an error.
 *
 * An object store (Swift, S3, Ceph RGW) plugs in as another implementation bound to IMAGE_STORE:
 * `put` pipes `data` through a HashingStream into a multipart/streamed upload under a temporary
 * key (or an S3 multipart upload that is completed only at the end and aborted on error), then
 * copies/commits it to `images/<id>`; `get` is a streamed GET of `images/<id>`; `delete` a DELETE.
 * The image records (status, size, checksums) stay in the database either way, so the rest of the
 * service does not change. The local-file store keeps objects under `<BERTH_DATA_DIR>/images/`.
 */
export interface ImageStore {
  put(imageId: string, data: Readable): Promise<StoredImageData>;
  get(imageId: string): Promise<{ stream: Readable; size: number }>;
  delete(imageId: string): Promise<void>;
}

export const IMAGE_STORE = Symbol('IMAGE_STORE');

/** A pass-through that counts bytes and computes md5 and sha512 of everything flowing through it. */
export class HashingStream extends Transform {
  private readonly md5: Hash = createHash('md5');
  private readonly sha512: Hash = createHash('sha512');
  private size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    this.md5.update(chunk);
    this.sha512.update(chunk);
    callback(null, chunk);
  }

  /** Only valid once the stream has finished. */
  result(): StoredImageData {
    return { size: this.size, md5: this.md5.digest('hex'), sha512: this.sha512.digest('hex') };
  }
}
