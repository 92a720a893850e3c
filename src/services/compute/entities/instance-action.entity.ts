import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One user-visible action on an instance (os-instance-actions). */
@Index('instance_actions_instance_idx', ['instanceId'])
@Entity({ schema: 'compute', name: 'instance_actions' })
export class InstanceActionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'uuid' }) instanceId: string;
  @Column({ type: 'varchar', length: 64 }) action: string;
  @Column({ type: 'varchar', length: 255 }) requestId: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) userId: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) projectId: string | null;
  @Column({ type: 'timestamptz' }) startTime: Date;
  @Column({ type: 'timestamptz', nullable: true }) finishTime: Date | null;
  @Column({ type: 'text', nullable: true }) message: string | null;
  @Column({ type: 'timestamptz' }) updatedAt: Date;
}

/** A step of an action (compute_spawn, compute_stop_instance, ...), with its result. */
@Index('instance_action_events_action_idx', ['actionId'])
@Entity({ schema: 'compute', name: 'instance_action_events' })
export class InstanceActionEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'bigint' }) actionId: string;
  @Column({ type: 'varchar', length: 255 }) event: string;
  @Column({ type: 'timestamptz' }) startTime: Date;
  @Column({ type: 'timestamptz', nullable: true }) finishTime: Date | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) result: string | null;
  @Column({ type: 'text', nullable: true }) traceback: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) host: string | null;
  @Column({ type: 'text', nullable: true }) details: string | null;
}
