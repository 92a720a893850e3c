/**
 * Client compatibility for the volume service: the real `openstack` CLI (python-cinderclient,
 * which sends no microversion header) against `berth all-in-one` (embedded store, in-process bus),
 * with volumes on the default shared pool under the data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOsEnv, BerthProcess, startAllInOne } from '../utils/berth-process';
import { fails, ok, okJson } from '../utils/openstack-cli';
import { until } from '../utils/until';

jest.setTimeout(300_000);

describe('openstack CLI: volumes, snapshots, volume types, quotas and limits', () => {
  let dataDir: string;
  let berth: BerthProcess;
  let admin: Record<string, string>;

  /** The CLI does not wait: poll `show` until the status leaves the transient one. */
  const settled = (kind: 'volume' | 'volume snapshot', name: string, transient: string) =>
    until(`${kind} ${name} to leave ${transient}`, async () => {
      const shown = await okJson([...kind.split(' '), 'show', name], admin);
      return shown.status === transient ? undefined : shown;
    }, 60_000, 500);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-volume-'));
    berth = await startAllInOne({ dataDir, env: { BERTH_ADMIN_PASSWORD: 'cli-volume-admin', BERTH_LOG_LEVEL: 'warn' } });
    admin = adminOsEnv(dataDir);
  });

  afterAll(async () => {
    await berth?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a volume, lists and shows it, and extends it with volume set --size', async () => {
    const created = await okJson(['volume', 'create', '--size', '1', 'v1'], admin);
    expect(created).toMatchObject({ name: 'v1', size: 1, status: 'creating', type: '__DEFAULT__', bootable: 'false', availability_zone: 'nova' });
    const shown = await settled('volume', 'v1', 'creating');
    expect(shown).toMatchObject({ id: created.id, status: 'available', 'os-vol-host-attr:host': 'berth@shared#shared', attachments: [] });
    expect((await stat(join(dataDir, 'volumes', 'shared', `volume-${created.id}`))).size).toBe(1024 ** 3);
    expect(await okJson(['volume', 'list'], admin)).toEqual([expect.objectContaining({ ID: created.id, Name: 'v1', Status: 'available', Size: 1 })]);

    await ok(['volume', 'set', '--size', '2', 'v1'], admin);
    expect(await settled('volume', 'v1', 'extending')).toMatchObject({ size: 2, status: 'available' });
    expect((await stat(join(dataDir, 'volumes', 'shared', `volume-${created.id}`))).size).toBe(2 * 1024 ** 3);
    const shrink = await fails(['volume', 'set', '--size', '1', 'v1'], admin);
    expect(shrink.stderr).toMatch(/New size must be greater than 2 GB/);
  });

  it('snapshots a volume; a volume with snapshots is not deleted', async () => {
    const snap = await okJson(['volume', 'snapshot', 'create', '--volume', 'v1', 's1'], admin);
    expect(snap).toMatchObject({ name: 's1', size: 2, status: 'creating' });
    expect(await settled('volume snapshot', 's1', 'creating')).toMatchObject({ status: 'available' });
    expect(await okJson(['volume', 'snapshot', 'list'], admin)).toEqual([expect.objectContaining({ Name: 's1', Status: 'available', Size: 2 })]);
    const refused = await fails(['volume', 'delete', 'v1'], admin);
    expect(refused.stderr).toMatch(/must not be migrating, attached, belong to a group, have snapshots.*\(HTTP 400\)/);
    await ok(['volume', 'snapshot', 'delete', 's1'], admin);
    await until('snapshot s1 gone', async () => ((await okJson(['volume', 'snapshot', 'list'], admin)).length === 0 ? true : undefined), 60_000, 500);
  });

  it('creates, lists and shows volume types with properties', async () => {
    const type = await okJson(['volume', 'type', 'create', '--description', 'on the shared pool', '--property', 'volume_backend_name=shared', 'fast'], admin);
    expect(type).toMatchObject({ name: 'fast', description: 'on the shared pool', is_public: true, properties: { volume_backend_name: 'shared' } });
    expect((await okJson(['volume', 'type', 'list'], admin)).map((t: { Name: string }) => t.Name).sort()).toEqual(['__DEFAULT__', 'fast']);
    expect(await okJson(['volume', 'type', 'show', 'fast'], admin)).toMatchObject({ id: type.id, name: 'fast', properties: { volume_backend_name: 'shared' } });
    const typed = await okJson(['volume', 'create', '--size', '1', '--type', 'fast', 'v2'], admin);
    expect(typed.type).toBe('fast');
    expect(await settled('volume', 'v2', 'creating')).toMatchObject({ status: 'available' });
  });

  it('deletes volumes', async () => {
    const id = (await okJson(['volume', 'show', 'v1'], admin)).id;
    await ok(['volume', 'delete', 'v1', 'v2'], admin);
    await until('volumes gone', async () => ((await okJson(['volume', 'list'], admin)).length === 0 ? true : undefined), 60_000, 500);
    await expect(stat(join(dataDir, 'volumes', 'shared', `volume-${id}`))).rejects.toThrow();
    await ok(['volume', 'type', 'delete', 'fast'], admin);
  });

  it('quota show and limits show --absolute include the volume service', async () => {
    const quota = await okJson(['quota', 'show'], admin);
    expect(quota).toMatchObject({ volumes: 10, snapshots: 10, gigabytes: 1000, 'per-volume-gigabytes': -1, backups: 10, instances: 10, networks: 100 });
    const limits = await okJson<Array<{ Name: string; Value: number }>>(['limits', 'show', '--absolute'], admin);
    expect(limits).toEqual(expect.arrayContaining([
      { Name: 'maxTotalVolumes', Value: 10 }, { Name: 'maxTotalVolumeGigabytes', Value: 1000 }, { Name: 'totalVolumesUsed', Value: 0 },
      { Name: 'totalGigabytesUsed', Value: 0 }, { Name: 'maxTotalInstances', Value: 10 },
    ]));
  });
});
