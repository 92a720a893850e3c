import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { ConfigService } from '../../common/config/config.service';
import { ForbiddenError } from '../../common/errors/api-error';
import { CONFIG } from '../../common/config/config.token';
import { DATA_URL_TTL_SECONDS, UPLOAD_URL_TTL_SECONDS } from './image.config';
import { ImageRepository } from './image.repository';

const SECRET_NAME = 'data-url-hmac-sha256';

/** What a signed URL lets its holder do with one image's data. */
export type DataUrlPurpose = 'download' | 'upload';

/**
 * Signed, expiring URLs of image data for agents, which hold no token:
 * `<public url>/image/v2/internal/images/<id>/data?expires=<epoch s>&signature=<hex>`, where the
 * signature is HMAC-SHA256 over `<id>:<expires>` (downloads, GET) or `upload:<id>:<expires>`
 * (uploads, PUT) with a per-deployment secret kept in the image schema (so every image replica
 * signs and verifies alike). A download URL never verifies as an upload URL, nor the reverse.
 */
@Injectable()
export class DataUrlService {
  private key?: Promise<Buffer>;

  constructor(
    private readonly images: ImageRepository,
    @Inject(CONFIG) private readonly config: ConfigService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** A URL to GET the image's data from. */
  sign(imageId: string, ttlSeconds = DATA_URL_TTL_SECONDS): Promise<string> {
    return this.signed(imageId, 'download', ttlSeconds);
  }

  /** A URL to PUT the image's data to (see ImagesApi.uploadSigned). */
  signUpload(imageId: string, ttlSeconds = UPLOAD_URL_TTL_SECONDS): Promise<string> {
    return this.signed(imageId, 'upload', ttlSeconds);
  }

  /** 403 unless `signature` signs this image id, `expires` and purpose, and the URL has not expired. */
  async verify(imageId: string, expires: unknown, signature: unknown, purpose: DataUrlPurpose = 'download'): Promise<void> {
    const refused = new ForbiddenError('The data URL is invalid or has expired.');
    if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string' || !/^[0-9a-f]{64}$/i.test(signature)) throw refused;
    const at = Number(expires);
    const expected = Buffer.from(await this.signature(imageId, at, purpose), 'hex');
    const given = Buffer.from(signature.toLowerCase(), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused;
    if (at < Date.now() / 1000) throw refused;
  }

  /**
   * The base URL clients reach this process at: BERTH_PUBLIC_URL when set, else this process's
   * bound address (known only after listen; the configured port may be 0).
   */
  publicUrl(): string {
    const port = this.boundPort() ?? this.config.port;
    // publicUrl() ignores its argument when BERTH_PUBLIC_URL is set: then that is the answer.
    const explicit = this.config.publicUrl(1) === this.config.publicUrl(2);
    if (explicit) return this.config.publicUrl(port);
    const bind = this.config.bind;
    const host = bind === '0.0.0.0' || bind === '::' || bind === '' ? '127.0.0.1' : bind;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  private boundPort(): number | undefined {
    try {
      const address = this.adapterHost.httpAdapter?.getHttpServer()?.address() as AddressInfo | string | null | undefined;
      return address && typeof address === 'object' ? address.port : undefined;
    } catch {
      return undefined;
    }
  }

  private async signed(imageId: string, purpose: DataUrlPurpose, ttlSeconds: number): Promise<string> {
    const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
    const signature = await this.signature(imageId, expires, purpose);
    return `${this.publicUrl()}/image/v2/internal/images/${imageId}/data?expires=${expires}&signature=${signature}`;
  }

  private async signature(imageId: string, expires: number, purpose: DataUrlPurpose): Promise<string> {
    const signed = purpose === 'upload' ? `upload:${imageId}:${expires}` : `${imageId}:${expires}`;
    return createHmac('sha256', await this.secret()).update(signed).digest('hex');
  }

  private secret(): Promise<Buffer> {
    this.key ??= this.images.secret(SECRET_NAME, () => randomBytes(32).toString('hex')).then((hex) => Buffer.from(hex, 'hex'));
    this.key.catch(() => (this.key = undefined));
    return this.key;
  }
}
