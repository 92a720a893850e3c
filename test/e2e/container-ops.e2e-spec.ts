import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningAgent, startAgent } from '../../src/services/agent/agent.runtime';
import { DockerDriver } from '../../src/services/agent/drivers/docker.driver';
import { EngineClient } from '../../src/services/agent/drivers/engine-client';
import { busyboxImage } from '../utils/busybox-image';
import { PodmanHost, startPodmanHost } from '../utils/podman-host';
import { TestBerth, startTestBerth } from '../utils/test-berth';
import { until as untilDefault } from '../utils/until';

const until = <T>(what: string, probe: () => Promise<T | undefined>) => untilDefault(what, probe, 60000, 200);

jest.setTimeout(240000);

const ZUN = { 'OpenStack-API-Version': 'container 1.40' };
const TRAPS_TERM = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];

/**
 * Zun's kill, top, stats and commit, and Nova's createImage, on real containers: a docker-driver
 * agent on Podman. The agent's periodic sync is off (60 s), so every state change seen here comes
 * from the agent's own reports.
 */
describe('container verbs and image capture on real containers (Podman)', () => {
  let t: TestBerth;
  let admin: string;
  let podman: PodmanHost;
  let agent: RunningAgent;
  let engine: EngineClient;
  let imageId: string;
  let flavorId: string;

  const zun = (method: 'get' | 'post' | 'delete', path: string) =>
    t.http()[method](`/container/v1${path}`).set('X-Auth-Token', admin).set(ZUN);
  const nova = (method: 'get' | 'post', path: string, mv = '2.45') =>
    t.http()[method](`/compute/v2.1${path}`).set('X-Auth-Token', admin).set('X-OpenStack-Nova-API-Version', mv);
  const glance = (path: string) => t.http().get(`/image/v2${path}`).set('X-Auth-Token', admin);
  const exec = async (id: string, command: string) => {
    const res = await zun('post', `/containers/${id}/execute?command=${encodeURIComponent(command)}`);
    expect(res.status).toBe(200);
    return res.body as { output: string; exit_code: number };
  };

  async function waitStatus(id: string, status: string) {
    return until(`container ${id} to be ${status}`, async () => {
      const c = (await zun('get', `/containers/${id}`)).body;
      if (c?.status === 'Error') throw new Error(`container went to Error: ${c.status_reason}`);
      return c?.status === status && c.task_state === null ? c : undefined;
    });
  }

  async function run(name: string, body: Record<string, unknown> = {}): Promise<string> {
    const res = await zun('post', '/containers?run=true').send({ name, image: imageId, command: TRAPS_TERM, memory: '64', ...body });
    expect(res.status).toBe(202);
    await waitStatus(res.body.uuid, 'Running');
    return res.body.uuid;
  }

  async function waitImage(id: string, status: string) {
    return until(`image ${id} to be ${status}`, async () => {
      const res = await glance(`/images/${id}`);
      if (res.body?.status === 'killed' && status !== 'killed') throw new Error(`image ${id} was killed`);
      return res.body?.status === status ? res.body : undefined;
    });
  }

  const inspect = (id: string) => engine.inspectContainer(`berth-${id}`);

  beforeAll(async () => {
    podman = await startPodmanHost('ops-1');
    engine = EngineClient.for(podman.dockerHost);
    t = await startTestBerth();
    admin = await t.adminToken();
    agent = await startAgent({ bus: t.berth.bus, host: 'pod-ops', driver: await DockerDriver.connect(podman.dockerHost, { infoDir: join(podman.dir, 'container-info') }), reportIntervalMs: 1000, syncIntervalMs: 60000 });
    await until('the host to register', async () => {
      const res = await t.http().get('/compute/v2.1/os-hypervisors').set('X-Auth-Token', admin);
      return res.body.hypervisors?.length === 1 ? true : undefined;
    });
    // Servers booted through Nova run the image's own command: one that stays up.
    const archive = await busyboxImage('berth-test/ops:1', TRAPS_TERM);
    const created = await t.http().post('/image/v2/images').set('X-Auth-Token', admin).send({ name: 'busybox', container_format: 'docker', disk_format: 'raw' });
    imageId = created.body.id;
    const up = await t.http().put(`/image/v2/images/${imageId}/file`).set('X-Auth-Token', admin).set('content-type', 'application/octet-stream')
      .send(readFileSync(archive.path));
    expect(up.status).toBe(204);
    flavorId = (await nova('post', '/flavors').send({ flavor: { name: 'c1.ops', ram: 128, vcpus: 1, disk: 1, id: null } })).body.flavor.id;
  });

  afterAll(async () => {
    await agent?.stop();
    await t?.close();
    await podman?.stop();
  });

  it('kill sends the signal: a bad one is 400, an ignored one changes nothing, SIGKILL stops the container', async () => {
    const id = await run('kill-1');
    const bad = await zun('post', `/containers/${id}/kill?signal=SIGBOGUS`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ status: 400, detail: expect.stringContaining('SIGBOGUS') });
    expect((await zun('post', `/containers/${id}/kill?signal=9&force=1`)).status).toBe(400);

    expect((await zun('post', `/containers/${id}/kill?signal=SIGHUP`)).status).toBe(202);
    expect((await zun('get', `/containers/${id}`)).body.status).toBe('Running');
    expect((await inspect(id)).State.Running).toBe(true);

    expect((await zun('post', `/containers/kill-1/kill?signal=SIGKILL`)).status).toBe(202);
    await waitStatus(id, 'Stopped');
    const state = (await inspect(id)).State;
    expect(state.Running).toBe(false);
    expect(state.ExitCode).toBe(137);
    expect((await nova('get', `/servers/${id}`)).body.server.status).toBe('SHUTOFF');
    const actions = (await nova('get', `/servers/${id}/os-instance-actions`)).body.instanceActions;
    expect(actions[0]).toMatchObject({ action: 'kill', message: null });

    const again = await zun('post', `/containers/${id}/kill`);
    expect(again.status).toBe(409);
    expect(again.body.errors[0].status).toBe(409);
  });

  it('a trapped SIGTERM ends the container too, as its own exit would', async () => {
    const id = await run('kill-2');
    expect((await zun('post', `/containers/${id}/kill?signal=TERM`)).status).toBe(202);
    await waitStatus(id, 'Stopped');
    expect((await inspect(id)).State.ExitCode).toBe(0);
  });

  it('top lists the container\'s processes and stats its use, with the flavor\'s memory as the limit', async () => {
    const id = await run('top-1', { memory: '96' });
    const top = await zun('get', `/containers/${id}/top`);
    expect(top.status).toBe(200);
    expect(top.body.Titles).toEqual(expect.arrayContaining(['PID']));
    expect(top.body.Processes.map((p: string[]) => p.join(' ')).join('\n')).toContain('while true; do sleep 1; done');
    const withArgs = await zun('get', `/containers/${id}/top?ps_args=pid,args`);
    expect(withArgs.body.Titles).toEqual(['PID', 'COMMAND']);
    expect((await zun('get', `/containers/${id}/top?ps_args=${encodeURIComponent('aux; reboot')}`)).status).toBe(400);

    const stats = await zun('get', `/containers/${id}/stats`);
    expect(stats.status).toBe(200);
    expect(Object.keys(stats.body).sort()).toEqual(['BLOCK I/O(B)', 'CONTAINER', 'CPU %', 'MEM %', 'MEM LIMIT(MiB)', 'MEM USAGE(MiB)', 'NET I/O(B)']);
    expect(stats.body).toMatchObject({ CONTAINER: 'top-1', 'MEM LIMIT(MiB)': 96 });
    expect(stats.body['MEM USAGE(MiB)']).toBeGreaterThan(0);
    expect(stats.body['MEM USAGE(MiB)']).toBeLessThan(96);
    expect(stats.body['BLOCK I/O(B)']).toMatch(/^\d+\/\d+$/);
    expect(stats.body['NET I/O(B)']).toMatch(/^\d+\/\d+$/);

    expect((await zun('post', `/containers/${id}/stop`)).status).toBe(202);
    await waitStatus(id, 'Stopped');
    expect((await zun('get', `/containers/${id}/top`)).status).toBe(409);
    expect((await zun('get', `/containers/${id}/stats`)).status).toBe(409);
  });

  it('commit captures the container into an active image that boots a new container with its files', async () => {
    const id = await run('commit-1');
    expect(await exec(id, "sh -c 'echo hi > /marker'")).toEqual({ output: '', exit_code: 0 });
    expect((await zun('post', `/containers/${id}/commit`)).status).toBe(400);
    const res = await zun('post', `/containers/${id}/commit?repository=snap-repo&tag=v1`);
    expect(res.status).toBe(202);
    const snapId = res.body.uuid as string;
    const image = await waitImage(snapId, 'active');
    const project = (await t.http().get('/identity/v3/projects?name=admin').set('X-Auth-Token', admin)).body.projects[0].id;
    expect(image).toMatchObject({
      name: 'snap-repo', container_format: 'docker', disk_format: 'raw', owner: project, tags: ['v1'],
      checksum: expect.stringMatching(/^[0-9a-f]{32}$/), os_hash_algo: 'sha512', os_hash_value: expect.stringMatching(/^[0-9a-f]{128}$/),
    });
    expect(image.size).toBeGreaterThan(0);
    await waitStatus(id, 'Running');
    expect((await engine.listImages()).filter((i) => !(i.RepoTags ?? []).some((tag) => tag.includes('berth/')))).toEqual([]);

    // By name and tag, as zunclient's run would give it.
    const copy = await run('commit-copy', { image: 'snap-repo:v1', command: ['sleep', '1000'] });
    expect(await exec(copy, 'cat /marker')).toEqual({ output: 'hi\n', exit_code: 0 });

    const actions = (await nova('get', `/servers/${id}/os-instance-actions`)).body.instanceActions;
    const commit = actions.find((a: { action: string }) => a.action === 'commit');
    const detail = (await nova('get', `/servers/${id}/os-instance-actions/${commit.request_id}`)).body.instanceAction;
    expect(detail.events).toEqual([expect.objectContaining({ event: 'compute_snapshot_instance', result: 'Success' })]);
  });

  it('Nova createImage does the same: image_id from 2.45, the Location header before, then boot from the snapshot', async () => {
    const res = await nova('post', '/servers').send({ server: { name: 'nova-snap-src', imageRef: imageId, flavorRef: flavorId, networks: 'none' } });
    const id = res.body.server.id as string;
    await waitStatus(id, 'Running');
    expect(await exec(id, "sh -c 'echo from-nova > /marker2'")).toMatchObject({ exit_code: 0 });
    const snap = await nova('post', `/servers/${id}/action`).send({ createImage: { name: 'nova-snap', metadata: { purpose: 'e2e' } } });
    expect(snap.status).toBe(202);
    const snapId = snap.body.image_id as string;
    const image = await waitImage(snapId, 'active');
    expect(image).toMatchObject({
      name: 'nova-snap', visibility: 'private', container_format: 'docker', disk_format: 'raw',
      image_type: 'snapshot', instance_uuid: id, base_image_ref: imageId, purpose: 'e2e',
    });
    await until('the server to finish the snapshot', async () => ((await nova('get', `/servers/${id}`)).body.server['OS-EXT-STS:task_state'] === null ? true : undefined));

    const old = await nova('post', `/servers/${id}/action`, '2.44').send({ createImage: { name: 'nova-snap-old' } });
    expect(old.status).toBe(202);
    expect(old.text).toBe('');
    const oldId = /\/image\/v2\/images\/([0-9a-f-]{36})$/.exec(old.headers.location)?.[1];
    expect(oldId).toBeDefined();
    await waitImage(oldId!, 'active');

    const booted = await nova('post', '/servers').send({ server: { name: 'from-snap', imageRef: snapId, flavorRef: flavorId, networks: 'none' } });
    expect(booted.status).toBe(202);
    await waitStatus(booted.body.server.id, 'Running');
    expect(await exec(booted.body.server.id, 'cat /marker2')).toEqual({ output: 'from-nova\n', exit_code: 0 });
  });

  it('a capture that fails leaves no image, frees the server and records the error', async () => {
    const id = await run('doomed');
    // The container goes away behind berth's back: the agent's commit fails.
    await engine.removeContainer(`berth-${id}`, { force: true });
    const snap = await nova('post', `/servers/${id}/action`).send({ createImage: { name: 'never-active' } });
    expect(snap.status).toBe(202);
    const snapId = snap.body.image_id as string;
    await until('the failed snapshot to be deleted', async () => ((await glance(`/images/${snapId}`)).status === 404 ? true : undefined));
    const listed = await glance('/images?name=never-active');
    expect(listed.body.images).toEqual([]);
    const server = await until('the server to be free again', async () => {
      const s = (await nova('get', `/servers/${id}`)).body.server;
      return s['OS-EXT-STS:task_state'] === null ? s : undefined;
    });
    expect(server.status).toBe('ACTIVE');
    const actions = (await nova('get', `/servers/${id}/os-instance-actions`)).body.instanceActions;
    expect(actions[0]).toMatchObject({ action: 'createImage', message: 'Error' });
  });
});
