import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ImageRef } from '../../contracts/agent/agent.types';
import { FakeDriver } from './drivers/fake.driver';
import { ImageCache, ImageChecksumError, Md5Verifier } from './image-cache';

const DATA = Buffer.from('0123456789'.repeat(1000));
const MD5 = createHash('md5').update(DATA).digest('hex');
const ref = (o: Partial<ImageRef> = {}): ImageRef => ({
  id: randomUUID(), name: 'i', containerFormat: 'docker', diskFormat: 'raw', size: DATA.length, checksum: MD5, dataUrl: 'http://image.test/x', ...o,
});

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe(Md5Verifier.name, () => {
  const chunks = () => Readable.from([DATA.subarray(0, 4000), DATA.subarray(4000, 8000), DATA.subarray(8000)]);

  it('passes matching data through unchanged', async () => {
    await expect(drain(chunks().pipe(new Md5Verifier(ref())))).resolves.toEqual(DATA);
  });

  it('holds the last chunk back and fails instead on a mismatch', async () => {
    const sut = new Md5Verifier(ref({ checksum: '0'.repeat(32) }));
    const seen: Buffer[] = [];
    sut.on('data', (c: Buffer) => seen.push(c));
    const failed = new Promise((resolve) => sut.on('error', resolve));
    chunks().pipe(sut);
    await expect(failed).resolves.toBeInstanceOf(ImageChecksumError);
    expect(Buffer.concat(seen).length).toBe(8000);
  });

  it('fails on a size that differs from the record', async () => {
    const sut = new Md5Verifier(ref({ size: DATA.length + 1 }));
    await expect(drain(chunks().pipe(sut))).rejects.toThrow(/bytes, expected/);
  });
});

describe(ImageCache.name, () => {
  it('downloads an image the engine lacks once, even for concurrent requests', async () => {
    const driver = new FakeDriver();
    const fetch = jest.fn(async () => new Response(DATA));
    const sut = new ImageCache(driver, { fetch });
    const image = ref();
    const [a, b] = await Promise.all([sut.ensure(image), sut.ensure(image)]);
    expect(a).toEqual(b);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith(image.dataUrl);
    await sut.ensure(image);
    expect(fetch).toHaveBeenCalledTimes(1);
    await expect(driver.hasImage(image)).resolves.toMatchObject({ reference: a.reference });
  });

  it('asks the engine about an image once, and again after forget', async () => {
    const driver = new FakeDriver();
    const hasImage = jest.spyOn(driver, 'hasImage');
    const sut = new ImageCache(driver, { fetch: async () => new Response(DATA) });
    const image = ref();
    const loaded = await sut.ensure(image);
    await expect(sut.ensure(image)).resolves.toEqual({ ...loaded, sizeBytes: 0 });
    expect(hasImage).toHaveBeenCalledTimes(1);
    expect(sut.forget(image)).toBe(true);
    expect(sut.forget(image)).toBe(false);
    await sut.ensure(image);
    expect(hasImage).toHaveBeenCalledTimes(2);
  });

  it('refuses data that does not match the checksum, and loads nothing', async () => {
    const driver = new FakeDriver();
    const sut = new ImageCache(driver, { fetch: async () => new Response(DATA) });
    const image = ref({ checksum: 'a'.repeat(32) });
    await expect(sut.ensure(image)).rejects.toBeInstanceOf(ImageChecksumError);
    await expect(driver.hasImage(image)).resolves.toBeUndefined();
  });

  it('reports what the image service answered when the download is refused', async () => {
    const sut = new ImageCache(new FakeDriver(), { fetch: async () => new Response('expired', { status: 403 }) });
    await expect(sut.ensure(ref())).rejects.toThrow(/answered 403/);
    const down = new ImageCache(new FakeDriver(), { fetch: async () => { throw new Error('ECONNREFUSED'); } });
    await expect(down.ensure(ref())).rejects.toThrow(/Could not download image .*ECONNREFUSED/);
  });

  it('needs an md5 checksum to verify against', async () => {
    const fetch = jest.fn();
    const sut = new ImageCache(new FakeDriver(), { fetch });
    await expect(sut.ensure(ref({ checksum: 'sha256:abc' }))).rejects.toThrow(/no md5 checksum/);
    expect(fetch).not.toHaveBeenCalled();
  });
});
