/**
 * A process that only runs the embedded store the way berth does (PGlite in DATA_DIR/pg behind a
 * PGLiteSocketServer on a unix socket) and answers one query, for bench:idle to compare against
 * the all-in-one. Usage: node pglite-only.js DATA_DIR [--shared-buffers 16MB]. Prints
 * "pglite is ready" and idles until SIGTERM.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: pglite-only DATA_DIR [--shared-buffers SIZE]');
  const i = process.argv.indexOf('--shared-buffers');
  const sharedBuffers = i > 0 ? process.argv[i + 1] : undefined;
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const pgDir = join(dataDir, 'pg');
  const socketDir = join(dataDir, 'run');
  mkdirSync(pgDir, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  const socketPath = join(socketDir, '.s.PGSQL.5432');
  rmSync(socketPath, { force: true });
  const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];
  const db = await PGlite.create(pgDir, sharedBuffers ? { startParams: [...defaults, '-c', `shared_buffers=${sharedBuffers}`] } : {});
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  await server.start();
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
