import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A block device of `size` GB on a back end (`host`, Cinder's `host@backend#pool`, once one took it). */
@Index('volumes_project_idx', ['projectId'])
@Index('volumes_type_idx', ['volumeTypeId'])
@Index('volumes_host_idx', ['host'])
@Entity({ schema: 'volume', name: 'volumes' })
export class VolumeEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'varchar', length: 64 }) userId: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) name: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) description: string | null;
  @Column({ type: 'integer' }) size: number;
  /** The size an extend in progress grows to: counted by quota and capacity until it lands. */
  @Column({ type: 'integer', nullable: true }) targetSize: number | null;
  @Column({ type: 'varchar', length: 32 }) status: string;
  @Column({ type: 'varchar', length: 255 }) availabilityZone: string;
  @Column({ type: 'uuid' }) volumeTypeId: string;
  @Column({ type: 'uuid', nullable: true }) snapshotId: string | null;
  @Column({ type: 'uuid', nullable: true }) sourceVolid: string | null;
  @Column({ type: 'boolean', default: false }) bootable: boolean;
  @Column({ type: 'boolean', default: false }) multiattach: boolean;
  @Column({ type: 'jsonb', default: () => "'{}'" }) metadata: Record<string, string>;
  @Column({ type: 'varchar', length: 255, nullable: true }) host: string | null;
  /** Cinder's use_quota: false once a create found no back end, which gives its quota back. */
  @Column({ type: 'boolean', default: true }) useQuota: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/** A point-in-time copy of a volume, on the volume's back end. */
@Index('snapshots_volume_idx', ['volumeId'])
@Index('snapshots_project_idx', ['projectId'])
@Entity({ schema: 'volume', name: 'snapshots' })
export class SnapshotEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'varchar', length: 64 }) userId: string;
  @Column({ type: 'uuid' }) volumeId: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) name: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) description: string | null;
  @Column({ type: 'varchar', length: 32 }) status: string;
  @Column({ type: 'integer' }) volumeSize: number;
  @Column({ type: 'uuid' }) volumeTypeId: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) metadata: Record<string, string>;
  @Column({ type: 'boolean', default: true }) useQuota: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/** A user message (Cinder's messages API, 3.3+): why an asynchronous operation failed. */
@Index('messages_project_idx', ['projectId'])
@Entity({ schema: 'volume', name: 'messages' })
export class VolumeMessageEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'varchar', length: 255 }) requestId: string;
  @Column({ type: 'varchar', length: 255 }) resourceType: string;
  @Column({ type: 'uuid' }) resourceUuid: string;
  @Column({ type: 'varchar', length: 255 }) eventId: string;
  @Column({ type: 'varchar', length: 1024 }) userMessage: string;
  @Column({ type: 'varchar', length: 255, default: 'ERROR' }) messageLevel: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
}

/** A project's limit for one resource (`volumes`, `gigabytes_<type>` ...); absent rows mean Cinder's defaults. */
@Entity({ schema: 'volume', name: 'quotas' })
export class VolumeQuotaEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) projectId: string;
  @PrimaryColumn({ type: 'varchar', length: 300 }) resource: string;
  @Column({ type: 'integer' }) hardLimit: number;
}
