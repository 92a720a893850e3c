import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { LOGGER } from '../../../common/logging/logger';
import { HostResources } from '../../../contracts/agent/agent.types';
import { ComputeServiceEntity } from '../entities/compute-service.entity';
import { COMPUTE_SETTINGS, ComputeSettings } from '../compute.settings';
import { PlacementService } from '../placement/placement.service';
import { kindTrait } from '../placement/traits';
import { HostStateCache } from '../scheduler/host-state';

/**
 * Unchanged heartbeats arriving within this window are written by one UPDATE. It adds at most this
 * much to how late a host is seen up, far below any service_down_time.
 */
export const HEARTBEAT_FLUSH_MS = 250;

/** Traits a provider carries for the kinds its host runs (the scheduler filters on them). */
export function kindTraits(kinds: string[]): string[] {
  return kinds.map(kindTrait);
}

/** Hosts as agents report them: registration, heartbeats and up/down. */
@Injectable()
export class HostsService implements OnApplicationShutdown {
  /** What each host last reported, so an unchanged heartbeat only records the time, not a provider sync. */
  private readonly lastReported = new Map<string, string>();
  /** Hosts whose unchanged heartbeat waits for the next batched UPDATE. */
  private readonly seen = new Set<string>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(COMPUTE_SETTINGS) private readonly settings: ComputeSettings,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly placement: PlacementService,
    private readonly hostStates: HostStateCache,
  ) {}

  onApplicationShutdown(): void {
    clearTimeout(this.flushTimer);
  }

  /**
   * A heartbeat. A new or changed host is registered (service row, provider and inventories) at
   * once. An unchanged one only needs its time recorded: it joins the batch written within
   * HEARTBEAT_FLUSH_MS, and the handler does not wait for it, so a thousand hosts' heartbeats cost
   * a few UPDATEs a second and never hold the compute queue. A heartbeat lost with the process is
   * harmless: the next one comes long before the host would count as down.
   */
  async report(host: string, driver: string, resources: HostResources): Promise<void> {
    const fingerprint = JSON.stringify([driver, resources]);
    if (this.lastReported.get(host) === fingerprint) {
      this.seen.add(host);
      this.flushTimer ??= setTimeout(() => void this.flushSeen(), HEARTBEAT_FLUSH_MS).unref();
      return;
    }
    await this.db.query(
      `INSERT INTO compute.compute_services (id, host, driver, hypervisor_type, hypervisor_version, host_ip, kinds, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (host) DO UPDATE SET driver = $3, hypervisor_type = $4, hypervisor_version = $5, host_ip = $6, kinds = $7,
         last_seen_at = now(), updated_at = now()`,
      [randomUUID(), host, driver, resources.hypervisorType, resources.hypervisorVersion, resources.hostIp, JSON.stringify(resources.kinds)],
    );
    await this.placement.syncProvider(host, resources, this.settings.allocationRatios, kindTraits(resources.kinds));
    this.lastReported.set(host, fingerprint);
    this.hostStates.invalidate();
  }

  /** Up: not forced down, and heard from within service_down_time. */
  isUp(service: Pick<ComputeServiceEntity, 'forcedDown' | 'lastSeenAt'>, now = Date.now()): boolean {
    return !service.forcedDown && now - service.lastSeenAt.getTime() < this.settings.serviceDownSeconds * 1000;
  }

  async update(id: string, patch: { disabled?: boolean; disabledReason?: string; forcedDown?: boolean }): Promise<ComputeServiceEntity | undefined> {
    const repo = this.db.getRepository(ComputeServiceEntity);
    const svc = /^[0-9a-f-]{36}$/i.test(id) ? await repo.findOneBy({ id }) : null;
    if (!svc) return undefined;
    if (patch.disabled !== undefined) {
      svc.disabled = patch.disabled;
      svc.disabledReason = patch.disabled ? patch.disabledReason ?? null : null;
    }
    if (patch.forcedDown !== undefined) svc.forcedDown = patch.forcedDown;
    const saved = await repo.save(svc);
    this.hostStates.invalidate();
    return saved;
  }

  /** Every host with its capacity, usage and instance count: three queries in all. */
  async hypervisors(): Promise<{ service: ComputeServiceEntity; capacity: Record<string, number>; used: Record<string, number>; runningVms: number }[]> {
    const services = await this.list();
    const usages = new Map((await this.placement.usages()).map((u) => [u.name, u]));
    const counts: { host: string; n: number }[] = await this.db.query(
      `SELECT host, count(*)::int AS n FROM compute.instances WHERE deleted_at IS NULL AND host IS NOT NULL GROUP BY host`);
    const byHost = new Map(counts.map((c) => [c.host, c.n]));
    return services.map((service) => {
      const u = usages.get(service.host);
      return {
        service,
        capacity: u?.total ?? { VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 },
        used: u?.used ?? { VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 },
        runningVms: byHost.get(service.host) ?? 0,
      };
    });
  }

  list(): Promise<ComputeServiceEntity[]> {
    return this.db.getRepository(ComputeServiceEntity).find({ order: { host: 'ASC' } });
  }

  /** Records the batch of unchanged heartbeats; a host whose row is gone registers again with its next one. */
  private async flushSeen(): Promise<void> {
    this.flushTimer = undefined;
    const hosts = [...this.seen];
    this.seen.clear();
    try {
      const [rows] = await this.db.query(`UPDATE compute.compute_services SET last_seen_at = now() WHERE host = ANY($1) RETURNING host`, [hosts]) as [{ host: string }[], number];
      const recorded = new Set(rows.map((r) => r.host));
      for (const host of hosts) if (!recorded.has(host)) this.lastReported.delete(host);
    } catch (err) {
      this.log.warn({ err, hosts: hosts.length }, 'could not record heartbeats; the next ones will be');
    }
  }
}
