import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { FloatingIpsApi } from '../floating-ips.api';
import { selfUrl } from './network-base';
import { listBody, matches, parseNeutronQuery, trim } from './neutron-query';
import { renderFloatingIp } from './views/network.view';

const FIP_ATTRS = [
  'id', 'description', 'tenant_id', 'project_id', 'floating_network_id', 'floating_ip_address', 'port_id', 'fixed_ip_address', 'router_id',
  'status', 'revision_number', 'created_at', 'updated_at', 'tags', 'dns_domain', 'dns_name', 'qos_policy_id', 'port_details', 'port_forwardings',
];

@Controller('v2.0/floatingips')
export class FloatingIpsController {
  constructor(private readonly fips: FloatingIpsApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const query = parseNeutronQuery(q, FIP_ATTRS);
    const items = (await this.fips.list(ctx)).map(renderFloatingIp).filter((f) => matches(f, query.filters, new Set()));
    return listBody('floatingips', items, query, selfUrl(req));
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return { floatingip: trim(renderFloatingIp(await this.fips.get(id, ctx)), parseNeutronQuery({ fields: q.fields }, FIP_ATTRS).fields) };
  }

  @Policy(rules.projectMember) @Post() @HttpCode(201)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { floatingip: renderFloatingIp(await this.fips.create(body, ctx)) };
  }

  @Policy(rules.projectMember) @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { floatingip: renderFloatingIp(await this.fips.update(id, body, ctx)) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.fips.delete(id, ctx);
  }
}
