import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A Cinder volume type: what a volume asks of its back end, through its extra specs. */
@Index('volume_types_name_uq', ['name'], { unique: true })
@Entity({ schema: 'volume', name: 'volume_types' })
export class VolumeTypeEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) description: string | null;
  @Column({ type: 'boolean', default: true }) isPublic: boolean;
  /** `volume_backend_name`, `multiattach` (`<is> True`) and any other key an admin sets. */
  @Column({ type: 'jsonb', default: () => "'{}'" }) extraSpecs: Record<string, string>;
  @Column({ type: 'uuid', nullable: true }) qosSpecsId: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/** QoS specs: read/write IOPS and bytes per second limits, associated with volume types. */
@Index('qos_specs_name_uq', ['name'], { unique: true })
@Entity({ schema: 'volume', name: 'qos_specs' })
export class QosSpecsEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  /** Who applies the limits: `front-end` (the host, as blkio throttling), `back-end` or `both`. */
  @Column({ type: 'varchar', length: 16, default: 'back-end' }) consumer: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) specs: Record<string, string>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
