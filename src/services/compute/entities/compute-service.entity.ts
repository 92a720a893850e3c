import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A host's compute service (os-services, os-hypervisors): registered and kept alive by its agent. */
@Index('compute_services_host_uq', ['host'], { unique: true })
@Entity({ schema: 'compute', name: 'compute_services' })
export class ComputeServiceEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  /** Nova's integer id, shown before microversion 2.53. */
  @Column({ type: 'integer', generated: 'increment' }) seq: number;
  @Column({ type: 'varchar', length: 255 }) host: string;
  @Column({ type: 'varchar', length: 64, default: 'nova-compute' }) binary: string;
  @Column({ type: 'varchar', length: 255, default: 'nova' }) zone: string;
  @Column({ type: 'boolean', default: false }) disabled: boolean;
  @Column({ type: 'text', nullable: true }) disabledReason: string | null;
  @Column({ type: 'boolean', default: false }) forcedDown: boolean;
  @Column({ type: 'timestamptz' }) lastSeenAt: Date;
  @Column({ type: 'varchar', length: 32 }) driver: string;
  @Column({ type: 'varchar', length: 64 }) hypervisorType: string;
  @Column({ type: 'varchar', length: 64 }) hypervisorVersion: string;
  @Column({ type: 'varchar', length: 64 }) hostIp: string;
  @Column({ type: 'jsonb', default: () => "'[]'" }) kinds: string[];
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
