import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { BadRequestError, ForbiddenError } from '../../../common/errors/api-error';
import { Microversion } from '../../../common/http/microversion';
import { QuotaSetUpdateDto } from './api/dto/quota-set.dto';
import { QuotaLimits, QuotaResource, QuotaUsage, absoluteLimits, quotaResourcesAt } from './quota-limits';
import { QuotaService } from './quota.service';

/** Nova's refusal when a policy's target check fails. */
export function policyRefused(rule: string): ForbiddenError {
  return new ForbiddenError(`Policy doesn't allow ${rule} to be performed.`);
}

/** Readers of a project may read its quotas; admins any project's. */
export function assertProjectReadable(projectId: string, ctx: RequestContext, rule: string): void {
  if (!ctx.isAdmin && ctx.projectId !== projectId) throw policyRefused(rule);
}

export interface QuotaDetail { in_use: number; limit: number; reserved: number }

/** os-quota-sets and limits: policy target checks and microversion filtering over QuotaService. */
@Injectable()
export class QuotasApi {
  constructor(private readonly quotas: QuotaService) {}

  private pick<T>(mv: Microversion, value: (r: QuotaResource) => T): Record<string, T> {
    return Object.fromEntries(quotaResourcesAt(mv).map((r) => [r, value(r)]));
  }

  async show(projectId: string, ctx: RequestContext, mv: Microversion): Promise<Record<string, number>> {
    assertProjectReadable(projectId, ctx, 'os_compute_api:os-quota-sets:show');
    const limits = await this.quotas.limits(projectId);
    return this.pick(mv, (r) => limits[r]);
  }

  defaults(mv: Microversion): Record<string, number> {
    const limits = this.quotas.defaults();
    return this.pick(mv, (r) => limits[r]);
  }

  async detail(projectId: string, ctx: RequestContext, mv: Microversion): Promise<Record<string, QuotaDetail>> {
    assertProjectReadable(projectId, ctx, 'os_compute_api:os-quota-sets:detail');
    const [limits, usage] = [await this.quotas.limits(projectId), await this.quotas.usage(projectId)];
    const used = usage as unknown as Record<string, number>;
    return this.pick(mv, (r) => ({ in_use: used[r] ?? 0, limit: limits[r], reserved: 0 }));
  }

  /** PUT (admin): a key this microversion does not show is refused as Nova's schema does. */
  async update(projectId: string, dto: QuotaSetUpdateDto, mv: Microversion): Promise<Record<string, number>> {
    const allowed = quotaResourcesAt(mv);
    const { force, ...values } = dto;
    const given = Object.entries(values).filter(([, v]) => v !== undefined);
    for (const [key] of given) {
      if (!allowed.includes(key as QuotaResource)) {
        throw new BadRequestError(`Invalid input for field/attribute quota_set. Additional properties are not allowed ('${key}' was unexpected).`);
      }
    }
    const limits = await this.quotas.update(projectId, Object.fromEntries(given) as Partial<QuotaLimits>, force ?? false);
    return this.pick(mv, (r) => limits[r]);
  }

  async reset(projectId: string): Promise<void> {
    await this.quotas.reset(projectId);
  }

  /** GET /limits: the caller's project, or `tenant_id`'s for admins (403 for others, as Nova). */
  async limits(tenantId: string | undefined, ctx: RequestContext, mv: Microversion) {
    const projectId = tenantId ?? ctx.projectId;
    if (tenantId !== undefined && tenantId !== ctx.projectId && !ctx.isAdmin) throw policyRefused('os_compute_api:limits:other_project');
    let limits: QuotaLimits = this.quotas.defaults();
    let usage: QuotaUsage = { instances: 0, cores: 0, ram: 0, server_groups: 0 };
    if (projectId) [limits, usage] = [await this.quotas.limits(projectId), await this.quotas.usage(projectId)];
    return { rate: [], absolute: absoluteLimits(limits, usage, mv) };
  }
}
