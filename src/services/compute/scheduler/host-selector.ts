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
  /** The flavor's extra specs: `aggregate_instance_extra_specs:<key>` must match an aggregate's metadata. */
  flavorExtraSpecs?: Record<string, string>;
  /** The instance's project, for aggregates isolated to tenants (`filter_tenant_id`). */
  projectId?: string;
}

const AGGREGATE_SPEC = 'aggregate_instance_extra_specs:';

/**
 * Nova's AggregateInstanceExtraSpecsFilter: every scoped extra spec must equal a value (one of a
 * comma-separated list) of that key in some aggregate of the host.
 */
function aggregateSpecsFilter(specs: Record<string, string> | undefined): Filter | undefined {
  const wanted = Object.entries(specs ?? {}).filter(([k]) => k.startsWith(AGGREGATE_SPEC)).map(([k, v]) => [k.slice(AGGREGATE_SPEC.length), v.trim()] as const);
  if (wanted.length === 0) return undefined;
  return (h) => wanted.every(([key, value]) => h.aggregates.some((m) => m[key] !== undefined && m[key].split(',').map((x) => x.trim()).includes(value)));
}

/**
 * Nova's AggregateMultiTenancyIsolation: a host in an aggregate with `filter_tenant_id` (or
 * `filter_tenant_id_<n>`) keys takes only those projects' instances; other hosts take anyone's.
 */
function tenantIsolationFilter(projectId: string | undefined): Filter {
  return (h) => {
    const allowed = h.aggregates.flatMap((m) => Object.entries(m).filter(([k]) => k === 'filter_tenant_id' || k.startsWith('filter_tenant_id_')).flatMap(([, v]) => v.split(',').map((x) => x.trim())));
    return allowed.length === 0 || (projectId !== undefined && allowed.includes(projectId));
  };
}

type Filter = (h: HostState) => boolean;
const CLASSES = ['VCPU', 'MEMORY_MB', 'DISK_GB'] as const;
const FILTER_NAMES = ['ignoreHosts', 'kind', 'availabilityZone', 'aggregateInstanceExtraSpecs', 'aggregateMultiTenancyIsolation', 'resources', 'affinity', 'antiAffinity', 'sameHost', 'differentHost'] as const;

/**
 * Nova's filters for one request, in the order that discards the most hosts cheaply first. What
 * does not depend on the host (the kind's trait, the amounts, the lists) is worked out once per
 * request; a filter the request makes a no-op is left out and passes every host.
 */
function filtersFor(r: ScheduleRequest): Partial<Record<(typeof FILTER_NAMES)[number], Filter>> {
  const trait = kindTrait(r.kind);
  const [cpu, ram, disk] = CLASSES.map((rc) => r.resources[rc] ?? 0);
  const group = r.group;
  const members = new Set(group?.memberHosts ?? []);
  const ignored = new Set(r.ignoreHosts);
  const same = new Set(r.sameHost ?? []);
  const different = new Set(r.differentHost ?? []);
  const specs = aggregateSpecsFilter(r.flavorExtraSpecs);
  return {
    ...(ignored.size ? { ignoreHosts: (h) => !ignored.has(h.host) } : {}),
    kind: (h) => h.traits.has(trait),
    ...(r.availabilityZone ? { availabilityZone: (h) => h.zone === r.availabilityZone } : {}),
    ...(specs ? { aggregateInstanceExtraSpecs: specs } : {}),
    aggregateMultiTenancyIsolation: tenantIsolationFilter(r.projectId),
    resources: ({ usage: { free, maxUnit } }) => cpu <= free.VCPU && cpu <= maxUnit.VCPU && ram <= free.MEMORY_MB && ram <= maxUnit.MEMORY_MB
      && disk <= free.DISK_GB && disk <= maxUnit.DISK_GB,
    ...(group?.policy === 'affinity' && members.size ? { affinity: (h) => members.has(h.host) } : {}),
    ...(group?.policy === 'anti-affinity' ? { antiAffinity: (h) => !members.has(h.host) } : {}),
    ...(same.size ? { sameHost: (h) => same.has(h.host) } : {}),
    ...(different.size ? { differentHost: (h) => !different.has(h.host) } : {}),
  };
}

/** The hosts that passed every filter, weighed; ordered only as far as a caller asks. */
export class SelectionResult {
  private sorted?: HostState[];

  constructor(
    /** Hosts left after each filter, for the "No valid host" explanation. */
    readonly trail: { filter: string; left: number }[],
    private readonly pool: HostState[],
    private readonly weights: number[],
  ) {}

  /** Every candidate, best first; equal weights keep the order of the hosts given. Sorted on first use. */
  get candidates(): HostState[] {
    this.sorted ??= this.pool.map((_, i) => i).sort((a, b) => this.weights[b] - this.weights[a] || a - b).map((i) => this.pool[i]);
    return this.sorted;
  }

  /** The `k` best, best first, as `candidates` orders them, without sorting the others. */
  best(k: number): HostState[] {
    const top: number[] = [];
    const w = this.weights;
    for (let i = 0; i < w.length && k > 0; i++) {
      if (top.length === k && w[i] <= w[top[k - 1]]) continue;
      let at = top.length;
      while (at > 0 && w[top[at - 1]] < w[i]) at--;
      top.splice(at, 0, i);
      if (top.length > k) top.pop();
    }
    return top.map((i) => this.pool[i]);
  }
}

/**
 * Filters and weighs hosts for one instance. Pure: the caller passes the hosts (the view lists them
 * by name) and `usable`, the up-and-enabled check, so it costs no queries. Each host goes through
 * the filters until one refuses it and each candidate is weighed once; a decision usually needs
 * only the best few (SelectionResult.best), so the full sort waits until something asks for it.
 */
export function selectHosts(hosts: HostState[], req: ScheduleRequest, usable: (h: HostState) => boolean, weigher: 'spread' | 'pack'): SelectionResult {
  const byName = filtersFor(req);
  const active = FILTER_NAMES.map((name) => byName[name]).filter((f): f is Filter => f !== undefined);
  const passedActive = new Array<number>(active.length).fill(0);
  const soft = req.group?.policy === 'soft-affinity' ? 10 : req.group?.policy === 'soft-anti-affinity' ? -10 : 0;
  const softHosts = new Set(soft ? req.group!.memberHosts : []);
  const sign = weigher === 'spread' ? 1 : -1;
  let usableCount = 0;
  const pool: HostState[] = [];
  const weights: number[] = [];
  for (const h of hosts) {
    if (!usable(h)) continue;
    usableCount++;
    let passed = 0;
    while (passed < active.length && active[passed](h)) passedActive[passed++]++;
    if (passed < active.length) continue;
    const { free, capacity } = h.usage;
    const ramFree = capacity.MEMORY_MB ? free.MEMORY_MB / capacity.MEMORY_MB : 0;
    const cpuFree = capacity.VCPU ? free.VCPU / capacity.VCPU : 0;
    pool.push(h);
    weights.push(sign * (ramFree + cpuFree) + (softHosts.has(h.host) ? soft : 0));
  }
  // A filter the request left out passes what the one before it passed.
  let last = usableCount;
  let seen = 0;
  const trail = [{ filter: 'ComputeFilter', left: usableCount }, ...FILTER_NAMES.map((filter) => {
    if (byName[filter]) last = passedActive[seen++];
    return { filter, left: last };
  })];
  return new SelectionResult(trail, pool, weights);
}
