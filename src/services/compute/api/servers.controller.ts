import { randomBytes } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { BadRequestError, NotFoundError } from '../../../common/errors/api-error';
import { Microversion } from '../../../common/http/microversion';
import { Mv } from '../../../common/http/microversion.guard';
import { NovaMicroversion } from '../compute.microversion';
import { InstanceActionsService } from '../instance-actions.service';
import { InstanceOpsApi } from '../instance-ops.api';
import { ServersApi } from '../servers.api';
import { ServersQuery } from '../servers.query';
import { CreateServerRequest, MetaItemRequest, MetadataRequest, UpdateServerRequest } from './dto/server.dto';
import { checkActionForKind } from '../state/kind-actions';
import { parseServerAction } from './server-actions';
import { novaTime, renderServer, renderServerRef } from './views/server.view';

export function computeBase(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host}/compute`;
}

function nextLinks(req: FastifyRequest, lastId: string | undefined, more: boolean) {
  if (!more || !lastId) return undefined;
  const u = new URL(`${computeBase(req)}${req.url.replace(/^\/compute/, '')}`);
  u.searchParams.set('marker', lastId);
  return [{ rel: 'next', href: u.toString() }];
}

@Controller('v2.1/servers')
@UseGuards(NovaMicroversion)
export class ServersController {
  constructor(
    private readonly servers: ServersApi, private readonly query: ServersQuery, private readonly actions: InstanceActionsService,
    private readonly ops: InstanceOpsApi,
  ) {}

  @Policy(rules.projectMember) @Post() @HttpCode(202)
  async create(@Req() req: FastifyRequest, @Body() body: CreateServerRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const created = await this.servers.create(body, ctx, mv);
    if (body.server.return_reservation_id) return { reservation_id: created[0].reservationId };
    const first = created[0];
    return {
      server: {
        id: first.id, links: renderServerRef(first, computeBase(req)).links, 'OS-DCF:diskConfig': 'MANUAL',
        security_groups: [{ name: 'default' }], adminPass: body.server.adminPass ?? randomBytes(9).toString('base64url'),
      },
    };
  }

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const page = await this.query.list(q, ctx, 'ref');
    const base = computeBase(req);
    const links = nextLinks(req, page.items[page.items.length - 1]?.id, page.more);
    return { servers: page.items.map((i) => renderServerRef(i, base)), ...(links ? { servers_links: links } : {}) };
  }

  @Policy(rules.projectReader) @Get('detail')
  async detail(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const page = await this.query.list(q, ctx);
    const base = computeBase(req);
    const groups = mv.atLeast('2.71') ? await this.servers.groupsOf(page.items.map((i) => i.id)) : new Map<string, string[]>();
    const links = nextLinks(req, page.items[page.items.length - 1]?.id, page.more);
    return { servers: page.items.map((i) => renderServer(i, ctx, mv, base, groups.get(i.id))), ...(links ? { servers_links: links } : {}) };
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const inst = await this.servers.get(id, ctx);
    const groups = mv.atLeast('2.71') ? await this.servers.groupsOf([inst.id]) : new Map<string, string[]>();
    return { server: renderServer(inst, ctx, mv, computeBase(req), groups.get(inst.id)) };
  }

  @Policy(rules.projectMember) @Put(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: UpdateServerRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { server: renderServer(await this.servers.update(id, body.server, ctx), ctx, mv, computeBase(req)) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.servers.delete(id, ctx);
  }

  /** One body key names the action (style.md §6); console output answers 200, the rest 202. */
  @Policy(rules.projectMember) @Post(':id/action') @HttpCode(202)
  async action(
    @Req() req: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext, @Mv() mv: Microversion,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (typeof body === 'object' && body !== null && Object.keys(body).length === 1) {
      checkActionForKind((await this.servers.get(id, ctx)).kind, Object.keys(body)[0], id);
    }
    const action = parseServerAction(body);
    switch (action.kind) {
      case 'os-start': return this.servers.start(id, ctx);
      case 'os-stop': return this.servers.stop(id, ctx);
      case 'reboot': return this.servers.reboot(id, action.type, ctx);
      case 'pause': return this.servers.pause(id, ctx);
      case 'unpause': return this.servers.unpause(id, ctx);
      case 'lock': return this.servers.lock(id, ctx, action.reason);
      case 'unlock': return this.servers.unlock(id, ctx);
      case 'os-getConsoleOutput': {
        const output = await this.servers.consoleOutput(id, action.length, ctx);
        reply.status(200);
        return { output };
      }
      case 'createImage': {
        const imageId = await this.ops.createImage(id, action.name, action.metadata, ctx);
        // From 2.45 the body names the image; before, only the Location header does.
        if (mv.atLeast('2.45')) return { image_id: imageId };
        reply.header('location', `${computeBase(req).replace(/\/compute$/, '/image')}/v2/images/${imageId}`);
        return undefined;
      }
    }
  }

  @Policy(rules.projectReader) @Get(':id/metadata')
  async metadata(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return { metadata: (await this.servers.get(id, ctx)).metadata };
  }

  @Policy(rules.projectMember) @Post(':id/metadata') @HttpCode(200)
  async mergeMetadata(@Param('id') id: string, @Body() body: MetadataRequest, @Ctx() ctx: RequestContext) {
    return { metadata: await this.servers.setMetadata(id, body.metadata, false, ctx) };
  }

  @Policy(rules.projectMember) @Put(':id/metadata')
  async replaceMetadata(@Param('id') id: string, @Body() body: MetadataRequest, @Ctx() ctx: RequestContext) {
    return { metadata: await this.servers.setMetadata(id, body.metadata, true, ctx) };
  }

  @Policy(rules.projectReader) @Get(':id/metadata/:key')
  async metaItem(@Param('id') id: string, @Param('key') key: string, @Ctx() ctx: RequestContext) {
    const md = (await this.servers.get(id, ctx)).metadata;
    if (!(key in md)) throw new NotFoundError('Metadata item was not found');
    return { meta: { [key]: md[key] } };
  }

  @Policy(rules.projectMember) @Put(':id/metadata/:key')
  async setMetaItem(@Param('id') id: string, @Param('key') key: string, @Body() body: MetaItemRequest, @Ctx() ctx: RequestContext) {
    const keys = Object.keys(body.meta);
    if (keys.length !== 1 || keys[0] !== key) throw new BadRequestError('Request body and URI mismatch');
    await this.servers.setMetadata(id, body.meta, false, ctx);
    return { meta: body.meta };
  }

  @Policy(rules.projectMember) @Delete(':id/metadata/:key') @HttpCode(204)
  async deleteMetaItem(@Param('id') id: string, @Param('key') key: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.servers.deleteMetadataItem(id, key, ctx);
  }

  @Policy(rules.projectReader) @Get(':id/os-instance-actions')
  async instanceActions(@Param('id') id: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const inst = await this.servers.get(id, ctx);
    const actions = await this.actions.list(inst.id);
    return {
      instanceActions: actions.map((a) => ({
        action: a.action, instance_uuid: a.instanceId, request_id: a.requestId, user_id: a.userId, project_id: a.projectId,
        start_time: novaTime(a.startTime)?.replace('Z', '.000000'), message: a.message,
        ...(mv.atLeast('2.58') ? { updated_at: novaTime(a.updatedAt)?.replace('Z', '.000000') } : {}),
      })),
    };
  }

  @Policy(rules.projectReader) @Get(':id/os-instance-actions/:requestId')
  async instanceAction(@Param('id') id: string, @Param('requestId') requestId: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const inst = await this.servers.get(id, ctx);
    const found = await this.actions.get(inst.id, requestId);
    if (!found) throw new NotFoundError(`Action ${requestId} not found`);
    const { action: a, events } = found;
    return {
      instanceAction: {
        action: a.action, instance_uuid: a.instanceId, request_id: a.requestId, user_id: a.userId, project_id: a.projectId,
        start_time: novaTime(a.startTime)?.replace('Z', '.000000'), message: a.message,
        ...(mv.atLeast('2.58') ? { updated_at: novaTime(a.updatedAt)?.replace('Z', '.000000') } : {}),
        events: events.map((e) => ({
          event: e.event, start_time: novaTime(e.startTime)?.replace('Z', '.000000'), finish_time: e.finishTime ? novaTime(e.finishTime)?.replace('Z', '.000000') : null,
          result: e.result, traceback: ctx.isAdmin ? e.traceback : undefined,
          ...(mv.atLeast('2.62') ? { host: e.host, hostId: '' } : {}),
          ...(ctx.isAdmin && mv.atLeast('2.84') ? { details: e.details } : {}),
        })),
      },
    };
  }
}
