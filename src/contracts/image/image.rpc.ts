import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, Length } from 'class-validator';
import { ImageRef } from '../agent/agent.types';
import { Call, RpcContract } from '../rpc';

export interface ImageRecord {
  id: string;
  name: string | null;
  status: 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'pending_delete' | 'deactivated' | 'uploading' | 'importing';
  visibility: 'public' | 'private' | 'shared' | 'community';
  owner: string | null;
  containerFormat: string | null;
  diskFormat: string | null;
  size: number | null;
  checksum: string | null;
  minDisk: number;
  minRam: number;
  properties: Record<string, string>;
}

/** Served by image on `image`. */
export interface ImageRpc {
  /** The image if the caller's project may use it (404 otherwise). */
  getImage: Call<{ imageId: string }, ImageRecord>;
  /** A signed, expiring data URL for agents, with what they need to cache it. */
  getImageRef: Call<{ imageId: string }, ImageRef>;
  /** (1.1) By id, else by exact name among the images the caller's project sees (404 none, 409 several). */
  findImage: Call<{ nameOrId: string }, ImageRecord>;
  /**
   * (1.2) A queued image owned by the caller's project, to be filled from an instance (a snapshot),
   * and a signed, expiring URL an agent PUTs its data to once (no token needed).
   */
  createSnapshotImage: Call<SnapshotImageRequest, { image: ImageRecord; uploadUrl: string }>;
  /** (1.2) Deletes an image the caller's project owns; one already gone is no error. */
  deleteImage: Call<{ imageId: string }, void>;
}

/** A snapshot image's attributes; `properties` are Glance's free-form ones. */
export interface SnapshotImageRequest {
  name: string;
  containerFormat: string;
  diskFormat: string;
  visibility: 'private' | 'shared';
  tags?: string[];
  properties: Record<string, string>;
}

export class ImageIdParams {
  @IsString() imageId: string;
  @IsOptional() @IsString() reason?: string;
}

/**
 * Event types image notifies on `berth.notifications` (Glance's notification names); the payload
 * is the image as the Glance API renders it.
 */
export class FindImageParams {
  @IsString() nameOrId: string;
}

export class CreateSnapshotImageParams implements SnapshotImageRequest {
  @IsString() @Length(1, 255) name: string;
  @IsString() containerFormat: string;
  @IsString() diskFormat: string;
  @IsIn(['private', 'shared']) visibility: 'private' | 'shared';
  @IsOptional() @IsArray() @ArrayMaxSize(128) @IsString({ each: true }) tags?: string[];
  @IsObject() properties: Record<string, string>;
}

export const IMAGE_EVENTS = {
  create: 'image.create',
  update: 'image.update',
  upload: 'image.upload',
  delete: 'image.delete',
} as const;

export const IMAGE_RPC: RpcContract<ImageRpc> = {
  topic: 'image',
  version: '1.2',
  methods: {
    getImage: ImageIdParams, getImageRef: ImageIdParams, findImage: FindImageParams, createSnapshotImage: CreateSnapshotImageParams,
    deleteImage: ImageIdParams,
  },
};
