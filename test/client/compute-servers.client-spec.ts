/**
 * Client compatibility for servers: the real `openstack` CLI against `berth all-in-one` with its
 * local host and two fake hosts (embedded store, in-process bus).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOsEnv, BerthProcess, startAllInOne } from '../utils/berth-process';
import { fails, ok, okJson } from '../utils/openstack-cli';

jest.setTimeout(240_000);

describe('openstack CLI: servers, hypervisors and compute services', () => {
  let dataDir: string;
  let berth: BerthProcess;
  let admin: Record<string, string>;
  const v = (mv: string) => ['--os-compute-api-version', mv];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-servers-'));
    berth = await startAllInOne({ dataDir, args: ['--fake-hosts', '2'], env: { BERTH_ADMIN_PASSWORD: 'cli-servers-admin', BERTH_LOG_LEVEL: 'warn' } });
    admin = adminOsEnv(dataDir);
    const archive = join(dataDir, 'app.tar');
    writeFileSync(archive, Buffer.alloc(4096, 7));
    await ok(['image', 'create', '--container-format', 'docker', '--disk-format', 'raw', '--file', archive, 'app'], admin);
    await ok(['flavor', 'create', '--ram', '256', '--disk', '1', '--vcpus', '1', 'm1.tiny'], admin);
  });

  afterAll(async () => {
    await berth?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a server with --wait, then lists and shows it by name', async () => {
    const created = await okJson([...v('2.37'), 'server', 'create', '--flavor', 'm1.tiny', '--image', 'app', '--nic', 'none', '--wait', 'vm1'], admin);
    expect(created.status).toBe('ACTIVE');
    const list = await okJson(['server', 'list'], admin);
    expect(list).toEqual([expect.objectContaining({ Name: 'vm1', Status: 'ACTIVE', Image: 'app', Flavor: 'm1.tiny' })]);
    const shown = await okJson(['server', 'show', 'vm1'], admin);
    expect(shown).toMatchObject({ name: 'vm1', status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active' });
    const latest = await okJson([...v('2.latest'), 'server', 'show', 'vm1'], admin);
    expect(latest.flavor).toMatchObject({ original_name: 'm1.tiny', vcpus: 1, ram: 256 });
  });

  it('stops, starts and reboots it, and the event list records each action', async () => {
    await ok(['server', 'stop', 'vm1'], admin);
    for (let i = 0; i < 50 && (await okJson(['server', 'show', 'vm1'], admin)).status !== 'SHUTOFF'; i++) await new Promise((r) => setTimeout(r, 200));
    expect((await okJson(['server', 'show', 'vm1'], admin)).status).toBe('SHUTOFF');
    await ok(['server', 'start', 'vm1'], admin);
    for (let i = 0; i < 50 && (await okJson(['server', 'show', 'vm1'], admin)).status !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 200));
    await ok(['server', 'reboot', '--hard', 'vm1'], admin);
    for (let i = 0; i < 50 && (await okJson(['server', 'show', 'vm1'], admin)).status !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 200));
    const events = await okJson(['server', 'event', 'list', 'vm1'], admin);
    expect(events.map((e: { Action: string }) => e.Action)).toEqual(['reboot', 'start', 'stop', 'create']);
    const log = await ok(['console', 'log', 'show', 'vm1'], admin);
    expect(typeof log).toBe('string');
  });

  it('snapshots a server with server image create --wait, and boots a server from the snapshot', async () => {
    const image = await okJson(['server', 'image', 'create', '--wait', '--name', 'vm1-snap', '--property', 'purpose=cli', 'vm1'], admin);
    expect(image).toMatchObject({ name: 'vm1-snap', status: 'active', container_format: 'docker', disk_format: 'raw', visibility: 'private' });
    expect(JSON.stringify(image.properties)).toMatch(/purpose.*cli/);
    expect(JSON.stringify(image.properties)).toMatch(/image_type.*snapshot/);
    const events = await okJson(['server', 'event', 'list', 'vm1'], admin);
    expect(events[0]).toMatchObject({ Action: 'createImage' });
    const booted = await okJson([...v('2.37'), 'server', 'create', '--flavor', 'm1.tiny', '--image', 'vm1-snap', '--nic', 'none', '--wait', 'vm1-copy'], admin);
    expect(booted).toMatchObject({ status: 'ACTIVE', image: expect.stringContaining('vm1-snap') });
    await ok(['server', 'delete', '--wait', 'vm1-copy'], admin);
  });

  it('lists hypervisors and compute services, and disables a host with a reason', async () => {
    const hypervisors = await okJson(['hypervisor', 'list'], admin);
    expect(hypervisors).toHaveLength(3);
    const services = await okJson(['compute', 'service', 'list'], admin);
    expect(services.map((s: { State: string }) => s.State)).toEqual(['up', 'up', 'up']);
    const fake = services.find((s: { Host: string }) => /-fake-1$/.test(s.Host));
    await ok(['compute', 'service', 'set', '--disable', '--disable-reason', 'maintenance', fake.Host, 'nova-compute'], admin);
    const after = await okJson(['compute', 'service', 'list', '--long'], admin);
    expect(after.find((s: { Host: string }) => s.Host === fake.Host)).toMatchObject({ Status: 'disabled', 'Disabled Reason': 'maintenance' });
    await ok(['compute', 'service', 'set', '--enable', fake.Host, 'nova-compute'], admin);
  });

  it('refuses a server with an unknown flavor and deletes with --wait', async () => {
    const bad = await fails([...v('2.37'), 'server', 'create', '--flavor', 'no-such-flavor', '--image', 'app', '--nic', 'none', 'vm2'], admin);
    expect(bad.stderr).toMatch(/no-such-flavor/i);
    await ok(['server', 'delete', '--wait', 'vm1'], admin);
    expect(await okJson(['server', 'list'], admin)).toEqual([]);
  });
});
