import { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { HostResources } from '../../../contracts/agent/agent.types';
import { DEFAULT_COMPUTE_SETTINGS } from '../compute.settings';
import { PlacementService } from '../placement/placement.service';
import { HostStateCache } from '../scheduler/host-state';
import { HEARTBEAT_FLUSH_MS, HostsService } from './hosts.service';

const resources: HostResources = { vcpus: 4, memoryMb: 4096, diskGb: 40, hypervisorType: 'fake', hypervisorVersion: '1', hostIp: '10.0.0.1', kinds: ['container'] };

function setup(opts: { registered?: string[] } = {}) {
  const statements: { sql: string; params: unknown[] }[] = [];
  const registered = new Set(opts.registered ?? []);
  const db = {
    query: async (sql: string, params: unknown[]) => {
      statements.push({ sql, params });
      if (sql.startsWith('UPDATE compute.compute_services SET last_seen_at')) {
        return [(params[0] as string[]).filter((h) => registered.has(h)).map((host) => ({ host })), 0];
      }
      return [];
    },
  };
  const synced: string[] = [];
  const placement = { syncProvider: async (host: string) => { synced.push(host); return `rp-${host}`; } };
  let invalidations = 0;
  const hostStates = { invalidate: () => { invalidations++; } };
  const log = { warn: jest.fn() };
  const sut = new HostsService(db as unknown as DataSource, DEFAULT_COMPUTE_SETTINGS, log as unknown as Logger,
    placement as unknown as PlacementService, hostStates as unknown as HostStateCache);
  return { sut, statements, synced, registered, invalidations: () => invalidations };
}

describe(HostsService.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('registers a new host at once and tells the scheduler to read hosts again', async () => {
    const { sut, statements, synced, invalidations } = setup();
    await sut.report('h1', 'fake', resources);
    expect(statements.map((s) => s.sql.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual(['INSERT INTO compute.compute_services']);
    expect(synced).toEqual(['h1']);
    expect(invalidations()).toBe(1);
  });

  it('records unchanged heartbeats of many hosts with one UPDATE, without making the handlers wait', async () => {
    const { sut, statements, registered } = setup();
    for (const h of ['h1', 'h2', 'h3']) {
      await sut.report(h, 'fake', resources);
      registered.add(h);
    }
    statements.length = 0;
    for (const h of ['h1', 'h2', 'h3']) await sut.report(h, 'fake', resources);
    expect(statements).toEqual([]);
    await jest.advanceTimersByTimeAsync(HEARTBEAT_FLUSH_MS);
    expect(statements).toEqual([{ sql: expect.stringContaining('WHERE host = ANY($1)'), params: [['h1', 'h2', 'h3']] }]);
  });

  it('registers a host again when its row was gone at the batched UPDATE', async () => {
    const { sut, statements, synced } = setup();
    await sut.report('h1', 'fake', resources);
    await sut.report('h1', 'fake', resources);
    await jest.advanceTimersByTimeAsync(HEARTBEAT_FLUSH_MS);
    statements.length = 0;
    await sut.report('h1', 'fake', resources);
    expect(statements[0].sql).toContain('INSERT INTO compute.compute_services');
    expect(synced).toEqual(['h1', 'h1']);
  });

  it('syncs the provider again when a host reports different resources', async () => {
    const { sut, synced, registered } = setup();
    await sut.report('h1', 'fake', resources);
    registered.add('h1');
    await sut.report('h1', 'fake', { ...resources, vcpus: 8 });
    expect(synced).toEqual(['h1', 'h1']);
  });
});
