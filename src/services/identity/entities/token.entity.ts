import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** Ed25519 keys tokens are signed with; other services verify with the public half. */
@Entity({ schema: 'identity', name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 }) id: string;
  @Column({ type: 'text' }) privateKeyPem: string;
  @Column({ type: 'text' }) publicKeyPem: string;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}

/**
 * Keystone-style revocation events: a token matching every set field and issued at or before
 * `issuedBefore` is revoked. Kept until no token it could match is still valid.
 */
@Index('revocation_events_revoked_at_idx', ['revokedAt'])
@Entity({ schema: 'identity', name: 'revocation_events' })
export class RevocationEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) auditId: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) userId: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) projectId: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) domainId: string | null;
  @Column({ type: 'timestamptz' }) issuedBefore: Date;
  @Column({ type: 'timestamptz' }) revokedAt: Date;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
}
