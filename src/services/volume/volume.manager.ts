import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { LOGGER } from '../../common/logging/logger';
import { MESSAGE_BUS, MessageBus, Subscription } from '../../common/messaging/message-bus';
import { serveContract } from '../../common/messaging/rpc-server';
import { RpcHandlers } from '../../contracts/rpc';
import { VOLUME_RPC, VolumeRpc } from '../../contracts/volume/volume.rpc';
import { VOLUME_BACKEND, VolumeBackend } from './backends/volume-backend';
import { VolumeTypeEntity } from './entities/volume-type.entity';
import { SnapshotEntity, VolumeEntity } from './entities/volume.entity';
import { VolumeMessagesApi } from './messages.api';
import { USER_MESSAGES } from './volume-status';
import { VOLUME_SETTINGS, VolumeSettings } from './volume.settings';

/**
 * Cinder's `host@backend#pool` for a volume on `backend`. A shared pool is reachable from every
 * volume service, so its host part names the pool rather than a machine (Cinder's backend_host).
 */
export function backendHost(backend: VolumeBackend): string {
  return `berth@${backend.name}#${backend.name}`;
}

/**
 * RPC handlers of the `volume` topic: the scheduler's capacity check and the back end's work for
 * what the API recorded. Each handler acts only on a record still in the state the API left it
 * in (a redelivered message changes nothing) and never throws for a back-end failure: the record
 * goes to Cinder's error status and the project gets a user message instead.
 */
@Injectable()
export class VolumeManager implements RpcHandlers<VolumeRpc>, OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;
  private readonly host: string;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(VOLUME_BACKEND) private readonly backend: VolumeBackend,
    @Inject(VOLUME_SETTINGS) private readonly settings: VolumeSettings,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly messages: VolumeMessagesApi,
  ) {
    this.host = backendHost(backend);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await serveContract(this.bus, VOLUME_RPC, this, { prefetch: 16 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close().catch(() => undefined);
  }

  async createVolume({ volumeId }: { volumeId: string }, ctx: RequestContext): Promise<void> {
    const v = await this.db.getRepository(VolumeEntity).findOneBy({ id: volumeId });
    if (!v || v.status !== 'creating') return;
    if (!v.host) {
      const refusal = await this.schedule(v);
      if (refusal) {
        this.log.warn({ volumeId, reason: refusal }, `No valid backend was found. ${refusal}`);
        await this.db.getRepository(VolumeEntity).update({ id: v.id, status: 'creating' }, { status: 'error', useQuota: false });
        await this.messages.record(ctx, v.projectId, v.id, USER_MESSAGES.noValidBackend);
        return;
      }
    }
    try {
      if (v.snapshotId) await this.backend.createVolumeFromSnapshot(v.id, v.snapshotId, v.size);
      else await this.backend.createVolume(v.id, v.size);
    } catch (err) {
      this.log.error({ err, volumeId }, 'volume creation failed on the back end');
      await this.db.getRepository(VolumeEntity).update({ id: v.id, status: 'creating' }, { status: 'error' });
      await this.messages.record(ctx, v.projectId, v.id, USER_MESSAGES.createFailed);
      return;
    }
    await this.db.getRepository(VolumeEntity).update({ id: v.id, status: 'creating' }, { status: 'available' });
  }

  async deleteVolume({ volumeId }: { volumeId: string }): Promise<void> {
    const v = await this.db.getRepository(VolumeEntity).findOneBy({ id: volumeId });
    if (!v || v.status !== 'deleting') return;
    try {
      for (const s of await this.db.getRepository(SnapshotEntity).findBy({ volumeId: v.id })) {
        await this.backend.deleteSnapshot(s.id);
        await this.db.getRepository(SnapshotEntity).delete({ id: s.id });
      }
      await this.backend.deleteVolume(v.id);
    } catch (err) {
      this.log.error({ err, volumeId }, 'volume deletion failed on the back end');
      await this.db.getRepository(VolumeEntity).update({ id: v.id, status: 'deleting' }, { status: 'error_deleting' });
      return;
    }
    await this.db.getRepository(VolumeEntity).delete({ id: v.id, status: 'deleting' });
  }

  /**
   * Grows a volume in `extending` to its target size. No room in the pool: back to `available`
   * at the old size with a user message (Cinder's scheduler); a back-end failure: `error_extending`.
   * Either way the target size, and so its quota, is given back.
   */
  async extendVolume({ volumeId }: { volumeId: string }, ctx: RequestContext): Promise<void> {
    const v = await this.db.getRepository(VolumeEntity).findOneBy({ id: volumeId });
    if (!v || v.status !== 'extending' || v.targetSize === null) return;
    const refusal = await this.db.transaction(async (tx) => {
      await this.lockPool(tx);
      return this.refusal(tx, 0, `the extend of volume ${v.id} to ${v.targetSize}GB`);
    });
    if (refusal) {
      this.log.warn({ volumeId, reason: refusal }, `No valid backend was found. ${refusal}`);
      await this.db.getRepository(VolumeEntity).update({ id: v.id, status: 'extending' }, { status: 'available', targetSize: null });
      await this.messages.record(ctx, v.projectId, v.id, USER_MESSAGES.extendNoBackend);
      return;
    }
    try {
      await this.backend.extendVolume(v.id, v.targetSize);
    } catch (err) {
      this.log.error({ err, volumeId }, 'volume extend failed on the back end');
      await this.db.getRepository(VolumeEntity).update({ id: v.id, status: 'extending' }, { status: 'error_extending', targetSize: null });
      await this.messages.record(ctx, v.projectId, v.id, USER_MESSAGES.extendFailed);
      return;
    }
    await this.db.getRepository(VolumeEntity).update({ id: v.id, status: 'extending' }, { status: 'available', size: v.targetSize, targetSize: null });
  }

  async createSnapshot({ snapshotId }: { snapshotId: string }, ctx: RequestContext): Promise<void> {
    const s = await this.db.getRepository(SnapshotEntity).findOneBy({ id: snapshotId });
    if (!s || s.status !== 'creating') return;
    try {
      await this.backend.createSnapshot(s.id, s.volumeId);
    } catch (err) {
      this.log.error({ err, snapshotId }, 'snapshot creation failed on the back end');
      await this.db.getRepository(SnapshotEntity).update({ id: s.id, status: 'creating' }, { status: 'error' });
      await this.messages.record(ctx, s.projectId, s.id, USER_MESSAGES.snapshotFailed);
      return;
    }
    await this.db.getRepository(SnapshotEntity).update({ id: s.id, status: 'creating' }, { status: 'available' });
  }

  async deleteSnapshot({ snapshotId }: { snapshotId: string }, ctx: RequestContext): Promise<void> {
    const s = await this.db.getRepository(SnapshotEntity).findOneBy({ id: snapshotId });
    if (!s || s.status !== 'deleting') return;
    try {
      await this.backend.deleteSnapshot(s.id);
    } catch (err) {
      this.log.error({ err, snapshotId }, 'snapshot deletion failed on the back end');
      await this.db.getRepository(SnapshotEntity).update({ id: s.id, status: 'deleting' }, { status: 'error_deleting' });
      await this.messages.record(ctx, s.projectId, s.id, USER_MESSAGES.snapshotDeleteFailed);
      return;
    }
    await this.db.getRepository(SnapshotEntity).delete({ id: s.id, status: 'deleting' });
  }

  /**
   * Cinder's filter scheduler with one back end: the type must select it (volume_backend_name),
   * and the pool must hold the volume (capacity filter). Claims the pool by setting the volume's
   * host under the pool's lock, so concurrent creates see each other's claims. Returns why not.
   */
  private async schedule(v: VolumeEntity): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      const type = await tx.getRepository(VolumeTypeEntity).findOneBy({ id: v.volumeTypeId });
      const wanted = type?.extraSpecs.volume_backend_name;
      if (wanted !== undefined && wanted !== this.backend.name) return `No back end is named ${wanted} (volume_backend_name of type ${type!.name}).`;
      await this.lockPool(tx);
      const refusal = await this.refusal(tx, v.size, `thin provisioned ${v.size}GB volume`);
      if (refusal) return refusal;
      await tx.getRepository(VolumeEntity).update({ id: v.id }, { host: this.host });
      return undefined;
    });
  }

  private lockPool(tx: EntityManager): Promise<unknown> {
    return tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`volume-pool:${this.host}`]);
  }

  /**
   * Cinder's capacity filter for thin provisioning: what the pool's volumes and snapshots
   * provision (an extend in progress at its target size), plus `adding`, may not exceed the
   * pool's size times the over-subscription ratio.
   */
  private async refusal(tx: EntityManager, adding: number, what: string): Promise<string | undefined> {
    const [row] = await tx.query(
      `SELECT (SELECT coalesce(sum(greatest(size, coalesce(target_size, 0))), 0) FROM volume.volumes WHERE host = $1)
            + (SELECT coalesce(sum(s.volume_size), 0) FROM volume.snapshots s JOIN volume.volumes v ON v.id = s.volume_id WHERE v.host = $1) AS provisioned`,
      [this.host]);
    const provisioned = Number(row.provisioned);
    const { totalGb } = await this.backend.capacity();
    const allowed = totalGb * this.settings.oversubscriptionRatio;
    if (provisioned + adding <= allowed) return undefined;
    return `Insufficient free virtual space (${Math.max(0, Math.floor(allowed - provisioned))}GB) to accommodate ${what} on pool ${this.host} (${totalGb.toFixed(0)}GB, ratio ${this.settings.oversubscriptionRatio}).`;
  }
}
