import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../../common/auth/policy';
import { Ctx } from '../../../../common/context/ctx.decorator';
import { RequestContext } from '../../../../common/context/request-context';
import { NovaMicroversion } from '../../compute.microversion';
import { parseUsageWindow } from '../tenant-usage';
import { UsageApi } from '../usage.api';

/** os-simple-tenant-usage: every tenant (admin) or one (its readers, or admin). */
@Controller('v2.1/os-simple-tenant-usage')
@UseGuards(NovaMicroversion)
export class SimpleTenantUsageController {
  constructor(private readonly usage: UsageApi) {}

  @Policy(rules.admin) @Get()
  async list(@Query() q: Record<string, unknown>) {
    return { tenant_usages: await this.usage.list(parseUsageWindow(q)) };
  }

  @Policy(rules.projectReader) @Get(':projectId')
  async show(@Param('projectId') projectId: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return { tenant_usage: await this.usage.show(projectId, parseUsageWindow(q), ctx) };
  }
}
