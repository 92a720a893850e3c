import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query as Q, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { Microversion } from '../../../common/http/microversion';
import { Mv } from '../../../common/http/microversion.guard';
import { cinderErrors } from '../cinder-errors';
import { SNAPSHOT_SORT_KEYS, SnapshotsApi } from '../snapshots.api';
import { CinderMicroversion, ProjectInPath, v3Paths } from '../volume.microversion';
import { queryBool } from './cinder-body';
import { nextLinks, parsePaging, Query } from './cinder-query';
import { renderSnapshot } from './views/volume.view';
import { adminOnly } from './volumes.controller';

/** `/snapshots`: list (summary and detail carry the same fields, as in Cinder), show, create, update, delete, admin actions. */
@Controller(v3Paths('snapshots'))
@UseGuards(CinderMicroversion, ProjectInPath)
export class SnapshotsController {
  constructor(private readonly snapshots: SnapshotsApi) {}

  @Policy(rules.projectReader) @Get()
  list(@Q() q: Query, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return this.listed(q, req, ctx, mv);
  }

  @Policy(rules.projectReader) @Get('detail')
  detail(@Q() q: Query, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return this.listed(q, req, ctx, mv);
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { snapshot: renderSnapshot(await this.snapshots.get(id, ctx), mv) };
  }

  @Policy(rules.projectMember) @Post() @HttpCode(202)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { snapshot: renderSnapshot(await this.snapshots.create(body, ctx, mv), mv) };
  }

  @Policy(rules.projectMember) @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { snapshot: renderSnapshot(await this.snapshots.update(id, body, ctx), mv) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(202)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.snapshots.delete(id, ctx);
  }

  @Policy(rules.projectMember) @Post(':id/action') @HttpCode(202)
  async action(@Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext): Promise<void> {
    const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
    if (keys.length !== 1) throw cinderErrors.badRequest('Malformed request body');
    const [name] = keys;
    switch (name) {
      case 'os-reset_status':
        adminOnly(ctx, 'volume_extension:snapshot_admin_actions:reset_status');
        return this.snapshots.resetStatus(id, (body as Record<string, unknown>)[name], ctx);
      case 'os-force_delete':
        adminOnly(ctx, 'volume_extension:snapshot_admin_actions:force_delete');
        return this.snapshots.delete(id, ctx, true);
      default:
        throw cinderErrors.badRequest(`There is no such action: ${name}`);
    }
  }

  private async listed(q: Query, req: FastifyRequest, ctx: RequestContext, mv: Microversion) {
    const { items, more, count } = await this.snapshots.list(q, parsePaging(q, SNAPSHOT_SORT_KEYS), ctx, mv);
    return {
      snapshots: items.map((s) => renderSnapshot(s, mv)), ...nextLinks(req, 'snapshots', items, more),
      ...(mv.atLeast('3.45') && queryBool(q.with_count) ? { count } : {}),
    };
  }
}
