import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { BadRequestError, NotFoundError } from '../../common/errors/api-error';
import { Microversion } from '../../common/http/microversion';
import { ServerGroupDto } from './api/dto/server-group.dto';
import { ServerGroupEntity, ServerGroupMemberEntity } from './entities/server-group.entity';

/** os-server-groups: policies the scheduler applies to the group's members. */
@Injectable()
export class ServerGroupsApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async create(dto: ServerGroupDto, ctx: RequestContext, mv: Microversion): Promise<ServerGroupEntity> {
    const policy = mv.atLeast('2.64') ? dto.policy : dto.policies?.[0];
    if (!policy) throw new BadRequestError(mv.atLeast('2.64') ? "Invalid input for field/attribute server_group. Value: 'policy' is a required property" : "Invalid input for field/attribute server_group. Value: 'policies' is a required property");
    if (mv.atLeast('2.64') ? dto.policies !== undefined : dto.policy !== undefined || dto.rules !== undefined) {
      throw new BadRequestError('Invalid input for field/attribute server_group: policy and rules need microversion 2.64, policies is for earlier ones.');
    }
    if (dto.rules?.max_server_per_host !== undefined && policy !== 'anti-affinity') {
      throw new BadRequestError('Only anti-affinity policy supports max_server_per_host rule.');
    }
    const repo = this.db.getRepository(ServerGroupEntity);
    return repo.save(repo.create({
      id: randomUUID(), name: dto.name, policy, rules: dto.rules?.max_server_per_host ? { max_server_per_host: dto.rules.max_server_per_host } : {},
      projectId: ctx.projectId!, userId: ctx.userId!,
    }));
  }

  list(ctx: RequestContext, allProjects: boolean): Promise<ServerGroupEntity[]> {
    return this.db.getRepository(ServerGroupEntity).find({ where: ctx.isAdmin && allProjects ? {} : { projectId: ctx.projectId }, order: { createdAt: 'ASC' } });
  }

  async get(id: string, ctx: RequestContext): Promise<ServerGroupEntity> {
    const g = /^[0-9a-f-]{36}$/i.test(id) ? await this.db.getRepository(ServerGroupEntity).findOneBy({ id }) : null;
    if (!g || (!ctx.isAdmin && g.projectId !== ctx.projectId)) throw new NotFoundError(`Instance group ${id} could not be found.`);
    return g;
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const g = await this.get(id, ctx);
    await this.db.transaction(async (tx) => {
      await tx.getRepository(ServerGroupMemberEntity).delete({ groupId: g.id });
      await tx.getRepository(ServerGroupEntity).delete({ id: g.id });
    });
  }

  async render(g: ServerGroupEntity, mv: Microversion) {
    const members = (await this.db.query(
      `SELECT m.instance_id FROM compute.server_group_members m JOIN compute.instances i ON i.id = m.instance_id WHERE m.group_id = $1 AND i.deleted_at IS NULL`, [g.id],
    )).map((r: { instance_id: string }) => r.instance_id);
    const base = { id: g.id, name: g.name, members, project_id: g.projectId, user_id: g.userId };
    return mv.atLeast('2.64') ? { ...base, policy: g.policy, rules: g.rules } : { ...base, policies: [g.policy], metadata: {} };
  }
}
