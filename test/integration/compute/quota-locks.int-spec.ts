import { randomUUID } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import { Store } from '../../../src/common/database/store';
import { BadRequestError, ForbiddenError } from '../../../src/common/errors/api-error';
import { QuotaService } from '../../../src/services/compute/quotas/quota.service';
import { ALL_ENTITIES } from '../../../src/services/entities';
import { createTestDatabase } from '../../utils/test-backends';

jest.setTimeout(60000);

/** Resolves to 'settled' if `p` settles within `ms`, else 'pending' (it keeps running). */
async function within(p: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((r) => { timer = setTimeout(() => r('pending'), ms); });
  const outcome = await Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), pending]);
  clearTimeout(timer);
  return outcome;
}

describe('QuotaService locks on PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  let store: Store;
  let ds: DataSource;
  let sut: QuotaService;
  const open: QueryRunner[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new Store({ databaseUrl: db.url, dataDir: '/nonexistent', entities: ALL_ENTITIES, poolSize: 8 });
    ds = await store.open();
    await store.migrate();
    sut = new QuotaService(ds);
  });
  afterEach(async () => {
    for (const qr of open.splice(0)) {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      await qr.release();
    }
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** A create in flight: a transaction that passed the quota check and inserted its row, not yet committed. */
  async function createInFlight(projectId: string, delta = { instances: 1, cores: 1, ram: 512 }): Promise<QueryRunner> {
    const qr = ds.createQueryRunner();
    open.push(qr);
    await qr.connect();
    await qr.startTransaction();
    await sut.enforce(qr.manager, projectId, delta);
    await qr.query(
      `INSERT INTO compute.instances (id, name, project_id, user_id, kind, flavor, vm_state) VALUES ($1, 'q', $2, 'u', 'container', $3, 'building')`,
      [randomUUID(), projectId, JSON.stringify({ id: 'f', name: 'f', vcpus: delta.cores, memoryMb: delta.ram, rootGb: 0, ephemeralGb: 0, swapMb: 0, extraSpecs: {} })],
    );
    return qr;
  }

  it('lets creates of an unlimited project run side by side', async () => {
    const p = randomUUID();
    await sut.update(p, { instances: -1, cores: -1, ram: -1 }, false);
    const first = await createInFlight(p);
    expect(await within(createInFlight(p), 2000)).toBe('settled');
    await first.commitTransaction();
  });

  it('makes a limit change wait for unlimited creates in flight, then count them', async () => {
    const p = randomUUID();
    await sut.update(p, { instances: -1, cores: -1, ram: -1 }, false);
    const inFlight = await createInFlight(p);
    const lowering = sut.update(p, { instances: 0 }, false);
    expect(await within(lowering, 500)).toBe('pending');
    await inFlight.commitTransaction();
    await expect(lowering).rejects.toThrow(new BadRequestError('Quota limit 0 for instances must be greater than or equal to already used and reserved 1.'));
  });

  it('serialises creates of a project with a finite limit, so the second sees the first', async () => {
    const p = randomUUID();
    await sut.update(p, { instances: 1 }, false);
    const first = await createInFlight(p);
    const second = createInFlight(p);
    expect(await within(second, 500)).toBe('pending');
    await first.commitTransaction();
    await expect(second).rejects.toThrow(new ForbiddenError('Quota exceeded for instances: Requested 1, but already used 1 of 1 instances'));
  });
});
