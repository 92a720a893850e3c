import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export interface AddressPair {
  ip_address: string;
  mac_address: string;
}

/** A port: a MAC and fixed IPs on a network that never change while the port exists. */
@Index('ports_mac_uq', ['macAddress'], { unique: true })
@Index('ports_network_idx', ['networkId'])
@Index('ports_device_idx', ['deviceId'])
@Index('ports_project_idx', ['projectId'])
@Entity({ schema: 'network', name: 'ports' })
export class PortEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255, default: '' }) name: string;
  @Column({ type: 'varchar', length: 255, default: '' }) description: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'uuid' }) networkId: string;
  @Column({ type: 'varchar', length: 17 }) macAddress: string;
  @Column({ type: 'boolean', default: true }) adminStateUp: boolean;
  @Column({ type: 'varchar', length: 16, default: 'DOWN' }) status: string;
  @Column({ type: 'varchar', length: 255, default: '' }) deviceId: string;
  @Column({ type: 'varchar', length: 255, default: '' }) deviceOwner: string;
  @Column({ type: 'jsonb', default: () => "'[]'" }) allowedAddressPairs: AddressPair[];
  @Column({ type: 'boolean', default: true }) portSecurityEnabled: boolean;
  @Column({ type: 'integer', default: 0 }) revisionNumber: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/**
 * Where a port is (or will be) plugged: Neutron's multiple port bindings. Exactly one binding of
 * a bound port is ACTIVE; migration adds an INACTIVE one on the destination and activates it.
 */
@Entity({ schema: 'network', name: 'port_bindings' })
export class PortBindingEntity {
  @PrimaryColumn({ type: 'uuid' }) portId: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) host: string;
  @Column({ type: 'varchar', length: 16 }) status: 'ACTIVE' | 'INACTIVE';
  @Column({ type: 'varchar', length: 64 }) vifType: string;
  @Column({ type: 'varchar', length: 64, default: 'normal' }) vnicType: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) vifDetails: Record<string, unknown>;
  @Column({ type: 'jsonb', default: () => "'{}'" }) profile: Record<string, unknown>;
}

@Index('port_security_groups_group_idx', ['securityGroupId'])
@Entity({ schema: 'network', name: 'port_security_groups' })
export class PortSecurityGroupEntity {
  @PrimaryColumn({ type: 'uuid' }) portId: string;
  @PrimaryColumn({ type: 'uuid' }) securityGroupId: string;
}
