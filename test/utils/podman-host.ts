import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One simulated host's container engine: a Podman service with a store of its own. */
export interface PodmanHost {
  name: string;
  dir: string;
  socketPath: string;
  /** `unix://<socketPath>`, as `berth agent --docker-host` takes it. */
  dockerHost: string;
  /** Removes every container, stops the service and deletes its store. */
  stop(): Promise<void>;
}

/**
 * containers.conf for the test machines (design.md, "The test machines"): runc, because crun
 * refuses the hybrid cgroup v1 hierarchy; cgroupfs, as there is no systemd; no default ulimits,
 * which these kernels refuse. Per host also: file locks and an events file inside the host's
 * own directories (the defaults, /dev/shm/libpod_lock and /run/libpod, are shared by every Podman
 * on the machine, and a killed service would leak its shm locks), and its own temp dir for
 * image loads.
 */
function containersConf(dir: string): string {
  return [
    '[containers]',
    'default_ulimits = []',
    '',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${join(dir, 'tmp', 'events.log')}"`,
    'lock_type = "file"',
    `tmp_dir = "${join(dir, 'tmp')}"`,
    `image_copy_tmp_dir = "${join(dir, 'image-tmp')}"`,
    '',
  ].join('\n');
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

function api(socketPath: string, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end();
  });
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
}

/**
 * Processes this host's Podman left behind, found by its unique directory on their command line:
 * conmon stays up to 5 minutes after each exec session (its exit delay) to report the exit code.
 */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Mount points below `dir` (overlay layers, the store's private bind mount), deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

/**
 * Starts `podman system service --time=0 unix://<dir>/podman.sock` with its own --root and
 * --runroot under a temp dir, and waits until `GET /_ping` answers. Several can run at once,
 * one per simulated host (they share the CNI bridge, like hosts on one network segment).
 */
export async function startPodmanHost(name: string, opts: { timeoutMs?: number } = {}): Promise<PodmanHost> {
  const dir = mkdtempSync(join(tmpdir(), `berth-podman-${name}-`));
  for (const sub of ['tmp', 'image-tmp']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, containersConf(dir));
  const socketPath = join(dir, 'podman.sock');
  let log = '';
  const child = spawn('podman', [
    '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'),
    'system', 'service', '--time=0', `unix://${socketPath}`,
  ], { env: { ...process.env, CONTAINERS_CONF: conf }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { log += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { log += d; });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      if (await ping(socketPath)) {
        const list = await api(socketPath, 'GET', '/containers/json?all=true').catch(() => undefined);
        const ids: string[] = list?.status === 200 ? (JSON.parse(list.body) as { Id: string }[]).map((c) => c.Id) : [];
        await Promise.all(ids.map((id) => api(socketPath, 'DELETE', `/containers/${id}?force=true&v=true`).catch(() => undefined)));
      }
      child.kill('SIGTERM');
      if (!(await exited(child, 10_000))) {
        child.kill('SIGKILL');
        await exited(child, 5_000);
      }
    }
    for (const pid of processesUsing(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    for (const m of mountsUnder(dir)) await run('umount', ['-l', m]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (await ping(socketPath)) break;
    const failed = child.exitCode !== null || child.signalCode !== null
      ? new Error(`podman exited (${child.exitCode ?? child.signalCode})`)
      : await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    if (failed || Date.now() > deadline) {
      await cleanup();
      const why = (failed as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
        ? 'podman is not installed (apt-get install podman runc)'
        : failed?.message ?? `no answer on ${socketPath} within ${opts.timeoutMs ?? 30_000} ms`;
      throw new Error(`podman host ${name} did not start: ${why}\n${log}`);
    }
  }
  return { name, dir, socketPath, dockerHost: `unix://${socketPath}`, stop: cleanup };
}
