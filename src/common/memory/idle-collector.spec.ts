import { startIdleCollector } from './idle-collector';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(startIdleCollector.name, () => {
  it('collects once the loop is idle after the heap grew, a bounded number of times, and not after stop', async () => {
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
      expect(collections.length).toBeGreaterThanOrEqual(1);
      expect(collections[0]).toBeGreaterThan(16 * 2 ** 20);
      // How many settling collections follow depends on timers a loaded machine delays; that they
      // are bounded, and end with stop(), does not.
      await sleep(1500);
      expect(collections.length).toBeLessThanOrEqual(4);
      sut.stop();
      const stopped = collections.length;
      await sleep(400);
      expect(collections).toHaveLength(stopped);
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
