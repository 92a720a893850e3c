import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { BadRequestError } from '../../../common/errors/api-error';
import { STREAM_BODY } from '../../../common/http/http-app';
import { ServersApi } from '../../compute/servers.api';
import { ZunMicroversion } from '../container.microversion';
import { ContainersApi } from '../containers.api';
import { containerBase, renderContainer } from './container.view';

/** Zun's booleans in the query: True/False, true/false, 1/0, yes/no. */
function flag(name: string, v: unknown, dflt = false): boolean {
  if (v === undefined || v === '') return dflt;
  const s = String(Array.isArray(v) ? v[0] : v).toLowerCase();
  if (['true', '1', 'yes', 'y', 'on', 't'].includes(s)) return true;
  if (['false', '0', 'no', 'n', 'off', 'f'].includes(s)) return false;
  throw new BadRequestError(`Invalid input for query parameter '${name}': ${s} is not a boolean.`);
}

function base(req: FastifyRequest): string {
  return containerBase((req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol, req.headers.host);
}

@Controller('v1/containers')
@UseGuards(ZunMicroversion)
export class ContainersController {
  constructor(private readonly containers: ContainersApi, private readonly servers: ServersApi) {}

  @Policy(rules.projectMember) @Post() @HttpCode(202)
  async create(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const inst = await this.containers.create(body, flag('run', q.run), ctx);
    return renderContainer(inst, ctx, base(req));
  }

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const rows = await this.containers.list(ctx, flag('all_projects', q.all_projects));
    return { containers: rows.map((i) => renderContainer(i, ctx, base(req))), next: null };
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return renderContainer(await this.containers.get(id, ctx, flag('all_projects', q.all_projects)), ctx, base(req));
  }

  @Policy(rules.projectMember) @Patch(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    return renderContainer(await this.containers.update(id, body, ctx), ctx, base(req));
  }

  /** zunclient's DELETE (raw_request) says Content-Type: application/octet-stream with no body: take it as a stream and ignore it. */
  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204) @RouteConfig({ [STREAM_BODY]: true })
  async remove(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext): Promise<void> {
    await this.containers.delete(id, flag('force', q.force), flag('stop', q.stop), ctx);
  }

  @Policy(rules.projectMember) @Post(':id/start') @HttpCode(202)
  async start(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.servers.start((await this.containers.get(id, ctx)).id, ctx);
  }

  @Policy(rules.projectMember) @Post(':id/stop') @HttpCode(202)
  async stop(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.servers.stop((await this.containers.get(id, ctx)).id, ctx);
  }

  @Policy(rules.projectMember) @Post(':id/reboot') @HttpCode(202)
  async reboot(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.servers.reboot((await this.containers.get(id, ctx)).id, 'HARD', ctx);
  }

  @Policy(rules.projectMember) @Post(':id/pause') @HttpCode(202)
  async pause(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.servers.pause((await this.containers.get(id, ctx)).id, ctx);
  }

  @Policy(rules.projectMember) @Post(':id/unpause') @HttpCode(202)
  async unpause(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.servers.unpause((await this.containers.get(id, ctx)).id, ctx);
  }

  @Policy(rules.projectMember) @Post(':id/execute') @HttpCode(200)
  async execute(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    if (q.run !== undefined && !flag('run', q.run, true)) throw new BadRequestError('Exec without run (exec_id for a websocket) is not supported.');
    if (flag('interactive', q.interactive)) throw new BadRequestError('Interactive exec is not supported.');
    return this.containers.execute(id, Array.isArray(q.command) ? q.command[0] : q.command, ctx);
  }

  /** A JSON string, as zunclient requires (it prints None for text/plain). */
  @Policy(rules.projectReader) @Get(':id/logs')
  async logs(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    flag('stdout', q.stdout, true); flag('stderr', q.stderr, true); flag('timestamps', q.timestamps);
    const output = await this.containers.logs(id, Array.isArray(q.tail) ? q.tail[0] : q.tail, ctx);
    reply.header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(output);
  }

  @Policy(rules.projectMember) @Post(':id/rename') @HttpCode(200)
  async rename(@Req() req: FastifyRequest, @Param('id') id: string, @Query() q: Record<string, unknown>, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const name = q.name ?? (typeof body === 'object' && body !== null ? (body as Record<string, unknown>).name : undefined);
    return renderContainer(await this.containers.rename(id, name, ctx), ctx, base(req));
  }
}
