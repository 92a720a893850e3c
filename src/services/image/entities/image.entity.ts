import { Column, CreateDateColumn, DeleteDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, ValueTransformer } from 'typeorm';

export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'pending_delete' | 'deactivated' | 'uploading' | 'importing';
export type ImageVisibility = 'public' | 'private' | 'shared' | 'community';

/** pg returns bigint as a string; image sizes fit in a double (2^53 bytes). */
const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null || v === undefined ? null : Number(v)),
};

/**
 * A Glance image record. `properties` holds the free-form string properties Glance returns at the
 * top level of the image (hw_architecture, docker_image, ...). Deleted images are kept
 * (soft-deleted) so their ids are never reused, as Glance does.
 */
@Index('images_project_id_idx', ['projectId'])
@Index('images_name_idx', ['name'])
@Entity({ schema: 'image', name: 'images' })
export class ImageEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) name: string | null;
  @Column({ type: 'varchar', length: 30 }) status: ImageStatus;
  @Column({ type: 'varchar', length: 16 }) visibility: ImageVisibility;
  @Column({ name: 'protected', type: 'boolean', default: false }) isProtected: boolean;
  @Column({ type: 'boolean', default: false }) osHidden: boolean;
  /** The owning project (Glance's `owner`). */
  @Column({ type: 'varchar', length: 255, nullable: true }) projectId: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) containerFormat: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) diskFormat: string | null;
  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber }) size: number | null;
  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber }) virtualSize: number | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) checksum: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) osHashAlgo: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) osHashValue: string | null;
  @Column({ type: 'integer', default: 0 }) minDisk: number;
  @Column({ type: 'integer', default: 0 }) minRam: number;
  @Column({ type: 'jsonb', default: () => "'[]'" }) tags: string[];
  @Column({ type: 'jsonb', default: () => "'{}'" }) properties: Record<string, string>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @DeleteDateColumn({ type: 'timestamptz', nullable: true }) deletedAt: Date | null;
}

/** Per-deployment secrets of the image service (the data-URL signing key), created on first use. */
@Entity({ schema: 'image', name: 'secrets' })
export class ImageSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) name: string;
  @Column({ type: 'text' }) value: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
