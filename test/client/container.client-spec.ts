/**
 * Client compatibility for containers: the real `openstack appcontainer` (python3-zunclient)
 * against `berth all-in-one` with fake hosts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOsEnv, BerthProcess, startAllInOne } from '../utils/berth-process';
import { fails, ok, okJson, openstack } from '../utils/openstack-cli';

jest.setTimeout(240_000);

describe('openstack CLI: appcontainer (zunclient)', () => {
  let dataDir: string;
  let berth: BerthProcess;
  let admin: Record<string, string>;

  async function waitStatus(name: string, status: string) {
    for (let i = 0; i < 100; i++) {
      const c = await okJson(['appcontainer', 'show', name], admin);
      if (c.status === status && !c.task_state) return c;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`container ${name} did not become ${status}`);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-containers-'));
    berth = await startAllInOne({ dataDir, args: ['--fake-hosts', '2'], env: { BERTH_ADMIN_PASSWORD: 'cli-containers-admin', BERTH_LOG_LEVEL: 'warn' } });
    admin = adminOsEnv(dataDir);
    const archive = join(dataDir, 'app.tar');
    writeFileSync(archive, Buffer.alloc(4096, 7));
    await ok(['image', 'create', '--container-format', 'docker', '--disk-format', 'raw', '--file', archive, 'app'], admin);
  });

  afterAll(async () => {
    await berth?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs, lists, shows, execs in, reads the logs of and force-deletes a container', async () => {
    // `-f json` goes before the image: the command is argparse.REMAINDER.
    const run = JSON.parse(await ok(['appcontainer', 'run', '-f', 'json', '--name', 'c1', 'app', 'sh', '-c', 'echo started c1; sleep 1000'], admin));
    expect(run).toMatchObject({ name: 'c1', command: ['sh', '-c', 'echo started c1; sleep 1000'] });
    const shown = await waitStatus('c1', 'Running');
    expect(shown.uuid).toBe(run.uuid);
    const list = await okJson(['appcontainer', 'list'], admin);
    expect(list).toEqual([expect.objectContaining({ uuid: run.uuid, name: 'c1', status: 'Running' })]);
    const servers = await okJson(['server', 'list'], admin);
    expect(servers.map((s: { ID: string }) => s.ID)).toEqual([run.uuid]);
    const exec = await ok(['appcontainer', 'exec', 'c1', 'echo', 'hello', 'world'], admin);
    expect(exec).toContain('hello world');
    const lsRoot = await ok(['appcontainer', 'exec', 'c1', 'ls', '/'], admin).catch((e: Error) => e.message);
    expect(lsRoot).toMatch(/ls/);
    const logs = await ok(['appcontainer', 'logs', 'c1'], admin);
    expect(logs).toContain('started c1');
    // zunclient reports a failed delete on stdout and exits 0.
    expect(await ok(['appcontainer', 'delete', 'c1'], admin)).toMatch(/HTTP 409/);
    await ok(['appcontainer', 'delete', '--force', 'c1'], admin);
    for (let i = 0; i < 100 && (await okJson(['appcontainer', 'list'], admin)).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await okJson(['appcontainer', 'list'], admin)).toEqual([]);
  });

  it('kills with a signal, lists processes, shows stats and commits a container into an image that runs', async () => {
    await ok(['appcontainer', 'run', '--name', 'c3', '--memory', '128', 'app', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'], admin);
    await waitStatus('c3', 'Running');

    const stats = await okJson(['appcontainer', 'stats', 'c3'], admin);
    expect(stats).toMatchObject({ CONTAINER: 'c3', 'MEM LIMIT(MiB)': 128, 'BLOCK I/O(B)': expect.stringMatching(/^\d+\/\d+$/) });
    expect(Object.keys(stats)).toEqual(expect.arrayContaining(['CPU %', 'MEM USAGE(MiB)', 'MEM %', 'NET I/O(B)']));

    // zunclient 4.5's top prints with Python 2's `print "%-20s" % x`, which fails on Python 3 after the
    // request succeeded; the answer is read from the debug log of the request instead.
    const top = await openstack(['--debug', 'appcontainer', 'top', 'c3'], admin);
    const answer = top.stderr.split(/GET \/container\/v1\/containers\/c3\/top\S* HTTP\/1.1" 200/)[1]?.match(/^RESP BODY: (.*)$/m)?.[1];
    expect(JSON.parse(answer ?? 'null')).toEqual({ Titles: ['PID', 'USER', 'COMMAND'], Processes: [['1', 'root', expect.stringContaining('while true')]] });

    // The command prints its outcome and exits 0 either way.
    expect(await ok(['appcontainer', 'kill', '--signal', 'SIGBOGUS', 'c3'], admin)).toMatch(/failed: .*SIGBOGUS/);
    expect(await ok(['appcontainer', 'kill', '--signal', 'SIGTERM', 'c3'], admin)).toMatch(/has been accepted/);
    await waitStatus('c3', 'Stopped');
    await ok(['appcontainer', 'start', 'c3'], admin);
    await waitStatus('c3', 'Running');
    await ok(['appcontainer', 'exec', 'c3', 'sh', '-c', 'echo from-cli > /marker'], admin);

    const committed = await ok(['appcontainer', 'commit', 'c3', 'c3-snap:v2'], admin);
    const snapId = /The image is ([0-9a-f-]{36})\./.exec(committed)?.[1];
    expect(snapId).toBeDefined();
    let image = await okJson(['image', 'show', snapId!], admin);
    for (let i = 0; i < 100 && image.status !== 'active'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      image = await okJson(['image', 'show', snapId!], admin);
    }
    expect(image).toMatchObject({ name: 'c3-snap', status: 'active', container_format: 'docker', disk_format: 'raw', tags: ['v2'] });
    await ok(['appcontainer', 'run', '--name', 'c4', 'c3-snap:v2', 'sleep', '1000'], admin);
    await waitStatus('c4', 'Running');
    expect(await ok(['appcontainer', 'exec', 'c4', 'cat', '/marker'], admin)).toContain('from-cli');

    await ok(['appcontainer', 'kill', 'c3', 'c4'], admin);
    await waitStatus('c3', 'Stopped');
    await waitStatus('c4', 'Stopped');
    await ok(['appcontainer', 'delete', 'c3', 'c4'], admin);
  });

  it('refuses an image glance does not have', async () => {
    const bad = await fails(['appcontainer', 'run', '--name', 'c2', 'nginx:latest', 'sleep', '1000'], admin);
    // zunclient prints errors[0].title; berth's zun fault body puts the status phrase there.
    expect(bad.stderr).toMatch(/HTTP 400/);
  });
});
