import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RequestContext } from '../../common/context/request-context';
import { NotFoundError } from '../../common/errors/api-error';
import { MESSAGE_BUS, MessageBus, Subscription } from '../../common/messaging/message-bus';
import { serveContract } from '../../common/messaging/rpc-server';
import { IMAGE_RPC, ImageRpc, SnapshotImageRequest } from '../../contracts/image/image.rpc';
import { RpcHandlers } from '../../contracts/rpc';
import { ImagesApi } from './images.api';

/** RPC handlers of the `image` topic; the caller's context decides what it may see, as over HTTP. */
@Injectable()
export class ImageManager implements RpcHandlers<ImageRpc>, OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus, private readonly images: ImagesApi) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await serveContract(this.bus, IMAGE_RPC, this, { prefetch: 64 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close().catch(() => undefined);
  }

  async getImage(params: { imageId: string }, ctx: RequestContext) {
    return this.images.record(await this.images.get(params.imageId, ctx));
  }

  async findImage(params: { nameOrId: string }, ctx: RequestContext) {
    return this.images.record(await this.images.findByNameOrId(params.nameOrId, ctx));
  }

  async getImageRef(params: { imageId: string }, ctx: RequestContext) {
    return this.images.ref(params.imageId, ctx);
  }

  async createSnapshotImage(params: SnapshotImageRequest, ctx: RequestContext) {
    const { image, uploadUrl } = await this.images.createSnapshot(params, ctx);
    return { image: this.images.record(image), uploadUrl };
  }

  /** A cleanup that may run twice: an image already gone is no error. */
  async deleteImage(params: { imageId: string }, ctx: RequestContext): Promise<void> {
    await this.images.delete(params.imageId, ctx).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}
