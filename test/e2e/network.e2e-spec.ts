import { TestBerth, startTestBerth } from '../utils/test-berth';

jest.setTimeout(120000);

describe('network (Neutron v2.0): networks, subnets, IPAM, ports, bindings, security groups, floating IPs, quotas', () => {
  let t: TestBerth;
  let admin: string;
  let alice: string; // member of project A
  let bob: string; // member of project B
  let projectA: string;
  let projectB: string;

  const call = (method: 'get' | 'post' | 'put' | 'delete', path: string, token: string, body?: unknown) => {
    const r = t.http()[method](`/networking/v2.0${path}`).set('X-Auth-Token', token);
    return body === undefined ? r : r.send(body as object);
  };
  const neutronError = (res: { body: { NeutronError?: { type: string; message: string } } }) => res.body.NeutronError!;

  beforeAll(async () => {
    t = await startTestBerth({ services: ['identity', 'network'] });
    admin = await t.adminToken();
    const http = () => t.http();
    const memberRole = (await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin)).body.roles[0].id as string;
    const mk = async (project: string, user: string) => {
      const p = (await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: project } })).body.project.id;
      const u = (await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name: user, password: `${user}-password` } })).body.user.id;
      await http().put(`/identity/v3/projects/${p}/users/${u}/roles/${memberRole}`).set('X-Auth-Token', admin);
      return { p, token: await t.token(user, `${user}-password`, project) };
    };
    ({ p: projectA, token: alice } = await mk('net-a', 'net-alice'));
    ({ p: projectB, token: bob } = await mk('net-b', 'net-bob'));
  });
  afterAll(async () => t?.close());

  it('serves its version documents without a token and lists its extensions by alias', async () => {
    const root = await t.http().get('/networking/');
    expect(root.status).toBe(200);
    expect(root.body.versions[0]).toMatchObject({ id: 'v2.0', status: 'CURRENT' });
    const exts = (await call('get', '/extensions', alice)).body.extensions.map((e: { alias: string }) => e.alias);
    expect(exts).toEqual(expect.arrayContaining(['binding', 'binding-extended', 'external-net', 'provider', 'quotas', 'security-group']));
    expect((await call('get', '/extensions/binding-extended', alice)).body.extension.alias).toBe('binding-extended');
    const missing = await call('get', '/extensions/Availability%20Zone', alice);
    expect(missing.status).toBe(404);
    expect(neutronError(missing).type).toBeTruthy();
  });

  it('creates networks with segments; provider attributes are for admins; a used VLAN is a 409', async () => {
    const res = await call('post', '/networks', alice, { network: { name: 'net1', admin_state_up: true } });
    expect(res.status).toBe(201);
    expect(res.body.network).toMatchObject({ name: 'net1', project_id: projectA, tenant_id: projectA, status: 'ACTIVE', shared: false, 'router:external': false, mtu: 1450, subnets: [] });
    expect(res.body.network['provider:network_type']).toBeUndefined();
    const asAdmin = (await call('get', `/networks/${res.body.network.id}`, admin)).body.network;
    expect(asAdmin).toMatchObject({ 'provider:network_type': 'vxlan', 'provider:physical_network': null });
    expect(asAdmin['provider:segmentation_id']).toBeGreaterThan(0);

    const forbidden = await call('post', '/networks', alice, { network: { name: 'x', 'provider:network_type': 'vlan' } });
    expect(forbidden.status).toBe(403);
    expect(neutronError(forbidden).type).toBe('PolicyNotAuthorized');
    const vlan = await call('post', '/networks', admin, { network: { name: 'vlan100', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 100 } });
    expect(vlan.status).toBe(201);
    expect(vlan.body.network).toMatchObject({ mtu: 1500, 'provider:segmentation_id': 100 });
    expect((await call('post', '/networks', admin, { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 100 } })).status).toBe(409);
    for (const bad of [{ 'provider:network_type': 'gre' }, { 'provider:network_type': 'vlan', 'provider:physical_network': 'p', 'provider:segmentation_id': 5000 }, { name: 5 }, { colour: 'red' }]) {
      const r = await call('post', '/networks', admin, { network: bad });
      expect(r.status).toBe(400);
      expect(neutronError(r).message).toBeTruthy();
    }
    expect((await call('post', '/networks', alice, { nope: {} })).status).toBe(400);
    const other = await call('get', `/networks/${res.body.network.id}`, bob);
    expect(other.status).toBe(404);
    expect(neutronError(other).type).toBe('NetworkNotFound');
    expect((await call('get', '/networks?name=net1', bob)).body.networks).toEqual([]);
    expect((await call('get', '/networks?name=net1', alice)).body.networks).toHaveLength(1);
    expect((await call('get', '/networks?colour=red', alice)).status).toBe(400);
  });

  async function network(name: string, token = alice): Promise<string> {
    return (await call('post', '/networks', token, { network: { name } })).body.network.id;
  }

  it('validates subnets: CIDR, version, gateway, pools, overlaps; defaults the gateway and pools', async () => {
    const net = await network('subnets');
    const v4 = await call('post', '/subnets', alice, { subnet: { network_id: net, name: 'sub1', ip_version: 4, cidr: '10.0.0.0/24' } });
    expect(v4.status).toBe(201);
    expect(v4.body.subnet).toMatchObject({ cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1', allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }], enable_dhcp: true, ip_version: 4 });
    const v6 = await call('post', '/subnets', alice, { subnet: { network_id: net, ip_version: 6, cidr: '2001:db8::/64', ipv6_address_mode: 'dhcpv6-stateful' } });
    expect(v6.status).toBe(201);
    expect(v6.body.subnet).toMatchObject({ gateway_ip: '2001:db8::1', allocation_pools: [{ start: '2001:db8::2', end: '2001:db8::ffff:ffff:ffff:ffff' }] });
    expect((await call('get', `/networks/${net}`, alice)).body.network.subnets).toEqual([v4.body.subnet.id, v6.body.subnet.id]);

    const cases: [unknown, number, string?][] = [
      [{ network_id: net, ip_version: 4, cidr: '10.0.0.128/25' }, 400, 'InvalidInput'],
      [{ network_id: net, ip_version: 4, cidr: '10.1.0.1/24' }, 400],
      [{ network_id: net, ip_version: 4, cidr: 'banana' }, 400],
      [{ network_id: net, ip_version: 6, cidr: '10.2.0.0/24' }, 400],
      [{ network_id: net, ip_version: 4, cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.0.10', end: '10.3.1.20' }] }, 400, 'OutOfBoundsAllocationPool'],
      [{ network_id: net, ip_version: 4, cidr: '10.4.0.0/24', gateway_ip: '10.9.9.9' }, 400],
      [{ network_id: net, ip_version: 4, cidr: '10.5.0.0/24', gateway_ip: '10.5.0.20', allocation_pools: [{ start: '10.5.0.10', end: '10.5.0.30' }] }, 409, 'GatewayConflictWithAllocationPools'],
      [{ network_id: net, ip_version: 4, cidr: '10.6.0.0/24', allocation_pools: [{ start: '10.6.0.10', end: '10.6.0.30' }, { start: '10.6.0.20', end: '10.6.0.40' }] }, 409],
      [{ ip_version: 4, cidr: '10.7.0.0/24' }, 400],
      [{ network_id: '00000000-0000-0000-0000-000000000000', ip_version: 4, cidr: '10.8.0.0/24' }, 404, 'NetworkNotFound'],
    ];
    for (const [body, status, type] of cases) {
      const r = await call('post', '/subnets', alice, { subnet: body });
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), status]);
      if (type) expect(neutronError(r).type).toBe(type);
    }
    expect((await call('get', `/networks/${net}`, alice)).body.network.subnets).toHaveLength(2);
    expect((await call('post', '/subnets', bob, { subnet: { network_id: net, ip_version: 4, cidr: '10.9.0.0/24' } })).status).toBe(404);
  });

  it('allocates addresses atomically: exact, taken, gateway, outside, exhausted, and back to the pool on delete', async () => {
    const net = await network('ipam');
    const subnet = (await call('post', '/subnets', alice, { subnet: { network_id: net, ip_version: 4, cidr: '192.168.10.0/29' } })).body.subnet;
    const first = await call('post', '/ports', alice, { port: { network_id: net, name: 'p1' } });
    expect(first.status).toBe(201);
    expect(first.body.port).toMatchObject({ name: 'p1', status: 'DOWN', fixed_ips: [{ subnet_id: subnet.id, ip_address: '192.168.10.2' }], device_id: '', device_owner: '' });
    expect(first.body.port.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(first.body.port['binding:host_id']).toBeUndefined();
    const exact = await call('post', '/ports', alice, { port: { network_id: net, fixed_ips: [{ subnet_id: subnet.id, ip_address: '192.168.10.5' }] } });
    expect(exact.body.port.fixed_ips).toEqual([{ subnet_id: subnet.id, ip_address: '192.168.10.5' }]);
    const taken = await call('post', '/ports', alice, { port: { network_id: net, fixed_ips: [{ ip_address: '192.168.10.5' }] } });
    expect([taken.status, neutronError(taken).type]).toEqual([409, 'IpAddressAlreadyAllocated']);
    const gateway = await call('post', '/ports', alice, { port: { network_id: net, fixed_ips: [{ ip_address: '192.168.10.1' }] } });
    expect([gateway.status, neutronError(gateway).type]).toEqual([409, 'IpAddressAlreadyAllocated']);
    const outside = await call('post', '/ports', alice, { port: { network_id: net, fixed_ips: [{ subnet_id: subnet.id, ip_address: '192.168.11.5' }] } });
    expect([outside.status, neutronError(outside).type]).toEqual([400, 'InvalidIpForSubnet']);
    const broadcast = await call('post', '/ports', alice, { port: { network_id: net, fixed_ips: [{ subnet_id: subnet.id, ip_address: '192.168.10.7' }] } });
    expect(broadcast.status).toBe(400);
    // /29: .2–.6 usable; .2 and .5 are taken, so three more fit.
    const more = [];
    for (let i = 0; i < 3; i++) more.push((await call('post', '/ports', alice, { port: { network_id: net } })).body.port.fixed_ips[0].ip_address);
    expect(more.sort()).toEqual(['192.168.10.3', '192.168.10.4', '192.168.10.6']);
    const full = await call('post', '/ports', alice, { port: { network_id: net } });
    expect([full.status, neutronError(full).type]).toEqual([409, 'IpAddressGenerationFailure']);
    expect((await call('delete', `/ports/${exact.body.port.id}`, alice)).status).toBe(204);
    const again = await call('post', '/ports', alice, { port: { network_id: net } });
    expect(again.body.port.fixed_ips[0].ip_address).toBe('192.168.10.5');
    const inUse = await call('delete', `/networks/${net}`, alice);
    expect([inUse.status, neutronError(inUse).type]).toEqual([409, 'NetworkInUse']);
    const subnetInUse = await call('delete', `/subnets/${subnet.id}`, alice);
    expect([subnetInUse.status, neutronError(subnetInUse).type]).toEqual([409, 'SubnetInUse']);
  });

  it('gives 100 parallel port creates on a /25 100 distinct addresses', async () => {
    const net = await network('parallel');
    await call('post', '/subnets', alice, { subnet: { network_id: net, ip_version: 4, cidr: '172.16.0.0/25' } });
    const results = await Promise.all(Array.from({ length: 100 }, () => call('post', '/ports', alice, { port: { network_id: net } })));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(201));
    const ips = results.map((r) => r.body.port.fixed_ips[0].ip_address);
    expect(new Set(ips).size).toBe(100);
    const macs = results.map((r) => r.body.port.mac_address);
    expect(new Set(macs).size).toBe(100);
    const listed = (await call('get', `/ports?network_id=${net}`, alice)).body.ports;
    expect(listed).toHaveLength(100);
  });

  it('filters ports by device, network and fixed IP, pages with limit/marker, and trims with fields', async () => {
    const net = await network('filters');
    await call('post', '/subnets', alice, { subnet: { network_id: net, ip_version: 4, cidr: '10.20.0.0/24' } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call('post', '/ports', alice, { port: { network_id: net, device_id: `dev-${i % 2}`, device_owner: 'compute:nova' } })).body.port.id);
    expect((await call('get', '/ports?device_id=dev-1', alice)).body.ports.map((p: { id: string }) => p.id)).toEqual([ids[1], ids[3]]);
    const byIp = (await call('get', '/ports?fixed_ips=ip_address%3D10.20.0.4', alice)).body.ports;
    expect(byIp.map((p: { id: string }) => p.id)).toEqual([ids[2]]);
    const page1 = (await call('get', `/ports?network_id=${net}&limit=2`, alice)).body;
    expect(page1.ports).toHaveLength(2);
    const next = new URL(page1.ports_links[0].href);
    const page2 = (await call('get', `/ports?${next.searchParams.toString()}`, alice)).body;
    expect(page2.ports.map((p: { id: string }) => p.id)).toEqual(ids.slice(2, 4));
    const trimmed = (await call('get', `/ports?network_id=${net}&fields=id&fields=mac_address`, alice)).body.ports[0];
    expect(Object.keys(trimmed).sort()).toEqual(['id', 'mac_address']);
    expect((await call('get', `/ports?device_id=dev-1`, bob)).body.ports).toEqual([]);
    expect((await call('get', `/ports/${ids[0]}`, bob)).status).toBe(404);
  });

  it('keeps exactly one active binding: create, activate the destination, delete (admin only)', async () => {
    const net = await network('bindings');
    await call('post', '/subnets', alice, { subnet: { network_id: net, ip_version: 4, cidr: '10.30.0.0/24' } });
    const port = (await call('post', '/ports', alice, { port: { network_id: net } })).body.port;
    expect((await call('post', `/ports/${port.id}/bindings`, alice, { binding: { host: 'host-a' } })).status).toBe(403);
    const a = await call('post', `/ports/${port.id}/bindings`, admin, { binding: { host: 'host-a' } });
    expect(a.status).toBe(201);
    expect(a.body.binding).toMatchObject({ host: 'host-a', status: 'ACTIVE', vif_type: 'bridge', vnic_type: 'normal' });
    const b = await call('post', `/ports/${port.id}/bindings`, admin, { binding: { host: 'host-b', profile: { migrating_to: 'host-b' } } });
    expect(b.body.binding).toMatchObject({ host: 'host-b', status: 'INACTIVE', profile: { migrating_to: 'host-b' } });
    expect((await call('post', `/ports/${port.id}/bindings`, admin, { binding: { host: 'host-b' } })).status).toBe(409);
    expect((await call('get', `/ports/${port.id}`, admin)).body.port['binding:host_id']).toBe('host-a');
    const activated = await call('put', `/ports/${port.id}/bindings/host-b/activate`, admin);
    expect(activated.status).toBe(200);
    expect(activated.body.binding.status).toBe('ACTIVE');
    const all = (await call('get', `/ports/${port.id}/bindings`, admin)).body.bindings;
    expect(all.map((x: { host: string; status: string }) => [x.host, x.status])).toEqual([['host-a', 'INACTIVE'], ['host-b', 'ACTIVE']]);
    expect((await call('put', `/ports/${port.id}/bindings/host-b/activate`, admin)).status).toBe(409);
    const shown = (await call('get', `/ports/${port.id}`, admin)).body.port;
    expect(shown).toMatchObject({ 'binding:host_id': 'host-b', mac_address: port.mac_address, fixed_ips: port.fixed_ips });
    expect((await call('delete', `/ports/${port.id}/bindings/host-a`, admin)).status).toBe(204);
    expect((await call('get', `/ports/${port.id}/bindings/host-a`, admin)).status).toBe(404);
  });

  it('makes a default security group per project; rules are validated; groups in use stay', async () => {
    const groups = (await call('get', '/security-groups', bob)).body.security_groups;
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ name: 'default', project_id: projectB });
    expect(groups[0].security_group_rules.map((r: { direction: string; ethertype: string; remote_group_id: string | null }) => `${r.direction}/${r.ethertype}/${r.remote_group_id ? 'group' : 'any'}`).sort())
      .toEqual(['egress/IPv4/any', 'egress/IPv6/any', 'ingress/IPv4/group', 'ingress/IPv6/group']);
    const web = (await call('post', '/security-groups', bob, { security_group: { name: 'web', description: 'http' } })).body.security_group;
    const rule = await call('post', '/security-group-rules', bob, { security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' } });
    expect(rule.status).toBe(201);
    expect(rule.body.security_group_rule).toMatchObject({ protocol: 'tcp', port_range_min: 80, port_range_max: 80, ethertype: 'IPv4', remote_ip_prefix: '0.0.0.0/0' });
    const dup = await call('post', '/security-group-rules', bob, { security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' } });
    expect([dup.status, neutronError(dup).type]).toEqual([409, 'SecurityGroupRuleExists']);
    for (const bad of [
      { security_group_id: web.id, direction: 'sideways' },
      { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 90, port_range_max: 80 },
      { security_group_id: web.id, direction: 'ingress', protocol: 'banana' },
      { security_group_id: web.id, direction: 'ingress', port_range_min: 22 },
      { security_group_id: web.id, direction: 'ingress', ethertype: 'IPv6', remote_ip_prefix: '10.0.0.0/8' },
    ]) expect((await call('post', '/security-group-rules', bob, { security_group_rule: bad })).status).toBe(400);
    const net = await network('sg', bob);
    await call('post', '/subnets', bob, { subnet: { network_id: net, ip_version: 4, cidr: '10.40.0.0/24' } });
    const port = (await call('post', '/ports', bob, { port: { network_id: net, security_groups: [web.id] } })).body.port;
    expect(port.security_groups).toEqual([web.id]);
    const plain = (await call('post', '/ports', bob, { port: { network_id: net } })).body.port;
    expect(plain.security_groups).toEqual([groups[0].id]);
    const inUse = await call('delete', `/security-groups/${web.id}`, bob);
    expect([inUse.status, neutronError(inUse).type]).toEqual([409, 'SecurityGroupInUse']);
    expect((await call('post', '/ports', bob, { port: { network_id: net, security_groups: [groups[0].id], port_security_enabled: false } })).status).toBe(400);
    expect((await call('get', `/security-groups/${web.id}`, alice)).status).toBe(404);
  });

  it('allocates floating IPs on an external network and maps them to a port\'s fixed IP', async () => {
    const ext = (await call('post', '/networks', admin, { network: { name: 'public', 'router:external': true } })).body.network;
    await call('post', '/subnets', admin, { subnet: { network_id: ext.id, ip_version: 4, cidr: '203.0.113.0/24', enable_dhcp: false } });
    const net = await network('fip');
    await call('post', '/subnets', alice, { subnet: { network_id: net, ip_version: 4, cidr: '10.50.0.0/24' } });
    const port = (await call('post', '/ports', alice, { port: { network_id: net } })).body.port;
    const notExternal = await call('post', '/floatingips', alice, { floatingip: { floating_network_id: net } });
    expect(notExternal.status).toBe(400);
    const fip = await call('post', '/floatingips', alice, { floatingip: { floating_network_id: ext.id } });
    expect(fip.status).toBe(201);
    expect(fip.body.floatingip).toMatchObject({ floating_network_id: ext.id, floating_ip_address: '203.0.113.2', port_id: null, fixed_ip_address: null, project_id: projectA, router_id: null });
    const assoc = await call('put', `/floatingips/${fip.body.floatingip.id}`, alice, { floatingip: { port_id: port.id } });
    expect(assoc.body.floatingip).toMatchObject({ port_id: port.id, fixed_ip_address: port.fixed_ips[0].ip_address });
    const second = await call('post', '/floatingips', alice, { floatingip: { floating_network_id: ext.id, port_id: port.id } });
    expect([second.status, neutronError(second).type]).toEqual([409, 'FloatingIPPortAlreadyAssociated']);
    expect((await call('get', '/floatingips', bob)).body.floatingips).toEqual([]);
    const dis = await call('put', `/floatingips/${fip.body.floatingip.id}`, alice, { floatingip: { port_id: null } });
    expect(dis.body.floatingip).toMatchObject({ port_id: null, fixed_ip_address: null });
    expect((await call('delete', `/floatingips/${fip.body.floatingip.id}`, alice)).status).toBe(204);
    const reused = await call('post', '/floatingips', alice, { floatingip: { floating_network_id: ext.id } });
    expect(reused.body.floatingip.floating_ip_address).toBe('203.0.113.2');
    expect((await call('post', '/floatingips', alice, { floatingip: { floating_network_id: ext.id, floating_ip_address: '203.0.113.9' } })).status).toBe(403);
  });

  it('shows and sets quotas; a create over quota is a 409 OverQuota and nothing is created', async () => {
    const mine = await call('get', `/quotas/${projectB}`, bob);
    expect(mine.body.quota).toMatchObject({ network: 100, subnet: 100, port: 500, security_group: 10, security_group_rule: 100, floatingip: 50 });
    expect((await call('get', `/quotas/${projectA}`, bob)).status).toBe(403);
    expect((await call('put', `/quotas/${projectB}`, bob, { quota: { network: 1 } })).status).toBe(403);
    const used = (await call('get', `/quotas/${projectB}/details`, bob)).body.quota.network.used;
    const set = await call('put', `/quotas/${projectB}`, admin, { quota: { network: used + 1 } });
    expect(set.body.quota.network).toBe(used + 1);
    expect((await call('post', '/networks', bob, { network: { name: 'last' } })).status).toBe(201);
    const over = await call('post', '/networks', bob, { network: { name: 'one-too-many' } });
    expect([over.status, neutronError(over).type]).toEqual([409, 'OverQuota']);
    expect((await call('get', '/networks?name=one-too-many', bob)).body.networks).toEqual([]);
    expect((await call('put', `/quotas/${projectB}`, admin, { quota: { network: 'lots' } })).status).toBe(400);
    expect((await call('delete', `/quotas/${projectB}`, admin)).status).toBe(204);
    expect((await call('get', `/quotas/${projectB}`, bob)).body.quota.network).toBe(100);
  });
});
