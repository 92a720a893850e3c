import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'identity', name: 'regions' })
export class RegionEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) id: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) parentRegionId: string | null;
}

@Entity({ schema: 'identity', name: 'services' })
export class ServiceEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 255 }) type: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
}

export type EndpointInterface = 'public' | 'internal' | 'admin';

@Entity({ schema: 'identity', name: 'endpoints' })
export class EndpointEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 64 }) serviceId: string;
  @ManyToOne(() => ServiceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'service_id', foreignKeyConstraintName: 'endpoints_service_id_fkey' })
  service?: ServiceEntity;
  @Column({ type: 'varchar', length: 8 }) interface: EndpointInterface;
  @Column({ type: 'varchar', length: 255, nullable: true }) regionId: string | null;
  /** May hold `$(project_id)s`, substituted per token as Keystone does. */
  @Column({ type: 'text' }) url: string;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
}
