import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Names are unique per domain, case-insensitively: a functional index the migration creates. */
@Index('projects_domain_name_uq', { synchronize: false })
@Entity({ schema: 'identity', name: 'projects' })
export class ProjectEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 64 }) name: string;
  @Column({ type: 'varchar', length: 64 }) domainId: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) parentId: string | null;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ type: 'jsonb', default: () => "'[]'" }) tags: string[];
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
