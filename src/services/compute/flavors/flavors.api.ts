import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { asEntity, entityColumns } from '../../../common/database/entity-rows';
import { preparedQuery } from '../../../common/database/prepared';
import { ConflictError, NotFoundError } from '../../../common/errors/api-error';
import { FlavorEntity, FlavorProjectEntity } from '../entities/flavor.entity';
import { FlavorCreateDto } from './api/dto/flavor.dto';

/** Which flavors a list shows (Nova's `_get_flavors` filters). */
export interface FlavorListFilter {
  /** true: public (plus private ones the caller's project may use); false: private only; null: all (admins). */
  isPublic: boolean | null;
  minRam?: number;
  minDisk?: number;
}

export function flavorNotFound(id: string): NotFoundError {
  return new NotFoundError(`Flavor ${id} could not be found.`);
}

/** Which unique index a 23505 violated, or undefined for any other error. */
function duplicateOf(err: unknown): 'name' | 'id' | undefined {
  if (!(err instanceof QueryFailedError)) return undefined;
  const e = err as unknown as { code?: string; constraint?: string; detail?: string; driverError?: { constraint?: string; detail?: string } };
  if (e.code !== '23505') return undefined;
  const where = `${e.constraint ?? e.driverError?.constraint ?? ''} ${e.detail ?? e.driverError?.detail ?? ''}`;
  return /name/.test(where) ? 'name' : 'id';
}

/** Matches flavors the caller's project may use: public ones, or private ones shared with it. */
const ACCESSIBLE = `(f.is_public OR EXISTS (SELECT 1 FROM compute.flavor_projects fp WHERE fp.flavor_id = f.id AND fp.project_id = :pid))`;

/**
 * Flavors, their extra specs and their access lists (Nova's flavors, flavor-manage,
 * os-flavor-extra-specs and os-flavor-access). Servers use `get` to resolve a flavorRef.
 */
@Injectable()
export class FlavorsApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(FlavorEntity);
  }

  /**
   * A flavor the caller may use. Admins see every flavor; others see public flavors and private
   * ones shared with their project, and get 404 for the rest (as if they did not exist).
   */
  async get(flavorId: string, ctx: RequestContext): Promise<FlavorEntity> {
    // A plain prepared read: every server create resolves its flavor here.
    const columns = entityColumns(this.db, FlavorEntity, 'f');
    const { rows: [row] } = ctx.isAdmin
      ? await preparedQuery<object>(this.db.manager, `SELECT ${columns} FROM compute.flavors f WHERE f.id = $1`, [flavorId])
      : await preparedQuery<object>(this.db.manager, `SELECT ${columns} FROM compute.flavors f WHERE f.id = $1 AND ${ACCESSIBLE.replace(':pid', '$2')}`,
        [flavorId, ctx.projectId ?? '']);
    if (!row) throw flavorNotFound(flavorId);
    return asEntity(FlavorEntity, row);
  }

  /** Flavors matching the filter, unsorted and unpaged (the caller pages; flavors are few). */
  list(filter: FlavorListFilter, ctx: RequestContext): Promise<FlavorEntity[]> {
    const qb = this.repo.createQueryBuilder('f');
    const pid = ctx.projectId ?? '';
    if (!ctx.isAdmin) {
      qb.where(ACCESSIBLE, { pid }).andWhere('NOT f.disabled');
    } else if (filter.isPublic === true) {
      qb.where(ACCESSIBLE, { pid });
    } else if (filter.isPublic === false) {
      qb.where('NOT f.is_public');
    }
    if (filter.minRam !== undefined) qb.andWhere('f.memory_mb >= :minRam', { minRam: filter.minRam });
    if (filter.minDisk !== undefined) qb.andWhere('f.root_gb >= :minDisk', { minDisk: filter.minDisk });
    return qb.getMany();
  }

  /** Creates a flavor (admin); a taken name or id is Nova's 409. */
  async create(dto: FlavorCreateDto): Promise<FlavorEntity> {
    const id = dto.id ?? randomUUID();
    try {
      await this.repo.insert({
        id, name: dto.name, vcpus: dto.vcpus, memoryMb: dto.ram, rootGb: dto.disk,
        ephemeralGb: dto['OS-FLV-EXT-DATA:ephemeral'] ?? 0, swapMb: dto.swap ?? 0, rxtxFactor: dto.rxtx_factor ?? 1,
        isPublic: dto['os-flavor-access:is_public'] ?? true, disabled: false, description: dto.description ?? null, extraSpecs: {},
      });
    } catch (err) {
      const dup = duplicateOf(err);
      if (dup === 'name') throw new ConflictError(`Flavor with name ${dto.name} already exists.`);
      if (dup === 'id') throw new ConflictError(`Flavor with ID ${id} already exists.`);
      throw err;
    }
    return this.repo.findOneByOrFail({ id });
  }

  /** PUT /flavors/{id} (2.55): only the description changes. */
  async updateDescription(id: string, description: string | null): Promise<FlavorEntity> {
    const res = await this.repo.update({ id }, { description });
    if (!res.affected) throw flavorNotFound(id);
    return this.repo.findOneByOrFail({ id });
  }

  /** Deletes a flavor and its access list. Instances keep the snapshot they were built with. */
  async delete(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const res = await tx.getRepository(FlavorEntity).delete({ id });
      if (!res.affected) throw flavorNotFound(id);
      await tx.getRepository(FlavorProjectEntity).delete({ flavorId: id });
    });
  }

  async extraSpecs(flavorId: string, ctx: RequestContext): Promise<Record<string, string>> {
    return (await this.get(flavorId, ctx)).extraSpecs ?? {};
  }

  async extraSpec(flavorId: string, key: string, ctx: RequestContext): Promise<string> {
    const specs = await this.extraSpecs(flavorId, ctx);
    if (!Object.prototype.hasOwnProperty.call(specs, key)) throw new NotFoundError(`Flavor ${flavorId} has no extra specs with key ${key}.`);
    return specs[key];
  }

  /** Merges specs (already validated) into the flavor's, atomically. */
  async setExtraSpecs(flavorId: string, specs: Record<string, string>): Promise<Record<string, string>> {
    const rows = await this.rowsOf<{ extra_specs: Record<string, string> }>(this.db.query(
      `UPDATE compute.flavors SET extra_specs = extra_specs || $2::jsonb, updated_at = now() WHERE id = $1 RETURNING extra_specs`,
      [flavorId, JSON.stringify(specs)],
    ));
    if (!rows.length) throw flavorNotFound(flavorId);
    return rows[0].extra_specs;
  }

  async deleteExtraSpec(flavorId: string, key: string): Promise<void> {
    const rows = await this.rowsOf(this.db.query(
      `UPDATE compute.flavors SET extra_specs = extra_specs - $2::text, updated_at = now() WHERE id = $1 AND extra_specs ? $2::text RETURNING id`,
      [flavorId, key],
    ));
    if (rows.length) return;
    if (!(await this.repo.existsBy({ id: flavorId }))) throw flavorNotFound(flavorId);
    throw new NotFoundError(`Flavor ${flavorId} has no extra specs with key ${key}.`);
  }

  /** Projects a private flavor is shared with (admin); a public flavor has no list (404, as Nova). */
  async accessList(flavorId: string, ctx: RequestContext): Promise<string[]> {
    const flavor = await this.get(flavorId, ctx);
    if (flavor.isPublic) throw new NotFoundError('Access list not available for public flavors.');
    return this.projectsOf(flavorId);
  }

  /**
   * Shares a private flavor with a project. From microversion 2.7 a public flavor is a 409, as in
   * Nova (before it, Nova records the access, which changes nothing for a public flavor).
   */
  async addAccess(flavorId: string, projectId: string, ctx: RequestContext, refusePublic: boolean): Promise<string[]> {
    const flavor = await this.get(flavorId, ctx);
    if (refusePublic && flavor.isPublic) throw new ConflictError('Can not add access to a public flavor.');
    const rows = await this.rowsOf(this.db.query(
      `INSERT INTO compute.flavor_projects (flavor_id, project_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING flavor_id`,
      [flavorId, projectId],
    ));
    if (rows.length === 0) throw new ConflictError(`Flavor access already exists for flavor ${flavorId} and project ${projectId} combination.`);
    return this.projectsOf(flavorId);
  }

  async removeAccess(flavorId: string, projectId: string, ctx: RequestContext): Promise<string[]> {
    await this.get(flavorId, ctx);
    const res = await this.db.getRepository(FlavorProjectEntity).delete({ flavorId, projectId });
    if (!res.affected) throw new NotFoundError(`Flavor access not found for ${flavorId} / ${projectId} combination.`);
    return this.projectsOf(flavorId);
  }

  /** Rows of a raw query (TypeORM answers `[rows, count]` for UPDATE and DELETE). */
  private async rowsOf<T = Record<string, unknown>>(q: Promise<unknown>): Promise<T[]> {
    const r = await q;
    return (Array.isArray(r) && r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number' ? r[0] : r) as T[];
  }

  private async projectsOf(flavorId: string): Promise<string[]> {
    const rows = await this.db.getRepository(FlavorProjectEntity).find({ where: { flavorId }, order: { projectId: 'ASC' } });
    return rows.map((r) => r.projectId);
  }
}
