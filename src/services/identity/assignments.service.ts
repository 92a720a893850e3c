import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { AssignmentType, RoleAssignmentEntity, RoleEntity, RoleImplicationEntity } from './entities/role.entity';

export interface RoleRef { id: string; name: string }

/** Who holds which role where, with Keystone's implied roles expanded. */
@Injectable()
export class AssignmentsService {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /** Effective roles of a user on a project or domain (implied roles included). */
  async effectiveRoles(type: AssignmentType, userId: string, targetId: string): Promise<RoleRef[]> {
    const direct = await this.db.getRepository(RoleAssignmentEntity).find({ where: { type, actorId: userId, targetId } });
    return this.expand(direct.map((a) => a.roleId));
  }

  async expand(roleIds: string[]): Promise<RoleRef[]> {
    if (roleIds.length === 0) return [];
    const implications = await this.db.getRepository(RoleImplicationEntity).find();
    const seen = new Set(roleIds);
    const queue = [...roleIds];
    while (queue.length) {
      const prior = queue.shift()!;
      for (const i of implications) {
        if (i.priorRoleId === prior && !seen.has(i.impliedRoleId)) {
          seen.add(i.impliedRoleId);
          queue.push(i.impliedRoleId);
        }
      }
    }
    const roles = await this.db.getRepository(RoleEntity).find({ where: { id: In([...seen]) }, order: { name: 'ASC' } });
    return roles.map((r) => ({ id: r.id, name: r.name }));
  }

  /** Returns false when the assignment already existed. */
  async grant(type: AssignmentType, actorId: string, targetId: string, roleId: string): Promise<boolean> {
    const res = await this.db.createQueryBuilder().insert().into(RoleAssignmentEntity)
      .values({ type, actorId, targetId, roleId }).orIgnore().execute();
    return (res.raw as unknown[]).length > 0;
  }

  /** Returns false when there was no such assignment. */
  async revoke(type: AssignmentType, actorId: string, targetId: string, roleId: string): Promise<boolean> {
    const res = await this.db.getRepository(RoleAssignmentEntity).delete({ type, actorId, targetId, roleId });
    return (res.affected ?? 0) > 0;
  }

  async has(type: AssignmentType, actorId: string, targetId: string, roleId: string): Promise<boolean> {
    return this.db.getRepository(RoleAssignmentEntity).exists({ where: { type, actorId, targetId, roleId } });
  }

  async find(filter: Partial<Pick<RoleAssignmentEntity, 'type' | 'actorId' | 'targetId' | 'roleId'>>): Promise<RoleAssignmentEntity[]> {
    return this.db.getRepository(RoleAssignmentEntity).find({ where: filter });
  }

  /** Projects a user holds any role on. */
  async projectIdsOf(userId: string): Promise<string[]> {
    const rows = await this.find({ type: 'UserProject', actorId: userId });
    return [...new Set(rows.map((r) => r.targetId))];
  }

  async removeAllFor(field: 'actorId' | 'targetId', id: string): Promise<void> {
    await this.db.getRepository(RoleAssignmentEntity).delete({ [field]: id });
  }
}
