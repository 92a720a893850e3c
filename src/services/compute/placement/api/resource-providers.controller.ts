import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, UseGuards } from '@nestjs/common';
import { IsInt, IsObject, IsOptional, IsNumber, Min, Max } from 'class-validator';
import { Policy, rules } from '../../../../common/auth/policy';
import { BadRequestError, NotFoundError } from '../../../../common/errors/api-error';
import { Microversion } from '../../../../common/http/microversion';
import { Mv } from '../../../../common/http/microversion.guard';
import { PlacementMicroversion } from '../placement.microversion';
import { ResourceClass } from '../placement.service';
import { InventoryRow, PlacementQueries, ProviderRow, capacityOf } from '../placement.queries';
import { InventoryInput, ProviderInventories } from '../provider-inventories';
import { isMemberOf, parseMemberOf, parseRequired, parseResources, requireVersion } from './placement.params';
import { renderInventories, renderInventory, renderProvider } from './placement.view';

const MAX_INT = 2147483647;
const CODE = 'placement.undefined_code';

export class InventoriesRequest {
  @IsInt() resource_provider_generation: number;
  @IsObject() inventories: Record<string, unknown>;
}

export class InventoryRequest {
  @IsInt() resource_provider_generation: number;
  @IsInt() @Min(1) @Max(MAX_INT) total: number;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_INT) reserved?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_INT) min_unit?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_INT) max_unit?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_INT) step_size?: number;
  @IsOptional() @IsNumber() @Min(0.0001) allocation_ratio?: number;
}

const INVENTORY_FIELDS = ['total', 'reserved', 'min_unit', 'max_unit', 'step_size', 'allocation_ratio'];

/** One inventory of a PUT body's `inventories` map, checked field by field as Placement's schema does. */
function inventoryInput(rc: string, raw: unknown): InventoryInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequestError(`JSON does not validate: inventories.${rc} is not of type 'object'`, CODE);
  const v = raw as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!INVENTORY_FIELDS.includes(key)) throw new BadRequestError(`JSON does not validate: Additional properties are not allowed ('${key}' was unexpected) in inventories.${rc}`, CODE);
  }
  const int = (key: string, min: number, fallback?: number): number => {
    const value = v[key] ?? fallback;
    if (value === undefined) throw new BadRequestError(`JSON does not validate: '${key}' is a required property in inventories.${rc}`, CODE);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT) {
      throw new BadRequestError(`JSON does not validate: inventories.${rc}.${key} must be an integer from ${min} to ${MAX_INT}`, CODE);
    }
    return value;
  };
  const ratio = v.allocation_ratio ?? 1;
  if (typeof ratio !== 'number' || !(ratio > 0)) throw new BadRequestError(`JSON does not validate: inventories.${rc}.allocation_ratio must be a number greater than 0`, CODE);
  return { total: int('total', 1), reserved: int('reserved', 0, 0), minUnit: int('min_unit', 1, 1), maxUnit: int('max_unit', 1, MAX_INT), stepSize: int('step_size', 1, 1), allocationRatio: ratio };
}

/** /placement/resource_providers: what each host offers and what is allocated from it (admin only). */
@Controller('resource_providers')
@UseGuards(PlacementMicroversion)
export class ResourceProvidersController {
  constructor(private readonly queries: PlacementQueries, private readonly inventories: ProviderInventories) {}

  @Policy(rules.admin) @Get()
  async list(
    @Mv() mv: Microversion,
    @Query('name') name?: string,
    @Query('uuid') uuid?: string,
    @Query('resources') resources?: string,
    @Query('required') required?: string,
    @Query('in_tree') inTree?: string,
    @Query('member_of') memberOf?: string | string[],
  ) {
    if (resources !== undefined) requireVersion(mv, '1.4');
    if (required !== undefined) requireVersion(mv, '1.18');
    if (inTree !== undefined) requireVersion(mv, '1.14');
    if (memberOf !== undefined) requireVersion(mv, '1.3');
    const groups = memberOf !== undefined ? parseMemberOf(memberOf, mv) : undefined;
    const aggregates = groups ? await this.queries.aggregatesByProvider() : undefined;
    const wanted = resources !== undefined ? parseResources(resources) : undefined;
    const traits = required !== undefined ? parseRequired(required, mv) : undefined;
    let providers = (await this.queries.providers()).filter((p) =>
      (name === undefined || p.name === name) && (uuid === undefined || p.id === uuid) && (inTree === undefined || p.id === inTree)
      && (!traits || (traits.required.every((t) => p.traits.includes(t)) && !traits.forbidden.some((t) => p.traits.includes(t))))
      && (!groups || isMemberOf(aggregates!.get(p.id) ?? [], groups)));
    if (wanted) {
      const invs = await this.queries.inventories(providers.map((p) => p.id));
      providers = providers.filter((p) => fits(invs.get(p.id) ?? [], wanted));
    }
    return { resource_providers: providers.map((p) => renderProvider(p, mv)) };
  }

  @Policy(rules.admin) @Get(':uuid')
  async show(@Param('uuid') uuid: string, @Mv() mv: Microversion) {
    return renderProvider(await this.provider(uuid), mv);
  }

  @Policy(rules.admin) @Get(':uuid/inventories')
  async listInventories(@Param('uuid') uuid: string) {
    const p = await this.provider(uuid);
    return { resource_provider_generation: p.generation, inventories: renderInventories((await this.queries.inventories([p.id])).get(p.id) ?? []) };
  }

  @Policy(rules.admin) @Put(':uuid/inventories')
  async replaceInventories(@Param('uuid') uuid: string, @Body() body: InventoriesRequest) {
    const p = await this.provider(uuid);
    const wanted = Object.fromEntries(Object.entries(body.inventories).map(([rc, raw]) => [rc, inventoryInput(rc, raw)]));
    await this.inventories.set(p.id, body.resource_provider_generation, wanted, true);
    return this.listInventories(uuid);
  }

  @Policy(rules.admin) @Get(':uuid/inventories/:rc')
  async showInventory(@Param('uuid') uuid: string, @Param('rc') rc: string) {
    const p = await this.provider(uuid);
    const inv = await this.inventory(p, rc);
    return { resource_provider_generation: p.generation, ...renderInventory(inv) };
  }

  @Policy(rules.admin) @Put(':uuid/inventories/:rc')
  async updateInventory(@Param('uuid') uuid: string, @Param('rc') rc: string, @Body() body: InventoryRequest) {
    const p = await this.provider(uuid);
    const { resource_provider_generation: generation, ...fields } = body;
    await this.inventories.set(p.id, generation, { [rc]: inventoryInput(rc, fields) }, false);
    return this.showInventory(uuid, rc);
  }

  @Policy(rules.admin) @Delete(':uuid/inventories/:rc') @HttpCode(204)
  async deleteInventory(@Param('uuid') uuid: string, @Param('rc') rc: string): Promise<void> {
    const p = await this.provider(uuid);
    await this.inventories.remove(p.id, p.generation, rc);
  }

  @Policy(rules.admin) @Get(':uuid/usages')
  async usages(@Param('uuid') uuid: string) {
    const p = await this.provider(uuid);
    const invs = (await this.queries.inventories([p.id])).get(p.id) ?? [];
    return { resource_provider_generation: p.generation, usages: Object.fromEntries(invs.map((inv) => [inv.resourceClass, inv.used])) };
  }

  @Policy(rules.admin) @Get(':uuid/traits')
  async traits(@Param('uuid') uuid: string, @Mv() mv: Microversion) {
    requireVersion(mv, '1.6');
    const p = await this.provider(uuid);
    return { resource_provider_generation: p.generation, traits: [...p.traits].sort() };
  }

  @Policy(rules.admin) @Get(':uuid/aggregates')
  async aggregates(@Param('uuid') uuid: string, @Mv() mv: Microversion) {
    requireVersion(mv, '1.1');
    const p = await this.provider(uuid);
    const aggregates = (await this.queries.aggregatesByProvider()).get(p.id) ?? [];
    return { aggregates, ...(mv.atLeast('1.19') ? { resource_provider_generation: p.generation } : {}) };
  }

  @Policy(rules.admin) @Get(':uuid/allocations')
  async allocations(@Param('uuid') uuid: string, @Mv() mv: Microversion) {
    requireVersion(mv, '1.11');
    const p = await this.provider(uuid);
    const byConsumer: Record<string, { resources: Partial<Record<ResourceClass, number>> }> = {};
    for (const a of await this.queries.allocationsOfProvider(p.id)) {
      (byConsumer[a.consumerId] ??= { resources: {} }).resources[a.resourceClass] = a.used;
    }
    return { resource_provider_generation: p.generation, allocations: byConsumer };
  }

  private async provider(uuid: string): Promise<ProviderRow> {
    const p = await this.queries.provider(uuid);
    if (!p) throw new NotFoundError(`No resource provider with uuid ${uuid} found`, CODE);
    return p;
  }

  private async inventory(p: ProviderRow, rc: string): Promise<InventoryRow> {
    const inv = ((await this.queries.inventories([p.id])).get(p.id) ?? []).find((i) => i.resourceClass === rc);
    if (!inv) throw new NotFoundError(`No inventory of class ${rc} for ${p.id}`, CODE);
    return inv;
  }
}

/** Would `wanted` fit on a provider with these inventories (capacity, min/max unit, step)? */
export function fits(invs: InventoryRow[], wanted: Partial<Record<ResourceClass, number>>): boolean {
  return Object.entries(wanted).every(([rc, amount]) => {
    const inv = invs.find((i) => i.resourceClass === rc);
    return !!inv && amount! <= capacityOf(inv) - inv.used && amount! <= inv.maxUnit && amount! >= inv.minUnit && amount! % inv.stepSize === 0;
  });
}
