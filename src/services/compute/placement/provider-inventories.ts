import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { BadRequestError, ConflictError, NotFoundError } from '../../../common/errors/api-error';
import { ResourceClass } from './placement.service';
import { InventoryRow, RESOURCE_CLASSES } from './placement.queries';

export type InventoryInput = Omit<InventoryRow, 'resourceClass' | 'used'>;

/**
 * An admin's changes to a provider's inventories (PUT /resource_providers/{uuid}/inventories).
 * The provider's generation is the compare-and-swap token, as in Placement: a stale one is a 409
 * and changes nothing.
 */
@Injectable()
export class ProviderInventories {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /**
   * Sets the given classes (and, when `replaceAll`, removes the ones not given). Returns the
   * provider's new generation.
   */
  async set(providerId: string, generation: number, wanted: Partial<Record<ResourceClass, InventoryInput>>, replaceAll: boolean): Promise<number> {
    for (const [rc, inv] of Object.entries(wanted)) {
      if (!RESOURCE_CLASSES.includes(rc as ResourceClass)) throw new BadRequestError(`Unknown resource class in inventory for resource provider ${providerId}: ${rc}`, 'placement.undefined_code');
      checkInventory(providerId, rc, inv!);
    }
    return this.db.transaction(async (tx) => {
      const bumped: { generation: number }[] = (await tx.query(
        `UPDATE compute.resource_providers SET generation = generation + 1, updated_at = now() WHERE id = $1 AND generation = $2 RETURNING generation`,
        [providerId, generation],
      ))[0];
      if (bumped.length === 0) {
        const exists = await tx.query(`SELECT 1 FROM compute.resource_providers WHERE id = $1`, [providerId]);
        if (exists.length === 0) throw new NotFoundError(`No resource provider with uuid ${providerId} found`, 'placement.undefined_code');
        throw new ConflictError(`resource provider generation conflict`, 'placement.concurrent_update');
      }
      if (replaceAll) {
        const removed: { resource_class: string; used: number }[] = (await tx.query(
          `DELETE FROM compute.inventories WHERE provider_id = $1 AND NOT (resource_class = ANY($2)) RETURNING resource_class, used`,
          [providerId, Object.keys(wanted)],
        ))[0];
        const inUse = removed.filter((r) => r.used > 0).map((r) => r.resource_class);
        if (inUse.length > 0) throw new ConflictError(`Inventory for '${inUse.join(', ')}' on resource provider '${providerId}' in use.`, 'placement.inventory.inuse');
      }
      for (const [rc, inv] of Object.entries(wanted)) {
        await tx.query(
          `INSERT INTO compute.inventories (provider_id, resource_class, total, reserved, min_unit, max_unit, step_size, allocation_ratio, used)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)
           ON CONFLICT (provider_id, resource_class) DO UPDATE SET total = $3, reserved = $4, min_unit = $5, max_unit = $6, step_size = $7, allocation_ratio = $8`,
          [providerId, rc, inv!.total, inv!.reserved, inv!.minUnit, inv!.maxUnit, inv!.stepSize, inv!.allocationRatio],
        );
      }
      return bumped[0].generation;
    });
  }

  /** Removes one class's inventory; refused while anything is allocated from it. */
  async remove(providerId: string, generation: number, rc: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const bumped = (await tx.query(
        `UPDATE compute.resource_providers SET generation = generation + 1, updated_at = now() WHERE id = $1 AND generation = $2 RETURNING generation`,
        [providerId, generation],
      ))[0];
      if (bumped.length === 0) throw new ConflictError(`resource provider generation conflict`, 'placement.concurrent_update');
      const removed: { used: number }[] = (await tx.query(
        `DELETE FROM compute.inventories WHERE provider_id = $1 AND resource_class = $2 RETURNING used`, [providerId, rc],
      ))[0];
      if (removed.length === 0) throw new NotFoundError(`No inventory of class ${rc} found for delete`, 'placement.undefined_code');
      if (removed[0].used > 0) throw new ConflictError(`Inventory for '${rc}' on resource provider '${providerId}' in use.`, 'placement.inventory.inuse');
    });
  }
}

function checkInventory(providerId: string, rc: string, inv: InventoryInput): void {
  if (inv.reserved > inv.total) {
    throw new BadRequestError(`Unable to update inventory for resource provider ${providerId}: Invalid inventory for '${rc}' on resource provider '${providerId}'. The reserved value is greater than total.`, 'placement.undefined_code');
  }
  if (inv.minUnit > inv.maxUnit) {
    throw new BadRequestError(`Unable to update inventory for resource provider ${providerId}: min_unit ${inv.minUnit} is greater than max_unit ${inv.maxUnit}.`, 'placement.undefined_code');
  }
}
