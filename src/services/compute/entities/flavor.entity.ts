import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A Nova flavor; `id` is Nova's flavorid (a string clients may choose). */
@Index('flavors_name_uq', ['name'], { unique: true })
@Entity({ schema: 'compute', name: 'flavors' })
export class FlavorEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'integer' }) vcpus: number;
  @Column({ type: 'integer' }) memoryMb: number;
  @Column({ type: 'integer' }) rootGb: number;
  @Column({ type: 'integer', default: 0 }) ephemeralGb: number;
  @Column({ type: 'integer', default: 0 }) swapMb: number;
  @Column({ type: 'double precision', default: 1 }) rxtxFactor: number;
  @Column({ type: 'boolean', default: true }) isPublic: boolean;
  @Column({ type: 'boolean', default: false }) disabled: boolean;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'" }) extraSpecs: Record<string, string>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/** Projects allowed to use a private flavor (os-flavor-access). */
@Entity({ schema: 'compute', name: 'flavor_projects' })
export class FlavorProjectEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) flavorId: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) projectId: string;
}
