import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { SecurityGroupsApi } from '../security-groups.api';
import { selfUrl } from './network-base';
import { listBody, matches, parseNeutronQuery, trim } from './neutron-query';
import { renderRule, renderSecurityGroup } from './views/network.view';

const GROUP_ATTRS = ['id', 'name', 'description', 'tenant_id', 'project_id', 'stateful', 'shared', 'revision_number', 'created_at', 'updated_at', 'tags', 'security_group_rules'];
const RULE_ATTRS = [
  'id', 'security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id',
  'remote_address_group_id', 'normalized_cidr', 'description', 'tenant_id', 'project_id', 'revision_number', 'created_at', 'updated_at', 'tags',
];

@Controller('v2.0/security-groups')
export class SecurityGroupsController {
  constructor(private readonly groups: SecurityGroupsApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const query = parseNeutronQuery(q, GROUP_ATTRS);
    const items = (await this.groups.list(ctx)).map((g) => renderSecurityGroup(g.group, g.rules)).filter((g) => matches(g, query.filters, new Set()));
    return listBody('security_groups', items, query, selfUrl(req));
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const g = await this.groups.get(id, ctx);
    return { security_group: trim(renderSecurityGroup(g.group, g.rules), parseNeutronQuery({ fields: q.fields }, GROUP_ATTRS).fields) };
  }

  @Policy(rules.projectMember) @Post() @HttpCode(201)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const g = await this.groups.create(body, ctx);
    return { security_group: renderSecurityGroup(g.group, g.rules) };
  }

  @Policy(rules.projectMember) @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const g = await this.groups.update(id, body, ctx);
    return { security_group: renderSecurityGroup(g.group, g.rules) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.groups.delete(id, ctx);
  }
}

@Controller('v2.0/security-group-rules')
export class SecurityGroupRulesController {
  constructor(private readonly groups: SecurityGroupsApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const query = parseNeutronQuery(q, RULE_ATTRS);
    const items = (await this.groups.listRules(ctx)).map(renderRule).filter((r) => matches(r, query.filters, new Set()));
    return listBody('security_group_rules', items, query, selfUrl(req));
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return { security_group_rule: renderRule(await this.groups.getRule(id, ctx)) };
  }

  @Policy(rules.projectMember) @Post() @HttpCode(201)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { security_group_rule: renderRule(await this.groups.createRule(body, ctx)) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.groups.deleteRule(id, ctx);
  }
}
