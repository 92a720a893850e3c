import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Names are unique case-insensitively: a functional index the migration creates. */
@Index('roles_name_uq', { synchronize: false })
@Entity({ schema: 'identity', name: 'roles' })
export class RoleEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/** `prior` implies `implied` (admin → member → reader), as Keystone's implied roles. */
@Entity({ schema: 'identity', name: 'role_implications' })
export class RoleImplicationEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) priorRoleId: string;
  @ManyToOne(() => RoleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'prior_role_id', foreignKeyConstraintName: 'role_implications_prior_role_id_fkey' })
  priorRole?: RoleEntity;
  @PrimaryColumn({ type: 'varchar', length: 64 }) impliedRoleId: string;
  @ManyToOne(() => RoleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'implied_role_id', foreignKeyConstraintName: 'role_implications_implied_role_id_fkey' })
  impliedRole?: RoleEntity;
}

export type AssignmentType = 'UserProject' | 'UserDomain';

@Index('role_assignments_target_idx', ['targetId'])
@Entity({ schema: 'identity', name: 'role_assignments' })
export class RoleAssignmentEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 }) type: AssignmentType;
  @PrimaryColumn({ type: 'varchar', length: 64 }) actorId: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) targetId: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) roleId: string;
  @ManyToOne(() => RoleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'role_id', foreignKeyConstraintName: 'role_assignments_role_id_fkey' })
  role?: RoleEntity;
}
