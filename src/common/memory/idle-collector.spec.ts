import { startIdleCollector } from './idle-collector';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(startIdleCollector.name, () => {
  it('collects once the loop is idle after the heap grew, and not again while nothing grows', async () => {
    const collections: number[] = [];
    const sut = startIdleCollector(50, (freed) => collections.push(freed));
    try {
      let garbage: number[][] | undefined = Array.from({ length: 64 }, () => new Array(100_000).fill(1.5));
      expect(garbage.length).toBe(64);
      garbage = undefined;
      for (let i = 0; i < 40 && collections.length === 0; i++) await sleep(50);
      expect(collections).toHaveLength(1);
      expect(collections[0]).toBeGreaterThan(16 * 2 ** 20);
      await sleep(300);
      expect(collections).toHaveLength(1);
    } finally {
      sut.stop();
    }
  });

  it('leaves a busy loop alone', async () => {
    const collections: number[] = [];
    const sut = startIdleCollector(50, (freed) => collections.push(freed));
    try {
      const until = Date.now() + 400;
      while (Date.now() < until) {
        Array.from({ length: 8 }, () => new Array(100_000).fill(1.5));
        await new Promise((r) => setImmediate(r));
      }
      expect(collections).toHaveLength(0);
    } finally {
      sut.stop();
    }
  });
});
