/**
 * Client compatibility for the Placement API: Debian's osc-placement plugin of the `openstack`
 * CLI against `berth all-in-one` with two fake hosts (embedded store, in-process bus).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOsEnv, BerthProcess, startAllInOne } from '../utils/berth-process';
import { fails, ok, okJson } from '../utils/openstack-cli';

jest.setTimeout(240_000);

describe('openstack CLI (osc-placement): resource providers, inventories, usages, candidates', () => {
  let dataDir: string;
  let berth: BerthProcess;
  let admin: Record<string, string>;
  let rp: { uuid: string; name: string };
  const pv = (v: string) => ['--os-placement-api-version', v];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-placement-'));
    berth = await startAllInOne({ dataDir, args: ['--fake-hosts', '2'], env: { BERTH_ADMIN_PASSWORD: 'cli-placement-admin', BERTH_LOG_LEVEL: 'warn' } });
    admin = adminOsEnv(dataDir);
    const archive = join(dataDir, 'app.tar');
    writeFileSync(archive, Buffer.alloc(4096, 7));
    await ok(['image', 'create', '--container-format', 'docker', '--disk-format', 'raw', '--file', archive, 'app'], admin);
    await ok(['flavor', 'create', '--ram', '256', '--disk', '1', '--vcpus', '1', 'pl.tiny'], admin);
  });

  afterAll(async () => {
    await berth?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists resource providers (one per host) and shows one', async () => {
    const list = await okJson(['resource', 'provider', 'list'], admin);
    const fakes = list.filter((p: { name: string }) => /-fake-\d$/.test(p.name));
    expect(fakes).toHaveLength(2);
    rp = fakes[0];
    const shown = await okJson([...pv('1.14'), 'resource', 'provider', 'show', rp.uuid], admin);
    expect(shown).toMatchObject({ uuid: rp.uuid, name: rp.name, root_provider_uuid: rp.uuid });
  });

  it('lists, amends and shows inventories; a reservation takes the host out of the candidates', async () => {
    const inv = await okJson(['resource', 'provider', 'inventory', 'list', rp.uuid], admin);
    expect(inv.map((i: { resource_class: string }) => i.resource_class).sort()).toEqual(['DISK_GB', 'MEMORY_MB', 'VCPU']);
    const mem = inv.find((i: { resource_class: string }) => i.resource_class === 'MEMORY_MB');
    await ok(['resource', 'provider', 'inventory', 'set', '--amend', '--resource', `MEMORY_MB:reserved=${mem.total}`, rp.uuid], admin);
    const after = await okJson(['resource', 'provider', 'inventory', 'show', rp.uuid, 'MEMORY_MB'], admin);
    expect(after.reserved).toBe(mem.total);
    const cands = await okJson([...pv('1.10'), 'allocation', 'candidate', 'list', '--resource', 'MEMORY_MB=128'], admin);
    expect(cands.length).toBeGreaterThan(0);
    expect(cands.map((c: { 'resource provider': string }) => c['resource provider'])).not.toContain(rp.uuid);
  });

  it('shows a server\'s allocation, its host\'s usage and the project\'s usage', async () => {
    const server = await okJson(['--os-compute-api-version', '2.37', 'server', 'create', '--flavor', 'pl.tiny', '--image', 'app', '--nic', 'none', '--wait', 'pl1'], admin);
    const alloc = await okJson([...pv('1.12'), 'resource', 'provider', 'allocation', 'show', server.id], admin);
    expect(alloc).toHaveLength(1);
    expect(alloc[0].resources).toEqual({ VCPU: 1, MEMORY_MB: 256, DISK_GB: 1 });
    const usage = await okJson(['resource', 'provider', 'usage', 'show', alloc[0].resource_provider], admin);
    expect(usage).toEqual(expect.arrayContaining([{ resource_class: 'MEMORY_MB', usage: 256 }]));
    const project = (await okJson(['project', 'show', 'admin'], admin)).id;
    const projectUsage = await okJson([...pv('1.9'), 'resource', 'usage', 'show', project], admin);
    expect(projectUsage).toEqual(expect.arrayContaining([{ resource_class: 'VCPU', usage: 1 }]));
  });

  it('lists traits and resource classes, and reports an unknown provider', async () => {
    const traits = await okJson([...pv('1.6'), 'resource', 'provider', 'trait', 'list', rp.uuid], admin);
    expect(traits).toEqual(expect.arrayContaining([{ name: 'CUSTOM_BERTH_KIND_CONTAINER' }]));
    const classes = await okJson([...pv('1.2'), 'resource', 'class', 'list'], admin);
    expect(classes.map((c: { name: string }) => c.name)).toEqual(['VCPU', 'MEMORY_MB', 'DISK_GB']);
    const err = await fails(['resource', 'provider', 'show', '00000000-0000-0000-0000-000000000000'], admin);
    expect(err.stderr).toMatch(/No resource provider with uuid/);
  });
});
