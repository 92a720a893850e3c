import { volumeBackendContract } from '../../../../test/contracts/volume-backend.contract';
import { FakeDevice, FakeVolumeBackend } from './fake.backend';

const CHUNK = 4096;

/** The fake keeps written bytes in 4 KiB chunks; reads of unwritten chunks give zeros. */
function fixture() {
  const backend = new FakeVolumeBackend();
  const devices = (kind: 'volume' | 'snapshot') => (kind === 'volume' ? backend.volumes : backend.snapshots);
  const chunk = (d: FakeDevice, index: number) => {
    let c = d.data.get(index);
    if (!c) d.data.set(index, (c = Buffer.alloc(CHUNK)));
    return c;
  };
  return {
    backend,
    sizeOf: async (kind: 'volume' | 'snapshot', id: string) => {
      const d = devices(kind).get(id);
      return d ? d.sizeGb * 1024 ** 3 : undefined;
    },
    write: async (id: string, offset: number, data: Buffer) => {
      const d = backend.volumes.get(id)!;
      // Copy on write: a snapshot shares the chunks the volume had when it was taken.
      for (let i = 0; i < data.length; i++) {
        const index = Math.floor((offset + i) / CHUNK);
        const c = Buffer.from(chunk(d, index));
        c[(offset + i) % CHUNK] = data[i];
        d.data.set(index, c);
      }
    },
    read: async (kind: 'volume' | 'snapshot', id: string, offset: number, length: number) => {
      const d = devices(kind).get(id)!;
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i++) out[i] = d.data.get(Math.floor((offset + i) / CHUNK))?.[(offset + i) % CHUNK] ?? 0;
      return out;
    },
  };
}

volumeBackendContract(FakeVolumeBackend.name, async () => fixture());

describe(FakeVolumeBackend.name, () => {
  it('reports what its volumes and snapshots take from its total', async () => {
    const sut = new FakeVolumeBackend(10);
    await sut.createVolume('v1', 4);
    await sut.createSnapshot('s1', 'v1');
    expect(await sut.capacity()).toEqual({ totalGb: 10, freeGb: 2 });
  });
});
