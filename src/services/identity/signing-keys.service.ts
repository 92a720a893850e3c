import { Inject, Injectable } from '@nestjs/common';
import { KeyObject, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { ValidationKey } from '../../contracts/identity/identity.types';
import { SigningKeyEntity } from './entities/token.entity';

/** The Ed25519 key identity signs tokens with; created on first use and shared by identity replicas. */
@Injectable()
export class SigningKeysService {
  private active?: Promise<{ id: string; privateKey: KeyObject }>;

  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  activeKey(): Promise<{ id: string; privateKey: KeyObject }> {
    this.active ??= this.loadOrCreate();
    this.active.catch(() => (this.active = undefined));
    return this.active;
  }

  async validationKeys(): Promise<ValidationKey[]> {
    await this.activeKey();
    const rows = await this.db.getRepository(SigningKeyEntity).find();
    return rows.map((r) => ({ id: r.id, publicKeyPem: r.publicKeyPem }));
  }

  private async loadOrCreate(): Promise<{ id: string; privateKey: KeyObject }> {
    const repo = this.db.getRepository(SigningKeyEntity);
    let row = await repo.findOne({ where: { active: true }, order: { createdAt: 'DESC' } });
    if (!row) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const candidate = repo.create({
        id: randomBytes(8).toString('hex'),
        privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        active: true,
      });
      // Two replicas starting together may both create one; both keys stay valid for verification.
      await repo.insert(candidate);
      row = (await repo.findOne({ where: { active: true }, order: { createdAt: 'DESC' } }))!;
    }
    return { id: row.id, privateKey: createPrivateKey(row.privateKeyPem) };
  }
}
