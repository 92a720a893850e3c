import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { NotFoundError, NotImplementedError } from '../../common/errors/api-error';
import { Microversion } from '../../common/http/microversion';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { VOLUME_RPC, VolumeRpc } from '../../contracts/volume/volume.rpc';
import { bool, DB_MAX_INT, invalidField, Json, onlyKeys, pyRepr, specs, str, uuid, UUID, wrapped } from './api/cinder-body';
import { CinderPage, one, page, parseDictParam, Query } from './api/cinder-query';
import { cinderErrors } from './cinder-errors';
import { VolumeTypeEntity } from './entities/volume-type.entity';
import { SnapshotEntity, VolumeEntity } from './entities/volume.entity';
import { VolumeQuotasService } from './quotas/volume-quotas.service';
import { DELETABLE, VOLUME_STATUSES } from './volume-status';
import { specIsTrue, VolumeTypesApi } from './volume-types.api';
import { VOLUME_SETTINGS, VolumeSettings } from './volume.settings';

/** Filters a non-admin may use on volume lists (Cinder's resource_filters.json). */
const USER_FILTERS = ['name', 'status', 'metadata', 'bootable', 'migration_status', 'availability_zone', 'group_id', 'size', 'created_at', 'updated_at', 'consumes_quota'];
const PAGING = ['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count'];
export const VOLUME_SORT_KEYS = ['id', 'name', 'status', 'size', 'availability_zone', 'bootable', 'created_at', 'updated_at', 'project_id', 'volume_type_id'];

/** Create body keys Cinder's schema knows (from 3.53 nothing else is accepted). */
const CREATE_KEYS = [
  'name', 'description', 'display_name', 'display_description', 'volume_type', 'metadata', 'snapshot_id', 'source_volid',
  'consistencygroup_id', 'size', 'availability_zone', 'multiattach', 'image_id', 'imageRef',
];

export interface VolumeWithType {
  volume: VolumeEntity;
  type: VolumeTypeEntity | undefined;
}

/** Cinder's check on metadata beyond its schema: keys of 1 to 255 characters. */
function metadataOf(v: unknown, field = 'metadata'): Record<string, string> {
  const m = specs(v, field);
  for (const k of Object.keys(m)) if (k.length === 0 || k.length > 255) throw cinderErrors.invalidInput(`Metadata property key ${k} greater than 255 characters.`);
  return m;
}

/**
 * Volumes: who sees them (their project; admins all, with all_tenants), the state checks Cinder
 * makes before it hands work to the volume manager, and race-free quota on create and extend.
 * Writes lock the volume's row, so two requests on one volume are decided one after the other.
 */
@Injectable()
export class VolumesApi {
  private readonly rpc: RpcClient<VolumeRpc>;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(VOLUME_SETTINGS) private readonly settings: VolumeSettings,
    private readonly quotas: VolumeQuotasService,
    private readonly types: VolumeTypesApi,
  ) {
    this.rpc = new RpcClient(bus, VOLUME_RPC);
  }

  /** A volume the caller may see, else VolumeNotFound (another project's volume looks absent). */
  async get(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager, lock = false): Promise<VolumeEntity> {
    let v: VolumeEntity | null = null;
    if (UUID.test(id)) {
      v = await manager.getRepository(VolumeEntity).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    }
    if (!v || !(ctx.isAdmin || v.projectId === ctx.projectId)) throw cinderErrors.volumeNotFound(id);
    return v;
  }

  async withType(v: VolumeEntity): Promise<VolumeWithType> {
    return { volume: v, type: (await this.types.byIds([v.volumeTypeId])).get(v.volumeTypeId) };
  }

  async withTypes(vs: VolumeEntity[]): Promise<VolumeWithType[]> {
    const types = await this.types.byIds(vs.map((v) => v.volumeTypeId));
    return vs.map((v) => ({ volume: v, type: types.get(v.volumeTypeId) }));
  }

  /**
   * The filtered, sorted page. Admins see every project with `all_tenants`; others only their
   * own, and filters outside Cinder's list are dropped (3.31+: refused, except all_tenants).
   */
  async list(q: Query, p: CinderPage, ctx: RequestContext, mv: Microversion): Promise<{ items: VolumeEntity[]; more: boolean; count: number }> {
    const filters = this.filters(q, ctx, mv, USER_FILTERS);
    const qb = this.db.getRepository(VolumeEntity).createQueryBuilder('v');
    const allTenants = ctx.isAdmin && filters.all_tenants !== undefined && filters.all_tenants !== '0' && filters.all_tenants.toLowerCase() !== 'false';
    if (!allTenants) qb.andWhere('v.project_id = :p', { p: ctx.projectId });
    else if (filters.project_id !== undefined) qb.andWhere('v.project_id = :fp', { fp: filters.project_id });
    if (filters.name !== undefined) qb.andWhere('v.name = :name', { name: filters.name });
    if (filters.status !== undefined) qb.andWhere('v.status = :status', { status: filters.status });
    if (filters.availability_zone !== undefined) qb.andWhere('v.availability_zone = :az', { az: filters.availability_zone });
    if (filters.size !== undefined) qb.andWhere('v.size = :size', { size: /^\d+$/.test(filters.size) ? Number(filters.size) : -1 });
    if (filters.bootable !== undefined) qb.andWhere('v.bootable = :bootable', { bootable: this.boolFilter('bootable', filters.bootable, mv) });
    if (filters.consumes_quota !== undefined && mv.atLeast('3.65')) qb.andWhere('v.use_quota = :uq', { uq: this.boolFilter('consumes_quota', filters.consumes_quota, mv) });
    if (filters.metadata !== undefined) qb.andWhere('v.metadata @> :meta::jsonb', { meta: JSON.stringify(parseDictParam(filters.metadata, 'metadata')) });
    if (filters.group_id !== undefined || filters.migration_status !== undefined) qb.andWhere('false');
    const rows = await qb.getMany();
    const res = page(rows, p, volumeSortValue, (m) => cinderErrors.volumeNotFound(m));
    return { ...res, count: rows.length };
  }

  /** 3.12 volumes/summary: how many volumes, how many GB, and (3.36) every metadata value seen. */
  async summary(q: Query, ctx: RequestContext, mv: Microversion): Promise<{ total_count: number; total_size: number; metadata?: Record<string, string[]> }> {
    const { items } = await this.list(q, { limit: Number.MAX_SAFE_INTEGER, offset: 0, sort: [{ key: 'created_at', dir: 'desc' }] }, ctx, mv);
    const out: { total_count: number; total_size: number; metadata?: Record<string, string[]> } = {
      total_count: items.length, total_size: items.reduce((n, v) => n + v.size, 0),
    };
    if (mv.atLeast('3.36')) {
      const meta: Record<string, Set<string>> = {};
      for (const v of items) for (const [k, x] of Object.entries(v.metadata)) (meta[k] ??= new Set()).add(x);
      out.metadata = Object.fromEntries(Object.entries(meta).map(([k, s]) => [k, [...s].sort()]));
    }
    return out;
  }

  /**
   * POST /volumes: checks what the request names (type, snapshot, zone), then in one transaction
   * takes the quota and records the volume as `creating`; the volume manager does the rest.
   */
  async create(body: unknown, ctx: RequestContext, mv: Microversion): Promise<VolumeEntity> {
    const b = wrapped(body, 'volume', ['OS-SCH-HNT:scheduler_hints']);
    if (mv.atLeast('3.53')) onlyKeys(b, [...CREATE_KEYS, 'group_id', 'backup_id']);
    const name = str(b, 'name', { trim: true }) ?? str(b, 'display_name', { trim: true }) ?? null;
    const description = str(b, 'description', { trim: true }) ?? str(b, 'display_description', { trim: true }) ?? null;
    const metadata = b.metadata === undefined || b.metadata === null ? {} : metadataOf(b.metadata);
    const snapshotId = uuid(b, 'snapshot_id');
    const requestedType = str(b, 'volume_type');
    const az = str(b, 'availability_zone', { min: 1 });
    if (bool(b, 'multiattach')) {
      throw cinderErrors.badRequest('multiattach parameter has been removed. The default behavior is to use multiattach enabled volume types. Contact your administrator to create a multiattach enabled volume type and use it to create multiattach volumes.');
    }
    if (uuid(b, 'source_volid')) throw new NotImplementedError('Cloning a volume (source_volid) is not supported yet: create a snapshot and a volume from it.');
    if (str(b, 'imageRef') || str(b, 'image_id')) throw new NotImplementedError('Creating a volume from an image (imageRef) is not supported yet.');
    if (mv.atLeast('3.47') && uuid(b, 'backup_id')) throw new NotImplementedError('Creating a volume from a backup is not supported: berth has no backups.');
    const group = uuid(b, 'consistencygroup_id') ?? (mv.atLeast('3.13') ? str(b, 'group_id') : null);
    if (group) throw new NotFoundError(`Group ${group} could not be found.`);
    const size = b.size === undefined || b.size === null ? undefined : sizeOf(b.size, 'size');
    if (az && az !== this.settings.availabilityZone) throw cinderErrors.invalidAvailabilityZone(az);

    const volume = await this.db.transaction(async (tx) => {
      let snapshot: SnapshotEntity | undefined;
      if (snapshotId) {
        snapshot = await this.visibleSnapshot(tx, snapshotId, ctx);
        if (snapshot.status !== 'available') throw cinderErrors.invalidSnapshot("Originating snapshot status must be one of 'available' values");
      }
      const finalSize = size ?? snapshot?.volumeSize;
      if (finalSize === undefined) throw cinderErrors.invalidInput("Volume size 'None' must be an integer and greater than 0");
      if (snapshot && finalSize < snapshot.volumeSize) {
        throw cinderErrors.invalidInput(`Volume size '${finalSize}'GB cannot be smaller than the snapshot size ${snapshot.volumeSize}GB. They must be >= original snapshot size.`);
      }
      // Without a type, a volume made from a snapshot keeps its source's type (Cinder), else gets the default.
      const type = requestedType
        ? await this.types.getByNameOrId(requestedType, ctx, tx)
        : (snapshot && (await tx.getRepository(VolumeTypeEntity).findOneBy({ id: snapshot.volumeTypeId }))) || (await this.types.getDefault(tx));
      // Shared: the type's extra specs cannot change (they are refused while volumes use it) until this commits.
      await tx.query('SELECT id FROM volume.volume_types WHERE id = $1 FOR SHARE', [type.id]);
      await this.quotas.enforce(tx, ctx.projectId!, type, [['volumes', 1], ['gigabytes', finalSize]], finalSize);
      const source = snapshot ? await tx.getRepository(VolumeEntity).findOneBy({ id: snapshot.volumeId }) : null;
      const v = tx.getRepository(VolumeEntity).create({
        id: randomUUID(), projectId: ctx.projectId!, userId: ctx.userId ?? '', name, description, size: finalSize, targetSize: null,
        status: 'creating', availabilityZone: this.settings.availabilityZone, volumeTypeId: type.id, snapshotId: snapshot?.id ?? null,
        sourceVolid: null, bootable: source?.bootable ?? false, multiattach: specIsTrue(type.extraSpecs.multiattach), metadata, host: null, useQuota: true,
      });
      await tx.getRepository(VolumeEntity).insert(v);
      return (await tx.getRepository(VolumeEntity).findOneBy({ id: v.id }))!;
    });
    await this.rpc.cast('createVolume', { volumeId: volume.id }, ctx);
    return volume;
  }

  /** PUT: name, description and metadata (replaced as a whole); from 3.53 the body must name one. */
  async update(id: string, body: unknown, ctx: RequestContext, mv: Microversion): Promise<VolumeEntity> {
    const b = wrapped(body, 'volume');
    onlyKeys(b, ['name', 'description', 'display_name', 'display_description', 'metadata']);
    if (mv.atLeast('3.53') && Object.keys(b).length === 0) {
      throw invalidField('volume', b, `${pyRepr(b)} is not valid under any of the given schemas`);
    }
    const patch: Partial<VolumeEntity> = {};
    const name = b.name !== undefined ? str(b, 'name', { trim: true }) : str(b, 'display_name', { trim: true });
    const description = b.description !== undefined ? str(b, 'description', { trim: true }) : str(b, 'display_description', { trim: true });
    if (name !== undefined) patch.name = name;
    if (description !== undefined) patch.description = description;
    if (b.metadata !== undefined) patch.metadata = metadataOf(b.metadata);
    return this.db.transaction(async (tx) => {
      const v = await this.get(id, ctx, tx, true);
      if (patch.metadata && ['maintenance', 'uploading'].includes(v.status)) {
        throw cinderErrors.invalidVolume(`Updating volume metadata is not allowed for volumes in ${v.status} status.`);
      }
      if (Object.keys(patch).length) await tx.getRepository(VolumeEntity).update({ id: v.id }, patch);
      return (await tx.getRepository(VolumeEntity).findOneBy({ id: v.id }))!;
    });
  }

  /**
   * DELETE (and os-force_delete). A volume no back end took is removed at once (with its quota);
   * else it goes `deleting` and the manager removes it from the back end. `cascade` takes its
   * snapshots along; without it, a volume with snapshots stays (Cinder's 400).
   */
  async delete(id: string, ctx: RequestContext, opts: { cascade?: boolean; force?: boolean } = {}): Promise<void> {
    const cast = await this.db.transaction(async (tx) => {
      const v = await this.get(id, ctx, tx, true);
      const snapshots = await tx.getRepository(SnapshotEntity).findBy({ volumeId: v.id });
      const statusOk = opts.force || DELETABLE.includes(v.status);
      const snapshotsOk = snapshots.length === 0 || (opts.cascade && (opts.force || snapshots.every((s) => ['available', 'error', 'deleting'].includes(s.status))));
      if (!statusOk || !snapshotsOk || v.status === 'in-use') {
        const status = opts.force ? '' : `status must be ${DELETABLE.join(' or ')} and`;
        throw cinderErrors.invalidVolume(`Volume ${status} must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.`);
      }
      if (!v.host) {
        await tx.getRepository(SnapshotEntity).delete({ volumeId: v.id });
        await tx.getRepository(VolumeEntity).delete({ id: v.id });
        return false;
      }
      if (snapshots.length) await tx.getRepository(SnapshotEntity).update({ volumeId: v.id }, { status: 'deleting' });
      await tx.getRepository(VolumeEntity).update({ id: v.id }, { status: 'deleting' });
      return true;
    });
    if (cast) await this.rpc.cast('deleteVolume', { volumeId: id }, ctx);
  }

  /**
   * os-extend: only larger, only `available` (3.42's in-use extend needs attachments, which do
   * not exist yet), and not while a snapshot of it is being copied. The target size counts
   * against quota at once; the manager grows the volume if the back end has room.
   */
  async extend(id: string, args: unknown, ctx: RequestContext): Promise<void> {
    const a = actionBody(args, 'os-extend');
    onlyKeys(a, ['new_size']);
    if (a.new_size === undefined) throw cinderErrors.badRequest("'new_size' is a required property");
    const newSize = sizeOf(a.new_size, 'new_size');
    await this.db.transaction(async (tx) => {
      const v = await this.get(id, ctx, tx, true);
      if (newSize <= v.size) {
        throw cinderErrors.invalidInput(`New size for extend must be greater than current size. (current: ${v.size}, extended: ${newSize}).`);
      }
      if (v.status !== 'available') throw cinderErrors.invalidVolume(`Volume ${v.id} status must be '{'status': 'available'}' to extend, currently ${v.status}.`);
      const copying = await tx.query(`SELECT 1 FROM volume.snapshots WHERE volume_id = $1 AND status = 'creating' LIMIT 1`, [v.id]);
      if (copying.length) throw cinderErrors.invalidVolume(`Volume ${v.id} has a snapshot being created; extend it once the snapshot is available.`);
      const type = await tx.getRepository(VolumeTypeEntity).findOneByOrFail({ id: v.volumeTypeId });
      if (v.useQuota) await this.quotas.enforce(tx, v.projectId, type, [['gigabytes', newSize - v.size]], newSize);
      await tx.getRepository(VolumeEntity).update({ id: v.id }, { status: 'extending', targetSize: newSize });
    });
    await this.rpc.cast('extendVolume', { volumeId: id }, ctx);
  }

  /** os-reset_status (admin): any of Cinder's statuses but `deleting`; a reset ends an extend in progress. */
  async resetStatus(id: string, args: unknown, ctx: RequestContext): Promise<void> {
    const a = actionBody(args, 'os-reset_status');
    onlyKeys(a, ['status', 'attach_status', 'migration_status']);
    const status = str(a, 'status')?.toLowerCase();
    const attach = str(a, 'attach_status')?.toLowerCase();
    if (status && !(VOLUME_STATUSES as readonly string[]).includes(status)) {
      throw cinderErrors.badRequest(`Volume status: ${status} is invalid, valid statuses are: (${VOLUME_STATUSES.map((s) => `'${s}'`).join(', ')}).`);
    }
    if (attach && !['attached', 'detached'].includes(attach)) {
      throw cinderErrors.badRequest(`Volume attach status: ${attach} is invalid, valid statuses are: ['attached', 'detached'].`);
    }
    if (status === 'deleting') throw cinderErrors.badRequest('Cannot reset-state to deleting');
    await this.db.transaction(async (tx) => {
      const v = await this.get(id, ctx, tx, true);
      if (status) await tx.getRepository(VolumeEntity).update({ id: v.id }, { status, ...(status !== 'extending' ? { targetSize: null } : {}) });
    });
  }

  async setBootable(id: string, args: unknown, ctx: RequestContext): Promise<void> {
    const a = actionBody(args, 'os-set_bootable');
    onlyKeys(a, ['bootable']);
    if (a.bootable === undefined) throw cinderErrors.badRequest("'bootable' is a required property");
    const bootable = bool(a, 'bootable')!;
    await this.db.transaction(async (tx) => {
      const v = await this.get(id, ctx, tx, true);
      await tx.getRepository(VolumeEntity).update({ id: v.id }, { bootable });
    });
  }

  // Metadata (/volumes/{id}/metadata)

  async metadata(id: string, ctx: RequestContext): Promise<Record<string, string>> {
    return (await this.get(id, ctx)).metadata;
  }

  /** POST merges, PUT (`replace`) replaces the whole set; both answer with the volume's metadata. */
  async setMetadata(id: string, body: unknown, ctx: RequestContext, replace: boolean): Promise<Record<string, string>> {
    const b = requireObject(body);
    onlyKeys(b, ['metadata']);
    if (b.metadata === undefined) throw cinderErrors.badRequest("'metadata' is a required property");
    const given = metadataOf(b.metadata);
    return this.db.transaction(async (tx) => {
      const v = await this.get(id, ctx, tx, true);
      this.metadataWritable(v);
      const metadata = replace ? given : { ...v.metadata, ...given };
      await tx.getRepository(VolumeEntity).update({ id: v.id }, { metadata });
      return metadata;
    });
  }

  /** PUT /metadata/{key} with `{"meta": {"<key>": "<value>"}}`. */
  async setMetadataItem(id: string, key: string, body: unknown, ctx: RequestContext): Promise<Record<string, string>> {
    const b = requireObject(body);
    onlyKeys(b, ['meta']);
    if (b.meta === undefined) throw cinderErrors.badRequest("'meta' is a required property");
    const meta = metadataOf(b.meta, 'meta');
    if (!(key in meta)) throw cinderErrors.badRequest('Request body and URI mismatch');
    if (Object.keys(meta).length > 1) throw cinderErrors.badRequest('Request body contains too many items');
    await this.db.transaction(async (tx) => {
      const v = await this.get(id, ctx, tx, true);
      this.metadataWritable(v);
      await tx.getRepository(VolumeEntity).update({ id: v.id }, { metadata: { ...v.metadata, ...meta } });
    });
    return meta;
  }

  async deleteMetadataItem(id: string, key: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const v = await this.get(id, ctx, tx, true);
      if (!(key in v.metadata)) throw cinderErrors.metadataNotFound(id, key);
      if (['maintenance', 'uploading'].includes(v.status)) throw cinderErrors.invalidVolume(`Deleting volume metadata is not allowed for volumes in ${v.status} status.`);
      await tx.getRepository(VolumeEntity).update({ id: v.id }, { metadata: Object.fromEntries(Object.entries(v.metadata).filter(([k]) => k !== key)) });
    });
  }

  private metadataWritable(v: VolumeEntity): void {
    if (['maintenance', 'uploading'].includes(v.status)) throw cinderErrors.invalidVolume(`Updating volume metadata is not allowed for volumes in ${v.status} status.`);
  }

  /** Query filters left after paging keys, with non-admins' unknown ones dropped (3.31+: refused). */
  filters(q: Query, ctx: RequestContext, mv: Microversion, allowed: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    const refused: string[] = [];
    for (const key of Object.keys(q)) {
      if (PAGING.includes(key)) continue;
      const value = one(q, key)!;
      if (!ctx.isAdmin && !allowed.includes(key)) {
        if (key !== 'all_tenants') refused.push(key);
        continue;
      }
      out[key] = value;
    }
    if (refused.length && mv.atLeast('3.31')) throw cinderErrors.badRequest(`Invalid filters ${refused.join(',')} are found in query options.`);
    return out;
  }

  /** Boolean filters: before 3.2 anything but a false spelling is true; from 3.2 only true/false spellings. */
  private boolFilter(key: string, value: string, mv: Microversion): boolean {
    const v = value.toLowerCase();
    if (['false', '0', 'f', 'no', 'n', 'off'].includes(v)) return false;
    if (['true', '1', 't', 'yes', 'y', 'on'].includes(v) || !mv.atLeast('3.2')) return true;
    throw cinderErrors.invalidInput(`Invalid value '${value}' for ${key} filter`);
  }

  private async visibleSnapshot(tx: EntityManager, id: string, ctx: RequestContext): Promise<SnapshotEntity> {
    // Shared: the snapshot cannot be deleted while this volume is being made from it.
    const s = await tx.getRepository(SnapshotEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_read' } });
    if (!s || !(ctx.isAdmin || s.projectId === ctx.projectId)) throw cinderErrors.snapshotNotFound(id);
    return s;
  }
}

export function volumeSortValue(v: VolumeEntity, key: string): string | number | boolean | Date | null {
  switch (key) {
    case 'name': return v.name;
    case 'status': return v.status;
    case 'size': return v.size;
    case 'availability_zone': return v.availabilityZone;
    case 'bootable': return v.bootable;
    case 'updated_at': return v.updatedAt;
    case 'project_id': return v.projectId;
    case 'volume_type_id': return v.volumeTypeId;
    default: return v.createdAt;
  }
}

/** A size in GB: a positive integer, or a string of digits (Cinder's volume_size schema). */
export function sizeOf(v: unknown, field: string): number {
  if (typeof v === 'string' && !/^[0-9]+$/.test(v)) throw invalidField(field, v, `${pyRepr(v)} does not match '^[0-9]+$'`);
  if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) throw invalidField(field, v, `${pyRepr(v)} is not of type 'integer', 'string', 'null'`);
  const n = Number(v);
  if (n < 1) throw invalidField(field, v, `${pyRepr(v)} is less than the minimum of 1`);
  if (n > DB_MAX_INT) throw invalidField(field, v, `${pyRepr(v)} is greater than the maximum of ${DB_MAX_INT}`);
  return n;
}

/** The object under an action's key (`{"os-extend": {...}}`); a null one counts as empty. */
export function actionBody(args: unknown, action: string): Json {
  if (args === null || args === undefined) return {};
  if (typeof args !== 'object' || Array.isArray(args)) throw invalidField(action, args, `${pyRepr(args)} is not of type 'object'`);
  return args as Json;
}

function requireObject(body: unknown): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw cinderErrors.badRequest('Malformed request body');
  return body as Json;
}

