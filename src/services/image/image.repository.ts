import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, QueryFailedError } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { ConflictError } from '../../common/errors/api-error';
import { ImageEntity, ImageSecretEntity, ImageStatus, ImageVisibility } from './entities/image.entity';

export type TimeComparison = { op: 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq'; at: Date };

export interface ImageListFilter {
  /** The caller's project for visibility; `admin` lifts the restriction. */
  scope: { admin: boolean; projectId?: string };
  /** Glance's visibility filter; undefined lists what the caller sees by default. */
  visibility?: ImageVisibility | 'all';
  ids?: string[];
  names?: string[];
  statuses?: string[];
  containerFormats?: string[];
  diskFormats?: string[];
  owner?: string;
  /** Images carrying every one of these tags. */
  tags?: string[];
  isProtected?: boolean;
  /** Hidden images are left out unless asked for (Glance's os_hidden). */
  osHidden?: boolean;
  sizeMin?: number;
  sizeMax?: number;
  createdAt?: TimeComparison[];
  updatedAt?: TimeComparison[];
  /** Free-form properties that must match exactly. */
  properties?: Record<string, string>;
}

/** Columns a PATCH may change. */
export type ImageChanges = Partial<Pick<ImageEntity,
  'name' | 'visibility' | 'isProtected' | 'osHidden' | 'projectId' | 'containerFormat' | 'diskFormat' | 'minDisk' | 'minRam' | 'tags' | 'properties'>>;

const SQL_OPS: Record<TimeComparison['op'], string> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' };

/** All SQL of the image service, including the guarded status transitions. */
@Injectable()
export class ImageRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(ImageEntity);
  }

  /** A live (not deleted) image. */
  find(id: string): Promise<ImageEntity | null> {
    return this.repo.findOneBy({ id });
  }

  async insert(image: Partial<ImageEntity>): Promise<ImageEntity> {
    try {
      await this.repo.insert(image);
    } catch (err) {
      if (err instanceof QueryFailedError && (err as unknown as { code?: string }).code === '23505') {
        throw new ConflictError(`Image with identifier ${image.id} already exists!`);
      }
      throw err;
    }
    return (await this.find(image.id!))!;
  }

  /** True when the id was ever used (deleted images included: Glance never reuses an id). */
  existsWithDeleted(id: string): Promise<boolean> {
    return this.repo.exists({ where: { id }, withDeleted: true });
  }

  /**
   * Compare-and-swap of the status: moves a live image from one of `from` to `to` (with `set`)
   * in one UPDATE. False when the image is not in one of those states (or is gone).
   */
  async transition(id: string, from: ImageStatus[], to: ImageStatus, set: Partial<ImageEntity> = {}): Promise<boolean> {
    const res = await this.repo.update({ id, status: In(from), deletedAt: IsNull() }, { ...set, status: to });
    return (res.affected ?? 0) > 0;
  }

  /** Applies metadata changes; `onlyIfStatus` guards changes allowed in one state only (formats while queued). */
  async update(id: string, changes: ImageChanges, onlyIfStatus?: ImageStatus): Promise<boolean> {
    const where = onlyIfStatus ? { id, deletedAt: IsNull(), status: onlyIfStatus } : { id, deletedAt: IsNull() };
    const res = await this.repo.update(where, changes);
    return (res.affected ?? 0) > 0;
  }

  /** Marks an unprotected image deleted; false when it is gone or protected meanwhile. */
  async softDelete(id: string): Promise<boolean> {
    const res = await this.repo.update({ id, deletedAt: IsNull(), isProtected: false }, { status: 'deleted', deletedAt: new Date() });
    return (res.affected ?? 0) > 0;
  }

  list(f: ImageListFilter): Promise<ImageEntity[]> {
    const qb = this.repo.createQueryBuilder('i');
    const project = f.scope.projectId ?? null;
    if (!f.scope.admin) {
      switch (f.visibility) {
        case undefined:
          qb.andWhere(`(i.visibility = 'public' OR i.project_id = :project)`, { project });
          break;
        case 'all':
          qb.andWhere(`(i.visibility IN ('public', 'community') OR i.project_id = :project)`, { project });
          break;
        case 'public':
        case 'community':
          qb.andWhere('i.visibility = :visibility', { visibility: f.visibility });
          break;
        default:
          qb.andWhere('i.visibility = :visibility AND i.project_id = :project', { visibility: f.visibility, project });
      }
    } else if (f.visibility && f.visibility !== 'all') {
      qb.andWhere('i.visibility = :visibility', { visibility: f.visibility });
    }
    if (f.ids) qb.andWhere(f.ids.length ? 'i.id IN (:...ids)' : '1 = 0', { ids: f.ids });
    if (f.names) qb.andWhere('i.name IN (:...names)', { names: f.names });
    if (f.statuses) qb.andWhere('i.status IN (:...statuses)', { statuses: f.statuses });
    if (f.containerFormats) qb.andWhere('i.container_format IN (:...cfs)', { cfs: f.containerFormats });
    if (f.diskFormats) qb.andWhere('i.disk_format IN (:...dfs)', { dfs: f.diskFormats });
    if (f.owner !== undefined) qb.andWhere('i.project_id = :owner', { owner: f.owner });
    (f.tags ?? []).forEach((tag, n) => qb.andWhere(`i.tags @> :tag${n}::jsonb`, { [`tag${n}`]: JSON.stringify([tag]) }));
    if (f.isProtected !== undefined) qb.andWhere('i.protected = :prot', { prot: f.isProtected });
    qb.andWhere('i.os_hidden = :hidden', { hidden: f.osHidden ?? false });
    if (f.sizeMin !== undefined) qb.andWhere('i.size >= :sizeMin', { sizeMin: f.sizeMin });
    if (f.sizeMax !== undefined) qb.andWhere('i.size <= :sizeMax', { sizeMax: f.sizeMax });
    for (const [column, comparisons] of [['created_at', f.createdAt], ['updated_at', f.updatedAt]] as const) {
      (comparisons ?? []).forEach((c, n) => qb.andWhere(`i.${column} ${SQL_OPS[c.op]} :${column}${n}`, { [`${column}${n}`]: c.at }));
    }
    Object.entries(f.properties ?? {}).forEach(([key, value], n) => {
      qb.andWhere(`i.properties ->> :pk${n} = :pv${n}`, { [`pk${n}`]: key, [`pv${n}`]: value });
    });
    return qb.getMany();
  }

  /** A per-deployment secret, created on first use; replicas racing to create it agree on the first one stored. */
  async secret(name: string, create: () => string): Promise<string> {
    const repo = this.db.getRepository(ImageSecretEntity);
    const found = await repo.findOneBy({ name });
    if (found) return found.value;
    await repo.createQueryBuilder().insert().values({ name, value: create() }).orIgnore().execute();
    return (await repo.findOneByOrFail({ name })).value;
  }
}
