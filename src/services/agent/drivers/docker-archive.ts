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
