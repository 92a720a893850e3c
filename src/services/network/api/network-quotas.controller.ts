import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { ApiError } from '../../../common/errors/api-error';
import { NETWORK_QUOTA_DEFAULTS, NetworkQuotasService, NetworkResource } from '../network-quotas.service';
import { allowOnly, int, resourceBody } from './neutron-body';

const RESOURCES = Object.keys(NETWORK_QUOTA_DEFAULTS) as NetworkResource[];

function mayRead(projectId: string, ctx: RequestContext): void {
  if (!ctx.isAdmin && projectId !== ctx.projectId) throw new ApiError(403, 'Only admin can view or configure quota', 'AdminRequired');
}

/** Neutron's quotas extension (and quota_details). */
@Controller('v2.0/quotas')
export class NetworkQuotasController {
  constructor(private readonly quotas: NetworkQuotasService) {}

  @Policy(rules.admin) @Get()
  async list() {
    const out = [];
    for (const p of await this.quotas.projectsWithQuotas()) out.push({ ...(await this.quotas.limits(p)), project_id: p, tenant_id: p });
    return { quotas: out };
  }

  @Policy(rules.projectReader) @Get(':project/default')
  defaults(@Param('project') project: string, @Ctx() ctx: RequestContext) {
    mayRead(project, ctx);
    return { quota: { ...NETWORK_QUOTA_DEFAULTS } };
  }

  @Policy(rules.projectReader) @Get(':project/details')
  async details(@Param('project') project: string, @Ctx() ctx: RequestContext) {
    mayRead(project, ctx);
    const limits = await this.quotas.limits(project);
    const used = await this.quotas.usage(project);
    return { quota: Object.fromEntries(RESOURCES.map((r) => [r, { limit: limits[r], used: used[r], reserved: 0 }])) };
  }

  @Policy(rules.projectReader) @Get(':project')
  async show(@Param('project') project: string, @Ctx() ctx: RequestContext) {
    mayRead(project, ctx);
    return { quota: await this.quotas.limits(project) };
  }

  @Policy(rules.admin) @Put(':project')
  async update(@Param('project') project: string, @Body() body: unknown) {
    const b = resourceBody(body, 'quota');
    allowOnly(b, [...RESOURCES, 'force', 'check_limit']);
    const values: Partial<Record<NetworkResource, number>> = {};
    for (const r of RESOURCES) {
      const v = int(b, r, -1, 2 ** 31 - 1);
      if (v !== undefined && v !== null) values[r] = v;
    }
    return { quota: await this.quotas.set(project, values) };
  }

  @Policy(rules.admin) @Delete(':project') @HttpCode(204)
  async reset(@Param('project') project: string): Promise<void> {
    await this.quotas.reset(project);
  }
}
