import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { NetworkQuotaEntity } from './entities/floating-ip.entity';
import { neutronErrors } from './neutron-errors';

/** Neutron's default quotas (neutron.conf [quotas]). */
export const NETWORK_QUOTA_DEFAULTS = {
  network: 100, subnet: 100, port: 500, security_group: 10, security_group_rule: 100, floatingip: 50, router: 10,
} as const;

export type NetworkResource = keyof typeof NETWORK_QUOTA_DEFAULTS;

/** Where each resource is counted. */
const COUNTED: Record<NetworkResource, string | undefined> = {
  network: 'network.networks', subnet: 'network.subnets', port: 'network.ports', security_group: 'network.security_groups',
  security_group_rule: 'network.security_group_rules', floatingip: 'network.floating_ips', router: undefined,
};

@Injectable()
export class NetworkQuotasService {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async limits(projectId: string, manager: EntityManager = this.db.manager): Promise<Record<NetworkResource, number>> {
    const rows = await manager.getRepository(NetworkQuotaEntity).findBy({ projectId });
    const out: Record<string, number> = { ...NETWORK_QUOTA_DEFAULTS };
    for (const r of rows) out[r.resource] = r.hardLimit;
    return out as Record<NetworkResource, number>;
  }

  async usage(projectId: string, manager: EntityManager = this.db.manager): Promise<Record<NetworkResource, number>> {
    const out: Record<string, number> = {};
    for (const [resource, table] of Object.entries(COUNTED)) {
      out[resource] = table ? Number((await manager.query(`SELECT count(*)::int AS n FROM ${table} WHERE project_id = $1`, [projectId]))[0].n) : 0;
    }
    return out as Record<NetworkResource, number>;
  }

  /**
   * Inside the creating transaction: serialises creates of one resource in one project (so two
   * racing creates cannot both take the last unit) and refuses the one that would exceed the limit.
   * An unlimited (-1) resource takes no lock.
   */
  async enforce(tx: EntityManager, projectId: string, resource: NetworkResource, adding = 1): Promise<void> {
    const limit = (await this.limits(projectId, tx))[resource];
    if (limit < 0) return;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`network-quota:${projectId}:${resource}`]);
    const used = Number((await tx.query(`SELECT count(*)::int AS n FROM ${COUNTED[resource]} WHERE project_id = $1`, [projectId]))[0].n);
    if (used + adding > limit) throw neutronErrors.overQuota(resource);
  }

  async set(projectId: string, values: Partial<Record<NetworkResource, number>>): Promise<Record<NetworkResource, number>> {
    await this.db.transaction(async (tx) => {
      for (const [resource, hardLimit] of Object.entries(values)) {
        await tx.query(
          `INSERT INTO network.quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
           ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = $3`, [projectId, resource, hardLimit],
        );
      }
    });
    return this.limits(projectId);
  }

  async reset(projectId: string): Promise<void> {
    await this.db.getRepository(NetworkQuotaEntity).delete({ projectId });
  }

  /** Projects with any non-default limit (GET /v2.0/quotas). */
  async projectsWithQuotas(): Promise<string[]> {
    return (await this.db.query(`SELECT DISTINCT project_id FROM network.quotas ORDER BY project_id`)).map((r: { project_id: string }) => r.project_id);
  }
}
