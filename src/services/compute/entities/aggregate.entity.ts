import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A host aggregate (os-aggregates). Its availability zone is the `availability_zone` metadata key,
 * as in Nova; hosts in such an aggregate are in that zone.
 */
@Index('aggregates_name_uq', ['name'], { unique: true })
@Index('aggregates_uuid_uq', ['uuid'], { unique: true })
@Entity({ schema: 'compute', name: 'aggregates' })
export class AggregateEntity {
  @PrimaryColumn({ type: 'integer', generated: 'increment' }) id: number;
  @Column({ type: 'uuid' }) uuid: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) metadata: Record<string, string>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

@Index('aggregate_hosts_host_idx', ['host'])
@Entity({ schema: 'compute', name: 'aggregate_hosts' })
export class AggregateHostEntity {
  @PrimaryColumn({ type: 'integer' }) aggregateId: number;
  @ManyToOne(() => AggregateEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'aggregate_id', foreignKeyConstraintName: 'aggregate_hosts_aggregate_id_fkey' })
  aggregate?: AggregateEntity;
  @PrimaryColumn({ type: 'varchar', length: 255 }) host: string;
}
