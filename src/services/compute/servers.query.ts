import { Inject, Injectable } from '@nestjs/common';
import { Brackets, DataSource, SelectQueryBuilder } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { asEntity, entityColumns } from '../../common/database/entity-rows';
import { BadRequestError } from '../../common/errors/api-error';
import { InstanceEntity } from './entities/instance.entity';
import { STATUS_TO_VM_STATE } from './state/instance-state';

const SORT_COLUMNS: Record<string, string> = {
  created_at: 'i.created_at', updated_at: 'i.updated_at', display_name: 'i.name', uuid: 'i.id', vm_state: 'i.vm_state',
  task_state: 'i.task_state', power_state: 'i.power_state', host: 'i.host', launched_at: 'i.launched_at', project_id: 'i.project_id',
};

function first(v: unknown): string | undefined {
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === 'string' && x !== '' ? x : undefined;
}

function truthy(v: unknown): boolean {
  const s = first(v)?.toLowerCase();
  return s !== undefined && !['0', 'false', 'off', 'no'].includes(s);
}

/**
 * The columns a page needs: `full` for detail views, `ref` (id and name) for GET /servers, which
 * then reads no jsonb: pollers list often and long.
 */
export type ServersView = 'full' | 'ref';

/**
 * GET /servers and /servers/detail: filters, sort and keyset paging in SQL (one query per page),
 * so a page costs the same whatever the number of servers.
 */
@Injectable()
export class ServersQuery {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async list(q: Record<string, unknown>, ctx: RequestContext, view: ServersView = 'full'): Promise<{ items: InstanceEntity[]; more: boolean }> {
    const qb = this.db.getRepository(InstanceEntity).createQueryBuilder('i');
    qb.select(view === 'ref' ? 'i.id AS "id", i.name AS "name"' : entityColumns(this.db, InstanceEntity, 'i'));
    const changesSince = first(q['changes-since']) ?? first(q.changes_since);
    if (changesSince) {
      const t = Date.parse(changesSince);
      if (Number.isNaN(t)) throw new BadRequestError(`Invalid filter changes-since: ${changesSince} is not a date-time.`);
      qb.where('i.updated_at >= :since', { since: new Date(t) });
    } else {
      qb.where('i.deleted_at IS NULL');
    }
    const allTenants = ctx.isAdmin && (truthy(q.all_tenants) || first(q.project_id) !== undefined || first(q.tenant_id) !== undefined);
    if (!allTenants) qb.andWhere('i.project_id = :p', { p: ctx.projectId });
    else if (first(q.project_id) ?? first(q.tenant_id)) qb.andWhere('i.project_id = :p', { p: first(q.project_id) ?? first(q.tenant_id) });
    const name = first(q.name);
    if (name) qb.andWhere('i.name ~ :name', { name: this.safeRegex(name) });
    const status = first(q.status)?.toUpperCase();
    if (status) {
      const vm = STATUS_TO_VM_STATE[status];
      if (!vm) return { items: [], more: false };
      qb.andWhere('i.vm_state = :vm', { vm });
    }
    const host = first(q.host);
    if (host && ctx.isAdmin) qb.andWhere('i.host = :host', { host });
    const image = first(q.image);
    if (image) qb.andWhere('i.image_ref = :image', { image });
    const flavor = first(q.flavor);
    if (flavor) qb.andWhere(`i.flavor->>'id' = :flavor`, { flavor });
    if (first(q.reservation_id)) qb.andWhere('i.reservation_id = :r', { r: first(q.reservation_id) });
    return this.page(qb, q);
  }

  private async page(qb: SelectQueryBuilder<InstanceEntity>, q: Record<string, unknown>): Promise<{ items: InstanceEntity[]; more: boolean }> {
    const keys = ([] as unknown[]).concat(q.sort_key ?? []).map(String);
    const dirs = ([] as unknown[]).concat(q.sort_dir ?? []).map((d) => String(d).toLowerCase());
    const sortKey = keys[0] ?? 'created_at';
    const column = SORT_COLUMNS[sortKey];
    if (!column) throw new BadRequestError(`Invalid sort_key ${sortKey}.`);
    const dir = (dirs[0] ?? 'desc') as 'asc' | 'desc';
    if (dir !== 'asc' && dir !== 'desc') throw new BadRequestError(`Invalid sort_dir ${dirs[0]}.`);
    let limit: number | undefined;
    if (q.limit !== undefined) {
      limit = Number(first(q.limit));
      if (!Number.isInteger(limit) || limit < 0) throw new BadRequestError('limit param must be an integer');
      limit = Math.min(limit, 1000);
    }
    const marker = first(q.marker);
    if (marker) {
      const m = /^[0-9a-f-]{36}$/i.test(marker) ? await this.db.getRepository(InstanceEntity).createQueryBuilder('i')
        .select(['i.id', 'i.createdAt', 'i.updatedAt', 'i.name', 'i.vmState', 'i.taskState', 'i.powerState', 'i.host', 'i.launchedAt', 'i.projectId'])
        .where('i.id = :id', { id: marker }).withDeleted().getOne() : null;
      if (!m) throw new BadRequestError(`marker [${marker}] not found`);
      const markerValue = this.valueOf(m, sortKey);
      const op = dir === 'asc' ? '>' : '<';
      qb.andWhere(new Brackets((b) => {
        b.where(`${column} ${op} :mv`, { mv: markerValue }).orWhere(`${column} = :mv AND i.id ${op} :mid`, { mv: markerValue, mid: m.id });
      }));
    }
    qb.orderBy(column, dir.toUpperCase() as 'ASC' | 'DESC').addOrderBy('i.id', dir.toUpperCase() as 'ASC' | 'DESC');
    if (limit !== undefined) qb.limit(limit + 1);
    // Plain rows with the entity's property names: hydrating a page of 1,000 entities through
    // TypeORM cost more than the query.
    const rows = (await qb.withDeleted().getRawMany<object>()).map((row) => asEntity(InstanceEntity, row));
    const more = limit !== undefined && rows.length > limit;
    return { items: more ? rows.slice(0, limit) : rows, more };
  }

  private valueOf(i: InstanceEntity, key: string): unknown {
    const map: Record<string, unknown> = {
      created_at: i.createdAt, updated_at: i.updatedAt, display_name: i.name, uuid: i.id, vm_state: i.vmState,
      task_state: i.taskState, power_state: i.powerState, host: i.host, launched_at: i.launchedAt, project_id: i.projectId,
    };
    return map[key];
  }

  /** Nova treats `name` as a regex; an invalid one must be a 400, not a database error. */
  private safeRegex(pattern: string): string {
    try {
      new RegExp(pattern);
    } catch {
      throw new BadRequestError(`Invalid name filter: ${pattern} is not a valid regular expression.`);
    }
    return pattern;
  }
}
