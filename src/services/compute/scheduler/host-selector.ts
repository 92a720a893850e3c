import { InstanceKind } from '../../../contracts/agent/agent.types';
import { Resources } from '../placement/placement.service';
import { kindTrait } from '../placement/traits';
import { HostState } from './host-state';

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

type Filter = (h: HostState, req: ScheduleRequest) => boolean;

/** Nova's filters, in the order that discards the most hosts cheaply first. */
const FILTERS: [string, Filter][] = [
  ['ignoreHosts', (h, r) => !r.ignoreHosts.includes(h.host)],
  ['kind', (h, r) => h.usage.traits.includes(kindTrait(r.kind))],
  ['availabilityZone', (h, r) => !r.availabilityZone || h.zone === r.availabilityZone],
  ['resources', (h, r) => (['VCPU', 'MEMORY_MB', 'DISK_GB'] as const).every((rc) => {
    const want = r.resources[rc] ?? 0;
    return want <= h.usage.free[rc] && want <= h.usage.maxUnit[rc];
  })],
  ['affinity', (h, r) => r.group?.policy !== 'affinity' || r.group.memberHosts.length === 0 || r.group.memberHosts.includes(h.host)],
  ['antiAffinity', (h, r) => r.group?.policy !== 'anti-affinity' || !r.group.memberHosts.includes(h.host)],
  ['sameHost', (h, r) => !r.sameHost?.length || r.sameHost.includes(h.host)],
  ['differentHost', (h, r) => !r.differentHost?.length || !r.differentHost.includes(h.host)],
];

export interface SelectionResult {
  /** Hosts that pass every filter, best first. */
  candidates: HostState[];
  /** Hosts left after each filter, for the "No valid host" explanation. */
  trail: { filter: string; left: number }[];
}

/**
 * Filters and weighs hosts for one instance. Pure: the caller passes the hosts (and `usable`, the
 * up-and-enabled check), so it costs no queries. One pass over the hosts runs each host through
 * the filters until one refuses it, and each candidate is weighed once before sorting: with 1,000
 * hosts a decision takes well under a millisecond.
 */
export function selectHosts(hosts: HostState[], req: ScheduleRequest, usable: (h: HostState) => boolean, weigher: 'spread' | 'pack'): SelectionResult {
  const passedFilter = new Array<number>(FILTERS.length).fill(0);
  let usableCount = 0;
  const pool: HostState[] = [];
  for (const h of hosts) {
    if (!usable(h)) continue;
    usableCount++;
    let passed = 0;
    while (passed < FILTERS.length && FILTERS[passed][1](h, req)) passedFilter[passed++]++;
    if (passed === FILTERS.length) pool.push(h);
  }
  const trail = [{ filter: 'ComputeFilter', left: usableCount }, ...FILTERS.map(([filter], i) => ({ filter, left: passedFilter[i] }))];
  const softHosts = new Set(req.group?.memberHosts ?? []);
  const weigh = (h: HostState) => {
    const { free, capacity } = h.usage;
    const ram = capacity.MEMORY_MB ? free.MEMORY_MB / capacity.MEMORY_MB : 0;
    const cpu = capacity.VCPU ? free.VCPU / capacity.VCPU : 0;
    let w = (weigher === 'spread' ? 1 : -1) * (ram + cpu);
    if (req.group?.policy === 'soft-affinity' && softHosts.has(h.host)) w += 10;
    if (req.group?.policy === 'soft-anti-affinity' && softHosts.has(h.host)) w -= 10;
    return w;
  };
  const weighed = pool.map((h) => ({ h, w: weigh(h) }));
  weighed.sort((a, b) => b.w - a.w || (a.h.host < b.h.host ? -1 : a.h.host > b.h.host ? 1 : 0));
  return { candidates: weighed.map((x) => x.h), trail };
}
