import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { Microversion } from '../../common/http/microversion';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { RpcClient } from '../../common/messaging/rpc-client';
import { VOLUME_RPC, VolumeRpc } from '../../contracts/volume/volume.rpc';
import { bool, invalidField, onlyKeys, pyRepr, required, specs, str, uuid, UUID, wrapped } from './api/cinder-body';
import { CinderPage, page, parseDictParam, Query } from './api/cinder-query';
import { cinderErrors } from './cinder-errors';
import { VolumeTypeEntity } from './entities/volume-type.entity';
import { SnapshotEntity } from './entities/volume.entity';
import { VolumeQuotasService } from './quotas/volume-quotas.service';
import { SNAPSHOT_STATUSES } from './volume-status';
import { actionBody, VolumesApi } from './volumes.api';

const USER_FILTERS = ['name', 'status', 'volume_id', 'metadata', 'availability_zone', 'consumes_quota'];
export const SNAPSHOT_SORT_KEYS = ['id', 'name', 'status', 'created_at', 'updated_at', 'volume_id', 'size', 'project_id'];

/** Since 3.66 an in-use volume is snapshotted without `force`; an explicit false is refused. */
const FORCE_FALSE_366 = "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward compatability, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.";

/** Snapshots: copies of a volume on its back end, counted against the snapshots and gigabytes quotas. */
@Injectable()
export class SnapshotsApi {
  private readonly rpc: RpcClient<VolumeRpc>;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    private readonly quotas: VolumeQuotasService,
    private readonly volumes: VolumesApi,
  ) {
    this.rpc = new RpcClient(bus, VOLUME_RPC);
  }

  async get(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager, lock = false): Promise<SnapshotEntity> {
    let s: SnapshotEntity | null = null;
    if (UUID.test(id)) {
      s = await manager.getRepository(SnapshotEntity).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    }
    if (!s || !(ctx.isAdmin || s.projectId === ctx.projectId)) throw cinderErrors.snapshotNotFound(id);
    return s;
  }

  async list(q: Query, p: CinderPage, ctx: RequestContext, mv: Microversion): Promise<{ items: SnapshotEntity[]; more: boolean; count: number }> {
    const filters = this.volumes.filters(q, ctx, mv, USER_FILTERS);
    const qb = this.db.getRepository(SnapshotEntity).createQueryBuilder('s');
    const allTenants = ctx.isAdmin && filters.all_tenants !== undefined && filters.all_tenants !== '0' && filters.all_tenants.toLowerCase() !== 'false';
    if (!allTenants) qb.andWhere('s.project_id = :p', { p: ctx.projectId });
    else if (filters.project_id !== undefined) qb.andWhere('s.project_id = :fp', { fp: filters.project_id });
    if (filters.name !== undefined) qb.andWhere('s.name = :name', { name: filters.name });
    if (filters.status !== undefined) qb.andWhere('s.status = :status', { status: filters.status });
    if (filters.volume_id !== undefined) qb.andWhere('s.volume_id::text = :vid', { vid: filters.volume_id });
    if (filters.metadata !== undefined && mv.atLeast('3.22')) qb.andWhere('s.metadata @> :meta::jsonb', { meta: JSON.stringify(parseDictParam(filters.metadata, 'metadata')) });
    const rows = await qb.getMany();
    const res = page(rows, p, snapshotSortValue, (m) => cinderErrors.snapshotNotFound(m));
    return { ...res, count: rows.length };
  }

  /**
   * POST /snapshots: of an `available` volume (or `in-use` with force, and from 3.66 without);
   * the volume's row lock keeps it from starting an extend or a delete until this commits.
   */
  async create(body: unknown, ctx: RequestContext, mv: Microversion): Promise<SnapshotEntity> {
    const b = wrapped(body, 'snapshot');
    onlyKeys(b, ['name', 'display_name', 'description', 'volume_id', 'force', 'metadata']);
    required(b, 'volume_id');
    const volumeId = uuid(b, 'volume_id');
    if (!volumeId) throw invalidField('volume_id', b.volume_id, `${pyRepr(b.volume_id)} is not a 'uuid'`);
    const name = str(b, 'name') ?? str(b, 'display_name') ?? null;
    const description = str(b, 'description') ?? null;
    const metadata = b.metadata === undefined || b.metadata === null ? {} : specs(b.metadata, 'metadata');
    const force = bool(b, 'force');
    if (force === false && mv.atLeast('3.66')) throw cinderErrors.badRequest(FORCE_FALSE_366);
    const valid = force || mv.atLeast('3.66') ? ['available', 'in-use'] : ['available'];
    const snapshot = await this.db.transaction(async (tx) => {
      const v = await this.volumes.get(volumeId, ctx, tx, true);
      if (!valid.includes(v.status)) {
        throw cinderErrors.invalidVolume(`Volume ${v.id} status must be ${valid.join(', ')}, but current status is: ${v.status}.`);
      }
      const type = await tx.getRepository(VolumeTypeEntity).findOneByOrFail({ id: v.volumeTypeId });
      await this.quotas.enforce(tx, v.projectId, type, [['snapshots', 1], ['gigabytes', v.size]]);
      const s = tx.getRepository(SnapshotEntity).create({
        id: randomUUID(), projectId: v.projectId, userId: ctx.userId ?? '', volumeId: v.id, name, description, status: 'creating',
        volumeSize: v.size, volumeTypeId: v.volumeTypeId, metadata, useQuota: true,
      });
      await tx.getRepository(SnapshotEntity).insert(s);
      return (await tx.getRepository(SnapshotEntity).findOneBy({ id: s.id }))!;
    });
    await this.rpc.cast('createSnapshot', { snapshotId: snapshot.id }, ctx);
    return snapshot;
  }

  async update(id: string, body: unknown, ctx: RequestContext): Promise<SnapshotEntity> {
    const b = wrapped(body, 'snapshot');
    onlyKeys(b, ['name', 'description', 'display_name', 'display_description']);
    if (Object.keys(b).length === 0) throw invalidField('snapshot', b, `${pyRepr(b)} is not valid under any of the given schemas`);
    const patch: Partial<SnapshotEntity> = {};
    const name = b.name !== undefined ? str(b, 'name') : str(b, 'display_name');
    const description = b.description !== undefined ? str(b, 'description') : str(b, 'display_description');
    if (name !== undefined) patch.name = name;
    if (description !== undefined) patch.description = description;
    return this.db.transaction(async (tx) => {
      const s = await this.get(id, ctx, tx, true);
      await tx.getRepository(SnapshotEntity).update({ id: s.id }, patch);
      return (await tx.getRepository(SnapshotEntity).findOneBy({ id: s.id }))!;
    });
  }

  /**
   * DELETE (and os-force_delete): `available` or `error` ones (any with force), and not while a
   * volume is being made from it.
   */
  async delete(id: string, ctx: RequestContext, force = false): Promise<void> {
    await this.db.transaction(async (tx) => {
      const s = await this.get(id, ctx, tx, true);
      if (!force && !['available', 'error'].includes(s.status)) {
        throw cinderErrors.invalidSnapshot('Snapshot status must be available or error and must not be part of a group.');
      }
      const cloning = await tx.query(`SELECT 1 FROM volume.volumes WHERE snapshot_id = $1 AND status = 'creating' LIMIT 1`, [s.id]);
      if (cloning.length) throw cinderErrors.invalidSnapshot(`A volume is being created from snapshot ${s.id}.`);
      await tx.getRepository(SnapshotEntity).update({ id: s.id }, { status: 'deleting' });
    });
    await this.rpc.cast('deleteSnapshot', { snapshotId: id }, ctx);
  }

  /** os-reset_status (admin). */
  async resetStatus(id: string, args: unknown, ctx: RequestContext): Promise<void> {
    const a = actionBody(args, 'os-reset_status');
    onlyKeys(a, ['status']);
    required(a, 'status');
    const status = str(a, 'status', { nullable: false })!.toLowerCase();
    if (!(SNAPSHOT_STATUSES as readonly string[]).includes(status)) {
      throw cinderErrors.badRequest(`Snapshot status: ${status} is invalid, valid statuses are: (${SNAPSHOT_STATUSES.map((s) => `'${s}'`).join(', ')}).`);
    }
    await this.db.transaction(async (tx) => {
      const s = await this.get(id, ctx, tx, true);
      await tx.getRepository(SnapshotEntity).update({ id: s.id }, { status });
    });
  }
}

export function snapshotSortValue(s: SnapshotEntity, key: string): string | number | Date | null {
  switch (key) {
    case 'name': return s.name;
    case 'status': return s.status;
    case 'size': return s.volumeSize;
    case 'volume_id': return s.volumeId;
    case 'project_id': return s.projectId;
    case 'updated_at': return s.updatedAt;
    default: return s.createdAt;
  }
}
