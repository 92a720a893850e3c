import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { CatalogAdminApi } from '../catalog-admin.api';
import { CreateEndpointRequest, CreateRegionRequest, CreateServiceRequest, UpdateEndpointRequest, UpdateServiceRequest } from './dto/identity.dto';
import { strQuery } from './query';
import { identityBase, listLinks, renderEndpoint, renderRegion, renderService } from './views/identity.views';

@Controller('v3/services')
export class ServicesController {
  constructor(private readonly catalog: CatalogAdminApi) {}

  @Policy(rules.admin) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>) {
    const base = identityBase(req);
    const services = await this.catalog.listServices({ type: strQuery(q.type), name: strQuery(q.name) });
    return { services: services.map((s) => renderService(s, base)), links: listLinks(req) };
  }

  @Policy(rules.admin) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string) {
    return { service: renderService(await this.catalog.getService(id), identityBase(req)) };
  }

  @Policy(rules.admin) @Post()
  async create(@Req() req: FastifyRequest, @Body() body: CreateServiceRequest) {
    return { service: renderService(await this.catalog.createService(body.service), identityBase(req)) };
  }

  @Policy(rules.admin) @Patch(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: UpdateServiceRequest) {
    return { service: renderService(await this.catalog.updateService(id, body.service), identityBase(req)) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.catalog.deleteService(id);
  }
}

@Controller('v3/endpoints')
export class EndpointsController {
  constructor(private readonly catalog: CatalogAdminApi) {}

  @Policy(rules.admin) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>) {
    const base = identityBase(req);
    const endpoints = await this.catalog.listEndpoints({ service_id: strQuery(q.service_id), interface: strQuery(q.interface), region_id: strQuery(q.region_id) });
    return { endpoints: endpoints.map((e) => renderEndpoint(e, base)), links: listLinks(req) };
  }

  @Policy(rules.admin) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string) {
    return { endpoint: renderEndpoint(await this.catalog.getEndpoint(id), identityBase(req)) };
  }

  @Policy(rules.admin) @Post()
  async create(@Req() req: FastifyRequest, @Body() body: CreateEndpointRequest) {
    return { endpoint: renderEndpoint(await this.catalog.createEndpoint(body.endpoint), identityBase(req)) };
  }

  @Policy(rules.admin) @Patch(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: UpdateEndpointRequest) {
    return { endpoint: renderEndpoint(await this.catalog.updateEndpoint(id, body.endpoint), identityBase(req)) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.catalog.deleteEndpoint(id);
  }
}

@Controller('v3/regions')
export class RegionsController {
  constructor(private readonly catalog: CatalogAdminApi) {}

  @Policy(rules.authenticated) @Get()
  async list(@Req() req: FastifyRequest) {
    const base = identityBase(req);
    return { regions: (await this.catalog.listRegions()).map((r) => renderRegion(r, base)), links: listLinks(req) };
  }

  @Policy(rules.authenticated) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string) {
    return { region: renderRegion(await this.catalog.getRegion(id), identityBase(req)) };
  }

  @Policy(rules.admin) @Post()
  async create(@Req() req: FastifyRequest, @Body() body: CreateRegionRequest) {
    return { region: renderRegion(await this.catalog.createRegion(body.region), identityBase(req)) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.catalog.deleteRegion(id);
  }
}
