import { startFakeHosts, uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(120000);

const ZUN = { 'OpenStack-API-Version': 'container 1.40' };
const NOVA = { 'X-OpenStack-Nova-API-Version': '2.47' };

describe('containers (Zun v1) over compute instances, on fake hosts', () => {
  let t: TestBerth;
  let admin: string;
  let imageId: string;
  const agents: { stop(): Promise<void> }[] = [];

  const http = () => t.http();
  const zun = (method: 'get' | 'post' | 'patch' | 'delete', path: string, headers: Record<string, string> = ZUN) =>
    http()[method](`/container/v1${path}`).set('X-Auth-Token', admin).set(headers);

  async function waitStatus(id: string, status: string) {
    return until(`container ${id} to be ${status}`, async () => {
      const c = (await zun('get', `/containers/${id}`)).body;
      if (c?.status === 'Error' && status !== 'Error') throw new Error(`container went to Error: ${c.status_reason}`);
      return c?.status === status && c.task_state === null ? c : undefined;
    });
  }

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    agents.push(...(await startFakeHosts(t, ['zfake-a', 'zfake-b'])));
    imageId = await uploadContainerImage(t);
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await t?.close();
  });

  it('serves the version documents zunclient discovers, and refuses microversions outside 1.1-1.40', async () => {
    const root = await http().get('/container/').set('X-Auth-Token', admin).set('OpenStack-API-Version', 'container 1.1');
    expect(root.status).toBe(200);
    expect(root.body.versions[0]).toMatchObject({ id: 'v1', status: 'CURRENT', min_version: '1.1', max_version: '1.40' });
    expect(root.body.default_version.id).toBe('v1');
    expect(root.headers['openstack-api-version']).toBe('container 1.1');
    const v1 = await http().get('/container/v1').set('X-Auth-Token', admin);
    expect(v1.status).toBe(200);
    expect(v1.body.id).toBe('v1');
    const tooNew = await zun('get', '/containers', { 'OpenStack-API-Version': 'container 1.41' });
    expect(tooNew.status).toBe(406);
    expect(tooNew.body.errors[0].status).toBe(406);
    const tooOld = await zun('get', '/containers', { 'OpenStack-API-Version': 'container 1.0' });
    expect(tooOld.status).toBe(406);
  });

  it('runs a container from a glance image by name, visible as a server too, and drives it through its life', async () => {
    const res = await zun('post', '/containers?run=true').send({
      name: 'c1', image: 'busybox:latest', command: ['sh', '-c', 'echo hello from c1; sleep 1000'],
      environment: { GREETING: 'hi there' }, labels: { app: 'web' }, workdir: '/srv', cpu: 1, memory: '512',
      restart_policy: { Name: 'on-failure', MaximumRetryCount: '2' }, exposed_ports: { '80/tcp': {} },
      auto_remove: false, hints: {}, nets: [], mounts: [],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ name: 'c1', image: imageId, status: 'Creating', command: ['sh', '-c', 'echo hello from c1; sleep 1000'],
      environment: { GREETING: 'hi there' }, labels: { app: 'web' }, workdir: '/srv', cpu: 1, memory: '512M', ports: [80],
      restart_policy: { Name: 'on-failure', MaximumRetryCount: '2' } });
    const id = res.body.uuid as string;
    const running = await waitStatus(id, 'Running');
    expect(['zfake-a', 'zfake-b']).toContain(running.host);

    // One record: the same id is a container-kind server in Nova's API.
    const server = await http().get(`/compute/v2.1/servers/${id}`).set('X-Auth-Token', admin).set(NOVA);
    expect(server.status).toBe(200);
    expect(server.body.server).toMatchObject({ id, name: 'c1', status: 'ACTIVE', 'berth:kind': 'container' });
    expect(server.body.server.flavor).toMatchObject({ vcpus: 1, ram: 512 });
    const servers = await http().get('/compute/v2.1/servers').set('X-Auth-Token', admin).set(NOVA);
    expect(servers.body.servers.map((s: { id: string }) => s.id)).toContain(id);

    // List, show by name and by uuid.
    const list = await zun('get', '/containers');
    expect(list.status).toBe(200);
    expect(list.body.next).toBeNull();
    expect(list.body.containers.map((c: { uuid: string }) => c.uuid)).toContain(id);
    expect((await zun('get', '/containers/c1?all_projects=False')).body.uuid).toBe(id);
    expect((await zun('get', `/containers/${id}`)).body.name).toBe('c1');
    expect((await zun('get', '/containers/nope')).status).toBe(404);

    // exec: the command as a shell-quoted string in the query, through the agent.
    const exec = await zun('post', `/containers/c1/execute?command=${encodeURIComponent('"printenv" "GREETING"')}`).set('Content-Length', '0');
    expect(exec.status).toBe(200);
    expect(exec.body).toEqual({ output: 'hi there\n', exit_code: 0 });
    const failing = await zun('post', `/containers/c1/execute?command=${encodeURIComponent("sh -c 'exit 3'")}`);
    expect(failing.body).toEqual({ output: '', exit_code: 3 });

    // logs: a JSON string.
    const logs = await zun('get', '/containers/c1/logs?stdout=True&stderr=True&timestamps=False&tail=all');
    expect(logs.status).toBe(200);
    expect(logs.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(logs.text)).toContain('hello from c1');

    // Power actions.
    expect((await zun('post', '/containers/c1/stop')).status).toBe(202);
    await waitStatus(id, 'Stopped');
    expect((await zun('post', '/containers/c1/stop')).status).toBe(409);
    expect((await zun('post', '/containers/c1/start')).status).toBe(202);
    await waitStatus(id, 'Running');
    expect((await zun('post', '/containers/c1/pause')).status).toBe(202);
    await waitStatus(id, 'Paused');
    expect((await zun('post', '/containers/c1/unpause')).status).toBe(202);
    await waitStatus(id, 'Running');
    expect((await zun('post', '/containers/c1/reboot')).status).toBe(202);
    await waitStatus(id, 'Running');
    expect((await zun('post', '/containers/c1/kill')).status).toBe(202);
    await waitStatus(id, 'Stopped');
    expect((await zun('post', '/containers/c1/start')).status).toBe(202);
    await waitStatus(id, 'Running');

    // rename
    const renamed = await zun('post', '/containers/c1/rename?name=c1-renamed');
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ uuid: id, name: 'c1-renamed' });
    expect((await zun('get', '/containers/c1')).status).toBe(404);

    // Live update: the agent gets the limits, and the instance's flavor snapshot records them.
    const upd = await zun('patch', `/containers/${id}`).send({ cpu: 2, memory: '1G' });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ cpu: 2, memory: '1024M', status: 'Running' });
    const after = await http().get(`/compute/v2.1/servers/${id}`).set('X-Auth-Token', admin).set(NOVA);
    expect(after.body.server.flavor).toMatchObject({ vcpus: 2, ram: 1024 });
    const info = await zun('post', `/containers/${id}/execute?command=${encodeURIComponent('cat /etc/berth/container_info')}`);
    expect(JSON.parse(info.body.output)).toMatchObject({ cpus: 2, memory_mb: 1024 });
    expect((await zun('patch', `/containers/${id}`).send({ cpu: 1000 })).status).toBe(403);

    // Delete: a running container needs force or stop.
    const refused = await zun('delete', `/containers/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].status).toBe(409);
    expect((await zun('delete', `/containers/c1-renamed?force=True&stop=False&all_projects=False`)).status).toBe(204);
    await until('the container to go', async () => ((await zun('get', `/containers/${id}`)).status === 404 ? true : undefined));
    expect((await http().get(`/compute/v2.1/servers/${id}`).set('X-Auth-Token', admin).set(NOVA)).status).toBe(404);
  });

  it('answers 400 for an unknown image, with Zun\'s error body', async () => {
    const res = await zun('post', '/containers?run=true').send({ name: 'c2', image: 'nginx:latest', command: ['sleep', '1000'] });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].detail).toMatch(/nginx:latest could not be found/);
  });

  it('rejects ambiguous names with 409 and bad memory with 400', async () => {
    expect((await zun('post', '/containers').send({ name: 'c3', image: imageId, memory: 'lots' })).status).toBe(400);
    const a = await zun('post', '/containers?run=true').send({ name: 'dup', image: imageId, command: ['sleep', '1000'] });
    const b = await zun('post', '/containers?run=true').send({ name: 'dup', image: imageId, command: ['sleep', '1000'] });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect((await zun('get', '/containers/dup')).status).toBe(409);
    for (const id of [a.body.uuid, b.body.uuid]) {
      await waitStatus(id, 'Running');
      // zunclient's DELETE carries Content-Type: application/octet-stream and no body.
      expect((await zun('delete', `/containers/${id}?stop=True`).set('Content-Type', 'application/octet-stream')).status).toBe(204);
    }
  });
});
