import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { NetworksApi } from '../networks.api';
import { SubnetsApi } from '../subnets.api';
import { selfUrl } from './network-base';
import { listBody, matches, parseNeutronQuery, trim } from './neutron-query';
import { renderNetwork, renderSubnet } from './views/network.view';

const NETWORK_ATTRS = [
  'id', 'name', 'description', 'tenant_id', 'project_id', 'admin_state_up', 'status', 'shared', 'router:external', 'mtu', 'subnets',
  'port_security_enabled', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'revision_number',
  'created_at', 'updated_at', 'tags', 'availability_zones', 'availability_zone_hints', 'ipv4_address_scope', 'ipv6_address_scope',
];
const SUBNET_ATTRS = [
  'id', 'name', 'description', 'tenant_id', 'project_id', 'network_id', 'ip_version', 'cidr', 'gateway_ip', 'enable_dhcp',
  'ipv6_ra_mode', 'ipv6_address_mode', 'subnetpool_id', 'segment_id', 'revision_number', 'created_at', 'updated_at', 'tags',
  'allocation_pools', 'dns_nameservers', 'host_routes', 'service_types',
];

@Controller('v2.0/networks')
export class NetworksController {
  constructor(private readonly networks: NetworksApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const query = parseNeutronQuery(q, NETWORK_ATTRS);
    const rows = await this.networks.list(ctx);
    const subnets = await this.networks.subnetIds(rows.map((n) => n.id));
    const items = rows.map((n) => renderNetwork(n, subnets.get(n.id) ?? [], ctx.isAdmin)).filter((n) => matches(n, query.filters, new Set()));
    return listBody('networks', items, query, selfUrl(req));
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const n = await this.networks.get(id, ctx);
    return { network: trim(renderNetwork(n, (await this.networks.subnetIds([n.id])).get(n.id) ?? [], ctx.isAdmin), parseNeutronQuery({ fields: q.fields }, NETWORK_ATTRS).fields) };
  }

  @Policy(rules.projectMember) @Post() @HttpCode(201)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { network: renderNetwork(await this.networks.create(body, ctx), [], ctx.isAdmin) };
  }

  @Policy(rules.projectMember) @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const n = await this.networks.update(id, body, ctx);
    return { network: renderNetwork(n, (await this.networks.subnetIds([n.id])).get(n.id) ?? [], ctx.isAdmin) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.networks.delete(id, ctx);
  }
}

@Controller('v2.0/subnets')
export class SubnetsController {
  constructor(private readonly subnets: SubnetsApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const query = parseNeutronQuery(q, SUBNET_ATTRS);
    const items = (await this.subnets.list(ctx)).map(renderSubnet).filter((s) => matches(s, query.filters, new Set()));
    return listBody('subnets', items, query, selfUrl(req));
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return { subnet: trim(renderSubnet(await this.subnets.get(id, ctx)), parseNeutronQuery({ fields: q.fields }, SUBNET_ATTRS).fields) };
  }

  @Policy(rules.projectMember) @Post() @HttpCode(201)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { subnet: renderSubnet(await this.subnets.create(body, ctx)) };
  }

  @Policy(rules.projectMember) @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { subnet: renderSubnet(await this.subnets.update(id, body, ctx)) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.subnets.delete(id, ctx);
  }
}
