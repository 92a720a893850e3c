import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../../common/auth/policy';
import { BadRequestError } from '../../../../common/errors/api-error';
import { Microversion } from '../../../../common/http/microversion';
import { Mv } from '../../../../common/http/microversion.guard';
import { PlacementMicroversion } from '../placement.microversion';
import { ResourceClass } from '../placement.service';
import { PlacementQueries, capacityOf } from '../placement.queries';
import { isMemberOf, parseLimit, parseMemberOf, parseRequired, parseResources, requireVersion } from './placement.params';
import { fits } from './resource-providers.controller';

/** Consumers' allocations, project usages and allocation candidates (admin only). */
@Controller()
@UseGuards(PlacementMicroversion)
export class AllocationsController {
  constructor(private readonly queries: PlacementQueries) {}

  @Policy(rules.admin) @Get('allocations/:consumer')
  async ofConsumer(@Param('consumer') consumer: string, @Mv() mv: Microversion) {
    const rows = await this.queries.allocationsOfConsumer(consumer);
    const allocations: Record<string, { generation: number; resources: Partial<Record<ResourceClass, number>> }> = {};
    for (const a of rows) (allocations[a.providerId] ??= { generation: a.generation, resources: {} }).resources[a.resourceClass] = a.used;
    if (!mv.atLeast('1.12') || rows.length === 0) return { allocations };
    return { allocations, project_id: rows[0].projectId, user_id: rows[0].userId };
  }

  @Policy(rules.admin) @Get('usages')
  async usages(@Mv() mv: Microversion, @Query('project_id') projectId?: string, @Query('user_id') userId?: string) {
    requireVersion(mv, '1.9');
    if (!projectId) throw new BadRequestError(`Invalid query string parameters: 'project_id' is a required property`, 'placement.undefined_code');
    return { usages: await this.queries.usagesOf(projectId, userId) };
  }

  /**
   * Every provider that can take `resources` now, as Placement answers for one unnamed request
   * group: berth's providers are single hosts (no trees, no sharing providers).
   */
  @Policy(rules.admin) @Get('allocation_candidates')
  async candidates(@Mv() mv: Microversion, @Query('resources') resources?: string, @Query('required') required?: string, @Query('limit') limitText?: string, @Query('member_of') memberOf?: string | string[]) {
    requireVersion(mv, '1.10');
    if (resources === undefined) throw new BadRequestError(`Invalid query string parameters: 'resources' is a required property`, 'placement.undefined_code');
    if (required !== undefined) requireVersion(mv, '1.17');
    if (limitText !== undefined) requireVersion(mv, '1.16');
    if (memberOf !== undefined) requireVersion(mv, '1.21');
    const groups = memberOf !== undefined ? parseMemberOf(memberOf, mv) : undefined;
    const aggregates = groups ? await this.queries.aggregatesByProvider() : undefined;
    const wanted = parseResources(resources);
    const traits = required !== undefined ? parseRequired(required, mv) : undefined;
    const limit = parseLimit(limitText);
    const providers = (await this.queries.providers()).filter((p) =>
      (!traits || (traits.required.every((t) => p.traits.includes(t)) && !traits.forbidden.some((t) => p.traits.includes(t))))
      && (!groups || isMemberOf(aggregates!.get(p.id) ?? [], groups)));
    const invs = await this.queries.inventories(providers.map((p) => p.id));
    const chosen = providers.filter((p) => fits(invs.get(p.id) ?? [], wanted)).slice(0, limit);
    const requests = chosen.map((p) => mv.atLeast('1.12')
      ? { allocations: { [p.id]: { resources: wanted } } }
      : { allocations: [{ resource_provider: { uuid: p.id }, resources: wanted }] });
    const summaries = Object.fromEntries(chosen.map((p) => {
      const shown = (invs.get(p.id) ?? []).filter((inv) => mv.atLeast('1.27') || wanted[inv.resourceClass] !== undefined);
      return [p.id, {
        resources: Object.fromEntries(shown.map((inv) => [inv.resourceClass, { capacity: capacityOf(inv), used: inv.used }])),
        ...(mv.atLeast('1.17') ? { traits: [...p.traits].sort() } : {}),
        ...(mv.atLeast('1.29') ? { parent_provider_uuid: null, root_provider_uuid: p.id } : {}),
      }];
    }));
    return { allocation_requests: requests, provider_summaries: summaries };
  }
}
