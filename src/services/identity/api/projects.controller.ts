import { Body, Controller, Delete, Get, Head, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { ProjectsApi } from '../projects.api';
import { RolesApi } from '../roles.api';
import { CreateProjectRequest, UpdateProjectRequest } from './dto/identity.dto';
import { boolQuery, strQuery } from './query';
import { identityBase, listLinks, pagedList, renderProject, renderRole } from './views/identity.views';
import { pageRows, parsePageQuery } from '../../../common/http/paging';
import { LIST_PAGING } from './query';

@Controller('v3/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsApi, private readonly roles: RolesApi) {}

  @Policy(rules.admin) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>) {
    const projects = await this.projects.list({
      name: strQuery(q.name), domain_id: strQuery(q.domain_id), enabled: boolQuery('enabled', q.enabled), parent_id: strQuery(q.parent_id),
    });
    const base = identityBase(req);
    const page = pageRows(projects, parsePageQuery(q, LIST_PAGING), (p, key) => (key === 'name' ? p.name.toLowerCase() : key === 'id' ? p.id : p.createdAt.getTime()));
    return pagedList(req, 'projects', page, (p) => renderProject(p, base));
  }

  @Policy(rules.authenticated) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string, @Ctx() ctx: RequestContext) {
    return { project: renderProject(await this.projects.get(id, ctx), identityBase(req)) };
  }

  @Policy(rules.admin) @Post()
  async create(@Req() req: FastifyRequest, @Body() body: CreateProjectRequest, @Ctx() ctx: RequestContext) {
    return { project: renderProject(await this.projects.create(body.project, ctx), identityBase(req)) };
  }

  @Policy(rules.admin) @Patch(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: UpdateProjectRequest, @Ctx() ctx: RequestContext) {
    return { project: renderProject(await this.projects.update(id, body.project, ctx), identityBase(req)) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.projects.delete(id, ctx);
  }

  @Policy(rules.admin) @Get(':p/users/:u/roles')
  async userRoles(@Req() req: FastifyRequest, @Param('p') p: string, @Param('u') u: string) {
    const base = identityBase(req);
    return { roles: (await this.roles.rolesOn('UserProject', p, u)).map((r) => renderRole(r, base)), links: listLinks(req) };
  }

  @Policy(rules.admin) @Put(':p/users/:u/roles/:r') @HttpCode(204)
  async grant(@Param('p') p: string, @Param('u') u: string, @Param('r') r: string): Promise<void> {
    await this.roles.grant('UserProject', p, u, r);
  }

  @Policy(rules.admin) @Head(':p/users/:u/roles/:r') @HttpCode(204)
  async check(@Param('p') p: string, @Param('u') u: string, @Param('r') r: string): Promise<void> {
    await this.roles.check('UserProject', p, u, r);
  }

  @Policy(rules.admin) @Delete(':p/users/:u/roles/:r') @HttpCode(204)
  async revoke(@Param('p') p: string, @Param('u') u: string, @Param('r') r: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.roles.revoke('UserProject', p, u, r, ctx);
  }
}
