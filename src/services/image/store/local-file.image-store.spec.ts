import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { LocalFileImageStore } from './local-file.image-store';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe(LocalFileImageStore.name, () => {
  let dir: string;
  let sut: LocalFileImageStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
    sut = new LocalFileImageStore(join(dir, 'images'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('streams data in while hashing it, and back out unchanged', async () => {
    const id = randomUUID();
    const data = randomBytes(1024 * 1024 + 5);
    const stored = await sut.put(id, Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    expect(stored).toEqual({
      size: data.length, md5: createHash('md5').update(data).digest('hex'), sha512: createHash('sha512').update(data).digest('hex'),
    });
    expect(readdirSync(join(dir, 'images'))).toEqual([id]);
    const { stream, size } = await sut.get(id);
    expect(size).toBe(data.length);
    expect(Buffer.compare(await readAll(stream), data)).toBe(0);
    await sut.delete(id);
    await sut.delete(id);
    expect(await sut.has(id)).toBe(false);
    await expect(sut.get(id)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves nothing behind when the source breaks mid-stream', async () => {
    const id = randomUUID();
    const source = new PassThrough();
    const put = sut.put(id, source);
    source.write(randomBytes(64 * 1024));
    await new Promise((r) => setTimeout(r, 20));
    source.destroy(new Error('client went away'));
    await expect(put).rejects.toThrow('client went away');
    expect(readdirSync(join(dir, 'images'))).toEqual([]);
  });

  it('reports a source that fails before the store is ready to read it, without an unhandled error', async () => {
    const fresh = new LocalFileImageStore(join(dir, 'fresh-images'));
    const source = new PassThrough();
    const put = fresh.put(randomUUID(), source);
    source.destroy(new Error('gone at once'));
    await expect(put).rejects.toThrow('gone at once');
    expect(readdirSync(join(dir, 'fresh-images'))).toEqual([]);
  });

  it('refuses ids that are not uuids (no path escapes the directory)', async () => {
    await expect(sut.put('../etc/passwd', Readable.from([Buffer.from('x')]))).rejects.toThrow(/invalid image id/);
  });
});
