import { InstanceKind } from '../../../contracts/agent/agent.types';
import { ComputeServiceEntity } from '../entities/compute-service.entity';
import { ProviderUsage, Resources } from '../placement/placement.service';
import { kindTrait } from '../placement/traits';

export interface ScheduleRequest {
  kind: InstanceKind;
  resources: Resources;
  availabilityZone?: string;
  /** Hosts already tried for this build (rescheduling) or to avoid. */
  ignoreHosts: string[];
  /** Members' hosts of the instance's server group, with its policy. */
  group?: { policy: 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity'; memberHosts: string[] };
  sameHost?: string[];
  differentHost?: string[];
}

export interface HostCandidate {
  host: string;
  providerId: string;
  usage: ProviderUsage;
}

type Filter = (c: HostCandidate, svc: ComputeServiceEntity, req: ScheduleRequest) => boolean;

/** Nova's filters, in the order that discards the most hosts cheaply first. */
const FILTERS: Record<string, Filter> = {
  ignoreHosts: (c, _s, r) => !r.ignoreHosts.includes(c.host),
  kind: (c, _s, r) => c.usage.traits.includes(kindTrait(r.kind)),
  availabilityZone: (_c, s, r) => !r.availabilityZone || s.zone === r.availabilityZone,
  resources: (c, _s, r) => (['VCPU', 'MEMORY_MB', 'DISK_GB'] as const).every((rc) => {
    const want = r.resources[rc] ?? 0;
    return want <= c.usage.free[rc] && want <= c.usage.maxUnit[rc];
  }),
  affinity: (c, _s, r) => r.group?.policy !== 'affinity' || r.group.memberHosts.length === 0 || r.group.memberHosts.includes(c.host),
  antiAffinity: (c, _s, r) => r.group?.policy !== 'anti-affinity' || !r.group.memberHosts.includes(c.host),
  sameHost: (c, _s, r) => !r.sameHost?.length || r.sameHost.includes(c.host),
  differentHost: (c, _s, r) => !r.differentHost?.length || !r.differentHost.includes(c.host),
};

export interface SelectionResult {
  candidates: HostCandidate[];
  /** Hosts left after each filter, for the "No valid host" explanation. */
  trail: { filter: string; left: number }[];
}

/**
 * Filters and weighs hosts for one instance. Pure: the caller passes services (up and enabled
 * already checked by `usable`) and provider usages, so it costs no queries per host.
 */
export function selectHosts(
  services: ComputeServiceEntity[],
  usages: ProviderUsage[],
  req: ScheduleRequest,
  usable: (s: ComputeServiceEntity) => boolean,
  weigher: 'spread' | 'pack',
): SelectionResult {
  const byName = new Map(usages.map((u) => [u.name, u]));
  let pool: { c: HostCandidate; s: ComputeServiceEntity }[] = [];
  for (const s of services) {
    const usage = byName.get(s.host);
    if (usage && usable(s)) pool.push({ c: { host: s.host, providerId: usage.providerId, usage }, s });
  }
  const trail = [{ filter: 'ComputeFilter', left: pool.length }];
  for (const [name, f] of Object.entries(FILTERS)) {
    pool = pool.filter(({ c, s }) => f(c, s, req));
    trail.push({ filter: name, left: pool.length });
  }
  const softHosts = new Set(req.group?.memberHosts ?? []);
  const score = (c: HostCandidate) => {
    const ram = c.usage.capacity.MEMORY_MB ? c.usage.free.MEMORY_MB / c.usage.capacity.MEMORY_MB : 0;
    const cpu = c.usage.capacity.VCPU ? c.usage.free.VCPU / c.usage.capacity.VCPU : 0;
    let w = (weigher === 'spread' ? 1 : -1) * (ram + cpu);
    if (req.group?.policy === 'soft-affinity' && softHosts.has(c.host)) w += 10;
    if (req.group?.policy === 'soft-anti-affinity' && softHosts.has(c.host)) w -= 10;
    return w;
  };
  const candidates = pool.map(({ c }) => c).sort((a, b) => score(b) - score(a) || a.host.localeCompare(b.host));
  return { candidates, trail };
}
