import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ImageRef } from '../../../src/contracts/agent/agent.types';
import {
  DockerDriver, LABEL_FLAVOR, LABEL_INSTANCE, LABEL_MANAGED, LABEL_PROJECT, SAFE_CAPABILITIES, containerName,
} from '../../../src/services/agent/drivers/docker.driver';
import { filesOfDockerArchive } from '../../../src/services/agent/drivers/docker-archive';
import { LoadedImage } from '../../../src/services/agent/drivers/engine.driver';
import { engineDriverContract, readAll, readContainerInfo, testSpec } from '../../contracts/engine-driver.contract';
import { BusyboxImage, busyboxImage } from '../../utils/busybox-image';
import { PodmanHost, startPodmanHost } from '../../utils/podman-host';

jest.setTimeout(60_000);

/** Linux capability numbers (include/uapi/linux/capability.h) of what SAFE_CAPABILITIES names. */
const CAP_NUMBERS: Record<string, number> = {
  CHOWN: 0, DAC_OVERRIDE: 1, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7, SETPCAP: 8, NET_BIND_SERVICE: 10, SYS_CHROOT: 18,
};
const SAFE_MASK = SAFE_CAPABILITIES.reduce((m, c) => m | (1n << BigInt(CAP_NUMBERS[c])), 0n);

let host: PodmanHost;
let archive: BusyboxImage;

function imageRef(a: BusyboxImage = archive): ImageRef {
  return {
    id: randomUUID(), name: 'busybox', containerFormat: 'docker', diskFormat: 'raw', size: a.size, checksum: a.md5,
    dataUrl: 'http://image.invalid/not-used-by-the-driver',
  };
}

beforeAll(async () => {
  [host, archive] = await Promise.all([startPodmanHost('driver'), busyboxImage()]);
});

afterAll(async () => {
  await host?.stop();
});

/** The agent's directory of container_info files, as `berth agent` keeps it under its data directory. */
const infoDir = () => join(host.dir, 'container-info');

engineDriverContract(`${DockerDriver.name} on Podman`, async () => ({
  driver: await DockerDriver.connect(host.dockerHost, { stopTimeoutSec: 3, infoDir: infoDir() }),
  image: imageRef(),
  imageData: () => createReadStream(archive.path),
}), { timeoutMs: 20_000 });

describe(`${DockerDriver.name} on Podman: what the engine is told`, () => {
  let sut: DockerDriver;
  let ref: ImageRef;
  let image: LoadedImage;
  const made: string[] = [];

  /** Runs a shell snippet in the instance; its trimmed output. */
  const sh = async (id: string, script: string): Promise<string> => {
    const r = await sut.execute(id, ['sh', '-c', script]);
    expect(r.exitCode).toBe(0);
    return r.output.trim();
  };
  const cgroupValue = (id: string, v1: string, v2: string) =>
    sh(id, `cat /sys/fs/cgroup/${v2} 2>/dev/null || cat /sys/fs/cgroup/${v1}`);

  beforeAll(async () => {
    sut = await DockerDriver.connect(host.dockerHost, { stopTimeoutSec: 3, infoDir: infoDir() });
    ref = imageRef();
    image = await sut.loadImage(ref, createReadStream(archive.path));
  });

  afterAll(async () => {
    await Promise.all(made.map((id) => sut.destroy(id)));
  });

  it('creates the container with the flavor\'s limits, berth\'s labels and a locked-down security profile', async () => {
    const spec = testSpec(ref, {
      flavor: { id: 'f-1', name: 'm1.tiny', vcpus: 1, memoryMb: 64, diskGb: 1, cpuShares: 512, pidsLimit: 256 },
      labels: { app: 'web', [LABEL_MANAGED]: 'false' },
      workdir: '/tmp',
      exposedPorts: ['8080/tcp', '53/udp', '9000'],
      restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
    });
    made.push(spec.id);
    await sut.spawn(spec, image);

    const inspect = await sut.engine.inspectContainer(containerName(spec.id));
    const h = inspect.HostConfig;
    expect(inspect.Name.replace(/^\//, '')).toBe(`berth-${spec.id}`);
    expect(h.Memory).toBe(64 * 1024 * 1024);
    expect(h.MemorySwap).toBe(64 * 1024 * 1024);
    expect(h.NanoCpus).toBe(1e9);
    expect(h.CpuShares).toBe(512);
    expect(h.PidsLimit).toBe(256);
    expect(h.Privileged).toBe(false);
    expect(h.SecurityOpt).toContain('no-new-privileges');
    // Docker reports CapDrop as sent; Podman as the difference from its default set.
    const dropped = h.CapDrop ?? [];
    expect(dropped.includes('ALL') || ['NET_RAW', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP'].every((c) => dropped.includes(c) || dropped.includes(`CAP_${c}`))).toBe(true);
    expect(h.RestartPolicy).toMatchObject({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(inspect.Config.Labels).toMatchObject({
      [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: spec.id, [LABEL_PROJECT]: 'project-1', [LABEL_FLAVOR]: 'm1.tiny', app: 'web',
    });
    expect(inspect.Config.Env).toEqual(expect.arrayContaining(['BERTH_CPUS=1', 'BERTH_MEMORY_MB=64', 'GREETING=hello']));
    expect(inspect.Config.WorkingDir).toBe('/tmp');
    expect(Object.keys(inspect.Config.ExposedPorts ?? {}).sort()).toEqual(['53/udp', '8080/tcp', '9000/tcp']);

    // Inside: the real limits, the environment, the capabilities the processes hold, the cgroups.
    expect(await readContainerInfo(sut, spec.id)).toEqual({
      instance_id: spec.id, flavor: 'm1.tiny', flavor_id: 'f-1', cpus: 1, memory_mb: 64, disk_gb: 1, pids_limit: 256, cpu_shares: 512,
    });
    expect(await sh(spec.id, 'echo "$BERTH_CPUS/$BERTH_MEMORY_MB"; pwd')).toBe('1/64\n/tmp');
    const status = await sh(spec.id, 'grep -E "^Cap(Eff|Bnd):|^NoNewPrivs:" /proc/1/status');
    expect(BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(status)![1]}`)).toBe(SAFE_MASK);
    expect(BigInt(`0x${/CapBnd:\s+([0-9a-f]+)/.exec(status)![1]}`)).toBe(SAFE_MASK);
    expect(status).toMatch(/NoNewPrivs:\s+1/);
    expect(await cgroupValue(spec.id, 'memory/memory.limit_in_bytes', 'memory.max')).toBe(String(64 * 1024 * 1024));
    expect(await cgroupValue(spec.id, 'pids/pids.max', 'pids.max')).toBe('256');
  });

  it('changes limits live in the cgroups, and keeps them across stop/start and reboots', async () => {
    const spec = testSpec(ref);
    made.push(spec.id);
    await sut.spawn(spec, image);
    const memory = () => cgroupValue(spec.id, 'memory/memory.limit_in_bytes', 'memory.max');
    const pids = () => cgroupValue(spec.id, 'pids/pids.max', 'pids.max');
    const startedAt = (await sut.status(spec.id))!.startedAt;

    await sut.updateLimits(spec.id, { vcpus: 1, memoryMb: 96, diskGb: 1, pidsLimit: 300 });
    expect(await memory()).toBe(String(96 * 1024 * 1024));
    expect(await pids()).toBe('300');
    expect((await sut.status(spec.id))!.startedAt).toBe(startedAt);

    await sut.powerOff(spec.id);
    await sut.powerOn(spec.id);
    expect(await memory()).toBe(String(96 * 1024 * 1024));
    expect(await pids()).toBe('300');
    await sut.reboot(spec.id, 'HARD');
    expect(await memory()).toBe(String(96 * 1024 * 1024));
    await sut.reboot(spec.id, 'SOFT');
    expect(await memory()).toBe(String(96 * 1024 * 1024));
    expect(await readContainerInfo(sut, spec.id)).toMatchObject({ memory_mb: 96, pids_limit: 300 });
  });

  it('keeps container_info on the host, mounted read-only: a live update replaces it, a snapshot leaves it out, destroy removes it', async () => {
    const spec = testSpec(ref);
    made.push(spec.id);
    await sut.spawn(spec, image);
    const dir = join(infoDir(), spec.id);
    const inspect = await sut.engine.inspectContainer(containerName(spec.id));
    expect(inspect.Mounts).toEqual([expect.objectContaining({ Type: 'bind', Source: dir, Destination: '/etc/berth', RW: false })]);
    expect(await readContainerInfo(sut, spec.id)).toEqual(JSON.parse(readFileSync(join(dir, 'container_info'), 'utf8')));
    expect((await sut.execute(spec.id, ['sh', '-c', 'echo {} > /etc/berth/container_info'])).exitCode).not.toBe(0);

    await sut.updateLimits(spec.id, { vcpus: 1, memoryMb: 80, diskGb: 1 });
    expect(await readContainerInfo(sut, spec.id)).toMatchObject({ instance_id: spec.id, memory_mb: 80 });
    expect(await sh(spec.id, 'ls -a /etc/berth')).toBe('.\n..\ncontainer_info');

    const files = await filesOfDockerArchive(await sut.snapshot(spec.id, readAll));
    expect(Object.keys(files).filter((f) => f.startsWith('/etc/berth'))).toEqual([]);

    await sut.destroy(spec.id);
    expect(existsSync(dir)).toBe(false);
  });

  it('writes container_info again when its host directory was lost, so the instance still starts', async () => {
    const spec = testSpec(ref, { flavor: { id: 'f-2', name: 'm1.small', vcpus: 1, memoryMb: 72, diskGb: 2 } });
    made.push(spec.id);
    await sut.spawn(spec, image);
    await sut.powerOff(spec.id);
    rmSync(join(infoDir(), spec.id), { recursive: true });
    await sut.powerOn(spec.id);
    expect((await sut.status(spec.id))?.powerState).toBe('running');
    expect(await readContainerInfo(sut, spec.id)).toMatchObject({ instance_id: spec.id, flavor: 'm1.small', flavor_id: 'f-2', memory_mb: 72, disk_gb: 2 });
  });

  it('copies container_info into the container when the engine is on another machine (no host directory)', async () => {
    const remote = await DockerDriver.connect(host.dockerHost, { stopTimeoutSec: 3 });
    const spec = testSpec(ref);
    made.push(spec.id);
    await remote.spawn(spec, image);
    expect((await remote.engine.inspectContainer(containerName(spec.id))).Mounts ?? []).toEqual([]);
    expect(await readContainerInfo(remote, spec.id)).toMatchObject({ instance_id: spec.id, memory_mb: 64 });
    await remote.updateLimits(spec.id, { vcpus: 1, memoryMb: 88, diskGb: 1 });
    await remote.reboot(spec.id, 'HARD');
    expect(await readContainerInfo(remote, spec.id)).toMatchObject({ memory_mb: 88 });
    expect(await cgroupValue(spec.id, 'memory/memory.limit_in_bytes', 'memory.max')).toBe(String(88 * 1024 * 1024));
    await remote.close();
  });

  it('pins dedicated instances to whole host CPUs, spreading them over the least used', async () => {
    const cpus = (await sut.hostResources()).vcpus;
    const dedicated = { id: 'f-ded', name: 'd1.tiny', vcpus: 1, memoryMb: 32, diskGb: 1, dedicatedCpus: true };
    const a = testSpec(ref, { flavor: dedicated });
    const b = testSpec(ref, { flavor: dedicated });
    made.push(a.id, b.id);
    await sut.spawn(a, image);
    await sut.spawn(b, image);
    const pinned = await Promise.all([a, b].map(async (s) => (await sut.engine.inspectContainer(containerName(s.id))).HostConfig.CpusetCpus));
    expect(pinned.every((p) => /^\d+$/.test(p ?? ''))).toBe(true);
    if (cpus >= 2) expect(pinned[0]).not.toBe(pinned[1]);
    expect(await readContainerInfo(sut, a.id)).toMatchObject({ cpus: 1, cpuset: pinned[0] });
    await expect(sut.spawn(testSpec(ref, { flavor: { ...dedicated, vcpus: cpus + 1 } }), image)).rejects.toThrow(/does not fit/);
  });

  it('lists only berth\'s containers; a berth-labelled one without an instance id is a stray', async () => {
    const foreign = await sut.engine.createContainer(`foreign-${randomUUID().slice(0, 8)}`, { Image: image.reference, Cmd: ['true'] });
    const strayName = `stray-${randomUUID().slice(0, 8)}`;
    const stray = await sut.engine.createContainer(strayName, { Image: image.reference, Cmd: ['true'], Labels: { [LABEL_MANAGED]: 'true' } });
    try {
      const ids = (await sut.list()).map((s) => s.instanceId);
      expect(ids.every((id) => made.includes(id))).toBe(true);
      expect(await sut.strays()).toEqual([strayName]);
    } finally {
      await Promise.all([sut.engine.removeContainer(foreign.Id, { force: true }), sut.engine.removeContainer(stray.Id, { force: true })]);
    }
  });

  it('never gives the engine the names an archive carries, only berth\'s own', async () => {
    const claiming = await busyboxImage('evil/claims-this-name:latest');
    const other = { ...imageRef(claiming) };
    const loaded = await sut.loadImage(other, Readable.from(readFileSync(claiming.path)));
    const tags = (await sut.engine.listImages()).flatMap((i) => i.RepoTags ?? []);
    expect(tags.some((t) => t.includes('claims-this-name'))).toBe(false);
    expect(tags.some((t) => t.includes(archive.tag.split(':')[0]))).toBe(false);
    expect(tags.some((t) => t.endsWith(loaded.reference))).toBe(true);
  });

  it('aborts a load whose data fails midway, and names nothing', async () => {
    const broken = imageRef();
    const data = readFileSync(archive.path);
    let sent = false;
    const failing = new Readable({
      read() {
        if (sent) return;
        sent = true;
        this.push(data.subarray(0, Math.floor(data.length / 2)));
        setImmediate(() => this.destroy(new Error('checksum mismatch (simulated)')));
      },
    });
    await expect(sut.loadImage(broken, failing)).rejects.toThrow('checksum mismatch (simulated)');
    await expect(sut.hasImage(broken)).resolves.toBeUndefined();
  });

  it('leaves no image of a snapshot in the engine, whether its upload succeeds or fails', async () => {
    const spec = testSpec(ref);
    made.push(spec.id);
    await sut.spawn(spec, image);
    const images = async () => (await sut.engine.listImages({ all: true })).map((i) => i.Id).sort();
    const before = await images();
    expect((await sut.snapshot(spec.id, readAll)).length).toBeGreaterThan(0);
    await expect(sut.snapshot(spec.id, async () => { throw new Error('upload refused'); })).rejects.toThrow('upload refused');
    expect(await images()).toEqual(before);
    expect((await sut.status(spec.id))?.powerState).toBe('running');
  });

  it('passes ps options to the engine\'s top', async () => {
    const spec = testSpec(ref);
    made.push(spec.id);
    await sut.spawn(spec, image);
    const top = await sut.top(spec.id, 'pid,user,args');
    expect(top.titles).toEqual(['PID', 'USER', 'COMMAND']);
    expect(top.processes[0]).toEqual(['1', 'root', expect.stringContaining(`marker-${spec.id}`)]);
  });

  it('answers a clear error when the engine is not there', async () => {
    await expect(DockerDriver.connect(`unix://${host.dir}/nothing.sock`)).rejects.toThrow(/not reachable/);
  });
});
