import { DataSource } from 'typeorm';
import { HOST_STATE_MAX_AGE_MS, HostStateCache } from './host-state';

/** Rows as the view's query returns them: one per inventory, hosts in order. */
function rows(hosts: { host: string; used?: number; zone?: string }[]) {
  return hosts.flatMap(({ host, used = 0, zone = 'nova' }) => ['VCPU', 'MEMORY_MB'].map((rc) => ({
    host, zone, disabled: false, forced_down: false, last_seen_at: new Date(), provider_id: `rp-${host}`, generation: 1,
    traits: ['CUSTOM_BERTH_KIND_CONTAINER'], resource_class: rc, total: rc === 'VCPU' ? 8 : 8192, reserved: 0, max_unit: rc === 'VCPU' ? 8 : 8192,
    allocation_ratio: rc === 'VCPU' ? 4 : 1, used: rc === 'VCPU' ? used : used * 512,
  })));
}

function fakeDb(answers: ReturnType<typeof rows>[]) {
  const reads: { resolve: () => void }[] = [];
  let n = 0;
  const db = {
    query: () => new Promise((resolve) => {
      const answer = answers[Math.min(n++, answers.length - 1)];
      reads.push({ resolve: () => resolve(answer) });
    }),
  };
  return { db: db as unknown as DataSource, reads, count: () => n };
}

describe(HostStateCache.name, () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it('builds one state per host from its inventory rows, with capacity and free space', async () => {
    const { db, reads } = fakeDb([rows([{ host: 'a', used: 2 }, { host: 'b' }])]);
    const sut = new HostStateCache(db);
    const pending = sut.hosts();
    reads[0].resolve();
    const hosts = await pending;
    expect(hosts.map((h) => h.host)).toEqual(['a', 'b']);
    expect(hosts[0].usage).toMatchObject({ providerId: 'rp-a', capacity: { VCPU: 32, MEMORY_MB: 8192 }, used: { VCPU: 2, MEMORY_MB: 1024 }, free: { VCPU: 30, MEMORY_MB: 7168 } });
  });

  it('shares one read between concurrent callers and reuses it within the maximum age', async () => {
    const { db, reads, count } = fakeDb([rows([{ host: 'a' }])]);
    const sut = new HostStateCache(db);
    const [first, second] = [sut.hosts(), sut.hosts()];
    reads[0].resolve();
    expect(await first).toBe(await second);
    now += HOST_STATE_MAX_AGE_MS - 1;
    expect(await sut.hosts()).toBe(await first);
    expect(count()).toBe(1);
    now += 2;
    const later = sut.hosts();
    reads[1].resolve();
    await later;
    expect(count()).toBe(2);
  });

  it('reads again for a caller that needs a view sent after a given time', async () => {
    const { db, reads, count } = fakeDb([rows([{ host: 'a' }]), rows([{ host: 'a' }, { host: 'b' }])]);
    const sut = new HostStateCache(db);
    const first = sut.hosts();
    reads[0].resolve();
    await first;
    now += 1;
    const fresh = sut.hosts(now);
    reads[1].resolve();
    expect((await fresh).map((h) => h.host)).toEqual(['a', 'b']);
    expect(count()).toBe(2);
  });

  it('never serves a view read before an invalidation, even one still in flight', async () => {
    const { db, reads, count } = fakeDb([rows([{ host: 'a', zone: 'old' }]), rows([{ host: 'a', zone: 'new' }])]);
    const sut = new HostStateCache(db);
    const before = sut.hosts();
    sut.invalidate();
    reads[0].resolve();
    await before;
    const after = sut.hosts();
    expect(count()).toBe(2);
    reads[1].resolve();
    expect((await after)[0].zone).toBe('new');
    expect(await sut.hosts()).toBe(await after);
  });

  it('takes what a build consumed off the host at once, for the builds that pick next', async () => {
    const { db, reads } = fakeDb([rows([{ host: 'a' }])]);
    const sut = new HostStateCache(db);
    const pending = sut.hosts();
    reads[0].resolve();
    const [a] = await pending;
    sut.consume(a, { VCPU: 2, MEMORY_MB: 1024 });
    expect((await sut.hosts())[0].usage).toMatchObject({ used: { VCPU: 2, MEMORY_MB: 1024 }, free: { VCPU: 30, MEMORY_MB: 7168 } });
  });
});
