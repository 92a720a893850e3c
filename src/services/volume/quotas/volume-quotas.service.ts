import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { BadRequestError } from '../../../common/errors/api-error';
import { cinderErrors } from '../cinder-errors';

/** Cinder's defaults (cinder.conf quota_* and per_volume_size_limit); per-type quotas default to unlimited. */
export const VOLUME_QUOTA_DEFAULTS: Record<string, number> = {
  volumes: 10, per_volume_gigabytes: -1, snapshots: 10, gigabytes: 1000, backups: 10, backup_gigabytes: 1000, groups: 10,
};

/** Per-type resources, named `<part>_<type name>` as Cinder names them. */
export const TYPE_PARTS = ['volumes', 'gigabytes', 'snapshots'] as const;

export interface QuotaUsageRow {
  limit: number;
  in_use: number;
  reserved: number;
}

/**
 * What a request adds, in the order Cinder reserves (and so reports) it: e.g.
 * `[['volumes', 1], ['gigabytes', 5]]`; each also counts against the type's own resource.
 */
export type QuotaDelta = [(typeof TYPE_PARTS)[number], number][];

interface TypeRef {
  id: string;
  name: string;
}

/**
 * Volume quotas: limits per project (rows over Cinder's defaults), usage counted from the
 * volumes and snapshots that consume quota (a volume in the middle of an extend counts at its
 * target size), and the race-free check of a create or extend.
 */
@Injectable()
export class VolumeQuotasService {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /** Every resource's default: the global ones, then each type's three. */
  async defaults(manager: EntityManager = this.db.manager): Promise<Record<string, number>> {
    const out: Record<string, number> = { ...VOLUME_QUOTA_DEFAULTS };
    for (const t of await this.types(manager)) for (const part of TYPE_PARTS) out[`${part}_${t.name}`] = -1;
    return out;
  }

  async limits(projectId: string, manager: EntityManager = this.db.manager): Promise<Record<string, number>> {
    const out = await this.defaults(manager);
    const rows: { resource: string; hard_limit: number }[] = await manager.query(
      'SELECT resource, hard_limit FROM volume.quotas WHERE project_id = $1', [projectId]);
    for (const r of rows) if (r.resource in out) out[r.resource] = r.hard_limit;
    return out;
  }

  /** In-use counts for every resource (backups and groups do not exist yet: 0). */
  async usage(projectId: string, manager: EntityManager = this.db.manager): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.fromEntries(Object.keys(await this.defaults(manager)).map((k) => [k, 0]));
    const types = new Map((await this.types(manager)).map((t) => [t.id, t.name]));
    for (const row of await this.counted(manager, projectId)) {
      const name = types.get(row.type);
      const add = (key: string, n: number) => { if (key in out) out[key] += n; };
      add('volumes', row.volumes);
      add('snapshots', row.snapshots);
      add('gigabytes', row.gigabytes);
      if (name !== undefined) {
        add(`volumes_${name}`, row.volumes);
        add(`snapshots_${name}`, row.snapshots);
        add(`gigabytes_${name}`, row.gigabytes);
      }
    }
    return out;
  }

  async detail(projectId: string): Promise<Record<string, QuotaUsageRow>> {
    const [limits, used] = [await this.limits(projectId), await this.usage(projectId)];
    return Object.fromEntries(Object.entries(limits).map(([k, limit]) => [k, { limit, in_use: used[k] ?? 0, reserved: 0 }]));
  }

  /**
   * Inside the transaction that inserts (or grows) the volume or snapshot: holds the project's
   * quota lock until that transaction ends, so concurrent requests count one after the other,
   * and throws Cinder's 413 for the first resource the delta would take over its limit.
   * `perVolumeSize`: the size a volume will have, checked against per_volume_gigabytes first.
   */
  async enforce(tx: EntityManager, projectId: string, type: TypeRef, delta: QuotaDelta, perVolumeSize?: number): Promise<void> {
    if (!tx.queryRunner?.isTransactionActive) throw new Error('VolumeQuotasService.enforce must run inside a transaction');
    await this.lock(tx, projectId);
    const limits = await this.limits(projectId, tx);
    if (perVolumeSize !== undefined && limits.per_volume_gigabytes >= 0 && perVolumeSize > limits.per_volume_gigabytes) {
      throw cinderErrors.sizeExceedsLimit(perVolumeSize, limits.per_volume_gigabytes);
    }
    const checks: [string, number][] = [...delta, ...delta.map(([part, n]): [string, number] => [`${part}_${type.name}`, n])];
    if (!checks.some(([r]) => (limits[r] ?? -1) >= 0)) return;
    const used = await this.usage(projectId, tx);
    for (const [resource, n] of checks) {
      const limit = limits[resource] ?? -1;
      if (limit < 0 || used[resource] + n <= limit) continue;
      if (resource.startsWith('gigabytes')) throw cinderErrors.sizeExceedsQuota(resource, n, limit, used[resource]);
      if (resource.startsWith('snapshots')) throw cinderErrors.snapshotLimitExceeded(limit);
      throw cinderErrors.volumeLimitExceeded(limit, resource);
    }
  }

  /**
   * Sets limits (admin). A limit below what is in use is Cinder's 400 (per_volume_gigabytes and
   * -1 excepted); taken under the same lock as `enforce`, so no create slips in between.
   */
  async update(projectId: string, values: Record<string, number>): Promise<Record<string, number>> {
    return this.db.transaction(async (tx) => {
      await this.lock(tx, projectId);
      const known = await this.defaults(tx);
      const bad = Object.keys(values).filter((k) => !(k in known));
      if (bad.length) throw cinderErrors.invalidInput(`Bad key(s) in quota set: ${bad.join(', ')}`);
      const used = await this.usage(projectId, tx);
      for (const [resource, limit] of Object.entries(values)) {
        if (resource === 'per_volume_gigabytes' || limit === -1 || limit >= used[resource]) continue;
        throw new BadRequestError(
          `Quota ${resource} limit must be equal or greater than existing resources. Current usage is ${used[resource]} and the requested limit is ${limit}.`);
      }
      for (const [resource, limit] of Object.entries(values)) {
        await tx.query(
          `INSERT INTO volume.quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
           ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit`, [projectId, resource, limit]);
      }
      return this.limits(projectId, tx);
    });
  }

  async reset(projectId: string): Promise<void> {
    await this.db.query('DELETE FROM volume.quotas WHERE project_id = $1', [projectId]);
  }

  /** A renamed type keeps its per-type limits under the new name (Cinder's update_quota_resource). */
  async renameType(tx: EntityManager, oldName: string, newName: string): Promise<void> {
    for (const part of TYPE_PARTS) {
      await tx.query('UPDATE volume.quotas SET resource = $2 WHERE resource = $1', [`${part}_${oldName}`, `${part}_${newName}`]);
    }
  }

  async dropType(tx: EntityManager, name: string): Promise<void> {
    await tx.query('DELETE FROM volume.quotas WHERE resource = ANY($1)', [TYPE_PARTS.map((p) => `${p}_${name}`)]);
  }

  private lock(tx: EntityManager, projectId: string): Promise<unknown> {
    return tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`volume-quota:${projectId}`]);
  }

  private types(manager: EntityManager): Promise<TypeRef[]> {
    return manager.query('SELECT id, name FROM volume.volume_types ORDER BY created_at, name');
  }

  /** Per volume type: volumes, snapshots, and the gigabytes both hold, of what consumes quota. */
  private async counted(manager: EntityManager, projectId: string): Promise<{ type: string; volumes: number; snapshots: number; gigabytes: number }[]> {
    const rows: { type: string; volumes: string; snapshots: string; gigabytes: string }[] = await manager.query(
      `SELECT type, sum(volumes) AS volumes, sum(snapshots) AS snapshots, sum(gigabytes) AS gigabytes FROM (
         SELECT volume_type_id AS type, count(*) AS volumes, 0 AS snapshots, coalesce(sum(greatest(size, coalesce(target_size, 0))), 0) AS gigabytes
           FROM volume.volumes WHERE project_id = $1 AND use_quota GROUP BY volume_type_id
         UNION ALL
         SELECT volume_type_id, 0, count(*), coalesce(sum(volume_size), 0)
           FROM volume.snapshots WHERE project_id = $1 AND use_quota GROUP BY volume_type_id) c
       GROUP BY type`, [projectId]);
    return rows.map((r) => ({ type: r.type, volumes: Number(r.volumes), snapshots: Number(r.snapshots), gigabytes: Number(r.gigabytes) }));
  }
}
