/**
 * Spawns `berth all-in-one` in a child process for a bench and cleans up after it: the temporary
 * data folder, and with the real stores a scratch PostgreSQL database and a scratch RabbitMQ vhost
 * (so a bench run cannot exchange RPCs with another berth using the same broker).
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

export type StoreKind = 'embedded' | 'postgres';

/** dist/bench/lib → dist/src/main.js */
export const MAIN_JS = join(__dirname, '..', '..', 'src', 'main.js');
/** dist/bench/lib → bin/berth, the command `npx berth` and `npm start` run. */
export const BERTH_BIN = join(__dirname, '..', '..', '..', 'bin', 'berth');
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const AMQP_BASE_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;

export interface BerthOptions {
  store: StoreKind;
  /** BERTH_LOG_LEVEL; default info, as in production. */
  logLevel?: string;
  /** Extra node flags (e.g. --cpu-prof, -r probe.js). */
  nodeArgs?: string[];
  /** Start through bin/berth, as a user does, instead of `node dist/src/main.js` (nodeArgs go in NODE_OPTIONS). */
  launcher?: boolean;
  env?: Record<string, string>;
  /** Short tag for names (database, vhost, temp folder). */
  label?: string;
  /** Use this data folder (e.g. to restart on an existing embedded store); the caller removes it. */
  dataDir?: string;
  /** The admin password to bootstrap with (default: a random one). */
  password?: string;
  /** Extra all-in-one arguments (e.g. ['--fake-hosts', '100']). */
  args?: string[];
}

export interface BerthProcess {
  url: string;
  pid: number;
  password: string;
  dataDir: string;
  /** The child's stdout (the JSON access log) goes here. */
  logFile: string;
  store: StoreKind;
  /** The broker URL of its scratch vhost (PostgreSQL + RabbitMQ runs), for agents started beside it. */
  amqpUrl?: string;
  /** How the stores were reached, for the report. */
  describe: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const live = new Set<() => Promise<void>>();
const liveChildren = new Set<ChildProcess>();

/** Registers a cleanup that runs on stop, on SIGINT/SIGTERM and on a crash of the bench. */
export function onCleanup(fn: () => Promise<void>): () => void {
  live.add(fn);
  return () => live.delete(fn);
}

export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export async function cleanupAll(): Promise<void> {
  for (const fn of [...live].reverse()) {
    live.delete(fn);
    await fn().catch((err: unknown) => process.stderr.write(`cleanup failed: ${(err as Error).message}\n`));
  }
}

let handlersInstalled = false;
/** Kills the children on any exit and runs the async cleanups on signals. Call once per bench. */
export function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: cleaning up…\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

/** Runs a bench body, always cleans up, exits 0 on success and 1 on an error. */
export function runBench(main: () => Promise<void>): void {
  installExitHandlers();
  main()
    .then(async () => {
      await cleanupAll();
      process.exit(0);
    })
    .catch(async (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      await cleanupAll();
      process.exit(1);
    });
}

function tag(label?: string): string {
  return `${(label ?? 'bench').replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

async function withPg<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createScratchDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  await withPg((c) => c.query(`create database "${name}"`));
  return {
    url: `${PG_ADMIN_URL}/${name}`,
    drop: () => withPg(async (c) => {
      await c.query(`drop database if exists "${name}" with (force)`);
    }),
  };
}

const run = promisify(execFile);

/** A scratch vhost when rabbitmqctl works here; the default vhost otherwise (said in the report). */
async function createScratchVhost(name: string): Promise<{ url: string; note: string; drop: () => Promise<void> }> {
  try {
    await run('rabbitmqctl', ['--quiet', 'add_vhost', name], { timeout: 30_000 });
    const user = new URL(AMQP_BASE_URL).username || 'guest';
    await run('rabbitmqctl', ['--quiet', 'set_permissions', '-p', name, user, '.*', '.*', '.*'], { timeout: 30_000 });
    return {
      url: `${AMQP_BASE_URL.replace(/\/+$/, '')}/${encodeURIComponent(name)}`,
      note: `scratch vhost ${name}`,
      drop: async () => {
        await run('rabbitmqctl', ['--quiet', 'delete_vhost', name], { timeout: 30_000 });
      },
    };
  } catch (err) {
    return { url: AMQP_BASE_URL, note: `default vhost (rabbitmqctl unavailable: ${(err as Error).message.split('\n')[0]})`, drop: async () => undefined };
  }
}

function tail(file: string, bytes = 4000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts an all-in-one on a free port and resolves once it prints its URL. */
export async function startBerth(opts: BerthOptions): Promise<BerthProcess> {
  const id = tag(opts.label);
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(os.tmpdir(), `berth-bench-${id}-`));
  mkdirSync(dataDir, { recursive: true });
  // This process's cleanups, last registered first: stop the child, drop the vhost and database, remove the folder.
  const mine: (() => Promise<void>)[] = ownDir ? [async () => rmSync(dataDir, { recursive: true, force: true })] : [];
  const cleanup = async (): Promise<void> => {
    while (mine.length) {
      const fn = mine.pop()!;
      await fn().catch((e: unknown) => process.stderr.write(`cleanup failed: ${(e as Error).message}\n`));
    }
  };
  const unregister = onCleanup(cleanup);
  const password = opts.password ?? `bench-${randomBytes(12).toString('hex')}`;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BERTH_') && v !== undefined) env[k] = v;
  Object.assign(env, { BERTH_ADMIN_PASSWORD: password, BERTH_LOG_LEVEL: opts.logLevel ?? 'info' }, opts.env);
  let describe = 'embedded store (PGlite) + in-process bus';
  if (opts.store === 'postgres') {
    const dbName = `berth_bench_${id}`;
    const db = await createScratchDatabase(dbName);
    mine.push(db.drop);
    const vhost = await createScratchVhost(`berth-bench-${id}`);
    mine.push(vhost.drop);
    env.BERTH_DATABASE_URL = db.url;
    env.BERTH_AMQP_URL = vhost.url;
    const pgVersion = await withPg(async (c) => (await c.query('show server_version')).rows[0].server_version as string);
    describe = `PostgreSQL ${pgVersion} (scratch database ${dbName}) + RabbitMQ (${vhost.note}), both on this host`;
  }

  const logFile = join(dataDir, `stdout-${id}.log`);
  const errFile = join(dataDir, `stderr-${id}.log`);
  const out = openSync(logFile, 'a');
  const err = openSync(errFile, 'a');
  const berthArgs = ['all-in-one', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])];
  if (opts.launcher && opts.nodeArgs?.length) env.NODE_OPTIONS = [env.NODE_OPTIONS, ...opts.nodeArgs].filter(Boolean).join(' ');
  const [command, args] = opts.launcher ? [BERTH_BIN, berthArgs] : [process.execPath, [...(opts.nodeArgs ?? []), MAIN_JS, ...berthArgs]];
  const child = spawn(command, args, {
    env, stdio: ['ignore', out, err], cwd: dataDir,
  });
  closeSync(out);
  closeSync(err);
  trackChild(child);
  let exited: string | undefined;
  let stopping = false;
  let serving = false;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    // Before it serves, the start loop below reports the exit with the same detail.
    if (serving && !stopping) {
      process.stderr.write(`\nberth (pid ${child.pid}) ${exited} unexpectedly; its stderr:\n${tail(errFile)}\nlast stdout:\n${tail(logFile, 2000)}\n`);
    }
  });

  const stop = async (): Promise<void> => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
      if ((await Promise.race([done.then(() => 'done'), timer])) === 'timeout') {
        child.kill('SIGKILL');
        await done;
      }
    }
  };
  mine.push(stop);

  const deadline = Date.now() + START_TIMEOUT_MS;
  let url: string | undefined;
  while (!url) {
    const m = /berth all-in-one is serving on (http:\/\/\S+)/.exec(tail(logFile, 1 << 20));
    if (m) {
      url = m[1];
      serving = true;
    } else if (exited) {
      throw new Error(`berth ${exited} before serving:\n${tail(errFile)}\n${tail(logFile)}`);
    } else if (Date.now() > deadline) {
      throw new Error(`berth did not serve within ${START_TIMEOUT_MS / 1000}s:\n${tail(errFile)}`);
    } else {
      await sleep(100);
    }
  }
  return {
    url, pid: child.pid!, password, dataDir, logFile, store: opts.store, amqpUrl: env.BERTH_AMQP_URL, describe, child,
    stop: async () => {
      unregister();
      await cleanup();
    },
  };
}

/** The Keystone password-auth body for the bootstrapped admin, project-scoped. */
export function adminAuthBody(password: string): string {
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  });
}

/** Issues a token for the admin; returns it. */
export async function issueToken(berth: Pick<BerthProcess, 'url' | 'password'>): Promise<string> {
  const res = await fetch(`${berth.url}/identity/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: adminAuthBody(berth.password),
  });
  const token = res.headers.get('x-subject-token');
  await res.arrayBuffer();
  if (res.status !== 201 || !token) throw new Error(`token issue failed: HTTP ${res.status}`);
  return token;
}

/** GET with a token; throws on a non-2xx answer. */
export async function getJson(url: string, token: string): Promise<unknown> {
  const res = await fetch(url, { headers: { 'x-auth-token': token } });
  const body = await res.json();
  if (res.status >= 300) throw new Error(`GET ${url}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** VmRSS of a process, in bytes (from /proc/PID/status). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

export function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** CPU time (user + system) a process has used so far, in microseconds (from /proc/PID/stat). */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS;
}
/** USER_HZ; 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;
