import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'compute', name: 'server_groups' })
export class ServerGroupEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'varchar', length: 32 }) policy: 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';
  @Column({ type: 'jsonb', default: () => "'{}'" }) rules: Record<string, number>;
  @Column({ type: 'varchar', length: 64 }) projectId: string;
  @Column({ type: 'varchar', length: 64 }) userId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}

@Entity({ schema: 'compute', name: 'server_group_members' })
export class ServerGroupMemberEntity {
  @PrimaryColumn({ type: 'uuid' }) groupId: string;
  @PrimaryColumn({ type: 'uuid' }) instanceId: string;
}
