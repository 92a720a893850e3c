import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Index('resource_providers_name_uq', ['name'], { unique: true })
@Entity({ schema: 'compute', name: 'resource_providers' })
export class ResourceProviderEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  /** Bumped by every change of inventory or allocations, for compare-and-swap claims. */
  @Column({ type: 'integer', default: 0 }) generation: number;
  @Column({ type: 'jsonb', default: () => "'[]'" }) traits: string[];
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/**
 * Capacity of one resource class on a provider. `used` is the sum of its allocations, kept in the
 * same transaction as every claim so nothing periodic ever re-sums allocations (design.md).
 */
@Entity({ schema: 'compute', name: 'inventories' })
export class InventoryEntity {
  @PrimaryColumn({ type: 'uuid' }) providerId: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) resourceClass: string;
  @Column({ type: 'integer' }) total: number;
  @Column({ type: 'integer', default: 0 }) reserved: number;
  @Column({ type: 'integer', default: 1 }) minUnit: number;
  @Column({ type: 'integer' }) maxUnit: number;
  @Column({ type: 'integer', default: 1 }) stepSize: number;
  @Column({ type: 'double precision', default: 1 }) allocationRatio: number;
  @Column({ type: 'integer', default: 0 }) used: number;
}

/** What one consumer (an instance, or a migration) holds on one provider. */
@Index('allocations_provider_idx', ['providerId'])
@Entity({ schema: 'compute', name: 'allocations' })
export class AllocationEntity {
  @PrimaryColumn({ type: 'uuid' }) consumerId: string;
  @PrimaryColumn({ type: 'uuid' }) providerId: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) resourceClass: string;
  @Column({ type: 'integer' }) used: number;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'varchar', length: 64 }) userId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
