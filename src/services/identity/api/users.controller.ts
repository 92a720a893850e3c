import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { ProjectsApi } from '../projects.api';
import { UsersApi } from '../users.api';
import { ChangePasswordRequest, CreateUserRequest, UpdateUserRequest } from './dto/identity.dto';
import { boolQuery, strQuery } from './query';
import { identityBase, listLinks, pagedList, renderProject, renderUser } from './views/identity.views';
import { pageRows, parsePageQuery } from '../../../common/http/paging';
import { LIST_PAGING } from './query';

@Controller('v3/users')
export class UsersController {
  constructor(private readonly users: UsersApi, private readonly projects: ProjectsApi) {}

  @Policy(rules.admin) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>) {
    const base = identityBase(req);
    const users = await this.users.list({ name: strQuery(q.name), domain_id: strQuery(q.domain_id), enabled: boolQuery('enabled', q.enabled) });
    const page = pageRows(users, parsePageQuery(q, LIST_PAGING), (u, key) => (key === 'name' ? u.name.toLowerCase() : key === 'id' ? u.id : u.createdAt.getTime()));
    return pagedList(req, 'users', page, (u) => renderUser(u, base));
  }

  @Policy(rules.authenticated) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string, @Ctx() ctx: RequestContext) {
    return { user: renderUser(await this.users.get(id, ctx), identityBase(req)) };
  }

  @Policy(rules.admin) @Post()
  async create(@Req() req: FastifyRequest, @Body() body: CreateUserRequest, @Ctx() ctx: RequestContext) {
    return { user: renderUser(await this.users.create(body.user, ctx), identityBase(req)) };
  }

  @Policy(rules.admin) @Patch(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: UpdateUserRequest, @Ctx() ctx: RequestContext) {
    return { user: renderUser(await this.users.update(id, body.user, ctx), identityBase(req)) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.users.delete(id, ctx);
  }

  @Policy(rules.authenticated) @Post(':id/password') @HttpCode(204)
  async changePassword(@Param('id') id: string, @Body() body: ChangePasswordRequest, @Ctx() ctx: RequestContext): Promise<void> {
    await this.users.changeOwnPassword(id, body.user.original_password, body.user.password, ctx);
  }

  @Policy(rules.authenticated) @Get(':id/projects')
  async projectsOf(@Req() req: FastifyRequest, @Param('id') id: string, @Ctx() ctx: RequestContext) {
    const base = identityBase(req);
    return { projects: (await this.projects.listForUser(id, ctx)).map((p) => renderProject(p, base)), links: listLinks(req) };
  }
}
