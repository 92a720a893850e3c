import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { engineDriverContract, testSpec } from '../../../../test/contracts/engine-driver.contract';
import { ImageRef } from '../../../contracts/agent/agent.types';
import { NotFoundError } from '../../../common/errors/api-error';
import { FakeDriver } from './fake.driver';
import { runFakeShell, trapsIn } from './fake-shell';

const DATA = Buffer.from('a fake image: any bytes will do');

function fakeImage(): ImageRef {
  return {
    id: randomUUID(), name: 'fake', containerFormat: 'docker', diskFormat: 'raw', size: DATA.length,
    checksum: createHash('md5').update(DATA).digest('hex'), dataUrl: 'http://image.invalid/data',
  };
}

engineDriverContract(FakeDriver.name, async () => ({
  driver: new FakeDriver({ kinds: ['container'] }),
  image: fakeImage(),
  imageData: () => Readable.from([DATA]),
}));

describe(FakeDriver.name, () => {
  it('reports the capacity and kinds it was given', async () => {
    const sut = new FakeDriver({ resources: { vcpus: 4, memoryMb: 4096, diskGb: 40, hostIp: '10.0.0.7' }, kinds: ['vm'] });
    await expect(sut.hostResources()).resolves.toEqual({
      vcpus: 4, memoryMb: 4096, diskGb: 40, hostIp: '10.0.0.7', kinds: ['vm'], hypervisorType: 'fake', hypervisorVersion: '1.0',
    });
    expect(sut.capabilities.kinds).toEqual(['vm']);
  });

  it('takes the configured time per operation', async () => {
    const sut = new FakeDriver({ delayMs: { spawn: 120 } });
    const image = fakeImage();
    const loaded = await sut.loadImage(image, Readable.from([DATA]));
    const started = Date.now();
    await sut.spawn(testSpec(image), loaded);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('records the signals kill sends; a trapped signal runs its action and ends the process with its status', async () => {
    const sut = new FakeDriver();
    const image = fakeImage();
    const loaded = await sut.loadImage(image, Readable.from([DATA]));
    const spec = testSpec(image, { command: ['sh', '-c', 'trap "echo bye; exit 3" USR1; while true; do sleep 1; done'] });
    await sut.spawn(spec, loaded);
    await sut.kill(spec.id, 'SIGTERM');
    expect(await sut.status(spec.id)).toMatchObject({ powerState: 'running' });
    await sut.kill(spec.id, 'SIGUSR1');
    expect(await sut.status(spec.id)).toMatchObject({ powerState: 'shutdown', exitCode: 3 });
    expect(sut.signalsOf(spec.id)).toEqual(['SIGTERM', 'SIGUSR1']);
    expect(await sut.consoleOutput(spec.id)).toContain('bye\n');
  });

  it('refuses to spawn from an image it has not loaded', async () => {
    const sut = new FakeDriver();
    const image = fakeImage();
    await expect(sut.spawn(testSpec(image), { imageId: image.id, checksum: image.checksum, reference: 'berth/nope:0' }))
      .rejects.toBeInstanceOf(NotFoundError);
  });

  it('holds thousands of instances cheaply (scale tests)', async () => {
    const sut = new FakeDriver();
    const image = fakeImage();
    const loaded = await sut.loadImage(image, Readable.from([DATA]));
    const started = Date.now();
    await Promise.all(Array.from({ length: 5000 }, () => sut.spawn(testSpec(image), loaded)));
    const listed = await sut.list();
    expect(listed).toHaveLength(5000);
    expect(listed.every((s) => s.powerState === 'running')).toBe(true);
    expect(sut.size).toBe(5000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe(runFakeShell.name, () => {
  const world = { env: { A: 'x', B: 'y z' }, files: { '/f': 'content\n' }, hostname: 'h' };

  it('runs builtins with variables, quotes and ; && ||', () => {
    expect(runFakeShell('echo "$A-${B}" \'$A\'; false || echo alt; false && echo never; cat /f', world))
      .toEqual({ output: 'x-y z $A\nalt\ncontent\n', exitCode: 0 });
  });

  it('stops at exit and reports unknown commands as a shell would', () => {
    expect(runFakeShell('echo a; exit 4; echo b', world)).toEqual({ output: 'a\n', exitCode: 4 });
    expect(runFakeShell('frobnicate', world)).toEqual({ output: 'sh: frobnicate: not found\n', exitCode: 127 });
  });

  it('redirects output into files: > replaces, >> appends; a missing target is a syntax error', () => {
    const files: Record<string, string> = {};
    const w = { ...world, files };
    expect(runFakeShell('echo one > /log; echo two >> /log; echo "a>b"; cat /log', w)).toEqual({ output: 'a>b\none\ntwo\n', exitCode: 0 });
    expect(files['/log']).toBe('one\ntwo\n');
    expect(runFakeShell('echo x >', w).exitCode).toBe(2);
  });

  it('finds the signals a script traps', () => {
    expect(trapsIn('echo up; trap "exit 0" TERM INT; trap \'exit 3\' SIGHUP 10; while true; do sleep 1; done'))
      .toEqual({ TERM: 'exit 0', INT: 'exit 0', HUP: 'exit 3', 10: 'exit 3' });
    expect(trapsIn('sleep 1000')).toEqual({});
  });

  it('in console mode keeps only what echo wrote', () => {
    expect(runFakeShell('echo up; trap "exit 0" TERM; while true; do sleep 1; done', world, true)).toEqual({ output: 'up\n', exitCode: 0 });
  });
});
