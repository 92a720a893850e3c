import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { Microversion } from '../../../common/http/microversion';
import { Mv } from '../../../common/http/microversion.guard';
import { NovaMicroversion } from '../compute.microversion';
import { ServerGroupsApi } from '../server-groups.api';
import { CreateServerGroupRequest } from './dto/server-group.dto';

@Controller('v2.1/os-server-groups')
@UseGuards(NovaMicroversion)
export class ServerGroupsController {
  constructor(private readonly groups: ServerGroupsApi) {}

  @Policy(rules.projectMember) @Post() @HttpCode(200)
  async create(@Body() body: CreateServerGroupRequest, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const g = await this.groups.create(body.server_group, ctx, mv);
    return { server_group: await this.groups.render(g, mv) };
  }

  @Policy(rules.projectReader) @Get()
  async list(@Query('all_projects') all: string | undefined, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const groups = await this.groups.list(ctx, all !== undefined && !['0', 'false', 'False'].includes(all));
    return { server_groups: await Promise.all(groups.map((g) => this.groups.render(g, mv))) };
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { server_group: await this.groups.render(await this.groups.get(id, ctx), mv) };
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.groups.delete(id, ctx);
  }
}
