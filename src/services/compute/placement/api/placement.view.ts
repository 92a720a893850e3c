import { Microversion } from '../../../../common/http/microversion';
import { InventoryRow, ProviderRow } from '../placement.queries';

/** Placement's links are relative to its own root (SCRIPT_NAME), as devstack serves it. */
export const PLACEMENT_ROOT = '/placement';

export function renderProvider(p: ProviderRow, mv: Microversion) {
  const self = `${PLACEMENT_ROOT}/resource_providers/${p.id}`;
  const links = [
    { rel: 'self', href: self },
    { rel: 'inventories', href: `${self}/inventories` },
    { rel: 'usages', href: `${self}/usages` },
  ];
  if (mv.atLeast('1.1')) links.push({ rel: 'aggregates', href: `${self}/aggregates` });
  if (mv.atLeast('1.6')) links.push({ rel: 'traits', href: `${self}/traits` });
  if (mv.atLeast('1.11')) links.push({ rel: 'allocations', href: `${self}/allocations` });
  return {
    uuid: p.id,
    name: p.name,
    generation: p.generation,
    ...(mv.atLeast('1.14') ? { parent_provider_uuid: null, root_provider_uuid: p.id } : {}),
    links,
  };
}

export function renderInventory(inv: InventoryRow) {
  return {
    total: inv.total,
    reserved: inv.reserved,
    min_unit: inv.minUnit,
    max_unit: inv.maxUnit,
    step_size: inv.stepSize,
    allocation_ratio: inv.allocationRatio,
  };
}

export function renderInventories(invs: InventoryRow[]) {
  return Object.fromEntries(invs.map((inv) => [inv.resourceClass, renderInventory(inv)]));
}
