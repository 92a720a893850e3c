import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Index('security_groups_project_idx', ['projectId'])
@Index('security_groups_default_uq', { synchronize: false })
@Entity({ schema: 'network', name: 'security_groups' })
export class SecurityGroupEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255, default: '' }) name: string;
  @Column({ type: 'varchar', length: 255, default: '' }) description: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'boolean', default: true }) stateful: boolean;
  @Column({ type: 'integer', default: 0 }) revisionNumber: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

@Index('security_group_rules_group_idx', ['securityGroupId'])
@Entity({ schema: 'network', name: 'security_group_rules' })
export class SecurityGroupRuleEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'uuid' }) securityGroupId: string;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'varchar', length: 8 }) direction: 'ingress' | 'egress';
  @Column({ type: 'varchar', length: 8 }) ethertype: 'IPv4' | 'IPv6';
  @Column({ type: 'varchar', length: 40, nullable: true }) protocol: string | null;
  @Column({ type: 'integer', nullable: true }) portRangeMin: number | null;
  @Column({ type: 'integer', nullable: true }) portRangeMax: number | null;
  @Column({ type: 'cidr', nullable: true }) remoteIpPrefix: string | null;
  @Column({ type: 'uuid', nullable: true }) remoteGroupId: string | null;
  @Column({ type: 'varchar', length: 255, default: '' }) description: string;
  @Column({ type: 'integer', default: 0 }) revisionNumber: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
