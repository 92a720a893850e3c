import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../../common/auth/policy';
import { Ctx } from '../../../../common/context/ctx.decorator';
import { RequestContext } from '../../../../common/context/request-context';
import { Microversion } from '../../../../common/http/microversion';
import { Mv } from '../../../../common/http/microversion.guard';
import { NovaMicroversion } from '../../compute.microversion';
import { QuotasApi } from '../quotas.api';

/** GET /limits: absolute limits and usage of the caller's project (rate limits: none). */
@Controller('v2.1/limits')
@UseGuards(NovaMicroversion)
export class LimitsController {
  constructor(private readonly quotas: QuotasApi) {}

  @Policy(rules.authenticated) @Get()
  async show(@Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const raw = Array.isArray(q.tenant_id) ? q.tenant_id[0] : q.tenant_id;
    const tenantId = typeof raw === 'string' && raw !== '' ? raw : undefined;
    return { limits: await this.quotas.limits(tenantId, ctx, mv) };
  }
}
