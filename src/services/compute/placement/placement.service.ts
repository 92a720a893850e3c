import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { preparedQuery } from '../../../common/database/prepared';
import { HostResources } from '../../../contracts/agent/agent.types';
import { AllocationEntity, InventoryEntity, ResourceProviderEntity } from '../entities/placement.entity';

export type ResourceClass = 'VCPU' | 'MEMORY_MB' | 'DISK_GB';
export type Resources = Partial<Record<ResourceClass, number>>;

/** Overcommit ratios applied to a host's inventory (Nova's initial_*_allocation_ratio). */
export interface AllocationRatios {
  cpu: number;
  ram: number;
  disk: number;
}

export class ClaimFailedError extends Error {}

export interface ProviderUsage {
  providerId: string;
  name: string;
  generation: number;
  traits: string[];
  /** Capacity left per class: (total - reserved) * ratio - used, bounded by max_unit for one claim. */
  free: Record<ResourceClass, number>;
  maxUnit: Record<ResourceClass, number>;
  used: Record<ResourceClass, number>;
  capacity: Record<ResourceClass, number>;
  /** Physical totals before overcommit (what os-hypervisors shows). */
  total: Record<ResourceClass, number>;
}

const CLASSES: ResourceClass[] = ['VCPU', 'MEMORY_MB', 'DISK_GB'];

/** A provider's capacity and usage from its inventory rows: (total - reserved) * ratio, minus used. */
export function providerUsage(
  p: Pick<ResourceProviderEntity, 'id' | 'name' | 'generation' | 'traits'>,
  inventories: Pick<InventoryEntity, 'resourceClass' | 'total' | 'reserved' | 'maxUnit' | 'allocationRatio' | 'used'>[],
): ProviderUsage {
  const zero = { VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 };
  const usage: ProviderUsage = { providerId: p.id, name: p.name, generation: p.generation, traits: p.traits, free: { ...zero }, maxUnit: { ...zero }, used: { ...zero }, capacity: { ...zero }, total: { ...zero } };
  for (const inv of inventories) {
    const rc = inv.resourceClass as ResourceClass;
    const capacity = Math.floor((inv.total - inv.reserved) * inv.allocationRatio);
    usage.capacity[rc] = capacity;
    usage.total[rc] = inv.total;
    usage.used[rc] = inv.used;
    usage.free[rc] = capacity - inv.used;
    usage.maxUnit[rc] = inv.maxUnit;
  }
  return usage;
}

/**
 * Resource providers, inventories and allocations. Claims are single conditional UPDATEs of each
 * inventory's `used` total inside the caller's transaction: two racing claims cannot both take
 * the last unit, and no query ever re-sums allocations.
 */
@Injectable()
export class PlacementService {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /**
   * Creates or updates a host's provider and its inventories (registration and heartbeat). The
   * host owns `total`; the ratio is only the initial one (Nova's initial_*_allocation_ratio), so
   * an admin's change through the Placement API, like `reserved`, survives heartbeats.
   */
  async syncProvider(host: string, resources: HostResources, ratios: AllocationRatios, traits: string[]): Promise<string> {
    return this.db.transaction(async (tx) => {
      const providers = tx.getRepository(ResourceProviderEntity);
      let provider = await providers.findOneBy({ name: host });
      if (!provider) {
        await tx.createQueryBuilder().insert().into(ResourceProviderEntity)
          .values({ id: randomUUID(), name: host, generation: 0, traits }).orIgnore().execute();
        provider = (await providers.findOneBy({ name: host }))!;
      }
      const wanted: Record<ResourceClass, { total: number; ratio: number }> = {
        VCPU: { total: resources.vcpus, ratio: ratios.cpu },
        MEMORY_MB: { total: resources.memoryMb, ratio: ratios.ram },
        DISK_GB: { total: resources.diskGb, ratio: ratios.disk },
      };
      let changed = JSON.stringify([...provider.traits].sort()) !== JSON.stringify([...traits].sort());
      for (const rc of CLASSES) {
        const { total, ratio } = wanted[rc];
        const res = await tx.query(
          `INSERT INTO compute.inventories (provider_id, resource_class, total, reserved, min_unit, max_unit, step_size, allocation_ratio, used)
           VALUES ($1, $2, $3, 0, 1, $3, 1, $4, 0)
           ON CONFLICT (provider_id, resource_class) DO UPDATE SET total = $3, max_unit = $3
           WHERE compute.inventories.total <> $3
           RETURNING provider_id`,
          [provider.id, rc, total, ratio],
        );
        if (res.length > 0) changed = true;
      }
      if (changed) {
        await tx.query(`UPDATE compute.resource_providers SET traits = $2, generation = generation + 1, updated_at = now() WHERE id = $1`, [provider.id, JSON.stringify(traits)]);
      }
      return provider.id;
    });
  }

  /** Every provider with its capacity and usage: two queries, whatever the number of instances. */
  async usages(): Promise<ProviderUsage[]> {
    const providers = await this.db.getRepository(ResourceProviderEntity).find();
    const inventories = await this.db.getRepository(InventoryEntity).find();
    const byProvider = new Map<string, InventoryEntity[]>();
    for (const inv of inventories) byProvider.set(inv.providerId, [...(byProvider.get(inv.providerId) ?? []), inv]);
    return providers.map((p) => providerUsage(p, byProvider.get(p.id) ?? []));
  }

  /**
   * Claims `resources` on a provider for a consumer, inside `tx`. Throws ClaimFailedError when a
   * class does not fit (a racing claim took it); the caller's transaction then rolls back.
   *
   * One prepared statement: the conditional UPDATE of every class's inventory, the allocation
   * rows of the classes it could take, and the generation bump. A class that does not fit leaves
   * no inventory row updated, which the list of claimed classes shows.
   */
  async claim(tx: EntityManager, consumerId: string, providerId: string, resources: Resources, owner: { projectId: string; userId: string }): Promise<void> {
    const wanted = CLASSES.filter((rc) => (resources[rc] ?? 0) > 0);
    const { rows: [{ claimed }] } = await preparedQuery<{ claimed: string[] | null }>(tx,
      `WITH wanted AS (SELECT * FROM unnest($2::varchar[], $3::int[]) AS w(resource_class, amount)),
            taken AS (
              UPDATE compute.inventories i SET used = i.used + w.amount FROM wanted w
              WHERE i.provider_id = $1 AND i.resource_class = w.resource_class
                AND w.amount <= i.max_unit AND w.amount >= i.min_unit AND w.amount % i.step_size = 0
                AND i.used + w.amount <= floor((i.total - i.reserved) * i.allocation_ratio)
              RETURNING i.resource_class, w.amount),
            allocated AS (
              INSERT INTO compute.allocations (consumer_id, provider_id, resource_class, used, project_id, user_id)
              SELECT $4, $1, resource_class, amount, $5, $6 FROM taken),
            bumped AS (UPDATE compute.resource_providers SET generation = generation + 1 WHERE id = $1)
       SELECT array_agg(resource_class) AS claimed FROM taken`,
      [providerId, wanted, wanted.map((rc) => resources[rc]), consumerId, owner.projectId, owner.userId],
    );
    const missing = wanted.filter((rc) => !claimed?.includes(rc));
    if (missing.length) throw new ClaimFailedError(`${missing.join(', ')}: not enough left on provider ${providerId}`);
  }

  /** Drops everything a consumer holds, giving it back to the providers' totals. Idempotent. */
  async release(tx: EntityManager, consumerId: string): Promise<void> {
    const rows: { provider_id: string; resource_class: string; used: number }[] = (await tx.query(
      `DELETE FROM compute.allocations WHERE consumer_id = $1 RETURNING provider_id, resource_class, used`, [consumerId],
    ))[0];
    for (const row of rows) {
      await tx.query(`UPDATE compute.inventories SET used = used - $3 WHERE provider_id = $1 AND resource_class = $2`, [row.provider_id, row.resource_class, row.used]);
    }
    for (const providerId of new Set(rows.map((r) => r.provider_id))) {
      await tx.query(`UPDATE compute.resource_providers SET generation = generation + 1 WHERE id = $1`, [providerId]);
    }
  }

  async allocationsOf(consumerId: string): Promise<AllocationEntity[]> {
    return this.db.getRepository(AllocationEntity).findBy({ consumerId });
  }
}
