/**
 * Client compatibility for the network service: the real `openstack` CLI (openstacksdk) against
 * `berth all-in-one` (embedded store, in-process bus).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOsEnv, BerthProcess, startAllInOne } from '../utils/berth-process';
import { fails, ok, okJson } from '../utils/openstack-cli';

jest.setTimeout(240_000);

describe('openstack CLI: networks, subnets, ports, security groups, floating IPs, quotas', () => {
  let dataDir: string;
  let berth: BerthProcess;
  let admin: Record<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-network-'));
    berth = await startAllInOne({ dataDir, args: ['--fake-hosts', '1'], env: { BERTH_ADMIN_PASSWORD: 'cli-network-admin', BERTH_LOG_LEVEL: 'warn' } });
    admin = adminOsEnv(dataDir);
  });

  afterAll(async () => {
    await berth?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a network and a subnet, and lists them by name', async () => {
    const net = await okJson(['network', 'create', 'net1'], admin);
    expect(net).toMatchObject({ name: 'net1', status: 'ACTIVE', admin_state_up: true, mtu: 1450 });
    const sub = await okJson(['subnet', 'create', '--network', 'net1', '--subnet-range', '10.0.0.0/24', 'sub1'], admin);
    expect(sub).toMatchObject({ name: 'sub1', cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1', network_id: net.id });
    const list = await okJson(['network', 'list'], admin);
    expect(list).toEqual([expect.objectContaining({ Name: 'net1', Subnets: [sub.id] })]);
    expect(await okJson(['subnet', 'list', '--network', 'net1'], admin)).toEqual([expect.objectContaining({ Name: 'sub1', Subnet: '10.0.0.0/24' })]);
  });

  it('creates a port with a chosen IP, shows it with its binding, and refuses a taken IP', async () => {
    const port = await okJson(['port', 'create', '--network', 'net1', '--fixed-ip', 'subnet=sub1,ip-address=10.0.0.10', 'p1'], admin);
    expect(port.fixed_ips).toEqual([expect.objectContaining({ ip_address: '10.0.0.10' })]);
    expect(port.mac_address).toMatch(/^fa:16:3e:/);
    const shown = await okJson(['port', 'show', 'p1'], admin);
    expect(shown).toMatchObject({ name: 'p1', binding_host_id: '', binding_vif_type: 'unbound', status: 'DOWN' });
    const taken = await fails(['port', 'create', '--network', 'net1', '--fixed-ip', 'subnet=sub1,ip-address=10.0.0.10', 'p2'], admin);
    expect(taken.stderr).toMatch(/already allocated/);
    await ok(['port', 'set', '--host', 'host-a', 'p1'], admin);
    expect((await okJson(['port', 'show', 'p1'], admin)).binding_host_id).toBe('host-a');
    expect((await okJson(['port', 'list', '--network', 'net1'], admin)).map((p: { Name: string }) => p.Name)).toEqual(['p1']);
    await ok(['port', 'delete', 'p1'], admin);
  });

  it('creates security groups and rules', async () => {
    const sg = await okJson(['security', 'group', 'create', '--description', 'web servers', 'web'], admin);
    expect(sg.name).toBe('web');
    const rule = await okJson(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '80', '--remote-ip', '0.0.0.0/0', 'web'], admin);
    expect(rule).toMatchObject({ protocol: 'tcp', port_range_min: 80, port_range_max: 80, direction: 'ingress' });
    const groups = await okJson(['security', 'group', 'list'], admin);
    expect(groups.map((g: { Name: string }) => g.Name).sort()).toEqual(['default', 'web']);
  });

  it('allocates a floating IP from an external network', async () => {
    await ok(['network', 'create', '--external', 'public'], admin);
    await ok(['subnet', 'create', '--network', 'public', '--subnet-range', '203.0.113.0/24', '--no-dhcp', 'public-sub'], admin);
    const fip = await okJson(['floating', 'ip', 'create', 'public'], admin);
    expect(fip.floating_ip_address).toBe('203.0.113.2');
    expect((await okJson(['floating', 'ip', 'list'], admin)).map((f: { 'Floating IP Address': string }) => f['Floating IP Address'])).toEqual(['203.0.113.2']);
    await ok(['floating', 'ip', 'delete', fip.id], admin);
  });

  it('boots servers on a port and on a network, shows their addresses, and maps a floating IP to one', async () => {
    const archive = join(dataDir, 'app.tar');
    writeFileSync(archive, Buffer.alloc(4096, 7));
    await ok(['image', 'create', '--container-format', 'docker', '--disk-format', 'raw', '--file', archive, 'app'], admin);
    await ok(['flavor', 'create', '--ram', '64', '--disk', '0', '--vcpus', '1', 'net.tiny'], admin);
    const port = await okJson(['port', 'create', '--network', 'net1', '--fixed-ip', 'subnet=sub1,ip-address=10.0.0.20', 'vm1-port'], admin);
    const vm1 = await okJson(['server', 'create', '--flavor', 'net.tiny', '--image', 'app', '--nic', `port-id=${port.id}`, '--wait', 'vm1'], admin);
    expect(vm1.status).toBe('ACTIVE');
    await okJson(['server', 'create', '--flavor', 'net.tiny', '--image', 'app', '--network', 'net1', 'vm2'], admin);
    for (let i = 0; i < 50 && (await okJson(['server', 'show', 'vm2'], admin)).status !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 200));
    const list = await okJson(['server', 'list'], admin);
    const networksOf = (name: string) => list.find((s: { Name: string }) => s.Name === name).Networks;
    expect(networksOf('vm1')).toEqual({ net1: ['10.0.0.20'] });
    expect(networksOf('vm2').net1).toHaveLength(1);
    const shownPort = await okJson(['port', 'show', 'vm1-port'], admin);
    expect(shownPort).toMatchObject({ device_id: vm1.id, device_owner: 'compute:nova', status: 'ACTIVE' });
    expect(shownPort.binding_host_id).toBeTruthy();

    const fip = await okJson(['floating', 'ip', 'create', 'public'], admin);
    await ok(['server', 'add', 'floating', 'ip', 'vm1', fip.floating_ip_address], admin);
    expect(await okJson(['floating', 'ip', 'show', fip.id], admin)).toMatchObject({ port_id: port.id, fixed_ip_address: '10.0.0.20' });
    await ok(['server', 'remove', 'floating', 'ip', 'vm1', fip.floating_ip_address], admin);
    expect((await okJson(['floating', 'ip', 'show', fip.id], admin)).port_id).toBeNull();

    await ok(['server', 'delete', '--wait', 'vm1'], admin);
    const kept = await okJson(['port', 'show', 'vm1-port'], admin);
    expect(kept).toMatchObject({ device_id: '', fixed_ips: port.fixed_ips, mac_address: port.mac_address });
  });

  it('sets and lists network quotas', async () => {
    const project = (await okJson(['token', 'issue'], admin)).project_id;
    await ok(['quota', 'set', '--ports', '1000', '--networks', '20', project], admin);
    expect(await okJson(['quota', 'list', '--network'], admin)).toEqual([expect.objectContaining({ 'Project ID': project, Ports: 1000, Networks: 20, Subnets: 100 })]);
  });
});
