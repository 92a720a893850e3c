import { ProviderUsage } from '../placement/placement.service';
import { kindTrait } from '../placement/traits';
import { ScheduleRequest, selectHosts } from './host-selector';
import { HostState } from './host-state';

function host(name: string, freeRam: number, opts: { zone?: string; kinds?: string[]; disabled?: boolean; aggregates?: Record<string, string>[] } = {}): HostState {
  const cap = { VCPU: 16, MEMORY_MB: 8192, DISK_GB: 100 };
  const usage: ProviderUsage = {
    providerId: `rp-${name}`, name, generation: 0, traits: (opts.kinds ?? ['container']).map(kindTrait),
    capacity: cap, total: cap, maxUnit: cap,
    used: { VCPU: 0, MEMORY_MB: cap.MEMORY_MB - freeRam, DISK_GB: 0 },
    free: { VCPU: 16, MEMORY_MB: freeRam, DISK_GB: 100 },
  };
  return { host: name, zone: opts.zone ?? 'nova', disabled: opts.disabled ?? false, forcedDown: false, lastSeenAt: new Date(), usage, traits: new Set(usage.traits), aggregates: opts.aggregates ?? [] };
}

const request = (over: Partial<ScheduleRequest> = {}): ScheduleRequest => ({
  kind: 'container', resources: { VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 }, ignoreHosts: [], ...over,
});

function run(hosts: HostState[], req: ScheduleRequest, weigher: 'spread' | 'pack' = 'spread') {
  return selectHosts(hosts, req, (h) => !h.disabled, weigher).candidates.map((c) => c.host);
}

describe(selectHosts.name, () => {
  const hosts = [host('a', 1024), host('b', 4096), host('c', 256), host('vm-only', 8192, { kinds: ['vm'] }), host('off', 8192, { disabled: true })];

  it('keeps usable hosts that fit and run the kind, emptiest first when spreading', () => {
    expect(run(hosts, request())).toEqual(['b', 'a']);
  });

  it('packs onto the fullest host that fits when asked to', () => {
    expect(run(hosts, request(), 'pack')).toEqual(['a', 'b']);
  });

  it('matches aggregate_instance_extra_specs against the host aggregates\' metadata', () => {
    const ssd = host('ssd', 2048, { aggregates: [{ disk: 'ssd,nvme' }, { tier: 'gold' }] });
    const hdd = host('hdd', 4096, { aggregates: [{ disk: 'hdd' }] });
    const plain = host('plain', 8000);
    const specs = (s: Record<string, string>) => request({ flavorExtraSpecs: s });
    expect(run([ssd, hdd, plain], specs({ 'aggregate_instance_extra_specs:disk': 'ssd' }))).toEqual(['ssd']);
    expect(run([ssd, hdd, plain], specs({ 'aggregate_instance_extra_specs:disk': 'nvme', 'aggregate_instance_extra_specs:tier': 'gold' }))).toEqual(['ssd']);
    expect(run([ssd, hdd, plain], specs({ 'aggregate_instance_extra_specs:disk': 'tape' }))).toEqual([]);
    expect(run([ssd, hdd, plain], specs({ 'hw:cpu_policy': 'dedicated' }))).toEqual(['plain', 'hdd', 'ssd']);
  });

  it('keeps hosts of tenant-isolated aggregates for their tenants', () => {
    const isolated = host('iso', 8000, { aggregates: [{ filter_tenant_id: 'p1,p2' }] });
    const open = host('open', 1024);
    expect(run([isolated, open], request({ projectId: 'p2' }))).toEqual(['iso', 'open']);
    expect(run([isolated, open], request({ projectId: 'p3' }))).toEqual(['open']);
    expect(run([host('iso2', 8000, { aggregates: [{ filter_tenant_id_1: 'p9' }] })], request({ projectId: 'p9' }))).toEqual(['iso2']);
  });

  it('honours availability zones, ignored hosts, same_host and different_host', () => {
    expect(run([...hosts, host('z', 8000, { zone: 'az2' })], request({ availabilityZone: 'az2' }))).toEqual(['z']);
    expect(run(hosts, request({ ignoreHosts: ['b'] }))).toEqual(['a']);
    expect(run(hosts, request({ sameHost: ['a'] }))).toEqual(['a']);
    expect(run(hosts, request({ differentHost: ['a'] }))).toEqual(['b']);
  });

  it('applies server group policies: hard ones filter, soft ones only weigh', () => {
    expect(run(hosts, request({ group: { policy: 'anti-affinity', memberHosts: ['b'] } }))).toEqual(['a']);
    expect(run(hosts, request({ group: { policy: 'affinity', memberHosts: ['a'] } }))).toEqual(['a']);
    expect(run(hosts, request({ group: { policy: 'affinity', memberHosts: [] } }))).toEqual(['b', 'a']);
    expect(run(hosts, request({ group: { policy: 'soft-affinity', memberHosts: ['a'] } }))).toEqual(['a', 'b']);
    expect(run(hosts, request({ group: { policy: 'soft-anti-affinity', memberHosts: ['b'] } }))).toEqual(['a', 'b']);
  });

  it('says which filter left no host', () => {
    const res = selectHosts(hosts, request({ resources: { MEMORY_MB: 99999 } }), (h) => !h.disabled, 'spread');
    expect(res.candidates).toEqual([]);
    expect(res.trail).toEqual([
      { filter: 'ComputeFilter', left: 4 }, { filter: 'ignoreHosts', left: 4 }, { filter: 'kind', left: 3 }, { filter: 'availabilityZone', left: 3 },
      { filter: 'aggregateInstanceExtraSpecs', left: 3 }, { filter: 'aggregateMultiTenancyIsolation', left: 3 },
      { filter: 'resources', left: 0 }, { filter: 'affinity', left: 0 }, { filter: 'antiAffinity', left: 0 }, { filter: 'sameHost', left: 0 }, { filter: 'differentHost', left: 0 },
    ]);
  });

  it('gives the best few without sorting the rest, in the order the full ranking has them', () => {
    const many = Array.from({ length: 40 }, (_, i) => host(`h${String(i).padStart(2, '0')}`, 512 + ((i * 7919) % 13) * 256));
    const res = selectHosts(many, request(), () => true, 'spread');
    for (const k of [0, 1, 3, 40, 50]) expect(res.best(k).map((h) => h.host)).toEqual(res.candidates.slice(0, k).map((h) => h.host));
    const tied = selectHosts([host('x', 1024), host('y', 1024), host('z', 1024)], request(), () => true, 'spread');
    expect(tied.best(2).map((h) => h.host)).toEqual(['x', 'y']);
  });
});
