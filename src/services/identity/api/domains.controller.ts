import { Body, Controller, Delete, Get, Head, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { DomainsApi } from '../domains.api';
import { RolesApi } from '../roles.api';
import { CreateDomainRequest, UpdateDomainRequest } from './dto/identity.dto';
import { boolQuery, strQuery } from './query';
import { identityBase, listLinks, renderDomain, renderRole } from './views/identity.views';

@Controller('v3/domains')
export class DomainsController {
  constructor(private readonly domains: DomainsApi, private readonly roles: RolesApi) {}

  @Policy(rules.admin) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>) {
    const base = identityBase(req);
    const domains = await this.domains.list({ name: strQuery(q.name), enabled: boolQuery('enabled', q.enabled) });
    return { domains: domains.map((d) => renderDomain(d, base)), links: listLinks(req) };
  }

  @Policy(rules.admin) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string) {
    return { domain: renderDomain(await this.domains.get(id), identityBase(req)) };
  }

  @Policy(rules.admin) @Post()
  async create(@Req() req: FastifyRequest, @Body() body: CreateDomainRequest) {
    return { domain: renderDomain(await this.domains.create(body.domain), identityBase(req)) };
  }

  @Policy(rules.admin) @Patch(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: UpdateDomainRequest, @Ctx() ctx: RequestContext) {
    return { domain: renderDomain(await this.domains.update(id, body.domain, ctx), identityBase(req)) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.domains.delete(id, ctx);
  }

  @Policy(rules.admin) @Get(':d/users/:u/roles')
  async userRoles(@Req() req: FastifyRequest, @Param('d') d: string, @Param('u') u: string) {
    const base = identityBase(req);
    return { roles: (await this.roles.rolesOn('UserDomain', d, u)).map((r) => renderRole(r, base)), links: listLinks(req) };
  }

  @Policy(rules.admin) @Put(':d/users/:u/roles/:r') @HttpCode(204)
  async grant(@Param('d') d: string, @Param('u') u: string, @Param('r') r: string): Promise<void> {
    await this.roles.grant('UserDomain', d, u, r);
  }

  @Policy(rules.admin) @Head(':d/users/:u/roles/:r') @HttpCode(204)
  async check(@Param('d') d: string, @Param('u') u: string, @Param('r') r: string): Promise<void> {
    await this.roles.check('UserDomain', d, u, r);
  }

  @Policy(rules.admin) @Delete(':d/users/:u/roles/:r') @HttpCode(204)
  async revoke(@Param('d') d: string, @Param('u') u: string, @Param('r') r: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.roles.revoke('UserDomain', d, u, r, ctx);
  }
}
