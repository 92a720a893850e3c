import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable, Transform, pipeline } from 'node:stream';
import { Gunzip, createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';

/** Entries that name images; everything else in an archive is content-addressed data. */
const MANIFEST = 'manifest.json';
const OCI_INDEX = 'index.json';
const LEGACY_REPOSITORIES = 'repositories';
const NAME_ANNOTATIONS = ['io.containerd.image.name', 'org.opencontainers.image.ref.name'];

function stripNames(name: string, body: Buffer): Buffer {
  const json = JSON.parse(body.toString('utf8'));
  if (name === MANIFEST && Array.isArray(json)) {
    for (const m of json) if (m && typeof m === 'object') m.RepoTags = null;
  }
  if (name === OCI_INDEX && Array.isArray(json?.manifests)) {
    for (const m of json.manifests) for (const a of NAME_ANNOTATIONS) if (m?.annotations) delete m.annotations[a];
  }
  return Buffer.from(JSON.stringify(json));
}

/** Gunzips a gzip-compressed stream (`docker save | gzip`); passes anything else unchanged. */
function gunzipIfNeeded(): Transform {
  let decided = false;
  let gunzip: Gunzip | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!decided) {
        decided = true;
        if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
          gunzip = createGunzip();
          gunzip.on('data', (d: Buffer) => this.push(d));
          gunzip.on('error', (e) => this.destroy(e));
        }
      }
      if (gunzip) gunzip.write(chunk, () => cb());
      else cb(null, chunk);
    },
    flush(cb) {
      if (!gunzip) return cb();
      gunzip.once('end', () => cb());
      gunzip.end();
    },
  });
}

/**
 * Rewrites a `docker save` archive (docker-archive or OCI layout, optionally gzip-compressed) as
 * a plain tar without the image names it carries (RepoTags, `repositories`, OCI ref-name
 * annotations). The engine then loads the image untagged and the driver names it itself: a tenant's
 * archive can never claim another image's name on the host (say `berth/<someone else's image>`),
 * nor move a shared tag such as `busybox:latest`. Layers and configs pass through unchanged.
 * Errors of the input (a checksum mismatch found while streaming) end the output with that error.
 */
export function withoutImageNames(input: Readable): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (name === LEGACY_REPOSITORIES) {
      stream.on('end', () => next()).resume();
      return;
    }
    if (name === MANIFEST || name === OCI_INDEX) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        try {
          const body = stripNames(name, Buffer.concat(chunks));
          pack.entry({ ...header, size: body.length }, body, (err) => next(err ?? undefined));
        } catch (err) {
          next(new Error(`the image archive's ${name} is not valid JSON: ${(err as Error).message}`));
        }
      });
      return;
    }
    const sink = pack.entry(header, (err) => next(err ?? undefined));
    pipeline(stream, sink, (err) => { if (err) extract.destroy(err); });
  });
  extract.on('finish', () => pack.finalize());
  pipeline(input, gunzipIfNeeded(), extract, (err) => { if (err) pack.destroy(err); });
  return pack as unknown as Readable;
}

/** The image settings a `docker save` archive's config carries (the Docker image spec's `config`). */
export interface ArchiveImageConfig {
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
}

/** A tar archive built in memory by `fill` (small archives: layers of test images, container_info). */
export function packed(fill: (pack: tar.Pack) => void): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  fill(pack);
  pack.finalize();
  return done;
}

/**
 * A `docker save` archive (docker-archive format, untagged) of one layer holding `files` (absolute
 * path → content), for images made without an engine: small, in memory.
 */
export async function packDockerArchive(files: Record<string, string>, config: ArchiveImageConfig, created = new Date()): Promise<Buffer> {
  const layer = await packed((p) => {
    const dirs = new Set(Object.keys(files).flatMap((f) => f.split('/').slice(1, -1).map((_, i, parts) => `${parts.slice(0, i + 1).join('/')}/`)));
    for (const d of [...dirs].sort()) p.entry({ name: d, type: 'directory', mode: 0o755, mtime: created });
    for (const [path, body] of Object.entries(files)) p.entry({ name: path.replace(/^\//, ''), mode: 0o644, mtime: created }, body);
  });
  const digest = createHash('sha256').update(layer).digest('hex');
  const imageConfig = Buffer.from(JSON.stringify({
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    os: 'linux',
    created: created.toISOString(),
    config,
    rootfs: { type: 'layers', diff_ids: [`sha256:${digest}`] },
  }));
  const configName = `${createHash('sha256').update(imageConfig).digest('hex')}.json`;
  return packed((p) => {
    p.entry({ name: `${digest}/layer.tar`, mode: 0o644, mtime: created }, layer);
    p.entry({ name: configName, mode: 0o644, mtime: created }, imageConfig);
    p.entry({ name: MANIFEST, mode: 0o644, mtime: created }, JSON.stringify([{ Config: configName, RepoTags: null, Layers: [`${digest}/layer.tar`] }]));
  });
}

interface TarEntry {
  type: tar.Header['type'];
  linkname?: string | null;
  body: Buffer;
}

async function untar(archive: Buffer): Promise<Map<string, TarEntry>> {
  const extract = tar.extract();
  const entries = new Map<string, TarEntry>();
  extract.end(archive);
  for await (const entry of extract as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    entries.set(posix.normalize(entry.header.name), { type: entry.header.type, linkname: entry.header.linkname, body: Buffer.concat(chunks) });
  }
  return entries;
}

/**
 * The regular files a `docker save` archive's image holds (absolute path → content; later layers
 * win), for engines that keep images in memory. Rejects when `archive` is not such an archive.
 */
export async function filesOfDockerArchive(archive: Buffer): Promise<Record<string, string>> {
  const entries = await untar(archive);
  const manifest = entries.get(MANIFEST);
  if (!manifest) throw new Error('not a docker-archive: no manifest.json');
  const [image] = JSON.parse(manifest.body.toString('utf8')) as { Layers: string[] }[];
  const files: Record<string, string> = {};
  for (const name of image?.Layers ?? []) {
    let layer = entries.get(posix.normalize(name));
    // Podman links each layer.tar to a file named after its digest.
    if (layer?.type === 'symlink' && layer.linkname) layer = entries.get(posix.join(posix.dirname(name), layer.linkname));
    if (!layer) throw new Error(`not a docker-archive: layer ${name} is missing`);
    for (const [path, entry] of await untar(layer.body)) {
      if (entry.type === 'file') files[`/${path.replace(/^\.\//, '')}`] = entry.body.toString('utf8');
    }
  }
  return files;
}
