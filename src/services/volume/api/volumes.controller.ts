import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query as Q, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { Microversion } from '../../../common/http/microversion';
import { Mv } from '../../../common/http/microversion.guard';
import { cinderErrors } from '../cinder-errors';
import { CinderMicroversion, ProjectInPath, requireMicroversion, v3Paths } from '../volume.microversion';
import { VOLUME_SORT_KEYS, VolumesApi } from '../volumes.api';
import { bool, queryBool } from './cinder-body';
import { nextLinks, parsePaging, Query, volumeBase } from './cinder-query';
import { LinkBase, renderVolume, renderVolumeSummary } from './views/volume.view';

export function linkBase(req: FastifyRequest, projectId: string | undefined): LinkBase {
  return { base: volumeBase(req), projectId };
}

/** The admin check Cinder's policy makes for an admin action, with its rule name. */
export function adminOnly(ctx: RequestContext, rule: string): void {
  if (!ctx.isAdmin) throw cinderErrors.policy(rule);
}

/** `/volumes`: list, detail, summary, show, create, update, delete, actions, metadata. */
@Controller(v3Paths('volumes'))
@UseGuards(CinderMicroversion, ProjectInPath)
export class VolumesController {
  constructor(private readonly volumes: VolumesApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Param('projectId') pid: string | undefined, @Q() q: Query, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const { items, more, count } = await this.volumes.list(q, parsePaging(q, VOLUME_SORT_KEYS), ctx, mv);
    return {
      volumes: items.map((v) => renderVolumeSummary(v, linkBase(req, pid))), ...nextLinks(req, 'volumes', items, more),
      ...(mv.atLeast('3.45') && queryBool(q.with_count) ? { count } : {}),
    };
  }

  @Policy(rules.projectReader) @Get('detail')
  async detail(@Param('projectId') pid: string | undefined, @Q() q: Query, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const { items, more, count } = await this.volumes.list(q, parsePaging(q, VOLUME_SORT_KEYS), ctx, mv);
    const rendered = (await this.volumes.withTypes(items)).map((v) => renderVolume(v, ctx, mv, linkBase(req, pid)));
    return { volumes: rendered, ...nextLinks(req, 'volumes', items, more), ...(mv.atLeast('3.45') && queryBool(q.with_count) ? { count } : {}) };
  }

  @Policy(rules.projectReader) @Get('summary')
  async summary(@Q() q: Query, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    requireMicroversion(mv, '3.12');
    return { 'volume-summary': await this.volumes.summary(q, ctx, mv) };
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('projectId') pid: string | undefined, @Param('id') id: string, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { volume: renderVolume(await this.volumes.withType(await this.volumes.get(id, ctx)), ctx, mv, linkBase(req, pid)) };
  }

  @Policy(rules.projectMember) @Post() @HttpCode(202)
  async create(@Param('projectId') pid: string | undefined, @Body() body: unknown, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { volume: renderVolume(await this.volumes.withType(await this.volumes.create(body, ctx, mv)), ctx, mv, linkBase(req, pid)) };
  }

  @Policy(rules.projectMember) @Put(':id')
  async update(@Param('projectId') pid: string | undefined, @Param('id') id: string, @Body() body: unknown, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { volume: renderVolume(await this.volumes.withType(await this.volumes.update(id, body, ctx, mv)), ctx, mv, linkBase(req, pid)) };
  }

  /** `cascade` takes the snapshots along; `force` (3.23, admin) skips the status check. */
  @Policy(rules.projectMember) @Delete(':id') @HttpCode(202)
  async delete(@Param('id') id: string, @Q() q: Query, @Ctx() ctx: RequestContext, @Mv() mv: Microversion): Promise<void> {
    const force = mv.atLeast('3.23') && bool({ force: q.force }, 'force') === true;
    if (force) adminOnly(ctx, 'volume:force_delete');
    await this.volumes.delete(id, ctx, { cascade: bool({ cascade: q.cascade }, 'cascade') === true, force });
  }

  /** One action per request, named by the body's single key; each answers as Cinder does (202, or 200 for os-set_bootable). */
  @Policy(rules.projectMember) @Post(':id/action')
  async action(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
    if (keys.length !== 1) throw cinderErrors.badRequest('Malformed request body');
    const [name] = keys;
    const args = (body as Record<string, unknown>)[name];
    switch (name) {
      case 'os-extend':
        await this.volumes.extend(id, args, ctx);
        return void reply.status(202);
      case 'os-reset_status':
        adminOnly(ctx, 'volume_extension:volume_admin_actions:reset_status');
        await this.volumes.resetStatus(id, args, ctx);
        return void reply.status(202);
      case 'os-force_delete':
        adminOnly(ctx, 'volume_extension:volume_admin_actions:force_delete');
        await this.volumes.delete(id, ctx, { force: true });
        return void reply.status(202);
      case 'os-set_bootable':
        await this.volumes.setBootable(id, args, ctx);
        return void reply.status(200);
      default:
        throw cinderErrors.badRequest(`There is no such action: ${name}`);
    }
  }

  @Policy(rules.projectReader) @Get(':id/metadata')
  async metadata(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return { metadata: await this.volumes.metadata(id, ctx) };
  }

  @Policy(rules.projectMember) @Post(':id/metadata') @HttpCode(200)
  async addMetadata(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { metadata: await this.volumes.setMetadata(id, body, ctx, false) };
  }

  @Policy(rules.projectMember) @Put(':id/metadata')
  async replaceMetadata(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { metadata: await this.volumes.setMetadata(id, body, ctx, true) };
  }

  @Policy(rules.projectReader) @Get(':id/metadata/:key')
  async metadataItem(@Param('id') id: string, @Param('key') key: string, @Ctx() ctx: RequestContext) {
    const metadata = await this.volumes.metadata(id, ctx);
    if (!(key in metadata)) throw cinderErrors.metadataNotFound(id, key);
    return { meta: { [key]: metadata[key] } };
  }

  @Policy(rules.projectMember) @Put(':id/metadata/:key')
  async setMetadataItem(@Param('id') id: string, @Param('key') key: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return { meta: await this.volumes.setMetadataItem(id, key, body, ctx) };
  }

  @Policy(rules.projectMember) @Delete(':id/metadata/:key') @HttpCode(200)
  async deleteMetadataItem(@Param('id') id: string, @Param('key') key: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.volumes.deleteMetadataItem(id, key, ctx);
  }
}
