import { DataSource, EntityManager } from 'typeorm';
import { ForbiddenError } from '../../../common/errors/api-error';
import { QuotaService } from './quota.service';

/** A transaction's EntityManager that answers the service's three reads and records every query. */
function fakeManager(o: { inTransaction?: boolean; rows?: { resource: string; hardLimit: number }[]; usage: { instances: number; cores: number; ram: number } }) {
  const queries: string[] = [];
  const manager = {
    queryRunner: { isTransactionActive: o.inTransaction ?? true },
    query: async (sql: string) => {
      if (sql.includes('compute.quotas')) {
        queries.push('limits');
        return (o.rows ?? []).map((r) => ({ resource: r.resource, hard_limit: r.hardLimit }));
      }
      queries.push(sql.trim().split(/\s+/).slice(0, 2).join(' '));
      if (sql.includes('pg_advisory_xact_lock')) return [{}];
      if (sql.includes('compute.instances')) return [{ instances: String(o.usage.instances), cores: String(o.usage.cores), ram: String(o.usage.ram) }];
      if (sql.includes('compute.server_groups')) return [{ n: '0' }];
      throw new Error(`unexpected query ${sql}`);
    },
  };
  return { manager: manager as unknown as EntityManager, queries };
}

describe(QuotaService.name, () => {
  const sut = new QuotaService({} as DataSource);

  it('holds the limits lock shared before it reads limits, and the usage lock before it counts', async () => {
    const { manager, queries } = fakeManager({ usage: { instances: 0, cores: 0, ram: 0 } });
    await sut.enforce(manager, 'p1', { instances: 1, cores: 1, ram: 512 });
    expect(queries).toEqual(['SELECT pg_advisory_xact_lock_shared($1,', 'limits', 'SELECT pg_advisory_xact_lock(hashtext($1))', 'SELECT count(*)']);
  });

  it('neither serialises nor counts when every limit the request grows is unlimited', async () => {
    const rows = [{ resource: 'instances', hardLimit: -1 }, { resource: 'cores', hardLimit: -1 }, { resource: 'ram', hardLimit: -1 }];
    const { manager, queries } = fakeManager({ rows, usage: { instances: 1e6, cores: 1e6, ram: 1e9 } });
    await sut.enforce(manager, 'p1', { instances: 1, cores: 1, ram: 512 });
    expect(queries).toEqual(['SELECT pg_advisory_xact_lock_shared($1,', 'limits']);
  });

  it('counts when a limit the request grows is finite, even if the others are unlimited', async () => {
    const rows = [{ resource: 'instances', hardLimit: -1 }, { resource: 'ram', hardLimit: -1 }];
    const { manager, queries } = fakeManager({ rows, usage: { instances: 5, cores: 20, ram: 0 } });
    const err = await sut.enforce(manager, 'p1', { instances: 1, cores: 2, ram: 512 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('Quota exceeded for cores: Requested 2, but already used 20 of 20 cores');
    expect(queries).toContain('SELECT count(*)');
    const resize = fakeManager({ rows, usage: { instances: 5, cores: 20, ram: 0 } });
    await sut.enforce(resize.manager, 'p1', { instances: 0, cores: 0, ram: 1024 });
    expect(resize.queries).not.toContain('SELECT count(*)');
  });

  it('throws Nova\'s 403 when the project is full, using its own limits over the defaults', async () => {
    const { manager } = fakeManager({ rows: [{ resource: 'instances', hardLimit: 3 }], usage: { instances: 3, cores: 3, ram: 1536 } });
    const err = await sut.enforce(manager, 'p1', { instances: 1, cores: 1, ram: 512 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).status).toBe(403);
    expect((err as Error).message).toBe('Quota exceeded for instances: Requested 1, but already used 3 of 3 instances');
  });

  it('refuses to run outside a transaction (the lock would not be held)', async () => {
    const { manager, queries } = fakeManager({ inTransaction: false, usage: { instances: 0, cores: 0, ram: 0 } });
    await expect(sut.enforce(manager, 'p1', { instances: 1, cores: 1, ram: 1 })).rejects.toThrow('inside a transaction');
    expect(queries).toEqual([]);
  });
});
