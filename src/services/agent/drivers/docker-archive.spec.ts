import { Readable, pipeline } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { filesOfDockerArchive, packDockerArchive, withoutImageNames } from './docker-archive';

async function packed(entries: [string, string][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of entries) pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function unpacked(stream: Readable): Promise<Record<string, string>> {
  const extract = tar.extract();
  const out: Record<string, string> = {};
  pipeline(stream, extract as unknown as NodeJS.WritableStream, () => undefined);
  for await (const entry of extract as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out[entry.header.name] = Buffer.concat(chunks).toString('utf8');
  }
  return out;
}

const LAYER = 'x'.repeat(3000);
const ARCHIVE: [string, string][] = [
  ['abc/layer.tar', LAYER],
  ['cfg.json', '{"config":{}}'],
  ['manifest.json', JSON.stringify([{ Config: 'cfg.json', RepoTags: ['berth/someone-else:0123456789ab', 'busybox:latest'], Layers: ['abc/layer.tar'] }])],
  ['repositories', '{"busybox":{"latest":"abc"}}'],
  ['index.json', JSON.stringify({ manifests: [{ digest: 'sha256:1', annotations: { 'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'latest', keep: 'me' } }] })],
];

describe(withoutImageNames.name, () => {
  it('removes every image name an archive carries and passes the rest through unchanged', async () => {
    const out = await unpacked(withoutImageNames(Readable.from([await packed(ARCHIVE)])));
    expect(Object.keys(out).sort()).toEqual(['abc/layer.tar', 'cfg.json', 'index.json', 'manifest.json']);
    expect(out['abc/layer.tar']).toBe(LAYER);
    expect(out['cfg.json']).toBe('{"config":{}}');
    expect(JSON.parse(out['manifest.json'])).toEqual([{ Config: 'cfg.json', RepoTags: null, Layers: ['abc/layer.tar'] }]);
    expect(JSON.parse(out['index.json']).manifests[0].annotations).toEqual({ keep: 'me' });
  });

  it('reads gzip-compressed archives', async () => {
    const out = await unpacked(withoutImageNames(Readable.from([gzipSync(await packed(ARCHIVE))])));
    expect(out['abc/layer.tar']).toBe(LAYER);
    expect(JSON.parse(out['manifest.json'])[0].RepoTags).toBeNull();
  });

  it('ends with the input\'s error', async () => {
    const data = await packed(ARCHIVE);
    const input = new Readable({ read() {} });
    input.push(data.subarray(0, 1024));
    const out = withoutImageNames(input);
    setImmediate(() => input.destroy(new Error('md5 mismatch')));
    await expect(unpacked(out)).rejects.toThrow('md5 mismatch');
  });
});

describe(packDockerArchive.name, () => {
  it('writes a docker-archive whose files read back, and that loads through withoutImageNames', async () => {
    const files = { '/etc/berth/container_info': '{}\n', '/marker': 'hi\n' };
    const archive = await packDockerArchive(files, { Cmd: ['sh'], Env: ['A=b'] });
    await expect(filesOfDockerArchive(archive)).resolves.toEqual(files);
    const entries = await unpacked(Readable.from([archive]));
    const [manifest] = JSON.parse(entries['manifest.json']);
    expect(manifest.Layers).toHaveLength(1);
    expect(JSON.parse(entries[manifest.Config])).toMatchObject({ os: 'linux', config: { Cmd: ['sh'], Env: ['A=b'] }, rootfs: { type: 'layers' } });
    expect(Object.keys(await unpacked(withoutImageNames(Readable.from([archive]))))).toEqual(Object.keys(entries));
  });

  it('refuses what is not a docker-archive', async () => {
    await expect(filesOfDockerArchive(Buffer.from('pretend this is a docker archive'))).rejects.toThrow();
    await expect(filesOfDockerArchive(await packed([['x', 'y']]))).rejects.toThrow(/manifest/);
  });
});
