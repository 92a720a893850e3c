import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { NotFoundError } from '../../common/errors/api-error';
import { RoleCreateDto, RoleUpdateDto } from './api/dto/identity.dto';
import { AssignmentsService } from './assignments.service';
import { conflictOnDuplicate } from './db-errors';
import { DomainEntity } from './entities/domain.entity';
import { ProjectEntity } from './entities/project.entity';
import { AssignmentType, RoleAssignmentEntity, RoleEntity } from './entities/role.entity';
import { UserEntity } from './entities/user.entity';
import { newKeystoneId } from './ids';
import { RevocationService } from './revocation.service';

export interface AssignmentFilter {
  userId?: string;
  projectId?: string;
  domainId?: string;
  roleId?: string;
  effective?: boolean;
}

interface NamedRef { name: string; domain?: { id: string; name: string } }

export interface AssignmentView {
  role: { id: string } & Partial<NamedRef>;
  user: { id: string } & Partial<NamedRef>;
  scope: { project?: { id: string } & Partial<NamedRef>; domain?: { id: string } & Partial<NamedRef> };
}

@Injectable()
export class RolesApi {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly assignments: AssignmentsService,
    private readonly revocations: RevocationService,
  ) {}

  private get repo() {
    return this.db.getRepository(RoleEntity);
  }

  async get(id: string): Promise<RoleEntity> {
    const r = await this.repo.findOneBy({ id });
    if (!r) throw new NotFoundError(`Could not find role: ${id}.`);
    return r;
  }

  list(name?: string): Promise<RoleEntity[]> {
    return this.repo.find({ where: name ? { name } : {}, order: { name: 'ASC' } });
  }

  create(dto: RoleCreateDto): Promise<RoleEntity> {
    return conflictOnDuplicate('role', dto.name, () =>
      this.repo.save(this.repo.create({ id: newKeystoneId(), name: dto.name, description: dto.description ?? '' })));
  }

  async update(id: string, dto: RoleUpdateDto): Promise<RoleEntity> {
    const r = await this.get(id);
    if (dto.name !== undefined) r.name = dto.name;
    if (dto.description !== undefined) r.description = dto.description ?? '';
    return conflictOnDuplicate('role', r.name, () => this.repo.save(r));
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.get(id);
    const holders = await this.assignments.find({ roleId: id });
    await this.repo.delete({ id });
    for (const h of holders) await this.revocations.revoke({ userId: h.actorId }, ctx);
  }

  async grant(type: AssignmentType, targetId: string, userId: string, roleId: string): Promise<void> {
    await this.checkParties(type, targetId, userId, roleId);
    await this.assignments.grant(type, userId, targetId, roleId);
  }

  async check(type: AssignmentType, targetId: string, userId: string, roleId: string): Promise<void> {
    await this.checkParties(type, targetId, userId, roleId);
    if (!(await this.assignments.has(type, userId, targetId, roleId))) {
      throw new NotFoundError(`Could not find role assignment with role: ${roleId}, user or group: ${userId}, project, domain, or system: ${targetId}.`);
    }
  }

  async revoke(type: AssignmentType, targetId: string, userId: string, roleId: string, ctx: RequestContext): Promise<void> {
    await this.checkParties(type, targetId, userId, roleId);
    if (!(await this.assignments.revoke(type, userId, targetId, roleId))) {
      throw new NotFoundError(`Could not find role assignment with role: ${roleId}, user or group: ${userId}, project, domain, or system: ${targetId}.`);
    }
    // Tokens carry their roles: ones issued for this user on this target must stop working.
    await this.revocations.revoke(type === 'UserProject' ? { userId, projectId: targetId } : { userId, domainId: targetId }, ctx);
  }

  async rolesOn(type: AssignmentType, targetId: string, userId: string): Promise<RoleEntity[]> {
    const rows = await this.assignments.find({ type, actorId: userId, targetId });
    if (rows.length === 0) return [];
    return this.repo.find({ where: { id: In(rows.map((r) => r.roleId)) }, order: { name: 'ASC' } });
  }

  /** GET /v3/role_assignments, optionally with implied roles expanded and names included. */
  async listAssignments(f: AssignmentFilter, includeNames: boolean): Promise<AssignmentView[]> {
    const where: Partial<RoleAssignmentEntity> = {};
    if (f.userId) where.actorId = f.userId;
    if (f.projectId) Object.assign(where, { type: 'UserProject', targetId: f.projectId });
    if (f.domainId) Object.assign(where, { type: 'UserDomain', targetId: f.domainId });
    if (f.roleId && !f.effective) where.roleId = f.roleId;
    const rows = await this.assignments.find(where);
    let expanded: { type: AssignmentType; actorId: string; targetId: string; roleId: string }[] = rows;
    if (f.effective) {
      expanded = [];
      for (const row of rows) {
        for (const role of await this.assignments.expand([row.roleId])) expanded.push({ ...row, roleId: role.id });
      }
      if (f.roleId) expanded = expanded.filter((r) => r.roleId === f.roleId);
    }
    const names = includeNames ? await this.namesFor(expanded) : undefined;
    const ref = (id: string) => ({ id, ...(names?.get(id) ?? {}) });
    return expanded.map((a) => ({
      role: ref(a.roleId),
      user: ref(a.actorId),
      scope: a.type === 'UserProject' ? { project: ref(a.targetId) } : { domain: ref(a.targetId) },
    }));
  }

  /** Names for include_names, with the owning domain for users and projects as Keystone adds it. */
  private async namesFor(rows: { actorId: string; targetId: string; roleId: string }[]): Promise<Map<string, NamedRef>> {
    const names = new Map<string, NamedRef>();
    if (rows.length === 0) return names;
    const ids = (pick: (r: (typeof rows)[number]) => string) => [...new Set(rows.map(pick))];
    const domains = new Map((await this.db.getRepository(DomainEntity).find()).map((d) => [d.id, d]));
    const domainRef = (id: string) => ({ id, name: domains.get(id)?.name ?? id });
    for (const r of await this.repo.findBy({ id: In(ids((r) => r.roleId)) })) names.set(r.id, { name: r.name });
    for (const u of await this.db.getRepository(UserEntity).findBy({ id: In(ids((r) => r.actorId)) })) names.set(u.id, { name: u.name, domain: domainRef(u.domainId) });
    for (const p of await this.db.getRepository(ProjectEntity).findBy({ id: In(ids((r) => r.targetId)) })) names.set(p.id, { name: p.name, domain: domainRef(p.domainId) });
    for (const d of domains.values()) if (!names.has(d.id)) names.set(d.id, { name: d.name });
    return names;
  }

  private async checkParties(type: AssignmentType, targetId: string, userId: string, roleId: string): Promise<void> {
    const target = type === 'UserProject'
      ? await this.db.getRepository(ProjectEntity).existsBy({ id: targetId })
      : await this.db.getRepository(DomainEntity).existsBy({ id: targetId });
    if (!target) throw new NotFoundError(`Could not find ${type === 'UserProject' ? 'project' : 'domain'}: ${targetId}.`);
    if (!(await this.db.getRepository(UserEntity).existsBy({ id: userId }))) throw new NotFoundError(`Could not find user: ${userId}.`);
    await this.get(roleId);
  }
}
