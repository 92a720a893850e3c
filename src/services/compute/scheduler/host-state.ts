import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { ProviderUsage, ResourceClass, Resources, providerUsage } from '../placement/placement.service';

/** What the scheduler knows of one host: its compute service and its resource provider's usage. */
export interface HostState {
  host: string;
  zone: string;
  disabled: boolean;
  forcedDown: boolean;
  lastSeenAt: Date;
  usage: ProviderUsage;
  /** The provider's traits as a set: filters ask it for every host of every decision. */
  traits: ReadonlySet<string>;
  /** Metadata of each host aggregate holding the host (aggregate filters read it). */
  aggregates: Record<string, string>[];
}

/**
 * How old the view may be: builds in that window share one read. A decision of "no valid host" is
 * always taken on a fresh read.
 */
export const HOST_STATE_MAX_AGE_MS = 1000;

interface Snapshot {
  hosts: HostState[];
  /** When the query that read it was sent (Date.now()). */
  readAt: number;
  /** The `invalidate` count when it was sent: a snapshot sent before an invalidation is not used. */
  epoch: number;
}

interface Row {
  host: string;
  zone: string;
  disabled: boolean;
  forced_down: boolean;
  last_seen_at: Date;
  provider_id: string;
  generation: number;
  traits: string[];
  resource_class: ResourceClass | null;
  total: number;
  reserved: number;
  max_unit: number;
  allocation_ratio: number;
  used: number;
  /** Metadata of the host's aggregates (absent when it is in none). */
  aggregates: Record<string, string>[] | null;
}

/**
 * The scheduler's view of every host, read with one query and shared by the builds of the next
 * HOST_STATE_MAX_AGE_MS (Nova's HostManager keeps such a view too). Reading all hosts per build was
 * O(hosts) rows per build; with 1,000 hosts that bounded scheduling to a few builds per second.
 *
 * The view only guides the choice: a claim is still a conditional UPDATE of the inventories in the
 * database, so a stale view costs a failed claim and a try on the next host, never an overcommit.
 * A build consumes its resources in the view as it picks a host (`consume`), so concurrent builds
 * in this process see each other's choices at once and spread instead of all claiming on the
 * same best host. Whatever else changes (deletes, other replicas' builds, heartbeats) shows at the
 * next read; changes made in this process to services (a new host, disable, forced down, a zone
 * moved by an aggregate) call `invalidate` once committed.
 */
@Injectable()
export class HostStateCache {
  private current?: Snapshot;
  private reading?: { readAt: number; epoch: number; done: Promise<Snapshot> };
  private epoch = 0;

  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  /**
   * Every registered host with a resource provider, from a read sent at or after `notBefore`
   * (default: at most HOST_STATE_MAX_AGE_MS ago). Concurrent callers share one read.
   */
  async hosts(notBefore = Date.now() - HOST_STATE_MAX_AGE_MS): Promise<HostState[]> {
    const usable = (s: { readAt: number; epoch: number }) => s.epoch === this.epoch && s.readAt >= notBefore;
    if (this.current && usable(this.current)) return this.current.hosts;
    if (!this.reading || !usable(this.reading)) {
      const readAt = Date.now();
      const epoch = this.epoch;
      const done = this.read(readAt, epoch).finally(() => {
        if (this.reading?.done === done) this.reading = undefined;
      });
      this.reading = { readAt, epoch, done };
    }
    return (await this.reading.done).hosts;
  }

  /** Takes `resources` from a host in the view, for the builds that pick after this one. */
  consume(host: HostState, resources: Resources): void {
    for (const [rc, amount] of Object.entries(resources) as [ResourceClass, number][]) {
      host.usage.used[rc] += amount;
      host.usage.free[rc] -= amount;
    }
  }

  /** The next call to `hosts` reads again. */
  invalidate(): void {
    this.epoch++;
  }

  private async read(readAt: number, epoch: number): Promise<Snapshot> {
    const rows: Row[] = await this.db.query(
      `SELECT s.host, s.zone, s.disabled, s.forced_down, s.last_seen_at, p.id AS provider_id, p.generation, p.traits,
              i.resource_class, i.total, i.reserved, i.max_unit, i.allocation_ratio, i.used,
              (SELECT jsonb_agg(a.metadata) FROM compute.aggregate_hosts h JOIN compute.aggregates a ON a.id = h.aggregate_id WHERE h.host = s.host) AS aggregates
       FROM compute.compute_services s
       JOIN compute.resource_providers p ON p.name = s.host
       LEFT JOIN compute.inventories i ON i.provider_id = p.id
       ORDER BY s.host`,
    );
    const hosts: HostState[] = [];
    for (let i = 0; i < rows.length;) {
      const r = rows[i];
      const inventories = [];
      for (; i < rows.length && rows[i].host === r.host; i++) {
        const inv = rows[i];
        if (inv.resource_class) {
          inventories.push({ resourceClass: inv.resource_class, total: inv.total, reserved: inv.reserved, maxUnit: inv.max_unit, allocationRatio: inv.allocation_ratio, used: inv.used });
        }
      }
      hosts.push({
        host: r.host, zone: r.zone, disabled: r.disabled, forcedDown: r.forced_down, lastSeenAt: r.last_seen_at,
        usage: providerUsage({ id: r.provider_id, name: r.host, generation: r.generation, traits: r.traits }, inventories),
        traits: new Set(r.traits),
        aggregates: r.aggregates ?? [],
      });
    }
    const snapshot = { hosts, readAt, epoch };
    // A read overtaken by a newer one, or by an invalidation, must not replace it.
    if (epoch === this.epoch && (!this.current || this.current.epoch !== epoch || this.current.readAt <= readAt)) this.current = snapshot;
    return snapshot;
  }
}
