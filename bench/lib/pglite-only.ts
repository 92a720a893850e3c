/**
 * A process that only runs the embedded store the way berth does (PGlite in DATA_DIR/pg with
 * shared_buffers=16MB, behind a PGLiteSocketServer on a unix socket), for bench:idle to compare
 * against the all-in-one. Usage: node [--liftoff-only] pglite-only.js DATA_DIR [--prepare]. With
 * --prepare it creates the 20,000-row table the timings use and exits; without, it times a fixed set
 * of queries on that table, prints them as "pglite timings {json}", then prints "pglite is ready"
 * and idles until SIGTERM.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROWS = 20_000;
const WARMUP = 3;
const BATCHES = 5;

type Db = { query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>; exec(sql: string): Promise<unknown> };

/**
 * CPU µs per query (the process's user + system time: on a shared machine less disturbed than the
 * clock): WARMUP batches to warm up and let V8 tier up hot code, then the median of BATCHES batches.
 */
async function time(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP * n; i++) await fn(i);
  const batches: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const started = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn(i);
    const used = process.cpuUsage(started);
    batches.push((used.user + used.system) / n);
  }
  return batches.sort((x, y) => x - y)[Math.floor(BATCHES / 2)];
}

async function prepare(db: Db): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS bench_instances (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), project_id text, name text, task_state text,
    memory_mb int, vcpus int, metadata jsonb, created_at timestamptz DEFAULT now());
    CREATE INDEX IF NOT EXISTS bench_instances_project ON bench_instances (project_id);
    TRUNCATE bench_instances;
    INSERT INTO bench_instances (project_id, name, memory_mb, vcpus, metadata)
      SELECT 'p' || (i % 20), 'server-' || i, 512, 1, jsonb_build_object('i', i, 'pad', repeat('x', 300)) FROM generate_series(1, ${ROWS}) i;`);
  await db.exec('VACUUM ANALYZE bench_instances');
}

/** Queries shaped like the API's: a point read, a compare-and-swap update, a list page, a usage sum. */
async function timings(db: Db): Promise<Record<string, number>> {
  const ids = (await db.query('SELECT id FROM bench_instances ORDER BY random() LIMIT 1000')).rows.map((r) => r.id);
  return {
    pointSelect: await time(1000, (i) => db.query('SELECT * FROM bench_instances WHERE id = $1', [ids[i % ids.length]])),
    casUpdate: await time(500, (i) => db.query('UPDATE bench_instances SET task_state = $2 WHERE id = $1 AND task_state IS DISTINCT FROM $2', [ids[i % ids.length], i % 2 ? null : 'rebooting'])),
    listPage: await time(50, (i) => db.query('SELECT * FROM bench_instances WHERE project_id = $1 ORDER BY created_at DESC, id LIMIT 100', [`p${i % 20}`])),
    usageSum: await time(10, () => db.query('SELECT project_id, count(*), sum(memory_mb), sum(vcpus) FROM bench_instances GROUP BY project_id')),
  };
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: pglite-only DATA_DIR [--prepare]');
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const pgDir = join(dataDir, 'pg');
  const socketDir = join(dataDir, 'run');
  mkdirSync(pgDir, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  const socketPath = join(socketDir, '.s.PGSQL.5432');
  rmSync(socketPath, { force: true });
  const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];
  const db = await PGlite.create(pgDir, { startParams: [...defaults, '-c', 'shared_buffers=16MB'] });
  if (process.argv[3] === '--prepare') {
    await prepare(db as unknown as Db);
    await db.close();
    return;
  }
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  await server.start();
  process.stdout.write(`pglite timings ${JSON.stringify(await timings(db as unknown as Db))}\n`);
  const shown = await db.query<{ shared_buffers: string }>('show shared_buffers');
  process.stdout.write(`pglite is ready (shared_buffers ${shown.rows[0].shared_buffers})\n`);
  const stop = () => void server.stop().then(() => db.close()).finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  process.stderr.write(`pglite-only failed: ${String(err)}\n`);
  process.exit(1);
});
