import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThan, MoreThan } from 'typeorm';
import { TOKEN_VALIDATOR, TokenValidator } from '../../common/auth/token-validator';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { IDENTITY_EVENTS } from '../../contracts/identity/identity.events';
import { RevocationEvent } from '../../contracts/identity/identity.types';
import { IdentitySettings, IDENTITY_SETTINGS } from './identity.settings';
import { RevocationEventEntity } from './entities/token.entity';

export interface RevokeWhat {
  auditId?: string;
  userId?: string;
  projectId?: string;
  domainId?: string;
}

function toWire(e: RevocationEventEntity): RevocationEvent {
  return {
    id: String(e.id), audit_id: e.auditId, user_id: e.userId, project_id: e.projectId, domain_id: e.domainId,
    issued_before: e.issuedBefore.toISOString(), expires_at: e.expiresAt.toISOString(),
  };
}

/** Records Keystone-style revocation events and spreads them to every token validator. */
@Injectable()
export class RevocationService {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TOKEN_VALIDATOR) private readonly validator: TokenValidator,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
  ) {}

  async revoke(what: RevokeWhat, ctx: RequestContext): Promise<void> {
    const now = new Date();
    const repo = this.db.getRepository(RevocationEventEntity);
    const row = await repo.save(repo.create({
      auditId: what.auditId ?? null, userId: what.userId ?? null, projectId: what.projectId ?? null,
      domainId: what.domainId ?? null, issuedBefore: now, revokedAt: now,
      expiresAt: new Date(now.getTime() + this.settings.tokenTtlSeconds * 1000 + 60000),
    }));
    const wire = toWire(row);
    this.validator.applyRevocations(await this.listAfter(this.validator.lastSeenRevocationId));
    await this.bus.notify(IDENTITY_EVENTS.tokenRevoked, wire, ctx).catch(() => undefined);
  }

  async listAfter(afterId: string): Promise<RevocationEvent[]> {
    const repo = this.db.getRepository(RevocationEventEntity);
    await repo.delete({ expiresAt: LessThan(new Date()) });
    const rows = await repo.find({ where: { id: MoreThan(/^\d+$/.test(afterId) ? afterId : '0') }, order: { id: 'ASC' } });
    return rows.map(toWire);
  }
}
