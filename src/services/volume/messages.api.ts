import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { UUID } from './api/cinder-body';
import { CinderPage, one, page, Query } from './api/cinder-query';
import { cinderErrors } from './cinder-errors';
import { VolumeMessageEntity } from './entities/volume.entity';
import { UserMessage } from './volume-status';
import { VOLUME_SETTINGS, VolumeSettings } from './volume.settings';

const FILTERS: Record<string, string> = {
  resource_uuid: 'resource_uuid::text', resource_type: 'resource_type', event_id: 'event_id', request_id: 'request_id', message_level: 'message_level',
};
export const MESSAGE_SORT_KEYS = ['id', 'created_at', 'event_id', 'resource_type', 'message_level'];

/** User messages (Cinder's messages API): why asynchronous work failed, kept for `messageTtlSeconds`. */
@Injectable()
export class VolumeMessagesApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, @Inject(VOLUME_SETTINGS) private readonly settings: VolumeSettings) {}

  /** Records `<action>:<detail>` for the resource, with Cinder's event id `VOLUME_<resource>_<action>_<detail>`. */
  async record(ctx: RequestContext, projectId: string, resourceId: string, m: UserMessage): Promise<void> {
    await this.db.getRepository(VolumeMessageEntity).insert({
      id: randomUUID(), projectId, requestId: ctx.requestId, resourceType: m.resource, resourceUuid: resourceId,
      eventId: `VOLUME_${m.resource}_${m.action[0]}_${m.detail[0]}`, userMessage: `${m.action[1]}:${m.detail[1]}`, messageLevel: 'ERROR',
      expiresAt: new Date(Date.now() + this.settings.messageTtlSeconds * 1000),
    });
  }

  async list(q: Query, p: CinderPage, ctx: RequestContext): Promise<{ items: VolumeMessageEntity[]; more: boolean }> {
    const qb = this.db.getRepository(VolumeMessageEntity).createQueryBuilder('m').where('m.expires_at > now()');
    if (!ctx.isAdmin) qb.andWhere('m.project_id = :p', { p: ctx.projectId });
    for (const [key, column] of Object.entries(FILTERS)) {
      const v = one(q, key);
      if (v !== undefined) qb.andWhere(`m.${column} = :${key}`, { [key]: v });
    }
    return page(await qb.getMany(), p, (m, key) => {
      switch (key) {
        case 'event_id': return m.eventId;
        case 'resource_type': return m.resourceType;
        case 'message_level': return m.messageLevel;
        default: return m.createdAt;
      }
    }, (id) => cinderErrors.messageNotFound(id));
  }

  async get(id: string, ctx: RequestContext): Promise<VolumeMessageEntity> {
    const m = UUID.test(id) ? await this.db.getRepository(VolumeMessageEntity).findOneBy({ id }) : null;
    if (!m || m.expiresAt.getTime() <= Date.now() || !(ctx.isAdmin || m.projectId === ctx.projectId)) throw cinderErrors.messageNotFound(id);
    return m;
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.db.getRepository(VolumeMessageEntity).delete({ id: (await this.get(id, ctx)).id });
  }
}
