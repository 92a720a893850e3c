import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { InstanceEntity } from './entities/instance.entity';

export interface Transition {
  /** Allowed current vm_states (any when absent). */
  fromVm?: string[];
  /** Allowed current task_states; null means "no task running". */
  fromTask?: (string | null)[];
  set: Partial<Pick<InstanceEntity, 'vmState' | 'taskState' | 'powerState' | 'host' | 'availabilityZone' | 'fault' | 'launchedAt' | 'terminatedAt' | 'locked' | 'lockedReason'>>;
}

/** All SQL for instances, including the guarded (compare-and-swap) state change. */
@Injectable()
export class InstanceRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  find(id: string): Promise<InstanceEntity | null> {
    return this.db.getRepository(InstanceEntity).findOneBy({ id, deletedAt: IsNull() });
  }

  /**
   * Applies `t.set` only if the instance is still in an allowed state; returns the updated row,
   * or undefined when another request changed it first (the API answers 409).
   */
  async transition(id: string, t: Transition, tx?: EntityManager): Promise<InstanceEntity | undefined> {
    const m = tx ?? this.db.manager;
    const qb = m.createQueryBuilder().update(InstanceEntity).set({ ...t.set, updatedAt: () => 'now()' } as never)
      .where('id = :id AND deleted_at IS NULL', { id });
    if (t.fromVm) qb.andWhere('vm_state IN (:...fromVm)', { fromVm: t.fromVm });
    if (t.fromTask) {
      const named = t.fromTask.filter((s): s is string => s !== null);
      const allowNull = t.fromTask.includes(null);
      if (named.length && allowNull) qb.andWhere('(task_state IN (:...named) OR task_state IS NULL)', { named });
      else if (named.length) qb.andWhere('task_state IN (:...named)', { named });
      else qb.andWhere('task_state IS NULL');
    }
    const res = await qb.execute();
    if (!res.affected) return undefined;
    return (await m.getRepository(InstanceEntity).findOneBy({ id })) ?? undefined;
  }

  /** Soft delete: the row stays for usage accounting and os-instance-actions. */
  async markDeleted(id: string, tx?: EntityManager): Promise<void> {
    await (tx ?? this.db.manager).query(
      `UPDATE compute.instances SET vm_state = 'deleted', task_state = NULL, power_state = 0, terminated_at = now(), deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
  }
}
