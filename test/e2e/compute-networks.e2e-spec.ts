import { startFakeHosts, uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(120000);

describe('servers on networks: ports made, taken over, shown, bound and given back by compute', () => {
  let t: TestBerth;
  let admin: string;
  let alice: string;
  let imageId: string;
  let flavorId: string;
  let net1: string;
  let sub1: string;
  const agents: { stop(): Promise<void> }[] = [];

  const nova = (method: 'get' | 'post' | 'delete', path: string, token = alice) =>
    t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', token).set('X-OpenStack-Nova-API-Version', '2.37');
  const neutron = (method: 'get' | 'post' | 'put', path: string, token = alice) => t.http()[method](`/networking/v2.0${path}`).set('X-Auth-Token', token);

  async function boot(name: string, networks: unknown): Promise<{ status: number; body: any }> {
    const res = await nova('post', '/servers').send({ server: { name, imageRef: imageId, flavorRef: flavorId, networks } });
    return { status: res.status, body: res.body };
  }
  async function settled(id: string) {
    return until(`${id} to settle`, async () => {
      const s = (await nova('get', `/servers/${id}`)).body.server;
      return ['ACTIVE', 'ERROR'].includes(s?.status) ? s : undefined;
    });
  }
  async function gone(id: string) {
    await until(`${id} to go`, async () => ((await nova('get', `/servers/${id}`)).status === 404 ? true : undefined));
  }

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    const http = () => t.http();
    const project = (await http().post('/identity/v3/projects').set('X-Auth-Token', admin).send({ project: { name: 'cn-a' } })).body.project.id;
    const member = (await http().get('/identity/v3/roles?name=member').set('X-Auth-Token', admin)).body.roles[0].id;
    const user = (await http().post('/identity/v3/users').set('X-Auth-Token', admin).send({ user: { name: 'cn-alice', password: 'cn-alice-password' } })).body.user.id;
    await http().put(`/identity/v3/projects/${project}/users/${user}/roles/${member}`).set('X-Auth-Token', admin);
    alice = await t.token('cn-alice', 'cn-alice-password', 'cn-a');
    agents.push(...(await startFakeHosts(t, ['cn-host'])));
    imageId = await uploadContainerImage(t);
    flavorId = (await nova('post', '/flavors', admin).send({ flavor: { name: 'cn.small', ram: 128, vcpus: 1, disk: 0, id: null } })).body.flavor.id;
    net1 = (await neutron('post', '/networks').send({ network: { name: 'net1' } })).body.network.id;
    sub1 = (await neutron('post', '/subnets').send({ subnet: { network_id: net1, ip_version: 4, cidr: '10.60.0.0/24' } })).body.subnet.id;
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await t?.close();
  });

  it('boots on a network: a port made for it, bound to its host, ACTIVE once running, in the server\'s addresses', async () => {
    const res = await boot('on-net', [{ uuid: net1 }]);
    expect(res.status).toBe(202);
    const s = await settled(res.body.server.id);
    expect(s.status).toBe('ACTIVE');
    const ports = (await neutron('get', `/ports?device_id=${s.id}`, admin)).body.ports;
    expect(ports).toHaveLength(1);
    expect(ports[0]).toMatchObject({ network_id: net1, device_owner: 'compute:nova', 'binding:host_id': 'cn-host', 'binding:vif_type': 'bridge' });
    await until('the port to be ACTIVE', async () => ((await neutron('get', `/ports/${ports[0].id}`)).body.port.status === 'ACTIVE' ? true : undefined));
    expect(s.addresses).toEqual({ net1: [{ version: 4, addr: ports[0].fixed_ips[0].ip_address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': ports[0].mac_address }] });
    expect((await nova('delete', `/servers/${s.id}`)).status).toBe(204);
    await gone(s.id);
    expect((await neutron('get', `/ports/${ports[0].id}`)).status).toBe(404);
  });

  it('takes a fixed IP or a user\'s port; a port in use is a 409; the user\'s port outlives the server, unbound', async () => {
    const fixed = await settled((await boot('fixed', [{ uuid: net1, fixed_ip: '10.60.0.50' }])).body.server.id);
    expect(fixed.addresses.net1[0].addr).toBe('10.60.0.50');
    const port = (await neutron('post', '/ports').send({ port: { network_id: net1, fixed_ips: [{ subnet_id: sub1, ip_address: '10.60.0.77' }] } })).body.port;
    const withPort = await settled((await boot('with-port', [{ port: port.id }])).body.server.id);
    expect(withPort.addresses.net1).toEqual([{ version: 4, addr: '10.60.0.77', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': port.mac_address }]);
    expect((await neutron('get', `/ports/${port.id}`)).body.port.device_id).toBe(withPort.id);
    const again = await boot('same-port', [{ port: port.id }]);
    expect(again.status).toBe(409);
    expect(again.body.conflictingRequest.message).toContain('is still in use');
    expect((await nova('delete', `/servers/${withPort.id}`)).status).toBe(204);
    await gone(withPort.id);
    const kept = (await neutron('get', `/ports/${port.id}`, admin)).body.port;
    expect(kept).toMatchObject({ device_id: '', device_owner: '', 'binding:host_id': '', mac_address: port.mac_address, fixed_ips: port.fixed_ips });
    expect((await nova('delete', `/servers/${fixed.id}`)).status).toBe(204);
    await gone(fixed.id);
  });

  it('refuses bad requests before creating anything', async () => {
    const before = (await nova('get', '/servers')).body.servers.length;
    const cases: [unknown, number, string][] = [
      [[{ uuid: 'not-a-uuid' }], 400, 'Bad networks format'],
      [[{ uuid: '00000000-0000-4000-8000-000000000000' }], 400, 'could not be found'],
      [[{ port: '00000000-0000-4000-8000-000000000000' }], 400, 'could not be found'],
      [[{ uuid: net1, fixed_ip: 'banana' }], 400, 'Invalid fixed IP'],
      [[{ uuid: net1, colour: 'red' }], 400, 'Additional properties'],
    ];
    for (const [networks, status, text] of cases) {
      const r = await boot('bad', networks);
      expect([JSON.stringify(networks), r.status]).toEqual([JSON.stringify(networks), status]);
      expect(JSON.stringify(r.body)).toContain(text);
    }
    const port = (await neutron('post', '/ports').send({ port: { network_id: net1 } })).body.port;
    const multi = await nova('post', '/servers').send({ server: { name: 'multi', imageRef: imageId, flavorRef: flavorId, networks: [{ port: port.id }], min_count: 2 } });
    expect(multi.status).toBe(400);
    expect((await nova('get', '/servers')).body.servers.length).toBe(before);
  });

  it('resolves "auto" to the project\'s only network, and answers 409 when it has several', async () => {
    const auto = await settled((await boot('auto', 'auto')).body.server.id);
    expect(Object.keys(auto.addresses)).toEqual(['net1']);
    await neutron('post', '/networks').send({ network: { name: 'net2' } });
    const ambiguous = await boot('ambiguous', 'auto');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.conflictingRequest.message).toBe('Multiple possible networks found, use a Network ID to be more specific.');
    expect((await nova('delete', `/servers/${auto.id}`)).status).toBe(204);
    await gone(auto.id);
  });

  it('ends a build whose network has no address left in ERROR, holding nothing', async () => {
    const tiny = (await neutron('post', '/networks').send({ network: { name: 'tiny' } })).body.network.id;
    await neutron('post', '/subnets').send({ subnet: { network_id: tiny, ip_version: 4, cidr: '10.61.0.0/30' } });
    const first = await settled((await boot('first', [{ uuid: tiny }])).body.server.id);
    expect(first.addresses.tiny[0].addr).toBe('10.61.0.2');
    const second = await settled((await boot('second', [{ uuid: tiny }])).body.server.id);
    expect(second.status).toBe('ERROR');
    expect(second.fault.message).toContain('No more IP addresses available');
    expect((await neutron('get', `/ports?device_id=${second.id}`, admin)).body.ports).toEqual([]);
    const rp = (await t.http().get('/placement/resource_providers?name=cn-host').set('X-Auth-Token', admin).set('OpenStack-API-Version', 'placement 1.39')).body.resource_providers[0].uuid;
    const usage = (await t.http().get(`/placement/resource_providers/${rp}/usages`).set('X-Auth-Token', admin).set('OpenStack-API-Version', 'placement 1.39')).body.usages;
    expect(usage.MEMORY_MB).toBe(128);
  });
});
