import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';

/**
 * PostgreSQL's default 128 MB buffer pool lives inside PGlite's WASM memory; the all-in-one's
 * data is small, and 16 MB keeps the idle process ~130 MiB lighter (measured in bench:idle).
 */
const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB'];

/**
 * V8 flag for PostgreSQL's WASM: Liftoff (baseline) code only. By default V8 also recompiles the hot
 * functions with TurboFan on its worker threads, and glibc keeps the compiler's freed memory: the
 * idle all-in-one held 50-80 MiB more with it (bench:idle; with one malloc arena, as bin/berth runs
 * it, and ~70 MiB with glibc's default arenas). Liftoff code costs more CPU on scans and sums
 * (~1.3-1.5x on a sum over 20,000 rows in bench:idle's PGlite-alone timings); on point reads and
 * updates, and per API request on the embedded store, the difference was within the noise.
 */
const WASM_FLAGS = '--liftoff-only';

/**
 * initdb runs in a second WASM instance that stays alive after PGlite.create returns; doing it in
 * a short-lived child keeps those ~300 MiB out of the server.
 */
const INITDB_SCRIPT = `import(process.argv[1]).then(async ({ PGlite }) => { const db = await PGlite.create(process.argv[2]); await db.close(); })
  .catch((e) => { console.error(e); process.exit(1); });`;

/**
 * The all-in-one store: PGlite (PostgreSQL compiled to WASM) in the data folder, served on a
 * unix socket so the app talks to it with the same `pg` driver and migrations as to a real server.
 * PGlite is one session: the pool using it must have exactly one connection, or two callers'
 * transactions would interleave.
 */
export class EmbeddedPostgres {
  private server?: { stop(): Promise<void> };
  private db?: { close(): Promise<void> };

  constructor(private readonly dataDir: string) {}

  /** Starts the store; returns pg connection options (host is the socket folder). */
  async start(): Promise<{ host: string; port: number; username: string; database: string }> {
    // Before PGlite compiles its module. The flag is process-wide; the only other WASM a berth process
    // compiles is undici's HTTP parser behind fetch, small and not on a hot path.
    setFlagsFromString(WASM_FLAGS);
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const pgDir = join(this.dataDir, 'pg');
    const socketDir = join(this.dataDir, 'run');
    mkdirSync(pgDir, { recursive: true });
    mkdirSync(socketDir, { recursive: true });
    if (!existsSync(join(pgDir, 'PG_VERSION'))) {
      const entry = pathToFileURL(require.resolve('@electric-sql/pglite')).href;
      await promisify(execFile)(process.execPath, [WASM_FLAGS, '-e', INITDB_SCRIPT, entry, pgDir], { timeout: 120000 });
    }
    const port = 5432;
    const socketPath = join(socketDir, `.s.PGSQL.${port}`);
    rmSync(socketPath, { force: true });
    const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];
    const db = await PGlite.create(pgDir, { startParams: [...defaults, ...PGLITE_SETTINGS] } as never);
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
    await server.start();
    this.db = db;
    this.server = server;
    return { host: socketDir, port, username: 'postgres', database: 'postgres' };
  }

  async stop(): Promise<void> {
    await this.server?.stop().catch(() => undefined);
    await this.db?.close().catch(() => undefined);
    this.server = undefined;
    this.db = undefined;
  }
}
