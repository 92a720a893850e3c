import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A Neutron network: one L2 segment (flat, vlan or vxlan) that subnets and ports live on. */
@Index('networks_project_idx', ['projectId'])
@Index('networks_segment_uq', { synchronize: false })
@Entity({ schema: 'network', name: 'networks' })
export class NetworkEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255, default: '' }) name: string;
  @Column({ type: 'varchar', length: 255, default: '' }) description: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'boolean', default: true }) adminStateUp: boolean;
  @Column({ type: 'boolean', default: false }) shared: boolean;
  /** router:external */
  @Column({ type: 'boolean', default: false }) external: boolean;
  @Column({ type: 'integer' }) mtu: number;
  @Column({ type: 'varchar', length: 16, default: 'ACTIVE' }) status: string;
  @Column({ type: 'varchar', length: 16 }) networkType: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) physicalNetwork: string | null;
  @Column({ type: 'integer', nullable: true }) segmentationId: number | null;
  @Column({ type: 'boolean', default: true }) portSecurityEnabled: boolean;
  @Column({ type: 'integer', default: 0 }) revisionNumber: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

export interface AllocationPool {
  start: string;
  end: string;
}

export interface HostRoute {
  destination: string;
  nexthop: string;
}

@Index('subnets_network_idx', ['networkId'])
@Entity({ schema: 'network', name: 'subnets' })
export class SubnetEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255, default: '' }) name: string;
  @Column({ type: 'varchar', length: 255, default: '' }) description: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'uuid' }) networkId: string;
  @Column({ type: 'integer' }) ipVersion: number;
  @Column({ type: 'cidr' }) cidr: string;
  @Column({ type: 'inet', nullable: true }) gatewayIp: string | null;
  @Column({ type: 'jsonb', default: () => "'[]'" }) allocationPools: AllocationPool[];
  @Column({ type: 'boolean', default: true }) enableDhcp: boolean;
  @Column({ type: 'jsonb', default: () => "'[]'" }) dnsNameservers: string[];
  @Column({ type: 'jsonb', default: () => "'[]'" }) hostRoutes: HostRoute[];
  @Column({ type: 'varchar', length: 32, nullable: true }) ipv6RaMode: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) ipv6AddressMode: string | null;
  @Column({ type: 'integer', default: 0 }) revisionNumber: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/** Free address ranges of a subnet's pools: allocation takes the first address of the first range. */
@Entity({ schema: 'network', name: 'ip_availability' })
export class IpAvailabilityEntity {
  @PrimaryColumn({ type: 'uuid' }) subnetId: string;
  @PrimaryColumn({ type: 'inet' }) firstIp: string;
  @Column({ type: 'inet' }) lastIp: string;
}

/** One address held by one port; the primary key is what makes a duplicate impossible. */
@Index('ip_allocations_port_idx', ['portId'])
@Index('ip_allocations_address_idx', ['ipAddress'])
@Entity({ schema: 'network', name: 'ip_allocations' })
export class IpAllocationEntity {
  @PrimaryColumn({ type: 'uuid' }) subnetId: string;
  @PrimaryColumn({ type: 'inet' }) ipAddress: string;
  @Column({ type: 'uuid' }) portId: string;
  @Column({ type: 'uuid' }) networkId: string;
}
