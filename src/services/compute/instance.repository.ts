import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { asEntity, entityColumns } from '../../common/database/entity-rows';
import { preparedQuery } from '../../common/database/prepared';
import { InstanceEntity } from './entities/instance.entity';

type Settable = 'vmState' | 'taskState' | 'powerState' | 'host' | 'availabilityZone' | 'fault' | 'launchedAt' | 'terminatedAt' | 'locked' | 'lockedReason';

export interface Transition {
  /** Allowed current vm_states (any when absent). */
  fromVm?: string[];
  /** Allowed current task_states; null means "no task running". */
  fromTask?: (string | null)[];
  /** The host the instance must be on (an agent's report counts only for the host it is on). */
  onHost?: string;
  set: Partial<Pick<InstanceEntity, Settable>>;
  /** Keys merged into scheduler_hints by the same UPDATE. */
  mergeHints?: Record<string, unknown>;
}

const COLUMNS: Record<Settable, string> = {
  vmState: 'vm_state', taskState: 'task_state', powerState: 'power_state', host: 'host', availabilityZone: 'availability_zone', fault: 'fault',
  launchedAt: 'launched_at', terminatedAt: 'terminated_at', locked: 'locked', lockedReason: 'locked_reason',
};

/** All SQL for instances, including the guarded (compare-and-swap) state change. */
@Injectable()
export class InstanceRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /**
   * Inserts new instances with one plain INSERT (TypeORM's insert builds and post-processes far
   * more than this per row), and sets their created/updated times on the entities as written.
   */
  async insertNew(rows: InstanceEntity[], tx?: EntityManager): Promise<void> {
    const columns = this.db.getMetadata(InstanceEntity).columns;
    const now = new Date();
    const params: unknown[] = [];
    const tuples = rows.map((row) => {
      Object.assign(row, { createdAt: now, updatedAt: now, deletedAt: null });
      const values = columns.map((c) => {
        const value = c.getEntityValue(row) ?? null;
        return `$${params.push(c.type === 'jsonb' && value !== null ? JSON.stringify(value) : value)}`;
      });
      return `(${values.join(', ')})`;
    });
    await (tx ?? this.db.manager).query(
      `INSERT INTO compute.instances (${columns.map((c) => c.databaseName).join(', ')}) VALUES ${tuples.join(', ')}`, params,
    );
  }

  /** A live (not deleted) instance; a plain prepared read, as every build step starts with one. */
  find(id: string, tx?: EntityManager): Promise<InstanceEntity | null> {
    return this.findIn(tx ?? this.db.manager, id);
  }

  /**
   * Applies `t.set` only if the instance is still in an allowed state; returns the updated row,
   * or undefined when another request changed it first (the API answers 409).
   */
  async transition(id: string, t: Transition, tx?: EntityManager): Promise<InstanceEntity | undefined> {
    const m = tx ?? this.db.manager;
    if (!(await this.moveIf(id, t, m))) return undefined;
    return (await this.findIn(m, id)) ?? undefined;
  }

  /**
   * The same guarded change as `transition`, as one UPDATE that reads nothing back: true when
   * the instance was in an allowed state and changed. For the build path, which needs no row.
   */
  async moveIf(id: string, t: Transition, tx?: EntityManager): Promise<boolean> {
    const params: unknown[] = [id];
    const param = (v: unknown) => `$${params.push(v)}`;
    const sets = ['updated_at = now()'];
    for (const [key, value] of Object.entries(t.set) as [Settable, unknown][]) {
      sets.push(`${COLUMNS[key]} = ${param(key === 'fault' && value !== null ? JSON.stringify(value) : value)}`);
    }
    if (t.mergeHints) sets.push(`scheduler_hints = scheduler_hints || ${param(JSON.stringify(t.mergeHints))}::jsonb`);
    const where = ['id = $1', 'deleted_at IS NULL'];
    if (t.fromVm) where.push(`vm_state = ANY(${param(t.fromVm)})`);
    if (t.fromTask) {
      const named = t.fromTask.filter((s): s is string => s !== null);
      const allowNull = t.fromTask.includes(null);
      const any = named.length ? `task_state = ANY(${param(named)})` : undefined;
      where.push(any && allowNull ? `(${any} OR task_state IS NULL)` : any ?? 'task_state IS NULL');
    }
    if (t.onHost !== undefined) where.push(`host = ${param(t.onHost)}`);
    // Prepared: the texts vary only with which fields a transition sets, a handful in all.
    const { rowCount } = await preparedQuery(tx ?? this.db.manager, `UPDATE compute.instances SET ${sets.join(', ')} WHERE ${where.join(' AND ')}`, params);
    return (rowCount ?? 0) > 0;
  }

  private async findIn(m: EntityManager, id: string): Promise<InstanceEntity | null> {
    const { rows: [row] } = await preparedQuery<object>(m,
      `SELECT ${entityColumns(this.db, InstanceEntity, 'i')} FROM compute.instances i WHERE i.id = $1 AND i.deleted_at IS NULL`, [id]);
    return row ? asEntity(InstanceEntity, row) : null;
  }

  /** Soft delete: the row stays for usage accounting and os-instance-actions. */
  async markDeleted(id: string, tx?: EntityManager): Promise<void> {
    await (tx ?? this.db.manager).query(
      `UPDATE compute.instances SET vm_state = 'deleted', task_state = NULL, power_state = 0, terminated_at = now(), deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
  }
}
