import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { preparedQuery } from '../../common/database/prepared';
import { InstanceActionEntity, InstanceActionEventEntity } from './entities/instance-action.entity';

/** The newest action of a kind on an instance ($1, $2): the one its steps belong to. */
const LATEST_ACTION = 'SELECT id FROM compute.instance_actions WHERE instance_id = $1 AND action = $2 ORDER BY id DESC LIMIT 1';

/** os-instance-actions: every user action and each of its steps, readable through the API. */
@Injectable()
export class InstanceActionsService {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /** Records an action as it is accepted; returns its id for later events. */
  async start(instanceId: string, action: string, ctx: RequestContext, tx?: EntityManager): Promise<string> {
    const now = new Date();
    const { rows: [row] } = await preparedQuery<{ id: string }>(tx ?? this.db.manager,
      `INSERT INTO compute.instance_actions (instance_id, action, request_id, user_id, project_id, start_time, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
      [instanceId, action, ctx.requestId, ctx.userId ?? null, ctx.projectId ?? null, now],
    );
    return row.id;
  }

  /**
   * Starts a step of the newest action of this kind on the instance. One (prepared) statement, so
   * a caller can fold it into the transaction of the state change it records.
   */
  async eventStart(instanceId: string, action: string, event: string, host: string | null, tx?: EntityManager): Promise<void> {
    await preparedQuery(tx ?? this.db.manager,
      `WITH act AS (${LATEST_ACTION}),
            started AS (INSERT INTO compute.instance_action_events (action_id, event, start_time, host) SELECT id, $3, $4, $5 FROM act)
       UPDATE compute.instance_actions SET updated_at = $4 WHERE id = (SELECT id FROM act)`,
      [instanceId, action, event, new Date(), host],
    );
  }

  /**
   * Finishes the step (Success or Error) and, with `final`, the action itself: the step's newest
   * row if it is still open, else a new row that starts and finishes now. With `next`, the next
   * step starts as this one ends. One statement, as eventStart.
   */
  async eventFinish(
    instanceId: string, action: string, event: string, result: 'Success' | 'Error',
    opts: { details?: string; final?: boolean; message?: string; next?: { event: string; host: string | null } } = {}, tx?: EntityManager,
  ): Promise<void> {
    const now = new Date();
    await preparedQuery(tx ?? this.db.manager,
      `WITH act AS (${LATEST_ACTION}),
            newest AS (SELECT e.id FROM compute.instance_action_events e WHERE e.action_id = (SELECT id FROM act) AND e.event = $3
                       ORDER BY e.id DESC LIMIT 1),
            closed AS (UPDATE compute.instance_action_events SET finish_time = $4, result = $5, details = $6
                       WHERE id = (SELECT id FROM newest) AND finish_time IS NULL RETURNING id),
            -- One INSERT, rows in step order, so the ids (which order the steps) follow it.
            added AS (INSERT INTO compute.instance_action_events (action_id, event, start_time, finish_time, result, details, host)
                      SELECT act.id, s.event, $4, s.finish_time, s.result, s.details, s.host
                      FROM act, (VALUES (1, $3::varchar, $4::timestamptz, $5::varchar, $6::text, NULL::varchar),
                                        (2, $9::varchar, NULL, NULL, NULL, $10::varchar)) AS s(n, event, finish_time, result, details, host)
                      WHERE (s.n = 1 AND NOT EXISTS (SELECT 1 FROM closed)) OR (s.n = 2 AND s.event IS NOT NULL)
                      ORDER BY s.n)
       UPDATE compute.instance_actions SET updated_at = $4, finish_time = COALESCE($7, finish_time), message = COALESCE($8, message)
       WHERE id = (SELECT id FROM act)`,
      [instanceId, action, event, now, result, opts.details ?? null, opts.final ? now : null, result === 'Error' ? opts.message ?? 'Error' : null,
        opts.next?.event ?? null, opts.next?.host ?? null],
    );
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
}
