import { startIdleCollector } from './idle-collector';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(startIdleCollector.name, () => {
  it('collects once the loop is idle after the heap grew, settles after a while, then stops', async () => {
    const collections: number[] = [];
    const sut = startIdleCollector({ intervalMs: 50, settleMs: 300, onCollect: (freed) => collections.push(freed) });
    try {
      // Small objects that live across a few scavenges land in the old generation, which V8 only
      // collects when it next needs room.
      let garbage: { i: number; s: string }[][] | undefined = [];
      for (let round = 0; round < 8; round++) {
        garbage.push(Array.from({ length: 60_000 }, (_, i) => ({ i, s: `item-${round}-${i}` })));
        await sleep(5);
      }
      garbage = undefined;
      for (let i = 0; i < 80 && collections.length === 0; i++) await sleep(50);
      expect(collections).toHaveLength(1);
      expect(collections[0]).toBeGreaterThan(16 * 2 ** 20);
      await sleep(150);
      expect(collections).toHaveLength(1);
      await sleep(1500);
      const settled = collections.length;
      expect(settled).toBeGreaterThanOrEqual(2);
      expect(settled).toBeLessThanOrEqual(4);
      await sleep(600);
      expect(collections).toHaveLength(settled);
    } finally {
      sut.stop();
    }
  });

  it('leaves a busy loop alone', async () => {
    const collections: number[] = [];
    const sut = startIdleCollector({ intervalMs: 50, onCollect: (freed) => collections.push(freed) });
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
