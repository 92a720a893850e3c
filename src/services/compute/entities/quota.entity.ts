import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A project's limit for one resource; absent rows mean Nova's defaults. */
@Entity({ schema: 'compute', name: 'quotas' })
export class QuotaEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) projectId: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) resource: string;
  @Column({ type: 'integer' }) hardLimit: number;
}
