import { RunningAgent, startAgent } from '../../src/services/agent/agent.runtime';
import { FakeDriver } from '../../src/services/agent/drivers/fake.driver';
import { DataUrlService } from '../../src/services/image/data-urls.service';
import { uploadContainerImage } from '../utils/compute-fixtures';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until } from '../utils/until';

jest.setTimeout(120000);

const ZUN = { 'OpenStack-API-Version': 'container 1.40' };
const CAPTURE_MS = 1500;

/**
 * The fast variant of container-ops.e2e-spec.ts, on a fake host whose captures take a while: what
 * a capture in progress refuses, and who may upload image data through the signed URLs.
 */
describe('container verbs and image capture on a fake host', () => {
  let t: TestBerth;
  let admin: string;
  let imageId: string;
  let agent: RunningAgent;

  const zun = (method: 'get' | 'post', path: string) => t.http()[method](`/container/v1${path}`).set('X-Auth-Token', admin).set(ZUN);
  const nova = (method: 'get' | 'post', path: string, mv = '2.45') =>
    t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', admin).set('X-OpenStack-Nova-API-Version', mv);
  const glance = (path: string) => t.http().get(`/image/v2${path}`).set('X-Auth-Token', admin);
  const putData = (url: string, body: Buffer) => t.http().put(url.slice(t.url.length)).set('content-type', 'application/octet-stream').send(body);

  async function waitStatus(id: string, status: string) {
    return until(`container ${id} to be ${status}`, async () => {
      const c = (await zun('get', `/containers/${id}`)).body;
      return c?.status === status && c.task_state === null ? c : undefined;
    });
  }

  async function run(name: string, command: string[] = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done']): Promise<string> {
    const res = await zun('post', '/containers?run=true').send({ name, image: imageId, command, memory: '64' });
    expect(res.status).toBe(202);
    await waitStatus(res.body.uuid, 'Running');
    return res.body.uuid;
  }

  beforeAll(async () => {
    t = await startTestBerth();
    admin = await t.adminToken();
    const driver = new FakeDriver({ resources: { vcpus: 4, memoryMb: 4096, diskGb: 40 }, kinds: ['container'], delayMs: { snapshot: CAPTURE_MS } });
    agent = await startAgent({ bus: t.berth.bus, host: 'fake-ops', driver, reportIntervalMs: 500, syncIntervalMs: 60000 });
    await until('the fake host to register', async () => {
      const res = await t.http().get('/compute/v2.1/os-hypervisors').set('X-Auth-Token', admin);
      return res.body.hypervisors?.length === 1 ? true : undefined;
    });
    imageId = await uploadContainerImage(t);
  });

  afterAll(async () => {
    await agent?.stop();
    await t?.close();
  });

  it('a container being captured refuses other actions with 409 until its image is active', async () => {
    const id = await run('busy');
    const res = await zun('post', `/containers/${id}/commit?repository=busy-snap`);
    expect(res.status).toBe(202);
    const snapId = res.body.uuid as string;
    const server = (await nova('get', `/servers/${id}`)).body.server;
    expect(server).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': 'image_snapshot' });
    expect((await glance(`/images/${snapId}`)).body).toMatchObject({ status: 'queued', name: 'busy-snap', tags: ['latest'] });
    for (const req of [
      zun('post', `/containers/${id}/stop`), zun('post', `/containers/${id}/kill`), zun('post', `/containers/${id}/commit?repository=again`),
      nova('post', `/servers/${id}/action`).send({ createImage: { name: 'again' } }),
      nova('post', `/servers/${id}/action`).send({ reboot: { type: 'HARD' } }),
    ]) {
      expect((await req).status).toBe(409);
    }
    // Reads still answer.
    expect((await zun('get', `/containers/${id}/top`)).status).toBe(200);
    await until('the snapshot to be active', async () => ((await glance(`/images/${snapId}`)).body.status === 'active' ? true : undefined));
    await waitStatus(id, 'Running');
    expect((await zun('post', `/containers/${id}/stop`)).status).toBe(202);
  });

  it('captures a fake container\'s files too: what exec wrote is in the container booted from the commit', async () => {
    const id = await run('writer');
    const write = await zun('post', `/containers/${id}/execute?command=${encodeURIComponent("sh -c 'echo fake-hi > /marker'")}`);
    expect(write.body).toEqual({ output: '', exit_code: 0 });
    const snap = await nova('post', `/servers/${id}/action`, '2.1').send({ createImage: { name: 'writer-snap' } });
    expect(snap.status).toBe(202);
    const snapId = /\/image\/v2\/images\/([0-9a-f-]{36})$/.exec(snap.headers.location)![1];
    await until('the snapshot to be active', async () => ((await glance(`/images/${snapId}`)).body.status === 'active' ? true : undefined));
    const copy = await zun('post', '/containers?run=true').send({ name: 'reader', image: 'writer-snap', command: ['sleep', '1000'] });
    await waitStatus(copy.body.uuid, 'Running');
    const read = await zun('post', `/containers/${copy.body.uuid}/execute?command=${encodeURIComponent('cat /marker')}`);
    expect(read.body).toEqual({ output: 'fake-hi\n', exit_code: 0 });
  });

  it('kill, top and stats answer Zun\'s bodies; stats follow the container\'s memory', async () => {
    const id = await run('verbs');
    expect((await zun('get', `/containers/${id}/top`)).body).toEqual({ Titles: ['PID', 'USER', 'COMMAND'], Processes: [['1', 'root', expect.stringContaining('trap')]] });
    expect((await zun('get', `/containers/${id}/stats`)).body).toMatchObject({ CONTAINER: 'verbs', 'MEM LIMIT(MiB)': 64, 'MEM USAGE(MiB)': 8, 'MEM %': 12.5 });
    expect((await zun('get', `/containers/${id}/stats?x=1`)).status).toBe(400);
    expect((await zun('post', `/containers/${id}/kill?signal=sigterm`)).status).toBe(202);
    await waitStatus(id, 'Stopped');
  });

  it('takes image data only through a signed upload URL: for that image, for uploads, unexpired, once', async () => {
    const created = await t.http().post('/image/v2/images').set('X-Auth-Token', admin).send({ name: 'signed', container_format: 'docker', disk_format: 'raw' });
    const id = created.body.id as string;
    const urls = t.berth.app.get(DataUrlService);
    const data = Buffer.from('captured bytes');
    const other = created.body.id.replace(/^.{8}/, '00000000');
    for (const url of [await urls.sign(id), await urls.signUpload(id, -5), (await urls.signUpload(other)).replace(other, id)]) {
      const res = await putData(url, data);
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
      expect(res.body).toMatchObject({ code: 403 });
    }
    const url = await urls.signUpload(id);
    expect((await putData(url, data)).status).toBe(204);
    expect((await glance(`/images/${id}`)).body).toMatchObject({ status: 'active', size: data.length });
    expect((await putData(url, data)).status).toBe(409);
    // An upload URL is no download URL.
    expect((await t.http().get(url.slice(t.url.length))).status).toBe(403);
  });
});
