import { KeyedLock } from './keyed-lock';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(KeyedLock.name, () => {
  it('runs operations on one key one at a time, in arrival order', async () => {
    const sut = new KeyedLock();
    const log: string[] = [];
    const op = (name: string, ms: number) => sut.run('a', async () => { log.push(`${name}+`); await tick(ms); log.push(`${name}-`); return name; });
    await expect(Promise.all([op('1', 30), op('2', 5), op('3', 1)])).resolves.toEqual(['1', '2', '3']);
    expect(log).toEqual(['1+', '1-', '2+', '2-', '3+', '3-']);
  });

  it('runs different keys in parallel', async () => {
    const sut = new KeyedLock();
    const started = Date.now();
    await Promise.all(['a', 'b', 'c'].map((k) => sut.run(k, () => tick(50))));
    expect(Date.now() - started).toBeLessThan(120);
  });

  it('a failed operation rejects its caller only, and the next one runs', async () => {
    const sut = new KeyedLock();
    const failed = sut.run('a', async () => { throw new Error('boom'); });
    const next = sut.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('forgets keys with nothing running, and tells when everything is idle', async () => {
    const sut = new KeyedLock();
    const p = sut.run('a', () => tick(20));
    expect(sut.busy).toBe(1);
    await sut.idle();
    await p;
    expect(sut.busy).toBe(0);
  });
});
