import { Body, Controller, Delete, Get, HttpCode, Param, Put, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../../common/auth/policy';
import { Ctx } from '../../../../common/context/ctx.decorator';
import { RequestContext } from '../../../../common/context/request-context';
import { Microversion } from '../../../../common/http/microversion';
import { Mv } from '../../../../common/http/microversion.guard';
import { NovaMicroversion } from '../../compute.microversion';
import { QuotasApi } from '../quotas.api';
import { UpdateQuotaSetRequest } from './dto/quota-set.dto';

/** os-quota-sets (per project; berth has no per-user quotas). */
@Controller('v2.1/os-quota-sets')
@UseGuards(NovaMicroversion)
export class QuotaSetsController {
  constructor(private readonly quotas: QuotasApi) {}

  @Policy(rules.projectReader) @Get(':projectId')
  async show(@Param('projectId') projectId: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { quota_set: { id: projectId, ...(await this.quotas.show(projectId, ctx, mv)) } };
  }

  @Policy(rules.authenticated) @Get(':projectId/defaults')
  defaults(@Param('projectId') projectId: string, @Mv() mv: Microversion) {
    return { quota_set: { id: projectId, ...this.quotas.defaults(mv) } };
  }

  @Policy(rules.projectReader) @Get(':projectId/detail')
  async detail(@Param('projectId') projectId: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { quota_set: { id: projectId, ...(await this.quotas.detail(projectId, ctx, mv)) } };
  }

  /** The reply has no `id`, as Nova's. */
  @Policy(rules.admin) @Put(':projectId')
  async update(@Param('projectId') projectId: string, @Body() body: UpdateQuotaSetRequest, @Mv() mv: Microversion) {
    return { quota_set: await this.quotas.update(projectId, body.quota_set, mv) };
  }

  @Policy(rules.admin) @Delete(':projectId') @HttpCode(202)
  async reset(@Param('projectId') projectId: string): Promise<void> {
    await this.quotas.reset(projectId);
  }
}
