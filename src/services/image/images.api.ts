import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { RequestContext, systemContext } from '../../common/context/request-context';
import { ApiError, BadRequestError, ConflictError, ForbiddenError, NotFoundError, OverLimitError } from '../../common/errors/api-error';
import { pageRows } from '../../common/http/paging';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { AGENT_RPC, AgentRpc } from '../../contracts/agent/agent.rpc';
import { ImageRef } from '../../contracts/agent/agent.types';
import { IMAGE_EVENTS, ImageRecord, SnapshotImageRequest } from '../../contracts/image/image.rpc';
import {
  BaseAttribute, ImageFields, canonicalUuid, checkBaseValue, checkPropertyCount, checkPropertyValue, isBaseAttribute, parseCreateBody,
  parsePatch, refuseProtectedAttribute,
} from './api/dto/image-body';
import { ImageListQuery, ImageSortKey } from './api/dto/image-query';
import { renderImage } from './api/views/image.view';
import { DataUrlService } from './data-urls.service';
import { ImageEntity } from './entities/image.entity';
import { ImageChanges, ImageRepository } from './image.repository';
import { IMAGE_STORE, ImageStore } from './store/image-store';
import { LocalFileImageStore } from './store/local-file.image-store';

export interface ImageData {
  stream: Readable;
  size: number;
  checksum: string | null;
}

function sortValue(i: ImageEntity, key: ImageSortKey): string | number | boolean | null {
  switch (key) {
    case 'name': return i.name;
    case 'status': return i.status;
    case 'container_format': return i.containerFormat;
    case 'disk_format': return i.diskFormat;
    case 'size': return i.size;
    case 'id': return i.id;
    case 'created_at': return i.createdAt.getTime();
    case 'updated_at': return i.updatedAt.getTime();
    case 'min_disk': return i.minDisk;
    case 'min_ram': return i.minRam;
    case 'visibility': return i.visibility;
    case 'owner': return i.projectId;
  }
}

/**
 * The image service's facade: Glance's visibility and ownership rules, the status machine
 * (queued → saving → active | killed) and the data store. Controllers and the RPC manager call
 * this, never the repository.
 *
 * Who sees an image: admins every image; a project public and community images and its own
 * (private, shared or community); the rest is 404. Who changes one: its owner project's members
 * and admins (403 for others who can see it).
 */
@Injectable()
export class ImagesApi implements OnApplicationBootstrap {
  private readonly log = new Logger('ImagesApi');
  private readonly agents: RpcClient<AgentRpc>;

  constructor(
    private readonly images: ImageRepository,
    @Inject(IMAGE_STORE) private readonly store: ImageStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly dataUrls: DataUrlService,
  ) {
    this.agents = new RpcClient(bus, AGENT_RPC);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.store instanceof LocalFileImageStore) {
      const removed = await this.store.removeLeftovers().catch(() => 0);
      if (removed) this.log.warn(`removed ${removed} abandoned upload file(s)`);
    }
  }

  private canSee(i: ImageEntity, ctx: RequestContext): boolean {
    return ctx.isAdmin || i.visibility === 'public' || i.visibility === 'community' || (!!ctx.projectId && i.projectId === ctx.projectId);
  }

  private owns(i: ImageEntity, ctx: RequestContext): boolean {
    return ctx.isAdmin || (!!ctx.projectId && i.projectId === ctx.projectId);
  }

  /** An image the caller may see; a name or any other non-uuid in the id slot is a 404 too. */
  async get(id: string, ctx: RequestContext): Promise<ImageEntity> {
    const uuid = canonicalUuid(id);
    const image = uuid ? await this.images.find(uuid) : null;
    if (!image || !this.canSee(image, ctx)) throw new NotFoundError(`No image found with ID ${id}`);
    return image;
  }

  /** By id, else by exact name among the images the caller sees (Zun's glance driver): 404 none, 409 several. */
  async findByNameOrId(nameOrId: string, ctx: RequestContext): Promise<ImageEntity> {
    const uuid = canonicalUuid(nameOrId);
    const byId = uuid ? await this.images.find(uuid) : null;
    if (byId && this.canSee(byId, ctx)) return byId;
    const named = await this.images.list({ names: [nameOrId], scope: { admin: false, projectId: ctx.projectId } });
    if (named.length > 1) throw new ConflictError(`Multiple images exist with same name ${nameOrId}. Please use the image id instead.`);
    if (named.length === 0) throw new NotFoundError(`No image found with name or ID ${nameOrId}`);
    return named[0];
  }

  /** An image the caller may change: 404 when invisible, 403 when visible but someone else's. */
  private async getOwned(id: string, ctx: RequestContext): Promise<ImageEntity> {
    const image = await this.get(id, ctx);
    if (!this.owns(image, ctx)) throw new ForbiddenError(`You are not permitted to modify image ${image.id}.`);
    return image;
  }

  async list(query: ImageListQuery, ctx: RequestContext): Promise<{ items: ImageEntity[]; more: boolean }> {
    const rows = await this.images.list({ ...query.filter, scope: { admin: ctx.isAdmin, projectId: ctx.projectId } });
    return pageRows(rows, query.page, sortValue);
  }

  async create(body: unknown, ctx: RequestContext): Promise<ImageEntity> {
    const { fields, properties } = parseCreateBody(body);
    if (fields.visibility === 'public' && !ctx.isAdmin) throw new ForbiddenError('You are not authorized to complete publicize_image action.');
    if (fields.owner !== undefined && !ctx.isAdmin && fields.owner !== ctx.projectId) {
      throw new ForbiddenError(`You are not permitted to create images owned by '${fields.owner}'.`);
    }
    const id = fields.id ?? randomUUID();
    if (fields.id && (await this.images.existsWithDeleted(id))) throw new ConflictError(`Image with identifier ${id} already exists!`);
    const image = await this.images.insert({
      id,
      name: fields.name ?? null,
      status: 'queued',
      // Glance's default since Ocata: shared (visible to the owner and, later, to members).
      visibility: fields.visibility ?? 'shared',
      isProtected: fields.protected ?? false,
      osHidden: fields.os_hidden ?? false,
      projectId: fields.owner !== undefined ? fields.owner : ctx.projectId ?? null,
      containerFormat: fields.container_format ?? null,
      diskFormat: fields.disk_format ?? null,
      minDisk: fields.min_disk ?? 0,
      minRam: fields.min_ram ?? 0,
      tags: fields.tags ?? [],
      properties,
    });
    await this.notify(IMAGE_EVENTS.create, image, ctx);
    return image;
  }

  /** JSON-patch (add/replace/remove) of the image's attributes and properties. */
  async update(id: string, body: unknown, ctx: RequestContext): Promise<ImageEntity> {
    const ops = parsePatch(body);
    const image = await this.getOwned(id, ctx);
    const fields: Required<Omit<ImageFields, 'id'>> = {
      name: image.name, visibility: image.visibility, protected: image.isProtected, os_hidden: image.osHidden, min_disk: image.minDisk,
      min_ram: image.minRam, tags: image.tags, container_format: image.containerFormat, disk_format: image.diskFormat, owner: image.projectId,
    };
    const properties = { ...image.properties };
    for (const op of ops) {
      const key = op.attribute;
      refuseProtectedAttribute(key);
      if (key === 'id') throw new ForbiddenError("Attribute 'id' is read-only.");
      if (isBaseAttribute(key)) {
        if (op.op === 'remove') throw new ForbiddenError(`Property ${key} may not be removed.`);
        (fields as Record<Exclude<BaseAttribute, 'id'>, unknown>)[key as Exclude<BaseAttribute, 'id'>] = checkBaseValue(key, op.value);
      } else if (op.op === 'remove') {
        if (!(key in properties)) throw new ConflictError(`Property ${key} does not exist.`);
        delete properties[key];
      } else {
        if (op.op === 'replace' && !(key in properties)) throw new ConflictError(`Property ${key} does not exist.`);
        properties[key] = checkPropertyValue(key, op.value);
      }
    }
    checkPropertyCount(properties);
    if (fields.visibility === 'public' && image.visibility !== 'public' && !ctx.isAdmin) {
      throw new ForbiddenError('You are not authorized to complete publicize_image action.');
    }
    if (fields.owner !== image.projectId && !ctx.isAdmin) throw new ForbiddenError("Attribute 'owner' is read-only.");
    const formatsChanged = fields.container_format !== image.containerFormat || fields.disk_format !== image.diskFormat;
    if (formatsChanged && image.status !== 'queued') {
      const which = fields.container_format !== image.containerFormat ? 'container_format' : 'disk_format';
      throw new ForbiddenError(`Attribute ${which} can be only replaced for a queued image.`);
    }
    const changes: ImageChanges = {
      name: fields.name, visibility: fields.visibility, isProtected: fields.protected, osHidden: fields.os_hidden, minDisk: fields.min_disk,
      minRam: fields.min_ram, tags: fields.tags, containerFormat: fields.container_format, diskFormat: fields.disk_format,
      projectId: fields.owner, properties,
    };
    if (!(await this.images.update(image.id, changes, formatsChanged ? 'queued' : undefined))) {
      const now = await this.images.find(image.id);
      if (!now) throw new NotFoundError(`No image found with ID ${id}`);
      throw new ForbiddenError('Attribute container_format can be only replaced for a queued image.');
    }
    const updated = (await this.images.find(image.id)) ?? { ...image, ...changes };
    await this.notify(IMAGE_EVENTS.update, updated, ctx);
    return updated;
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const image = await this.getOwned(id, ctx);
    if (image.isProtected) throw new ForbiddenError(`Image ${image.id} is protected and cannot be deleted.`);
    if (!(await this.images.softDelete(image.id))) {
      if (await this.images.find(image.id).then((i) => i?.isProtected)) throw new ForbiddenError(`Image ${image.id} is protected and cannot be deleted.`);
      throw new NotFoundError(`No image found with ID ${id}`);
    }
    // An upload still running finds the image deleted when it completes and removes its data itself.
    await this.store.delete(image.id).catch((err) => this.log.warn(`could not remove the data of deleted image ${image.id}: ${String(err)}`));
    await this.notify(IMAGE_EVENTS.delete, { ...image, status: 'deleted' }, ctx);
  }

  /**
   * A queued image owned by the caller's project, to be filled from an instance, with the signed
   * URL the capturing agent uploads its data to. The attributes are checked as a create body's.
   */
  async createSnapshot(req: SnapshotImageRequest, ctx: RequestContext): Promise<{ image: ImageEntity; uploadUrl: string }> {
    const image = await this.create({
      ...req.properties, name: req.name, container_format: req.containerFormat, disk_format: req.diskFormat, visibility: req.visibility,
      ...(req.tags ? { tags: req.tags } : {}),
    }, ctx);
    return { image, uploadUrl: await this.dataUrls.signUpload(image.id) };
  }

  /** Streams `data` into the store of an image the caller owns (see receive). */
  async upload(id: string, data: Readable, ctx: RequestContext): Promise<void> {
    await this.receive(await this.getOwned(id, ctx), data, ctx);
  }

  /**
   * Data PUT to a signed upload URL by an agent (no token): 403 for a bad or expired signature,
   * 404 for an image that is gone, then as an upload. The queued → saving step lets one upload in.
   */
  async uploadSigned(id: string, expires: unknown, signature: unknown, data: Readable): Promise<void> {
    await this.dataUrls.verify(id, expires, signature, 'upload');
    const uuid = canonicalUuid(id);
    const image = uuid ? await this.images.find(uuid) : null;
    if (!image) throw new NotFoundError(`No image found with ID ${id}`);
    await this.receive(image, data, systemContext());
  }

  /**
   * Streams `data` into the store: queued → saving, then active with size and checksums, or
   * killed (with nothing stored) when the stream breaks or the store fails.
   */
  private async receive(image: ImageEntity, data: Readable, ctx: RequestContext): Promise<void> {
    if (!image.containerFormat || !image.diskFormat) {
      throw new BadRequestError('Properties disk_format, container_format must be set prior to saving data.');
    }
    if (!(await this.images.transition(image.id, ['queued'], 'saving'))) {
      const now = (await this.images.find(image.id))?.status ?? 'deleted';
      throw new ConflictError(`Image status transition from ${now} to saving is not allowed`);
    }
    let stored;
    try {
      stored = await this.store.put(image.id, data);
    } catch (err) {
      await this.images.transition(image.id, ['saving'], 'killed');
      this.log.warn(`upload of image ${image.id} failed; the image is killed: ${String(err)}`);
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new OverLimitError('Image storage media is full.');
      throw new BadRequestError(`The upload of image ${image.id} did not complete: ${(err as Error).message}`);
    }
    const activated = await this.images.transition(image.id, ['saving'], 'active', {
      size: stored.size, checksum: stored.md5, osHashAlgo: 'sha512', osHashValue: stored.sha512,
    });
    if (!activated) {
      await this.store.delete(image.id).catch(() => undefined);
      throw new ApiError(410, `Image ${image.id} could not be found after upload. The image may have been deleted during the upload.`);
    }
    await this.notify(IMAGE_EVENTS.upload, (await this.images.find(image.id)) ?? image, ctx);
  }

  /** The image's data, or null when it has none yet (Glance answers 204). */
  async download(id: string, ctx: RequestContext): Promise<ImageData | null> {
    return this.dataOf(await this.get(id, ctx));
  }

  /** The data behind a signed URL (agents): 403 for a bad or expired signature, then 404 unless active. */
  async downloadSigned(id: string, expires: unknown, signature: unknown): Promise<ImageData> {
    await this.dataUrls.verify(id, expires, signature);
    const uuid = canonicalUuid(id);
    const image = uuid ? await this.images.find(uuid) : null;
    const data = image ? await this.dataOf(image) : null;
    if (!data) throw new NotFoundError(`No image data found for ID ${id}`);
    return data;
  }

  private async dataOf(image: ImageEntity): Promise<ImageData | null> {
    if (image.status !== 'active') return null;
    try {
      const { stream, size } = await this.store.get(image.id);
      return { stream, size, checksum: image.checksum };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`The data of image ${image.id} could not be found.`);
      throw err;
    }
  }

  /** What an agent needs to fetch an active image (409 otherwise): a signed, expiring data URL. */
  async ref(id: string, ctx: RequestContext): Promise<ImageRef> {
    const image = await this.get(id, ctx);
    if (image.status !== 'active') throw new ConflictError(`Image ${image.id} is not active (status ${image.status}).`);
    return this.refOf(image);
  }

  /** Casts prefetchImage to each host's agent (admin; hosts given explicitly for now). */
  async predistribute(id: string, hosts: string[], ctx: RequestContext): Promise<{ image_id: string; hosts: string[] }> {
    const image = await this.get(id, ctx);
    if (image.status !== 'active') throw new BadRequestError(`Image ${image.id} is not active (status ${image.status}): only active images can be predistributed.`);
    const ref = await this.refOf(image);
    const unique = [...new Set(hosts)];
    await Promise.all(unique.map((host) => this.agents.cast('prefetchImage', { image: ref }, ctx, { host })));
    return { image_id: image.id, hosts: unique };
  }

  record(image: ImageEntity): ImageRecord {
    return {
      id: image.id, name: image.name, status: image.status, visibility: image.visibility, owner: image.projectId,
      containerFormat: image.containerFormat, diskFormat: image.diskFormat, size: image.size, checksum: image.checksum,
      minDisk: image.minDisk, minRam: image.minRam, properties: image.properties,
    };
  }

  private async refOf(image: ImageEntity): Promise<ImageRef> {
    return {
      id: image.id,
      name: image.name ?? image.id,
      containerFormat: image.containerFormat!,
      diskFormat: image.diskFormat!,
      size: image.size ?? 0,
      checksum: image.checksum ?? '',
      dataUrl: await this.dataUrls.sign(image.id),
    };
  }

  /** Best effort, as identity's events: a bus hiccup never fails the API call. */
  private async notify(event: string, image: ImageEntity, ctx: RequestContext): Promise<void> {
    await this.bus.notify(event, renderImage(image), ctx).catch(() => undefined);
  }
}
