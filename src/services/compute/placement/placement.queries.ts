import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { ResourceClass } from './placement.service';

export const RESOURCE_CLASSES: ResourceClass[] = ['VCPU', 'MEMORY_MB', 'DISK_GB'];

export interface ProviderRow {
  id: string;
  name: string;
  generation: number;
  traits: string[];
}

export interface InventoryRow {
  resourceClass: ResourceClass;
  total: number;
  reserved: number;
  minUnit: number;
  maxUnit: number;
  stepSize: number;
  allocationRatio: number;
  used: number;
}

export interface AllocationRow {
  consumerId: string;
  providerId: string;
  resourceClass: ResourceClass;
  used: number;
  projectId: string;
  userId: string;
  generation: number;
}

/** Read side of the Placement API: plain SQL over compute's placement tables. */
@Injectable()
export class PlacementQueries {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async providers(): Promise<ProviderRow[]> {
    return this.db.query(`SELECT id, name, generation, traits FROM compute.resource_providers ORDER BY name`);
  }

  async provider(id: string): Promise<ProviderRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const rows = await this.db.query(`SELECT id, name, generation, traits FROM compute.resource_providers WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Inventories of the given providers (all when omitted), keyed by provider id. */
  async inventories(providerIds?: string[]): Promise<Map<string, InventoryRow[]>> {
    const rows: (InventoryRow & { providerId: string })[] = await this.db.query(
      `SELECT provider_id AS "providerId", resource_class AS "resourceClass", total, reserved, min_unit AS "minUnit",
              max_unit AS "maxUnit", step_size AS "stepSize", allocation_ratio AS "allocationRatio", used
       FROM compute.inventories ${providerIds ? 'WHERE provider_id = ANY($1)' : ''} ORDER BY resource_class`,
      providerIds ? [providerIds] : [],
    );
    const byProvider = new Map<string, InventoryRow[]>();
    for (const { providerId, ...inv } of rows) byProvider.set(providerId, [...(byProvider.get(providerId) ?? []), inv]);
    return byProvider;
  }

  async allocationsOfProvider(providerId: string): Promise<AllocationRow[]> {
    return this.allocations('a.provider_id = $1', [providerId]);
  }

  async allocationsOfConsumer(consumerId: string): Promise<AllocationRow[]> {
    if (!/^[0-9a-f-]{36}$/i.test(consumerId)) return [];
    return this.allocations('a.consumer_id = $1', [consumerId]);
  }

  /**
   * Placement aggregates by provider id: the uuids of the host aggregates holding each provider's
   * host, as Nova mirrors its aggregates into Placement.
   */
  async aggregatesByProvider(): Promise<Map<string, string[]>> {
    const rows: { id: string; uuid: string }[] = await this.db.query(
      `SELECT p.id, a.uuid FROM compute.resource_providers p
       JOIN compute.aggregate_hosts h ON h.host = p.name JOIN compute.aggregates a ON a.id = h.aggregate_id ORDER BY a.uuid`,
    );
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.id, [...(out.get(r.id) ?? []), r.uuid]);
    return out;
  }

  /** Sum of allocations per class of a project (and optionally one of its users). */
  async usagesOf(projectId: string, userId?: string): Promise<Partial<Record<ResourceClass, number>>> {
    const rows: { rc: ResourceClass; used: number }[] = await this.db.query(
      `SELECT resource_class AS rc, sum(used)::int AS used FROM compute.allocations
       WHERE project_id = $1 ${userId ? 'AND user_id = $2' : ''} GROUP BY resource_class`,
      userId ? [projectId, userId] : [projectId],
    );
    return Object.fromEntries(rows.map((r) => [r.rc, r.used]));
  }

  private async allocations(where: string, params: unknown[]): Promise<AllocationRow[]> {
    return this.db.query(
      `SELECT a.consumer_id AS "consumerId", a.provider_id AS "providerId", a.resource_class AS "resourceClass", a.used,
              a.project_id AS "projectId", a.user_id AS "userId", p.generation
       FROM compute.allocations a JOIN compute.resource_providers p ON p.id = a.provider_id
       WHERE ${where} ORDER BY a.consumer_id, a.provider_id, a.resource_class`,
      params,
    );
  }
}

/** What a provider can still give: (total - reserved) * allocation_ratio - used. */
export function capacityOf(inv: InventoryRow): number {
  return Math.floor((inv.total - inv.reserved) * inv.allocationRatio);
}
