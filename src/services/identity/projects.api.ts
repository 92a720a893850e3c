import { Inject, Injectable } from '@nestjs/common';
import { DataSource, FindOptionsWhere, In } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../common/errors/api-error';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { IDENTITY_EVENTS } from '../../contracts/identity/identity.events';
import { ProjectCreateDto, ProjectUpdateDto } from './api/dto/identity.dto';
import { AssignmentsService } from './assignments.service';
import { conflictOnDuplicate } from './db-errors';
import { DomainsApi } from './domains.api';
import { ProjectEntity } from './entities/project.entity';
import { newKeystoneId } from './ids';
import { RevocationService } from './revocation.service';

export interface ProjectFilter { name?: string; domain_id?: string; enabled?: boolean; parent_id?: string }

@Injectable()
export class ProjectsApi {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly domains: DomainsApi,
    private readonly assignments: AssignmentsService,
    private readonly revocations: RevocationService,
  ) {}

  private get repo() {
    return this.db.getRepository(ProjectEntity);
  }

  /** Admins see any project; others only the one they are scoped to (others are 404, not 403). */
  async get(id: string, ctx: RequestContext): Promise<ProjectEntity> {
    const p = await this.repo.findOneBy({ id });
    if (!p || (!ctx.isAdmin && ctx.projectId !== id)) throw new NotFoundError(`Could not find project: ${id}.`);
    return p;
  }

  list(filter: ProjectFilter): Promise<ProjectEntity[]> {
    const where: FindOptionsWhere<ProjectEntity> = {};
    if (filter.name) where.name = filter.name;
    if (filter.domain_id) where.domainId = filter.domain_id;
    if (filter.enabled !== undefined) where.enabled = filter.enabled;
    if (filter.parent_id) where.parentId = filter.parent_id;
    return this.repo.find({ where, order: { name: 'ASC' } });
  }

  /** Projects a user may scope to (GET /v3/auth/projects, /v3/users/{id}/projects). */
  async listForUser(userId: string, ctx: RequestContext): Promise<ProjectEntity[]> {
    if (!ctx.isAdmin && ctx.userId !== userId) throw new ForbiddenError();
    const ids = await this.assignments.projectIdsOf(userId);
    if (ids.length === 0) return [];
    return this.repo.find({ where: { id: In(ids) }, order: { name: 'ASC' } });
  }

  async create(dto: ProjectCreateDto, ctx: RequestContext): Promise<ProjectEntity> {
    if (dto.is_domain) throw new BadRequestError('Projects acting as domains are not supported; create a domain instead.');
    const domainId = await this.domains.resolveId(dto.domain_id);
    if (dto.parent_id && !(await this.repo.existsBy({ id: dto.parent_id }))) {
      throw new BadRequestError(`Could not find parent project: ${dto.parent_id}.`);
    }
    const saved = await conflictOnDuplicate('project', dto.name, () => this.repo.save(this.repo.create({
      id: newKeystoneId(), name: dto.name, domainId, parentId: dto.parent_id ?? null,
      description: dto.description ?? '', enabled: dto.enabled ?? true, tags: dto.tags ?? [],
    })));
    await this.bus.notify(IDENTITY_EVENTS.projectCreated, { project_id: saved.id }, ctx).catch(() => undefined);
    return saved;
  }

  async update(id: string, dto: ProjectUpdateDto, ctx: RequestContext): Promise<ProjectEntity> {
    const p = await this.get(id, ctx);
    if (dto.name !== undefined) p.name = dto.name;
    if (dto.description !== undefined) p.description = dto.description ?? '';
    if (dto.tags !== undefined) p.tags = dto.tags;
    const disabling = dto.enabled === false && p.enabled;
    if (dto.enabled !== undefined) p.enabled = dto.enabled;
    const saved = await conflictOnDuplicate('project', p.name, () => this.repo.save(p));
    if (disabling) await this.revocations.revoke({ projectId: id }, ctx);
    return saved;
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.get(id, ctx);
    if (await this.repo.existsBy({ parentId: id })) throw new ForbiddenError(`Cannot delete project ${id}: it has child projects.`);
    await this.db.transaction(async (tx) => {
      await tx.getRepository(ProjectEntity).delete({ id });
      await tx.query(`DELETE FROM identity.role_assignments WHERE target_id = $1`, [id]);
    });
    await this.revocations.revoke({ projectId: id }, ctx);
    await this.bus.notify(IDENTITY_EVENTS.projectDeleted, { project_id: id }, ctx).catch(() => undefined);
  }
}
