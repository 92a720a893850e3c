import { Column, CreateDateColumn, DeleteDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { InstanceKind, InstanceSpec } from '../../../contracts/agent/agent.types';
import { NetworkRequest, PortInfo } from '../../../contracts/network/network.rpc';

/** The flavor as the instance was built with it (flavors may change or go away later). */
export interface FlavorSnapshot {
  id: string;
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swapMb: number;
  extraSpecs: Record<string, string>;
}

/** Zun's container attributes, kept for containers created either way (as the agent receives them). */
export type ContainerExtras = Pick<InstanceSpec, 'command' | 'environment' | 'workdir' | 'labels' | 'exposedPorts' | 'restartPolicy' | 'start'>;

export interface InstanceFault {
  code: number;
  message: string;
  details?: string;
  created: string;
}

@Index('instances_project_idx', ['projectId'])
@Index('instances_host_idx', ['host'])
@Entity({ schema: 'compute', name: 'instances' })
export class InstanceEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'varchar', length: 64 }) userId: string;
  @Column({ type: 'varchar', length: 16 }) kind: InstanceKind;
  @Column({ type: 'varchar', length: 64, nullable: true }) imageRef: string | null;
  @Column({ type: 'jsonb' }) flavor: FlavorSnapshot;
  @Column({ type: 'varchar', length: 32 }) vmState: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) taskState: string | null;
  /** Nova's numeric power state: 0 nostate, 1 running, 3 paused, 4 shutdown, 6 crashed. */
  @Column({ type: 'smallint', default: 0 }) powerState: number;
  @Column({ type: 'varchar', length: 255, nullable: true }) host: string | null;
  @Column({ type: 'varchar', length: 255, default: 'nova' }) availabilityZone: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) metadata: Record<string, string>;
  @Column({ type: 'jsonb', default: () => "'{}'" }) container: ContainerExtras;
  @Column({ type: 'jsonb', default: () => "'{}'" }) schedulerHints: Record<string, unknown>;
  /** The server's networks as resolved at create (Nova's requested_networks). */
  @Column({ type: 'jsonb', default: () => "'[]'" }) requestedNetworks: NetworkRequest[];
  /** Its ports as the network service last allocated them (Nova's network info cache): what `addresses` shows. */
  @Column({ type: 'jsonb', default: () => "'[]'" }) networkInfo: PortInfo[];
  @Column({ type: 'boolean', default: false }) locked: boolean;
  @Column({ type: 'text', nullable: true }) lockedReason: string | null;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) reservationId: string | null;
  @Column({ type: 'integer', default: 0 }) launchIndex: number;
  @Column({ type: 'jsonb', nullable: true }) fault: InstanceFault | null;
  @Column({ type: 'timestamptz', nullable: true }) launchedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) terminatedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @DeleteDateColumn({ type: 'timestamptz', nullable: true }) deletedAt: Date | null;
}
