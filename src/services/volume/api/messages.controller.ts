import { Controller, Delete, Get, HttpCode, Param, Query as Q, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { Microversion } from '../../../common/http/microversion';
import { Mv } from '../../../common/http/microversion.guard';
import { MESSAGE_SORT_KEYS, VolumeMessagesApi } from '../messages.api';
import { CinderMicroversion, ProjectInPath, requireMicroversion, v3Paths } from '../volume.microversion';
import { nextLinks, parsePaging, Query } from './cinder-query';
import { renderMessage } from './views/volume.view';
import { linkBase } from './volumes.controller';

/** `/messages` (3.3+; paging from 3.5): a project's user messages, e.g. why a volume went to error. */
@Controller(v3Paths('messages'))
@UseGuards(CinderMicroversion, ProjectInPath)
export class VolumeMessagesController {
  constructor(private readonly messages: VolumeMessagesApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Param('projectId') pid: string | undefined, @Q() q: Query, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    requireMicroversion(mv, '3.3');
    const { items, more } = await this.messages.list(q, parsePaging(mv.atLeast('3.5') ? q : {}, MESSAGE_SORT_KEYS), ctx);
    return { messages: items.map((m) => renderMessage(m, linkBase(req, pid))), ...nextLinks(req, 'messages', items, more) };
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('projectId') pid: string | undefined, @Param('id') id: string, @Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    requireMicroversion(mv, '3.3');
    return { message: renderMessage(await this.messages.get(id, ctx), linkBase(req, pid)) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async delete(@Param('id') id: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion): Promise<void> {
    requireMicroversion(mv, '3.3');
    await this.messages.delete(id, ctx);
  }
}
