import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An address on an external network, held through a port of its own, optionally mapped to a fixed IP. */
@Index('floating_ips_port_idx', ['portId'])
@Index('floating_ips_project_idx', ['projectId'])
@Entity({ schema: 'network', name: 'floating_ips' })
export class FloatingIpEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255, default: '' }) description: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'uuid' }) floatingNetworkId: string;
  @Column({ type: 'inet' }) floatingIpAddress: string;
  @Column({ type: 'uuid' }) floatingPortId: string;
  @Column({ type: 'uuid', nullable: true }) portId: string | null;
  @Column({ type: 'inet', nullable: true }) fixedIpAddress: string | null;
  @Column({ type: 'varchar', length: 16, default: 'DOWN' }) status: string;
  @Column({ type: 'integer', default: 0 }) revisionNumber: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

@Entity({ schema: 'network', name: 'quotas' })
export class NetworkQuotaEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) projectId: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) resource: string;
  @Column({ type: 'integer' }) hardLimit: number;
}
