import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Store } from '../../../src/common/database/store';
import { ClaimFailedError, PlacementService, Resources } from '../../../src/services/compute/placement/placement.service';
import { ALL_ENTITIES } from '../../../src/services/entities';
import { createTestDatabase } from '../../utils/test-backends';

jest.setTimeout(60000);

const OWNER = { projectId: 'p', userId: 'u' };

describe('PlacementService claims on PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  let store: Store;
  let ds: DataSource;
  let sut: PlacementService;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new Store({ databaseUrl: db.url, dataDir: '/nonexistent', entities: ALL_ENTITIES, poolSize: 10 });
    ds = await store.open();
    await store.migrate();
    sut = new PlacementService(ds);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** A provider with `vcpus` VCPU (no overcommit), 4 GiB, 10 GB. */
  async function provider(vcpus: number): Promise<string> {
    return sut.syncProvider(`host-${randomUUID().slice(0, 8)}`, { vcpus, memoryMb: 4096, diskGb: 10, hypervisorType: 'fake', hypervisorVersion: '1', hostIp: '127.0.0.1', kinds: ['container'] },
      { cpu: 1, ram: 1, disk: 1 }, []);
  }

  const claim = (providerId: string, resources: Resources, consumer = randomUUID()) =>
    ds.transaction((tx) => sut.claim(tx, consumer, providerId, resources, OWNER)).then(() => true, (err: unknown) => {
      if (err instanceof ClaimFailedError) return false;
      throw err;
    });

  async function state(providerId: string) {
    const inventories: { resource_class: string; used: number }[] = await ds.query(
      'SELECT resource_class, used FROM compute.inventories WHERE provider_id = $1 ORDER BY resource_class', [providerId]);
    const [{ sum }] = await ds.query('SELECT coalesce(sum(used), 0)::int AS sum FROM compute.allocations WHERE provider_id = $1', [providerId]);
    const [{ generation }] = await ds.query('SELECT generation FROM compute.resource_providers WHERE id = $1', [providerId]);
    return { used: Object.fromEntries(inventories.map((i) => [i.resource_class, i.used])), allocated: sum, generation };
  }

  it('takes every class or nothing: a class that does not fit leaves no allocation and no usage', async () => {
    const rp = await provider(4);
    const before = await state(rp);
    expect(await claim(rp, { VCPU: 1, MEMORY_MB: 8192 })).toBe(false);
    expect(await state(rp)).toEqual(before);
    expect(await claim(rp, { VCPU: 2, MEMORY_MB: 1024, DISK_GB: 0 })).toBe(true);
    const after = await state(rp);
    expect(after.used).toEqual({ DISK_GB: 0, MEMORY_MB: 1024, VCPU: 2 });
    expect(after.allocated).toBe(1026);
    expect(after.generation).toBe(before.generation + 1);
  });

  it('lets exactly the capacity through when 40 claims race for 10 vCPUs, usage equal to the allocations', async () => {
    const rp = await provider(10);
    const results = await Promise.all(Array.from({ length: 40 }, () => claim(rp, { VCPU: 1, MEMORY_MB: 64 })));
    expect(results.filter(Boolean)).toHaveLength(10);
    const after = await state(rp);
    expect(after.used).toEqual({ DISK_GB: 0, MEMORY_MB: 640, VCPU: 10 });
    expect(after.allocated).toBe(650);
  });

  it('gives everything back on release, once', async () => {
    const rp = await provider(2);
    const consumer = randomUUID();
    expect(await claim(rp, { VCPU: 2, MEMORY_MB: 512 }, consumer)).toBe(true);
    for (let i = 0; i < 2; i++) await ds.transaction((tx) => sut.release(tx, consumer));
    expect((await state(rp)).used).toEqual({ DISK_GB: 0, MEMORY_MB: 0, VCPU: 0 });
    expect(await claim(rp, { VCPU: 2, MEMORY_MB: 512 })).toBe(true);
  });
});
