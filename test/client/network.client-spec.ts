/**
 * Client compatibility for the network service: the real `openstack` CLI (openstacksdk) against
 * `berth all-in-one` (embedded store, in-process bus).
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
    berth = await startAllInOne({ dataDir, env: { BERTH_ADMIN_PASSWORD: 'cli-network-admin', BERTH_LOG_LEVEL: 'warn' } });
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

  it('sets and lists network quotas', async () => {
    const project = (await okJson(['token', 'issue'], admin)).project_id;
    await ok(['quota', 'set', '--ports', '1000', '--networks', '20', project], admin);
    expect(await okJson(['quota', 'list', '--network'], admin)).toEqual([expect.objectContaining({ 'Project ID': project, Ports: 1000, Networks: 20, Subnets: 100 })]);
  });
});
