import { randomUUID } from 'node:crypto';
import { ForbiddenError } from '../../src/common/errors/api-error';
import { QuotaService } from '../../src/services/compute/quotas/quota.service';
import { TestBerth, startTestBerth } from '../utils/test-berth';

jest.setTimeout(60000);

const NOVA = 'X-OpenStack-Nova-API-Version';
const DEFAULTS = {
  instances: 10, cores: 20, ram: 51200, metadata_items: 128, key_pairs: 100, server_groups: 10, server_group_members: 10,
  injected_files: 5, injected_file_content_bytes: 10240, injected_file_path_bytes: 255,
};
const NETWORK_LEFTOVERS = { fixed_ips: -1, floating_ips: -1, security_groups: -1, security_group_rules: -1 };

describe('compute quotas, limits, usage and availability zones on PostgreSQL and RabbitMQ', () => {
  let t: TestBerth;
  let admin: string;
  let adminProject: string;
  let projectA: string;
  let projectB: string;
  let alice: string; // member of A

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    adminProject = t.berth.bootstrap!.adminProjectId;
    const http = () => t.http();
    const mkProject = async (name: string) => (await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name } })).body.project.id as string;
    projectA = await mkProject('quotas-a');
    projectB = await mkProject('quotas-b');
    const memberRole = (await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin)).body.roles[0].id as string;
    const user = (await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name: 'q-alice', password: 'q-alice-password' } })).body.user.id;
    await http().put(`/identity/v3/projects/${projectA}/users/${user}/roles/${memberRole}`).set('X-Auth-Token', admin);
    alice = await t.token('q-alice', 'q-alice-password', 'quotas-a');
  });
  afterAll(async () => t?.close());

  const get = (path: string, token = admin, mv?: string) => {
    const r = t.http().get(`/compute/v2.1${path}`).set('X-Auth-Token', token);
    return mv ? r.set(NOVA, mv) : r;
  };
  const put = (path: string, body: unknown, token = admin, mv?: string) => {
    const r = t.http().put(`/compute/v2.1${path}`).set('X-Auth-Token', token);
    return (mv ? r.set(NOVA, mv) : r).send(body as object);
  };
  const del = (path: string, token = admin) => t.http().delete(`/compute/v2.1${path}`).set('X-Auth-Token', token);

  /** The servers API does not exist here yet: instance rows are written directly. */
  async function insertInstance(projectId: string, o: { vcpus?: number; memoryMb?: number; rootGb?: number; createdAt?: Date; deletedAt?: Date | null; name?: string; vmState?: string } = {}) {
    const id = randomUUID();
    const flavor = { id: 'f', name: 'm1.test', vcpus: o.vcpus ?? 1, memoryMb: o.memoryMb ?? 512, rootGb: o.rootGb ?? 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
    await t.berth.store.dataSource.query(
      `INSERT INTO compute.instances (id, name, project_id, user_id, kind, flavor, vm_state, created_at, deleted_at, terminated_at)
       VALUES ($1, $2, $3, 'u', 'container', $4, $5, $6, $7, $7)`,
      [id, o.name ?? `vm-${id.slice(0, 8)}`, projectId, JSON.stringify(flavor), o.vmState ?? 'active', o.createdAt ?? new Date(), o.deletedAt ?? null],
    );
    return id;
  }

  describe('os-quota-sets', () => {
    it('shows Nova\'s defaults to a member of the project, with the keys of each microversion', async () => {
      const v21 = await get(`/os-quota-sets/${projectA}`, alice);
      expect(v21.status).toBe(200);
      expect(v21.headers['openstack-api-version']).toBe('compute 2.1');
      expect(v21.headers['x-openstack-nova-api-version']).toBe('2.1');
      expect(v21.body).toEqual({ quota_set: { id: projectA, ...DEFAULTS, ...NETWORK_LEFTOVERS } });
      const v236 = await get(`/os-quota-sets/${projectA}`, alice, '2.36');
      expect(v236.body).toEqual({ quota_set: { id: projectA, ...DEFAULTS } });
      const v257 = (await get(`/os-quota-sets/${projectA}`, alice, '2.57')).body.quota_set;
      expect(Object.keys(v257).sort()).toEqual(['cores', 'id', 'instances', 'key_pairs', 'metadata_items', 'ram', 'server_group_members', 'server_groups']);
      expect((await get(`/os-quota-sets/${projectA}`, alice, '2.97')).status).toBe(406);
      expect((await get(`/os-quota-sets/${projectA}`, alice, '2.x')).status).toBe(400);
    });

    it('refuses a member another project\'s quotas (403), not its defaults', async () => {
      const res = await get(`/os-quota-sets/${projectB}`, alice);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ forbidden: { code: 403, message: 'Policy doesn\'t allow os_compute_api:os-quota-sets:show to be performed.' } });
      expect((await get(`/os-quota-sets/${projectB}/detail`, alice)).status).toBe(403);
      const defaults = await get(`/os-quota-sets/${projectB}/defaults`, alice, '2.36');
      expect(defaults.status).toBe(200);
      expect(defaults.body).toEqual({ quota_set: { id: projectB, ...DEFAULTS } });
      expect((await get(`/os-quota-sets/${projectB}`)).status).toBe(200);
    });

    it('updates (admin), shows the new limits, refuses unknown keys, and deletes back to the defaults (202)', async () => {
      const res = await put(`/os-quota-sets/${projectB}`, { quota_set: { instances: 5, cores: '-1', key_pairs: 3 } }, admin, '2.57');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ quota_set: { instances: 5, cores: -1, ram: 51200, metadata_items: 128, key_pairs: 3, server_groups: 10, server_group_members: 10 } });
      expect((await get(`/os-quota-sets/${projectB}`)).body.quota_set).toMatchObject({ id: projectB, instances: 5, cores: -1, key_pairs: 3 });

      expect((await put(`/os-quota-sets/${projectB}`, { quota_set: { widgets: 1 } })).status).toBe(400);
      expect((await put(`/os-quota-sets/${projectB}`, { quota_set: { instances: -2 } })).status).toBe(400);
      expect((await put(`/os-quota-sets/${projectB}`, { quota_set: { instances: 'many' } })).status).toBe(400);
      const gone = await put(`/os-quota-sets/${projectB}`, { quota_set: { floating_ips: 5 } }, admin, '2.36');
      expect(gone.status).toBe(400);
      expect(gone.body.badRequest.message).toContain('floating_ips');
      expect((await put(`/os-quota-sets/${projectB}`, { quota_set: { floating_ips: 5 } }, admin, '2.1')).body.quota_set.floating_ips).toBe(5);
      expect((await put(`/os-quota-sets/${projectB}`, { instances: 1 })).status).toBe(400);
      expect((await put(`/os-quota-sets/${projectA}`, { quota_set: { instances: 100 } }, alice)).status).toBe(403);
      expect((await del(`/os-quota-sets/${projectA}`, alice)).status).toBe(403);

      const reset = await del(`/os-quota-sets/${projectB}`);
      expect(reset.status).toBe(202);
      expect((await get(`/os-quota-sets/${projectB}`)).body).toEqual({ quota_set: { id: projectB, ...DEFAULTS, ...NETWORK_LEFTOVERS } });
    });

    it('details in_use, limit and reserved, and refuses a limit below usage unless forced', async () => {
      const p = randomUUID().replace(/-/g, '');
      await insertInstance(p, { vcpus: 2, memoryMb: 1024 });
      await insertInstance(p, { vcpus: 2, memoryMb: 1024 });
      await insertInstance(p, { vcpus: 8, memoryMb: 8192, deletedAt: new Date() });
      await t.berth.store.dataSource.query(`INSERT INTO compute.server_groups (id, name, policy, project_id, user_id) VALUES ($1, 'g', 'affinity', $2, 'u')`, [randomUUID(), p]);
      const detail = (await get(`/os-quota-sets/${p}/detail`, admin, '2.57')).body.quota_set;
      expect(detail).toEqual({
        id: p,
        instances: { in_use: 2, limit: 10, reserved: 0 },
        cores: { in_use: 4, limit: 20, reserved: 0 },
        ram: { in_use: 2048, limit: 51200, reserved: 0 },
        metadata_items: { in_use: 0, limit: 128, reserved: 0 },
        key_pairs: { in_use: 0, limit: 100, reserved: 0 },
        server_groups: { in_use: 1, limit: 10, reserved: 0 },
        server_group_members: { in_use: 0, limit: 10, reserved: 0 },
      });
      const below = await put(`/os-quota-sets/${p}`, { quota_set: { instances: 1 } });
      expect(below.status).toBe(400);
      expect(below.body.badRequest.message).toBe('Quota limit 1 for instances must be greater than or equal to already used and reserved 2.');
      const forced = await put(`/os-quota-sets/${p}`, { quota_set: { instances: 1, force: true } });
      expect(forced.status).toBe(200);
      expect(forced.body.quota_set.instances).toBe(1);
    });
  });

  describe('limits', () => {
    it('shows absolute limits and usage of the caller\'s project', async () => {
      await insertInstance(projectA, { vcpus: 3, memoryMb: 2048 });
      const res = await get('/limits', alice);
      expect(res.status).toBe(200);
      expect(res.headers['x-openstack-nova-api-version']).toBe('2.1');
      expect(res.body).toEqual({
        limits: {
          rate: [],
          absolute: {
            maxTotalInstances: 10, maxTotalCores: 20, maxTotalRAMSize: 51200, maxServerMeta: 128, maxImageMeta: 128,
            maxPersonality: 5, maxPersonalitySize: 10240, maxTotalKeypairs: 100, maxServerGroups: 10, maxServerGroupMembers: 10,
            maxTotalFloatingIps: -1, maxSecurityGroups: -1, maxSecurityGroupRules: -1, totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0,
            totalInstancesUsed: 1, totalCoresUsed: 3, totalRAMUsed: 2048, totalServerGroupsUsed: 0,
          },
        },
      });
      const v257 = (await get('/limits', alice, '2.57')).body.limits.absolute;
      expect(v257).not.toHaveProperty('maxPersonality');
      expect(v257).not.toHaveProperty('maxImageMeta');
      expect(v257).not.toHaveProperty('maxTotalFloatingIps');
      expect(v257.totalCoresUsed).toBe(3);
    });

    it('shows another project\'s limits to admins only (tenant_id)', async () => {
      const other = await get(`/limits?tenant_id=${projectA}`);
      expect(other.body.limits.absolute.totalCoresUsed).toBe(3);
      expect((await get(`/limits?tenant_id=${projectB}`, alice)).status).toBe(403);
    });
  });

  describe('os-simple-tenant-usage', () => {
    const fmt = (d: Date) => d.toISOString().slice(0, 19);

    it('gives zeros for a project with no instances in the window', async () => {
      const start = new Date(Date.now() - 3600_000);
      const end = new Date();
      const res = await get(`/os-simple-tenant-usage/${projectB}?start=${fmt(start)}&end=${fmt(end)}`, admin);
      expect(res.status).toBe(200);
      expect(res.headers['x-openstack-nova-api-version']).toBe('2.1');
      expect(res.headers['openstack-api-version']).toBe('compute 2.1');
      expect(res.body).toEqual({
        tenant_usage: {
          tenant_id: projectB, server_usages: [], total_local_gb_usage: 0, total_vcpus_usage: 0, total_memory_mb_usage: 0, total_hours: 0,
          start: `${fmt(start)}.000000`, stop: `${fmt(end)}.000000`,
        },
      });
      const list = await get(`/os-simple-tenant-usage?start=${fmt(start)}&end=${fmt(end)}&detailed=1`);
      expect(list.body.tenant_usages.find((u: { tenant_id: string }) => u.tenant_id === projectB)).toBeUndefined();
    });

    it('adds up hours of live and deleted instances inside the window, per tenant', async () => {
      const p = randomUUID().replace(/-/g, '');
      const base = Date.UTC(2030, 0, 1, 0, 0, 0);
      const at = (h: number) => new Date(base + h * 3600_000);
      const live = await insertInstance(p, { vcpus: 2, memoryMb: 1024, rootGb: 10, createdAt: at(-2), name: 'live' });
      const gone = await insertInstance(p, { vcpus: 1, memoryMb: 512, rootGb: 1, createdAt: at(1), deletedAt: at(3), name: 'gone' });
      await insertInstance(p, { createdAt: at(-10), deletedAt: at(-5), name: 'before' });
      await insertInstance(p, { createdAt: at(20), name: 'after' });
      const q = `start=${fmt(at(0))}&end=${fmt(at(10))}.500000`;
      const res = await get(`/os-simple-tenant-usage/${p}?${q}`);
      expect(res.status).toBe(200);
      const u = res.body.tenant_usage;
      expect(u.server_usages.map((s: { instance_id: string }) => s.instance_id)).toEqual([live, gone]);
      const [a, b] = u.server_usages;
      expect(a.hours).toBeCloseTo(10 + 0.5 / 3600, 9); // the window ends half a second after 10:00
      expect(a).toMatchObject({ name: 'live', vcpus: 2, memory_mb: 1024, local_gb: 10, tenant_id: p, flavor: 'm1.test', state: 'active', ended_at: null, started_at: '2029-12-31T22:00:00.000000' });
      expect(b).toMatchObject({ name: 'gone', hours: 2, state: 'terminated', ended_at: '2030-01-01T03:00:00.000000', uptime: 7200 });
      expect(u.total_hours).toBeCloseTo(12, 3);
      expect(u.total_vcpus_usage).toBeCloseTo(22, 3);
      expect(u.total_memory_mb_usage).toBeCloseTo(11264, 0);
      expect(u.total_local_gb_usage).toBeCloseTo(102, 2);
      expect(u.stop).toBe('2030-01-01T10:00:00.500000');

      const list = await get(`/os-simple-tenant-usage?${q}&detailed=1`);
      const mine = list.body.tenant_usages.find((x: { tenant_id: string }) => x.tenant_id === p);
      expect(mine.server_usages).toHaveLength(2);
      const brief = await get(`/os-simple-tenant-usage?${q}`);
      expect(brief.body.tenant_usages.find((x: { tenant_id: string }) => x.tenant_id === p)).not.toHaveProperty('server_usages');
    });

    it('lets a member read its own project only, and refuses bad windows with 400', async () => {
      expect((await get(`/os-simple-tenant-usage/${projectA}`, alice)).status).toBe(200);
      expect((await get(`/os-simple-tenant-usage/${projectB}`, alice)).status).toBe(403);
      expect((await get('/os-simple-tenant-usage', alice)).status).toBe(403);
      expect((await get('/os-simple-tenant-usage?start=yesterday')).status).toBe(400);
      const backwards = await get('/os-simple-tenant-usage?start=2030-01-02T00:00:00&end=2030-01-01T00:00:00');
      expect(backwards.body).toEqual({ badRequest: { code: 400, message: 'Invalid start time. The start time cannot occur after the end time.' } });
    });
  });

  describe('QuotaService.enforce', () => {
    it('lets exactly the quota through when 50 transactions race for one project', async () => {
      const quotas = t.berth.app.get(QuotaService);
      const p = randomUUID().replace(/-/g, '');
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => t.berth.store.dataSource.transaction(async (tx) => {
        await quotas.enforce(tx, p, { instances: 1, cores: 1, ram: 512 });
        await tx.query(
          `INSERT INTO compute.instances (id, name, project_id, user_id, kind, flavor, vm_state) VALUES ($1, $2, $3, 'u', 'container', $4, 'building')`,
          [randomUUID(), `race-${i}`, p, JSON.stringify({ id: 'f', name: 'f', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} })],
        );
      })));
      const [{ n }] = await t.berth.store.dataSource.query(`SELECT count(*)::int AS n FROM compute.instances WHERE project_id = $1`, [p]);
      expect(n).toBe(10);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      expect(rejected).toHaveLength(40);
      for (const r of rejected) {
        expect(r.reason).toBeInstanceOf(ForbiddenError);
        expect(r.reason.message).toBe('Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
      }
    });

    it('checks cores and ram too, honours -1, and must run inside a transaction', async () => {
      const quotas = t.berth.app.get(QuotaService);
      const ds = t.berth.store.dataSource;
      const p = randomUUID().replace(/-/g, '');
      await insertInstance(p, { vcpus: 16, memoryMb: 50000 });
      await expect(ds.transaction((tx) => quotas.enforce(tx, p, { instances: 1, cores: 8, ram: 4096 })))
        .rejects.toThrow('Quota exceeded for cores, ram: Requested 8, 4096, but already used 16, 50000 of 20, 51200 cores, ram');
      await put(`/os-quota-sets/${p}`, { quota_set: { cores: -1, ram: -1 } });
      await expect(ds.transaction((tx) => quotas.enforce(tx, p, { instances: 1, cores: 8, ram: 4096 }))).resolves.toBeUndefined();
      await expect(quotas.enforce(ds.manager, p, { instances: 1, cores: 1, ram: 1 })).rejects.toThrow('inside a transaction');
    });
  });

  describe('os-availability-zone', () => {
    it('lists the default zone as available before any host registers', async () => {
      const res = await get('/os-availability-zone', alice);
      expect(res.status).toBe(200);
      expect(res.headers['x-openstack-nova-api-version']).toBe('2.1');
      expect(res.body).toEqual({ availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }] });
      expect((await get('/os-availability-zone/detail')).body.availabilityZoneInfo).toEqual([{ zoneName: 'nova', zoneState: { available: true }, hosts: {} }]);
    });

    it('builds zones from compute services: up and enabled hosts in the detail (admin only)', async () => {
      const add = (host: string, zone: string, o: { disabled?: boolean; seenSecondsAgo?: number } = {}) => t.berth.store.dataSource.query(
        `INSERT INTO compute.compute_services (id, host, zone, disabled, last_seen_at, driver, hypervisor_type, hypervisor_version, host_ip)
         VALUES ($1, $2, $3, $4, now() - make_interval(secs => $5), 'fake', 'fake', '1', '127.0.0.1')`,
        [randomUUID(), host, zone, o.disabled ?? false, o.seenSecondsAgo ?? 0],
      );
      await add('az-up', 'nova');
      await add('az-stale', 'nova', { seenSecondsAgo: 600 });
      await add('az-off', 'nova', { disabled: true });
      await add('az-z2', 'z2', { disabled: true });
      const list = await get('/os-availability-zone', alice);
      expect(list.body.availabilityZoneInfo).toEqual([
        { zoneName: 'nova', zoneState: { available: true }, hosts: null },
        { zoneName: 'z2', zoneState: { available: false }, hosts: null },
      ]);
      const detail = await get('/os-availability-zone/detail');
      const [nova, z2] = detail.body.availabilityZoneInfo;
      expect(Object.keys(nova.hosts).sort()).toEqual(['az-stale', 'az-up']);
      expect(nova.hosts['az-up']['nova-compute']).toEqual({ available: true, active: true, updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/) });
      expect(nova.hosts['az-stale']['nova-compute']).toMatchObject({ available: false, active: true });
      expect(z2).toEqual({ zoneName: 'z2', zoneState: { available: false }, hosts: null });
      expect((await get('/os-availability-zone/detail', alice)).status).toBe(403);
    });
  });

  it('is reachable for the admin project too (the CLI\'s quota show)', async () => {
    expect((await get(`/os-quota-sets/${adminProject}`)).body.quota_set.id).toBe(adminProject);
  });
});
