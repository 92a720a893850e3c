import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { InstanceActionEntity, InstanceActionEventEntity } from './entities/instance-action.entity';

/** os-instance-actions: every user action and each of its steps, readable through the API. */
@Injectable()
export class InstanceActionsService {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /** Records an action as it is accepted; returns its id for later events. */
  async start(instanceId: string, action: string, ctx: RequestContext, tx?: EntityManager): Promise<string> {
    const repo = (tx ?? this.db.manager).getRepository(InstanceActionEntity);
    const now = new Date();
    const row = await repo.save(repo.create({
      instanceId, action, requestId: ctx.requestId, userId: ctx.userId ?? null, projectId: ctx.projectId ?? null,
      startTime: now, updatedAt: now, finishTime: null, message: null,
    }));
    return row.id;
  }

  /** Starts a step of the newest unfinished action of this kind on the instance. */
  async eventStart(instanceId: string, action: string, event: string, host: string | null): Promise<void> {
    const act = await this.latest(instanceId, action);
    if (!act) return;
    await this.db.getRepository(InstanceActionEventEntity).save({
      actionId: act.id, event, startTime: new Date(), finishTime: null, result: null, traceback: null, host, details: null,
    });
    await this.db.getRepository(InstanceActionEntity).update({ id: act.id }, { updatedAt: new Date() });
  }

  /** Finishes the step (Success or Error) and, with `final`, the action itself. */
  async eventFinish(instanceId: string, action: string, event: string, result: 'Success' | 'Error', opts: { details?: string; final?: boolean; message?: string } = {}): Promise<void> {
    const act = await this.latest(instanceId, action);
    if (!act) return;
    const now = new Date();
    const events = this.db.getRepository(InstanceActionEventEntity);
    const open = await events.findOne({ where: { actionId: act.id, event, finishTime: undefined }, order: { id: 'DESC' } });
    if (open && !open.finishTime) await events.update({ id: open.id }, { finishTime: now, result, details: opts.details ?? null });
    else await events.save({ actionId: act.id, event, startTime: now, finishTime: now, result, traceback: null, host: null, details: opts.details ?? null });
    const patch: Partial<InstanceActionEntity> = { updatedAt: now };
    if (opts.final) patch.finishTime = now;
    if (result === 'Error') patch.message = opts.message ?? 'Error';
    await this.db.getRepository(InstanceActionEntity).update({ id: act.id }, patch);
  }

  list(instanceId: string): Promise<InstanceActionEntity[]> {
    return this.db.getRepository(InstanceActionEntity).find({ where: { instanceId }, order: { startTime: 'DESC', id: 'DESC' } });
  }

  async get(instanceId: string, requestId: string): Promise<{ action: InstanceActionEntity; events: InstanceActionEventEntity[] } | undefined> {
    const action = await this.db.getRepository(InstanceActionEntity).findOne({ where: { instanceId, requestId } });
    if (!action) return undefined;
    const events = await this.db.getRepository(InstanceActionEventEntity).find({ where: { actionId: action.id }, order: { id: 'ASC' } });
    return { action, events };
  }

  private latest(instanceId: string, action: string): Promise<InstanceActionEntity | null> {
    return this.db.getRepository(InstanceActionEntity).findOne({ where: { instanceId, action }, order: { id: 'DESC' } });
  }
}
