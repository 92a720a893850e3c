import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { RolesApi } from '../roles.api';
import { CreateRoleRequest, UpdateRoleRequest } from './dto/identity.dto';
import { strQuery } from './query';
import { identityBase, listLinks, renderRole } from './views/identity.views';

@Controller('v3/roles')
export class RolesController {
  constructor(private readonly roles: RolesApi) {}

  @Policy(rules.admin) @Get()
  async list(@Req() req: FastifyRequest, @Query('name') name: unknown) {
    const base = identityBase(req);
    return { roles: (await this.roles.list(strQuery(name))).map((r) => renderRole(r, base)), links: listLinks(req) };
  }

  @Policy(rules.admin) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string) {
    return { role: renderRole(await this.roles.get(id), identityBase(req)) };
  }

  @Policy(rules.admin) @Post()
  async create(@Req() req: FastifyRequest, @Body() body: CreateRoleRequest) {
    return { role: renderRole(await this.roles.create(body.role), identityBase(req)) };
  }

  @Policy(rules.admin) @Patch(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: UpdateRoleRequest) {
    return { role: renderRole(await this.roles.update(id, body.role), identityBase(req)) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.roles.delete(id, ctx);
  }
}

@Controller('v3/role_assignments')
export class RoleAssignmentsController {
  constructor(private readonly roles: RolesApi) {}

  @Policy(rules.admin) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>) {
    const assignments = await this.roles.listAssignments({
      userId: strQuery(q['user.id']),
      projectId: strQuery(q['scope.project.id']),
      domainId: strQuery(q['scope.domain.id']),
      roleId: strQuery(q['role.id']),
      effective: q.effective !== undefined,
    }, q.include_names !== undefined && q.include_names !== 'false' && q.include_names !== '0');
    return { role_assignments: assignments, links: listLinks(req) };
  }
}
