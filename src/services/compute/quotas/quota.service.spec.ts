import { DataSource, EntityManager } from 'typeorm';
import { ForbiddenError } from '../../../common/errors/api-error';
import { QuotaService } from './quota.service';

/** A transaction's EntityManager that answers the service's three reads and records every query. */
function fakeManager(o: { inTransaction?: boolean; rows?: { resource: string; hardLimit: number }[]; usage: { instances: number; cores: number; ram: number } }) {
  const queries: string[] = [];
  const manager = {
    queryRunner: { isTransactionActive: o.inTransaction ?? true },
    getRepository: () => ({ findBy: async () => { queries.push('limits'); return o.rows ?? []; } }),
    query: async (sql: string) => {
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

  it('takes the project lock before it reads limits and usage', async () => {
    const { manager, queries } = fakeManager({ usage: { instances: 0, cores: 0, ram: 0 } });
    await sut.enforce(manager, 'p1', { instances: 1, cores: 1, ram: 512 });
    expect(queries[0]).toBe('SELECT pg_advisory_xact_lock(hashtext($1))');
    expect(queries).toContain('limits');
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
