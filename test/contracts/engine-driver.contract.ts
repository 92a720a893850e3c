import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ImageRef, InstanceSpec, InstanceStatus } from '../../src/contracts/agent/agent.types';
import { ConflictError, NotFoundError } from '../../src/common/errors/api-error';
import { filesOfDockerArchive } from '../../src/services/agent/drivers/docker-archive';
import { ContainerInfo, EngineDriver, LoadedImage } from '../../src/services/agent/drivers/engine.driver';

/** What the suite needs from a driver under test. */
export interface EngineDriverFixture {
  driver: EngineDriver;
  /** An image this driver can run (with a shell: sh, echo, cat, sleep). */
  image: ImageRef;
  /** Its data in the driver's native format (a fresh stream per call). */
  imageData(): Readable;
  /** Called once after the suite, e.g. to stop the engine. */
  close?(): Promise<void>;
}

export interface EngineDriverContractOptions {
  /** Per test; real engines need seconds. */
  timeoutMs?: number;
}

/** Polls `fn` until it returns something other than undefined. */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A command every test instance runs: it prints a marker and its CPU limit, then waits, and
 * exits at once on SIGTERM (a shell as PID 1 ignores signals it does not trap).
 */
export function markerCommand(marker: string): string[] {
  return ['sh', '-c', `echo ${marker}; echo "cpus=$BERTH_CPUS"; trap "exit 0" TERM; while true; do sleep 1; done`];
}

export function testSpec(image: ImageRef, overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    name: `test-${id.slice(0, 8)}`,
    projectId: 'project-1',
    userId: 'user-1',
    kind: 'container',
    flavor: { id: 'flavor-tiny', name: 'm1.tiny', vcpus: 1, memoryMb: 64, diskGb: 1, pidsLimit: 256 },
    image,
    command: markerCommand(`marker-${id}`),
    environment: { GREETING: 'hello' },
    labels: { app: 'contract-test' },
    restartPolicy: { name: 'no' },
    ...overrides,
  };
}

/** Everything a stream gives, as one buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The limits an instance sees in /etc/berth/container_info, read through execute. */
export async function readContainerInfo(driver: EngineDriver, instanceId: string): Promise<ContainerInfo> {
  const r = await driver.execute(instanceId, ['cat', '/etc/berth/container_info']);
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.output) as ContainerInfo;
}

/**
 * What every EngineDriver does, whatever its engine (the fake in memory, Docker/Podman, …).
 * `setup` is called once; the instances of one life cycle run through the steps in order.
 */
export function engineDriverContract(name: string, setup: () => Promise<EngineDriverFixture>, opts: EngineDriverContractOptions = {}): void {
  const timeout = opts.timeoutMs ?? 5_000;

  describe(`${name} (EngineDriver contract)`, () => {
    let f: EngineDriverFixture;
    let driver: EngineDriver;
    let loaded: LoadedImage;
    const made: string[] = [];

    const spawn = async (overrides: Partial<InstanceSpec> = {}): Promise<{ spec: InstanceSpec; status: InstanceStatus }> => {
      const spec = testSpec(f.image, overrides);
      made.push(spec.id);
      return { spec, status: await driver.spawn(spec, loaded) };
    };
    const powerState = async (id: string) => (await driver.status(id))?.powerState;

    beforeAll(async () => {
      f = await setup();
      driver = f.driver;
      loaded = await driver.loadImage(f.image, f.imageData());
    }, Math.max(timeout, 60_000));

    afterAll(async () => {
      if (!f) return;
      await Promise.all(made.map((id) => driver.destroy(id).catch(() => undefined)));
      await f.close?.();
    }, Math.max(timeout, 60_000));

    it('loads an image, names it after berth\'s id and checksum, and finds it again', async () => {
      expect(loaded).toMatchObject({ imageId: f.image.id, checksum: f.image.checksum });
      expect(loaded.reference).toContain(f.image.id.toLowerCase());
      await expect(driver.hasImage(f.image)).resolves.toMatchObject({ reference: loaded.reference });
      await expect(driver.hasImage({ ...f.image, checksum: '0'.repeat(32) })).resolves.toBeUndefined();
      await expect(driver.hasImage({ ...f.image, id: randomUUID() })).resolves.toBeUndefined();
    }, timeout);

    it('reports the host\'s resources', async () => {
      const r = await driver.hostResources();
      expect(r.vcpus).toBeGreaterThan(0);
      expect(r.memoryMb).toBeGreaterThan(0);
      expect(r.diskGb).toBeGreaterThan(0);
      expect(r.kinds).toEqual(driver.capabilities.kinds);
      expect(r.hypervisorType).toEqual(expect.any(String));
      expect(r.hostIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }, timeout);

    it('answers NotFound for an instance it does not hold, and destroys it idempotently', async () => {
      const id = `missing-${randomUUID()}`;
      await expect(driver.status(id)).resolves.toBeUndefined();
      for (const call of [
        () => driver.powerOn(id), () => driver.powerOff(id), () => driver.reboot(id, 'HARD'), () => driver.pause(id),
        () => driver.unpause(id), () => driver.consoleOutput(id), () => driver.execute(id, ['true']),
        () => driver.updateLimits(id, { vcpus: 1, memoryMb: 64, diskGb: 1 }),
        () => driver.kill(id, 'SIGKILL'), () => driver.top(id), () => driver.stats(id), () => driver.snapshot(id, readAll),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(NotFoundError);
      }
      await expect(driver.destroy(id)).resolves.toBeUndefined();
      expect((await driver.list()).map((s) => s.instanceId)).not.toContain(id);
    }, timeout);

    describe('an instance through its life', () => {
      let spec: InstanceSpec;
      let id: string;

      it('spawn creates and starts it; a second spawn of the same id is a conflict', async () => {
        const made = await spawn();
        spec = made.spec;
        id = spec.id;
        expect(made.status).toMatchObject({ instanceId: id, powerState: 'running' });
        expect(made.status.startedAt).toEqual(expect.any(String));
        await expect(driver.spawn(spec, loaded)).rejects.toBeInstanceOf(ConflictError);
        expect((await driver.list()).filter((s) => s.instanceId === id)).toHaveLength(1);
      }, timeout);

      it('status and list report it running', async () => {
        await expect(driver.status(id)).resolves.toMatchObject({ instanceId: id, powerState: 'running' });
        expect(await driver.list()).toContainEqual(expect.objectContaining({ instanceId: id, powerState: 'running' }));
      }, timeout);

      it('console output has what its command wrote; tailLines keeps the last lines', async () => {
        const output = await eventually(async () => {
          const out = await driver.consoleOutput(id);
          return out.includes('cpus=') ? out : undefined;
        }, 'the console output');
        expect(output).toContain(`marker-${id}\n`);
        expect(output).toContain('cpus=1\n');
        const tail = await driver.consoleOutput(id, 1);
        expect(tail).toBe('cpus=1\n');
      }, timeout);

      it('execute returns the output (stdout and stderr) and the exit code', async () => {
        await expect(driver.execute(id, ['sh', '-c', 'echo hello-exec; exit 3'])).resolves.toEqual({ output: 'hello-exec\n', exitCode: 3 });
        await expect(driver.execute(id, ['echo', 'plain'])).resolves.toEqual({ output: 'plain\n', exitCode: 0 });
        const missing = await driver.execute(id, ['sh', '-c', 'no-such-command-here']);
        expect(missing.exitCode).toBe(127);
        expect(missing.output).toContain('no-such-command-here');
      }, timeout);

      it('top lists its main process; stats sample its use against the flavor\'s memory', async () => {
        const top = await driver.top(id);
        expect(top.titles.length).toBeGreaterThan(1);
        expect(top.processes.some((p) => p.length === top.titles.length && p.join(' ').includes(`marker-${id}`))).toBe(true);
        const stats = await driver.stats(id);
        expect(stats.memoryLimitBytes).toBe(64 * 1024 * 1024);
        expect(stats.memoryUsageBytes).toBeGreaterThanOrEqual(0);
        expect(stats.memoryUsageBytes).toBeLessThanOrEqual(stats.memoryLimitBytes);
        expect(stats.cpuPercent).toBeGreaterThanOrEqual(0);
        expect(stats.cpuPercent).toBeLessThanOrEqual(100);
        for (const n of [stats.blockReadBytes, stats.blockWriteBytes, stats.netRxBytes, stats.netTxBytes]) expect(Number.isInteger(n) && n >= 0).toBe(true);
      }, timeout);

      it('tells the instance its real limits: /etc/berth/container_info and BERTH_* variables', async () => {
        expect(await readContainerInfo(driver, id)).toMatchObject({
          instance_id: id, flavor: 'm1.tiny', flavor_id: 'flavor-tiny', cpus: 1, memory_mb: 64, disk_gb: 1, pids_limit: 256,
        });
        const env = await driver.execute(id, ['sh', '-c', 'echo "$BERTH_CPUS $BERTH_MEMORY_MB $GREETING"']);
        expect(env).toEqual({ output: '1 64 hello\n', exitCode: 0 });
      }, timeout);

      it('updateLimits changes the limits in place, without a restart', async () => {
        const before = await driver.status(id);
        await driver.updateLimits(id, { name: 'm1.small', id: 'flavor-small', vcpus: 1, memoryMb: 96, diskGb: 2, pidsLimit: 300 });
        expect(await readContainerInfo(driver, id)).toMatchObject({
          instance_id: id, flavor: 'm1.small', flavor_id: 'flavor-small', memory_mb: 96, disk_gb: 2, pids_limit: 300,
        });
        expect(await driver.status(id)).toEqual(before);
        // Without a flavor name the instance keeps the one it had.
        await driver.updateLimits(id, { vcpus: 1, memoryMb: 128, diskGb: 2, pidsLimit: 300 });
        expect(await readContainerInfo(driver, id)).toMatchObject({ flavor: 'm1.small', memory_mb: 128 });
      }, timeout);

      it('pause freezes it; pausing twice changes nothing; unpause resumes it', async () => {
        await driver.pause(id);
        expect(await powerState(id)).toBe('paused');
        await driver.pause(id);
        expect(await powerState(id)).toBe('paused');
        await expect(driver.powerOn(id)).rejects.toBeInstanceOf(ConflictError);
        await expect(driver.reboot(id, 'SOFT')).rejects.toBeInstanceOf(ConflictError);
        await driver.unpause(id);
        expect(await powerState(id)).toBe('running');
        await driver.unpause(id);
        expect(await powerState(id)).toBe('running');
      }, timeout);

      it('powerOff shuts it down; then exec, pause and soft reboot are conflicts; powerOff again changes nothing', async () => {
        await driver.powerOff(id);
        const status = await driver.status(id);
        expect(status?.powerState).toBe('shutdown');
        expect(status?.exitCode).toEqual(expect.any(Number));
        expect(await driver.list()).toContainEqual(expect.objectContaining({ instanceId: id, powerState: 'shutdown' }));
        await expect(driver.execute(id, ['true'])).rejects.toBeInstanceOf(ConflictError);
        await expect(driver.pause(id)).rejects.toBeInstanceOf(ConflictError);
        await expect(driver.unpause(id)).rejects.toBeInstanceOf(ConflictError);
        await expect(driver.reboot(id, 'SOFT')).rejects.toBeInstanceOf(ConflictError);
        for (const call of [() => driver.kill(id, 'SIGKILL'), () => driver.top(id), () => driver.stats(id)]) {
          await expect(call()).rejects.toBeInstanceOf(ConflictError);
        }
        await driver.powerOff(id);
        expect(await powerState(id)).toBe('shutdown');
        // What it wrote before it stopped is still there.
        expect(await driver.consoleOutput(id)).toContain(`marker-${id}`);
      }, timeout);

      it('powerOn starts it again, with the limits it had; powerOn again changes nothing', async () => {
        const before = (await driver.status(id))!.startedAt;
        await driver.powerOn(id);
        const after = await driver.status(id);
        expect(after?.powerState).toBe('running');
        expect(after?.startedAt).not.toEqual(before);
        await driver.powerOn(id);
        expect(await driver.status(id)).toEqual(after);
        expect(await readContainerInfo(driver, id)).toMatchObject({ flavor: 'm1.small', memory_mb: 128 });
      }, timeout);

      it('reboot SOFT and HARD restart it; HARD also from paused and from shutdown', async () => {
        for (const prepare of [async () => undefined, () => driver.pause(id), () => driver.powerOff(id)]) {
          await prepare();
          const before = (await driver.status(id))!.startedAt;
          await driver.reboot(id, 'HARD');
          const after = await driver.status(id);
          expect(after?.powerState).toBe('running');
          expect(after?.startedAt).not.toEqual(before);
        }
        const before = (await driver.status(id))!.startedAt;
        await driver.reboot(id, 'SOFT');
        const after = await driver.status(id);
        expect(after?.powerState).toBe('running');
        expect(after?.startedAt).not.toEqual(before);
        await expect(driver.execute(id, ['echo', 'back'])).resolves.toEqual({ output: 'back\n', exitCode: 0 });
      }, timeout * 2);

      it('destroy removes it; destroying again succeeds', async () => {
        await driver.destroy(id);
        await expect(driver.status(id)).resolves.toBeUndefined();
        expect((await driver.list()).map((s) => s.instanceId)).not.toContain(id);
        await expect(driver.consoleOutput(id)).rejects.toBeInstanceOf(NotFoundError);
        await driver.destroy(id);
      }, timeout);
    });

    it('kill delivers signals: one the process ignores changes nothing, a trapped one and SIGKILL end it', async () => {
      const { spec } = await spawn();
      const exited = (id: string) => eventually(async () => {
        const s = await driver.status(id);
        return s?.powerState === 'shutdown' ? s : undefined;
      }, `instance ${id} to exit`);
      // A shell as PID 1 ignores the signals it does not trap.
      await driver.kill(spec.id, 'SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      expect(await powerState(spec.id)).toBe('running');
      await driver.kill(spec.id, 'SIGTERM');
      expect((await exited(spec.id)).exitCode).toBe(0);
      await expect(driver.kill(spec.id, 'SIGKILL')).rejects.toBeInstanceOf(ConflictError);
      const other = await spawn();
      await driver.kill(other.spec.id, 'SIGKILL');
      expect((await exited(other.spec.id)).exitCode).toBe(137);
    }, timeout * 2);

    it('snapshot captures the filesystem as a docker save archive an instance can be spawned from again', async () => {
      const { spec } = await spawn();
      await expect(driver.execute(spec.id, ['sh', '-c', 'echo snapshot-marker > /marker'])).resolves.toEqual({ output: '', exitCode: 0 });
      const archive = await driver.snapshot(spec.id, readAll);
      expect(await powerState(spec.id)).toBe('running');
      expect(await filesOfDockerArchive(archive)).toMatchObject({ '/marker': 'snapshot-marker\n' });
      const ref = { ...f.image, id: randomUUID(), size: archive.length, checksum: createHash('md5').update(archive).digest('hex') };
      const image = await driver.loadImage(ref, Readable.from([archive]));
      const copy = testSpec(ref);
      made.push(copy.id);
      await driver.spawn(copy, image);
      await expect(driver.execute(copy.id, ['cat', '/marker'])).resolves.toEqual({ output: 'snapshot-marker\n', exitCode: 0 });
      // Its own limits, not the captured instance's.
      expect(await readContainerInfo(driver, copy.id)).toMatchObject({ instance_id: copy.id });
      // A stopped instance can be captured too; a failing consumer's error is the snapshot's.
      await driver.powerOff(spec.id);
      expect((await driver.snapshot(spec.id, readAll)).length).toBeGreaterThan(0);
      await expect(driver.snapshot(spec.id, async () => { throw new Error('upload refused'); })).rejects.toThrow('upload refused');
    }, timeout * 3);

    it('list reports every instance it runs, each once', async () => {
      const a = await spawn();
      const b = await spawn();
      await driver.powerOff(b.spec.id);
      const listed = await driver.list();
      expect(listed.filter((s) => s.instanceId === a.spec.id)).toEqual([expect.objectContaining({ powerState: 'running' })]);
      expect(listed.filter((s) => s.instanceId === b.spec.id)).toEqual([expect.objectContaining({ powerState: 'shutdown' })]);
      await Promise.all([driver.destroy(a.spec.id), driver.destroy(b.spec.id)]);
      const after = (await driver.list()).map((s) => s.instanceId);
      expect(after).not.toContain(a.spec.id);
      expect(after).not.toContain(b.spec.id);
    }, timeout * 2);

    it('refuses an instance kind it does not run', async () => {
      const other = (['container', 'vm'] as const).find((k) => !driver.capabilities.kinds.includes(k));
      if (!other) return; // runs every kind
      const spec = testSpec(f.image, { kind: other });
      await expect(driver.spawn(spec, loaded)).rejects.toBeInstanceOf(ConflictError);
      await expect(driver.status(spec.id)).resolves.toBeUndefined();
    }, timeout);
  });
}
