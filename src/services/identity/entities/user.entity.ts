import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Names are unique per domain, case-insensitively: a functional index the migration creates. */
@Index('users_domain_name_uq', { synchronize: false })
@Entity({ schema: 'identity', name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'varchar', length: 64 }) domainId: string;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ type: 'text', nullable: true }) passwordHash: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) defaultProjectId: string | null;
  /** Free-form attributes Keystone keeps on users (email, description, ...). */
  @Column({ type: 'jsonb', default: () => "'{}'" }) extra: Record<string, unknown>;
  @Column({ type: 'integer', default: 0 }) failedAuthCount: number;
  @Column({ type: 'timestamptz', nullable: true }) failedAuthAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
