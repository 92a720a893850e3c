import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { BadRequestError } from '../../../common/errors/api-error';
import { PortBindingsApi } from '../port-bindings.api';
import { PortFilter, PortsApi } from '../ports.api';
import { selfUrl } from './network-base';
import { NeutronQuery, listBody, matches, parseNeutronQuery, trim } from './neutron-query';
import { renderBinding, renderPort } from './views/network.view';

const PORT_ATTRS = [
  'id', 'name', 'description', 'tenant_id', 'project_id', 'network_id', 'mac_address', 'admin_state_up', 'status', 'device_id',
  'device_owner', 'fixed_ips', 'security_groups', 'allowed_address_pairs', 'port_security_enabled', 'binding:host_id', 'binding:vif_type',
  'binding:vnic_type', 'revision_number', 'created_at', 'updated_at', 'tags', 'extra_dhcp_opts', 'binding:vif_details', 'binding:profile',
];

/** Filters the database answers (indexed); the rest are matched on the rendered ports. */
const IN_SQL = new Set(['id', 'network_id', 'device_id', 'device_owner', 'mac_address', 'name', 'project_id', 'tenant_id', 'fixed_ips']);

function portFilter(q: NeutronQuery): PortFilter {
  const f: PortFilter = {};
  const get = (k: string) => q.filters.get(k);
  f.ids = get('id');
  f.networkIds = get('network_id');
  f.deviceIds = get('device_id');
  f.deviceOwners = get('device_owner');
  f.macAddresses = get('mac_address');
  f.names = get('name');
  const projects = [...(get('project_id') ?? []), ...(get('tenant_id') ?? [])];
  if (projects.length) f.projectIds = projects;
  for (const spec of get('fixed_ips') ?? []) {
    const [key, value] = spec.split('=', 2);
    if (key === 'ip_address' || key === 'ip_address_substr') (f.ipAddresses ??= []).push(value);
    else if (key === 'subnet_id') (f.subnetIds ??= []).push(value);
    else throw new BadRequestError(`Invalid fixed_ips filter: ${spec}`, 'HTTPBadRequest');
  }
  return f;
}

@Controller('v2.0/ports')
export class PortsController {
  constructor(private readonly ports: PortsApi, private readonly bindings: PortBindingsApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const query = parseNeutronQuery(q, PORT_ATTRS);
    const items = (await this.ports.list(ctx, portFilter(query))).map((v) => renderPort(v, ctx.isAdmin)).filter((p) => matches(p, query.filters, IN_SQL));
    return listBody('ports', items, query, selfUrl(req));
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return { port: trim(renderPort(await this.ports.get(id, ctx), ctx.isAdmin), parseNeutronQuery({ fields: q.fields }, PORT_ATTRS).fields) };
  }

  @Policy(rules.projectMember) @Post() @HttpCode(201)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { port: renderPort(await this.ports.create(body, ctx), ctx.isAdmin) };
  }

  @Policy(rules.projectMember) @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { port: renderPort(await this.ports.update(id, body, ctx), ctx.isAdmin) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.ports.delete(id, ctx);
  }

  @Policy(rules.admin) @Get(':id/bindings')
  async listBindings(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return { bindings: (await this.bindings.list(id, ctx)).map(renderBinding) };
  }

  @Policy(rules.admin) @Post(':id/bindings') @HttpCode(201)
  async createBinding(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { binding: renderBinding(await this.bindings.create(id, body, ctx)) };
  }

  @Policy(rules.admin) @Get(':id/bindings/:host')
  async showBinding(@Param('id') id: string, @Param('host') host: string, @Ctx() ctx: RequestContext) {
    return { binding: renderBinding(await this.bindings.get(id, host, ctx)) };
  }

  @Policy(rules.admin) @Put(':id/bindings/:host/activate')
  async activate(@Param('id') id: string, @Param('host') host: string, @Ctx() ctx: RequestContext) {
    return { binding: renderBinding(await this.bindings.activate(id, host, ctx)) };
  }

  @Policy(rules.admin) @Delete(':id/bindings/:host') @HttpCode(204)
  async deleteBinding(@Param('id') id: string, @Param('host') host: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.bindings.delete(id, host, ctx);
  }
}
