import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { BadRequestError, ForbiddenError } from '../../../common/errors/api-error';
import { QuotaEntity } from '../entities/quota.entity';
import {
  QUOTA_DEFAULTS, QUOTA_RESOURCES, QuotaDelta, QuotaLimits, QuotaResource, QuotaUsage, limitBelowUsage, overQuotaMessage,
} from './quota-limits';

/** First value of a row, as a number (count and sum come back as strings for bigint). */
const num = (v: unknown) => Number(v ?? 0);

type QuotaCounted = keyof QuotaDelta;
const COUNTED: QuotaCounted[] = ['instances', 'cores', 'ram'];

/**
 * The first key of the two-key advisory lock on a project's limits (the second is the project's
 * hash). Two-key locks live apart from the one-key ones (hashtext of a project or server group).
 */
const LIMITS_LOCK = 0x71756f74;

/**
 * Compute quotas: limits per project (rows in compute.quotas over Nova's defaults), usage counted
 * from compute.instances and compute.server_groups, and the race-free check of a server create.
 */
@Injectable()
export class QuotaService {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /** A project's limits: its own rows over Nova's defaults. */
  async limits(projectId: string, manager: EntityManager = this.db.manager): Promise<QuotaLimits> {
    const rows: { resource: string; hard_limit: number }[] = await manager.query(
      'SELECT resource, hard_limit FROM compute.quotas WHERE project_id = $1', [projectId]);
    const limits: QuotaLimits = { ...QUOTA_DEFAULTS };
    for (const row of rows) if (row.resource in limits) limits[row.resource as QuotaResource] = row.hard_limit;
    return limits;
  }

  defaults(): QuotaLimits {
    return { ...QUOTA_DEFAULTS };
  }

  /** Live instances (not deleted) and the vCPUs and RAM of their flavors, plus server groups. */
  async usage(projectId: string, manager: EntityManager = this.db.manager): Promise<QuotaUsage> {
    const [groups] = await manager.query(`SELECT count(*) AS n FROM compute.server_groups WHERE project_id = $1`, [projectId]);
    return { ...(await this.instanceUsage(projectId, manager)), server_groups: num(groups.n) };
  }

  /**
   * Checks that `delta` (instances, cores, ram about to be created) fits the project's quota, and
   * throws Nova's 403 `Quota exceeded for instances: Requested 1, but already used 10 of 10 instances`
   * when it does not. Call it inside the transaction that inserts the new instance rows: the locks
   * it takes are held until that transaction ends.
   *
   * Two per-project advisory locks make it race-free without serialising unlimited projects:
   * every check holds the limits lock shared, and `update` takes it exclusively, so limits cannot
   * change while a check that read them is in flight. Only when a limit that `delta` grows is
   * finite does the check also take the usage lock exclusively and count, so creates of one such
   * project count and insert one after the other. Both paths take the locks in the same order as
   * `update`, so they cannot deadlock.
   */
  async enforce(manager: EntityManager, projectId: string, delta: QuotaDelta): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('QuotaService.enforce must run inside a transaction');
    await manager.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [LIMITS_LOCK, projectId]);
    const limits = await this.limits(projectId, manager);
    if (!COUNTED.some((r) => delta[r] > 0 && limits[r] >= 0)) return;
    await this.lockUsage(manager, projectId);
    const message = overQuotaMessage(limits, await this.instanceUsage(projectId, manager), delta);
    if (message) throw new ForbiddenError(message);
  }

  /**
   * Sets some of a project's limits (admin). Unless `force`, a limit below what is in use is a 400,
   * as in Nova; it holds both of `enforce`'s locks exclusively, so no create slips in between.
   */
  async update(projectId: string, values: Partial<QuotaLimits>, force: boolean): Promise<QuotaLimits> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LIMITS_LOCK, projectId]);
      await this.lockUsage(tx, projectId);
      const entries = Object.entries(values).filter(([, v]) => v !== undefined && v !== null) as [QuotaResource, number][];
      if (!force && entries.length) {
        const usage = await this.usage(projectId, tx);
        for (const [resource, limit] of entries) {
          const problem = limitBelowUsage(resource, limit, (usage as unknown as Record<string, number>)[resource]);
          if (problem) throw new BadRequestError(problem);
        }
      } else {
        for (const [resource, limit] of entries) {
          const problem = limitBelowUsage(resource, limit, undefined);
          if (problem) throw new BadRequestError(problem);
        }
      }
      for (const [resource, hardLimit] of entries) {
        if (!QUOTA_RESOURCES.includes(resource)) throw new BadRequestError(`Unknown quota resource ${resource}.`);
        await tx.query(
          `INSERT INTO compute.quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
           ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit`,
          [projectId, resource, hardLimit],
        );
      }
      return this.limits(projectId, tx);
    });
  }

  /** Back to the defaults (DELETE /os-quota-sets/{project_id}). */
  async reset(projectId: string): Promise<void> {
    await this.db.getRepository(QuotaEntity).delete({ projectId });
  }

  private async lockUsage(manager: EntityManager, projectId: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [projectId]);
  }

  private async instanceUsage(projectId: string, manager: EntityManager): Promise<Pick<QuotaUsage, QuotaCounted>> {
    const [inst] = await manager.query(
      `SELECT count(*) AS instances,
              COALESCE(sum((flavor->>'vcpus')::int), 0) AS cores,
              COALESCE(sum((flavor->>'memoryMb')::int), 0) AS ram
         FROM compute.instances WHERE project_id = $1 AND deleted_at IS NULL`,
      [projectId],
    );
    return { instances: num(inst.instances), cores: num(inst.cores), ram: num(inst.ram) };
  }
}
