import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query as Q, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { cinderErrors } from '../cinder-errors';
import { CinderMicroversion, ProjectInPath, v3Paths } from '../volume.microversion';
import { VolumeTypesApi } from '../volume-types.api';
import { onlyKeys, specs } from './cinder-body';
import { nextLinks, one, parsePaging, Query } from './cinder-query';
import { linkBase } from './volumes.controller';
import { qosLinks, renderQosSpecs, renderVolumeType, visibleExtraSpecs } from './views/volume.view';

const TYPE_SORT_KEYS = ['id', 'name', 'created_at', 'updated_at'];

/** `/types` with `/types/{id}/extra_specs`: everyone reads public types; admins write. */
@Controller(v3Paths('types'))
@UseGuards(CinderMicroversion, ProjectInPath)
export class VolumeTypesController {
  constructor(private readonly types: VolumeTypesApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Q() q: Query, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext) {
    const { items, more } = await this.types.list(q, parsePaging(q, TYPE_SORT_KEYS), ctx);
    return { volume_types: items.map((t) => renderVolumeType(t, ctx)), ...nextLinks(req, 'volume_type', items, more) };
  }

  @Policy(rules.projectReader) @Get('default')
  async default(@Ctx() ctx: RequestContext) {
    return { volume_type: renderVolumeType(await this.types.getDefault(), ctx) };
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return { volume_type: renderVolumeType(await this.types.get(id, ctx), ctx) };
  }

  @Policy(rules.admin) @Post() @HttpCode(200)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { volume_type: renderVolumeType(await this.types.create(body), ctx) };
  }

  @Policy(rules.admin) @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { volume_type: renderVolumeType(await this.types.update(id, body, ctx), ctx) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(202)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.types.delete(id, ctx);
  }

  @Policy(rules.projectReader) @Get(':id/extra_specs')
  async extraSpecs(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return { extra_specs: visibleExtraSpecs(await this.types.get(id, ctx), ctx) };
  }

  @Policy(rules.admin) @Post(':id/extra_specs') @HttpCode(200)
  async setExtraSpecs(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    if (typeof body !== 'object' || body === null || (body as Record<string, unknown>).extra_specs === undefined) {
      throw cinderErrors.badRequest("'extra_specs' is a required property");
    }
    onlyKeys(body as Record<string, unknown>, ['extra_specs']);
    const values = specs((body as Record<string, unknown>).extra_specs, 'extra_specs', { spaces: false });
    return { extra_specs: await this.types.setExtraSpecs(id, values, ctx) };
  }

  @Policy(rules.projectReader) @Get(':id/extra_specs/:key')
  async extraSpec(@Param('id') id: string, @Param('key') key: string, @Ctx() ctx: RequestContext) {
    const all = visibleExtraSpecs(await this.types.get(id, ctx), ctx);
    if (!(key in all)) throw cinderErrors.extraSpecNotFound(id, key);
    return { [key]: all[key] };
  }

  /** The body is `{"<key>": "<value>"}` for the key in the path, as in Cinder. */
  @Policy(rules.admin) @Put(':id/extra_specs/:key')
  async setExtraSpec(@Param('id') id: string, @Param('key') key: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const values = specs(body, 'extra_specs', { spaces: false });
    if (!(key in values)) throw cinderErrors.badRequest('Request body and URI mismatch');
    if (Object.keys(values).length > 1) throw cinderErrors.badRequest('Request body contains too many items');
    return this.types.setExtraSpecs(id, values, ctx);
  }

  @Policy(rules.admin) @Delete(':id/extra_specs/:key') @HttpCode(202)
  async deleteExtraSpec(@Param('id') id: string, @Param('key') key: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.types.deleteExtraSpec(id, key, ctx);
  }
}

/** `/qos-specs` (admin): create, list, show, set and unset keys, delete, associate with volume types. */
@Controller(v3Paths('qos-specs'))
@UseGuards(CinderMicroversion, ProjectInPath)
export class QosSpecsController {
  constructor(private readonly types: VolumeTypesApi) {}

  @Policy(rules.admin) @Get()
  async list(@Q() q: Query, @Req() req: FastifyRequest) {
    const { items, more } = await this.types.listQos(parsePaging(q, TYPE_SORT_KEYS));
    return { qos_specs: items.map(renderQosSpecs), ...nextLinks(req, 'qos_specs', items, more) };
  }

  @Policy(rules.admin) @Post() @HttpCode(200)
  async create(@Param('projectId') pid: string | undefined, @Body() body: unknown, @Req() req: FastifyRequest) {
    const s = await this.types.createQos(body);
    return { qos_specs: renderQosSpecs(s), links: qosLinks(s, linkBase(req, pid)) };
  }

  @Policy(rules.admin) @Get(':id')
  async show(@Param('projectId') pid: string | undefined, @Param('id') id: string, @Req() req: FastifyRequest) {
    const s = await this.types.getQos(id);
    return { qos_specs: renderQosSpecs(s), links: qosLinks(s, linkBase(req, pid)) };
  }

  @Policy(rules.admin) @Put(':id')
  async set(@Param('id') id: string, @Body() body: unknown) {
    return { qos_specs: await this.types.setQos(id, body) };
  }

  @Policy(rules.admin) @Put(':id/delete_keys') @HttpCode(202)
  async deleteKeys(@Param('id') id: string, @Body() body: unknown): Promise<void> {
    await this.types.deleteQosKeys(id, body);
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(202)
  async delete(@Param('id') id: string, @Q() q: Query): Promise<void> {
    await this.types.deleteQos(id, ['true', '1', 'yes', 'on', 't', 'y'].includes((one(q, 'force') ?? '').toLowerCase()));
  }

  @Policy(rules.admin) @Get(':id/associations')
  async associations(@Param('id') id: string) {
    return { qos_associations: await this.types.associations(id) };
  }

  @Policy(rules.admin) @Get(':id/associate') @HttpCode(202)
  async associate(@Param('id') id: string, @Q() q: Query, @Ctx() ctx: RequestContext): Promise<void> {
    await this.types.associate(id, one(q, 'vol_type_id'), ctx);
  }

  @Policy(rules.admin) @Get(':id/disassociate') @HttpCode(202)
  async disassociate(@Param('id') id: string, @Q() q: Query, @Ctx() ctx: RequestContext): Promise<void> {
    await this.types.disassociate(id, one(q, 'vol_type_id'), ctx);
  }

  @Policy(rules.admin) @Get(':id/disassociate_all') @HttpCode(202)
  async disassociateAll(@Param('id') id: string): Promise<void> {
    await this.types.disassociateAll(id);
  }
}
