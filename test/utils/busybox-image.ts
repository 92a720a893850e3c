import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { packed } from '../../src/services/agent/drivers/docker-archive';

/** Debian's busybox-static (scripts/test.sh installs it). */
export const BUSYBOX = '/bin/busybox';

const APPLETS = [
  'sh', 'echo', 'cat', 'sleep', 'ls', 'ps', 'top', 'true', 'false', 'env', 'printenv', 'id', 'hostname',
  'mkdir', 'rm', 'cp', 'mv', 'grep', 'head', 'tail', 'wc', 'kill', 'nproc', 'free', 'uname', 'date', 'sed', 'tr',
];

/** Every entry gets this time, so the archive (and its md5) depends only on the busybox binary. */
const EPOCH = new Date('2000-01-01T00:00:00Z');

export interface BusyboxImage {
  /** A `docker save` (docker-archive) tar. */
  path: string;
  md5: string;
  size: number;
  /** The name the archive carries in manifest.json (RepoTags). */
  tag: string;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

const entry = (name: string, rest: Partial<tar.Header> = {}): Partial<tar.Header> & { name: string } =>
  ({ name, mtime: EPOCH, uid: 0, gid: 0, uname: 'root', gname: 'root', ...rest });

async function buildArchive(tag: string, cmd: string[]): Promise<Buffer> {
  const busybox = readFileSync(BUSYBOX);
  const layer = await packed((p) => {
    for (const d of ['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'usr', 'usr/bin', 'var']) p.entry(entry(`${d}/`, { type: 'directory', mode: 0o755 }));
    p.entry(entry('tmp/', { type: 'directory', mode: 0o1777 }));
    p.entry(entry('bin/busybox', { mode: 0o755 }), busybox);
    for (const a of APPLETS) p.entry(entry(`bin/${a}`, { type: 'symlink', linkname: 'busybox', mode: 0o777 }));
    p.entry(entry('etc/passwd', { mode: 0o644 }), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    p.entry(entry('etc/group', { mode: 0o644 }), 'root:x:0:\nnogroup:x:65534:\n');
  });
  const layerDigest = sha256(layer);
  const config = Buffer.from(JSON.stringify({
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    os: 'linux',
    created: EPOCH.toISOString(),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd, WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created: EPOCH.toISOString(), created_by: 'berth test busybox image (Debian busybox-static)' }],
  }));
  const configName = `${sha256(config)}.json`;
  const layerName = `${layerDigest}/layer.tar`;
  const manifest = JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: [layerName] }]);
  return packed((p) => {
    p.entry(entry(`${layerDigest}/`, { type: 'directory', mode: 0o755 }));
    p.entry(entry(`${layerDigest}/VERSION`, { mode: 0o644 }), '1.0');
    p.entry(entry(layerName, { mode: 0o644 }), layer);
    p.entry(entry(configName, { mode: 0o644 }), config);
    p.entry(entry('manifest.json', { mode: 0o644 }), manifest);
  });
}

/**
 * A tiny image in `docker save` format from Debian's busybox-static: /bin/busybox with symlinks
 * for sh, echo, cat, sleep, ls, ps, top …, written with tar-stream (manifest.json, one layer, a
 * config). The archive is deterministic and cached in the temp dir, so every test file of a run
 * (and later runs) reuse it.
 */
/** `cmd` is the image's default command (what a server booted from it runs). */
export async function busyboxImage(tag = 'berth-test/busybox:1', cmd: string[] = ['sh']): Promise<BusyboxImage> {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`);
  const key = sha256(Buffer.concat([readFileSync(BUSYBOX), Buffer.from(`\0${tag}\0${JSON.stringify(cmd)}`)])).slice(0, 16);
  const dir = join(tmpdir(), 'berth-test-images');
  const path = join(dir, `busybox-${key}.tar`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, await buildArchive(tag, cmd));
    renameSync(tmp, path);
  }
  const data = readFileSync(path);
  return { path, md5: createHash('md5').update(data).digest('hex'), size: data.length, tag };
}
