/**
 * Client compatibility for flavors, quotas, limits, usage and availability zones: the real
 * `openstack` CLI (Debian's python3-openstackclient 6.0) against `berth all-in-one` from dist/.
 * Commands that also call the volume and network APIs are checked request by request from
 * `--debug`: `quota show` and `limits show` must be served in full; `availability zone list` may
 * see network's 404 for an extension looked up by name (the client then lists them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOsEnv, BerthProcess, startAllInOne } from '../utils/berth-process';
import { CliResult, describeRun, openstack } from '../utils/openstack-cli';

jest.setTimeout(180_000);

const ADMIN_PASSWORD = 'cli-flavors-admin-pw';

interface Exchange { method: string; url: string; status: number }

/** The HTTP exchanges keystoneauth logs with --debug: `REQ: curl -g -i -X GET URL ...` then `RESP: [404] ...`. */
function exchanges(stderr: string, base: string): Exchange[] {
  const out: Exchange[] = [];
  let pending: { method: string; url: string } | undefined;
  for (const line of stderr.split('\n')) {
    const req = /^REQ: curl -g -i -X (\w+) "?([^"\s]+(?: Zone)?)"?/.exec(line);
    if (req) { pending = { method: req[1], url: req[2].replace(base, '') }; continue; }
    const resp = /^RESP: \[(\d{3})\]/.exec(line);
    if (resp && pending) { out.push({ ...pending, status: Number(resp[1]) }); pending = undefined; }
  }
  return out;
}

const show = (xs: Exchange[]) => xs.map((x) => `${x.method} ${x.url} -> ${x.status}`);
const isOtherService = (x: Exchange) => x.url.startsWith('/volume/') || x.url.startsWith('/networking/');

describe('openstack CLI: flavors, quotas, limits, usage, availability zones', () => {
  let dataDir: string;
  let berth: BerthProcess;
  let admin: Record<string, string>;
  let projectId: string;
  let flavorId: string;

  async function run(args: string[]): Promise<CliResult & { log: Exchange[] }> {
    const r = await openstack(['--debug', ...args], admin);
    return { ...r, log: exchanges(r.stderr, berth.url) };
  }
  async function okJson<T = any>(args: string[]): Promise<{ body: T; log: Exchange[] }> {
    const r = await run([...args, '-f', 'json']);
    if (r.code !== 0) throw new Error(describeRun(args, r));
    return { body: JSON.parse(r.stdout) as T, log: r.log };
  }

  /**
   * For a command that also needs the volume/network APIs: every compute request succeeded, and
   * if the command failed, only volume or network requests did (listed in the failure message).
   */
  function expectOnlyOtherServicesFailed(args: string[], r: CliResult & { log: Exchange[] }, computePath: string): Exchange[] {
    const compute = r.log.filter((x) => x.url.startsWith('/compute/'));
    expect(show(compute)).toContainEqual(`GET ${computePath} -> 200`);
    const failed = r.log.filter((x) => x.status >= 400);
    expect({ failedOutsideVolumeAndNetwork: show(failed.filter((x) => !isOtherService(x))) }).toEqual({ failedOutsideVolumeAndNetwork: [] });
    if (r.code !== 0) expect({ command: args.join(' '), failed: show(failed) }).toEqual({ command: args.join(' '), failed: expect.arrayContaining([expect.stringMatching(/^GET \/(volume|networking)\//)]) });
    return failed;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-flavors-'));
    berth = await startAllInOne({ dataDir, env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, BERTH_LOG_LEVEL: 'warn' } });
    admin = adminOsEnv(dataDir);
    projectId = (await okJson(['token', 'issue'])).body.project_id;
  });

  afterAll(async () => {
    try {
      if (berth) await berth.stop(15_000);
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('flavor create --ram 512 --disk 1 --vcpus 1 m1.tiny (POST with "id": null, 200)', async () => {
    const { body, log } = await okJson(['flavor', 'create', '--ram', '512', '--disk', '1', '--vcpus', '1', 'm1.tiny']);
    expect(body).toEqual(expect.objectContaining({ name: 'm1.tiny', ram: 512, disk: 1, vcpus: 1, 'os-flavor-access:is_public': true, properties: {} }));
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    flavorId = body.id;
    expect(show(log)).toContainEqual('POST /compute/v2.1/flavors -> 200');
  });

  it('flavor list (detail at 2.61, then os-extra_specs for the flavor with none)', async () => {
    const { body, log } = await okJson<Array<Record<string, unknown>>>(['flavor', 'list']);
    expect(body).toEqual([{ ID: flavorId, Name: 'm1.tiny', RAM: 512, Disk: 1, Ephemeral: 0, VCPUs: 1, 'Is Public': true }]);
    expect(show(log)).toEqual(expect.arrayContaining([
      'GET /compute/v2.1/flavors/detail?is_public=True -> 200',
      `GET /compute/v2.1/flavors/${flavorId}/os-extra_specs -> 200`,
    ]));
  });

  it('flavor show m1.tiny (the name in the id slot is a 404, then the list)', async () => {
    const { body, log } = await okJson(['flavor', 'show', 'm1.tiny']);
    expect(body).toEqual(expect.objectContaining({ id: flavorId, name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1, properties: {} }));
    expect(show(log)).toContainEqual('GET /compute/v2.1/flavors/m1.tiny -> 404');
  });

  it('flavor set --property quota:cpu_shares=512 m1.tiny; flavor unset; a bad value is refused', async () => {
    const set = await run(['flavor', 'set', '--property', 'quota:cpu_shares=512', 'm1.tiny']);
    expect({ code: set.code, stderr: set.code ? set.stderr.slice(-2000) : '' }).toEqual({ code: 0, stderr: '' });
    expect(show(set.log)).toContainEqual(`POST /compute/v2.1/flavors/${flavorId}/os-extra_specs -> 200`);
    const { body } = await okJson(['flavor', 'show', 'm1.tiny']);
    expect(body.properties).toEqual({ 'quota:cpu_shares': '512' });
    // flavor unset deletes one key (DELETE .../os-extra_specs/{key})
    const setTwo = await run(['flavor', 'set', '--property', 'hw:cpu_policy=shared', 'm1.tiny']);
    expect(setTwo.code).toBe(0);
    const unset = await run(['flavor', 'unset', '--property', 'hw:cpu_policy', 'm1.tiny']);
    expect({ code: unset.code, stderr: unset.code ? unset.stderr.slice(-2000) : '' }).toEqual({ code: 0, stderr: '' });
    expect(show(unset.log)).toContainEqual(`DELETE /compute/v2.1/flavors/${flavorId}/os-extra_specs/hw:cpu_policy -> 200`);
    expect((await okJson(['flavor', 'show', 'm1.tiny'])).body.properties).toEqual({ 'quota:cpu_shares': '512' });
    const bad = await run(['flavor', 'set', '--property', 'quota:cpu_shares=lots', 'm1.tiny']);
    expect(bad.code).not.toBe(0);
    expect(show(bad.log)).toContainEqual(`POST /compute/v2.1/flavors/${flavorId}/os-extra_specs -> 400`);
  });

  it('quota show: compute, volume and network quotas, every request served', async () => {
    const r = await run(['quota', 'show', '-f', 'json']);
    expect({ code: r.code, failed: show(r.log.filter((x) => x.status >= 400)) }).toEqual({ code: 0, failed: [] });
    expect(show(r.log)).toEqual(expect.arrayContaining([
      `GET /compute/v2.1/os-quota-sets/${projectId} -> 200`, `GET /volume/v3/${projectId}/os-quota-sets/${projectId}?usage=False -> 200`,
    ]));
    expect(JSON.parse(r.stdout)).toEqual(expect.objectContaining({ instances: 10, cores: 20, ram: 51200, volumes: 10, gigabytes: 1000, snapshots: 10 }));
  });

  it('quota set and quota list --compute (compute only) work end to end', async () => {
    const set = await run(['quota', 'set', '--instances', '20', '--cores', '40', 'admin']);
    expect({ code: set.code, stderr: set.code ? set.stderr.slice(-2000) : '' }).toEqual({ code: 0, stderr: '' });
    const { body } = await okJson<Array<{ Resource: string; 'In Use': number; Limit: number }>>(['quota', 'list', '--compute', '--detail', '--project', 'admin']);
    expect(body).toEqual(expect.arrayContaining([
      { Resource: 'instances', 'In Use': 0, Reserved: 0, Limit: 20 },
      { Resource: 'cores', 'In Use': 0, Reserved: 0, Limit: 40 },
      { Resource: 'ram', 'In Use': 0, Reserved: 0, Limit: 51200 },
    ]));
    const list = await okJson<Array<Record<string, unknown>>>(['quota', 'list', '--compute']);
    expect(list.body).toEqual([expect.objectContaining({ 'Project ID': projectId, Instances: 20, Cores: 40 })]);
  });

  it('limits show --absolute: compute and volume limits, every request served', async () => {
    const r = await run(['limits', 'show', '--absolute', '-f', 'json']);
    expect({ code: r.code, failed: show(r.log.filter((x) => x.status >= 400)) }).toEqual({ code: 0, failed: [] });
    expect(show(r.log)).toEqual(expect.arrayContaining(['GET /compute/v2.1/limits -> 200', `GET /volume/v3/${projectId}/limits -> 200`]));
    const rows = JSON.parse(r.stdout) as Array<{ Name: string; Value: number }>;
    expect(rows).toEqual(expect.arrayContaining([
      { Name: 'maxTotalInstances', Value: 20 }, { Name: 'totalCoresUsed', Value: 0 }, { Name: 'maxTotalVolumes', Value: 10 }, { Name: 'totalGigabytesUsed', Value: 0 },
    ]));
  });

  it('availability zone list (compute and volume zones; network has no zones extension)', async () => {
    const args = ['availability', 'zone', 'list', '-f', 'json'];
    const r = await run(args);
    expectOnlyOtherServicesFailed(args, r, '/compute/v2.1/os-availability-zone/detail');
    expect(show(r.log)).toContainEqual(`GET /volume/v3/${projectId}/os-availability-zone -> 200`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toContainEqual({ 'Zone Name': 'nova', 'Zone Status': 'available' });
  });

  it('usage list (os-simple-tenant-usage over the last 4 weeks, detailed)', async () => {
    const { body, log } = await okJson<unknown[]>(['usage', 'list']);
    expect(body).toEqual([]);
    expect(show(log)).toContainEqual(expect.stringMatching(/^GET \/compute\/v2\.1\/os-simple-tenant-usage\?start=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}&end=\S+&detailed=1 -> 200$/));
  });

  it('flavor delete m1.tiny; then flavor show fails', async () => {
    const del = await run(['flavor', 'delete', 'm1.tiny']);
    expect({ code: del.code, stderr: del.code ? del.stderr.slice(-2000) : '' }).toEqual({ code: 0, stderr: '' });
    expect(show(del.log)).toContainEqual(`DELETE /compute/v2.1/flavors/${flavorId} -> 202`);
    const gone = await openstack(['flavor', 'show', 'm1.tiny'], admin);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/No Flavor found for m1\.tiny|could not be found/i);
  });
});
