import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { assertProjectReadable } from './quotas.api';
import { TenantUsage, UsageInstance, emptyTenantUsage, tenantUsages } from './tenant-usage';

export interface UsageWindow { start: Date; stop: Date; detailed: boolean }

interface UsageRow {
  id: string; name: string; project_id: string; flavor: UsageInstance['flavor']; vm_state: string;
  created_at: Date; ended_at: Date | null;
}

/**
 * os-simple-tenant-usage: hours each instance (deleted ones included) lived inside a window,
 * from created_at to terminated_at (or deleted_at), and the vCPU/RAM/disk hours they add up to.
 */
@Injectable()
export class UsageApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  private async instances(w: UsageWindow, projectId?: string): Promise<UsageInstance[]> {
    const rows: UsageRow[] = await this.db.query(
      `SELECT id, name, project_id, flavor, vm_state, created_at, COALESCE(terminated_at, deleted_at) AS ended_at
         FROM compute.instances
        WHERE created_at < $2
          AND (COALESCE(terminated_at, deleted_at) IS NULL OR COALESCE(terminated_at, deleted_at) > $1)
          AND ($3::varchar IS NULL OR project_id = $3::varchar)
        ORDER BY created_at, id`,
      [w.start, w.stop, projectId ?? null],
    );
    return rows.map((r) => ({
      id: r.id, name: r.name, projectId: r.project_id, flavor: r.flavor ?? {}, vmState: r.vm_state,
      createdAt: new Date(r.created_at), endedAt: r.ended_at ? new Date(r.ended_at) : null,
    }));
  }

  /** Every tenant with usage in the window (admin). */
  async list(w: UsageWindow): Promise<TenantUsage[]> {
    return tenantUsages(await this.instances(w), w.start, w.stop, w.detailed);
  }

  /** One tenant, always detailed; zeros when it used nothing (Nova answers `{}` there). */
  async show(projectId: string, w: UsageWindow, ctx: RequestContext): Promise<TenantUsage> {
    assertProjectReadable(projectId, ctx, 'os_compute_api:os-simple-tenant-usage:show');
    const [usage] = tenantUsages(await this.instances(w, projectId), w.start, w.stop, true);
    return usage ?? emptyTenantUsage(projectId, w.start, w.stop, true);
  }
}
