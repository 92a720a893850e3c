import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Store } from '../../../src/common/database/store';
import { ALL_MIGRATIONS } from '../../../migrations';
import { ALL_ENTITIES } from '../../../src/services/entities';
import { createTestDatabase } from '../../utils/test-backends';

jest.setTimeout(120000);

const ALL_NAMES = ALL_MIGRATIONS.map((m) => m.name);

const run = promisify(execFile);

async function pendingSchemaChanges(store: Store): Promise<string[]> {
  const log = await store.dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}

describe('migrations', () => {
  it('on PostgreSQL: create exactly the schema the entities describe, and roll back cleanly', async () => {
    const db = await createTestDatabase();
    const store = new Store({ databaseUrl: db.url, dataDir: '/nonexistent', entities: ALL_ENTITIES });
    try {
      await store.open();
      expect(await store.migrate()).toEqual(ALL_NAMES);
      expect(await store.migrate()).toEqual([]);
      expect(await pendingSchemaChanges(store)).toEqual([]);
      for (let i = 0; i < ALL_NAMES.length; i++) await store.dataSource.undoLastMigration();
      const schemas = await store.dataSource.query(`SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN ('public', 'information_schema') AND schema_name NOT LIKE 'pg_%'`);
      expect(schemas).toEqual([]);
      expect(await store.migrate()).toEqual(ALL_NAMES);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  /**
   * PGlite loads its WASM through a dynamic import that Jest's module VM cannot run, so the
   * embedded store is exercised from the compiled code in a child process (npm test builds first).
   */
  it('on the embedded store: the same migrations apply, match the entities, and the data survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-embedded-'));
    const probe = `
      const { Store } = require('./dist/src/common/database/store');
      const { ALL_ENTITIES } = require('./dist/src/services/entities');
      (async () => {
        const out = {};
        const first = new Store({ dataDir: process.argv[1], entities: ALL_ENTITIES });
        await first.open();
        out.firstRun = await first.migrate();
        out.diff = (await first.dataSource.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
        await first.dataSource.query("INSERT INTO identity.domains (id, name) VALUES ('d1', 'kept')");
        await first.close();
        const second = new Store({ dataDir: process.argv[1], entities: ALL_ENTITIES });
        await second.open();
        out.secondRun = await second.migrate();
        out.rows = await second.dataSource.query("SELECT name FROM identity.domains WHERE id = 'd1'");
        await second.close();
        process.stdout.write(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    try {
      const { stdout } = await run(process.execPath, ['-e', probe, dataDir], { cwd: join(__dirname, '../../..'), timeout: 90000 });
      expect(JSON.parse(stdout)).toEqual({
        firstRun: ALL_NAMES, diff: [], secondRun: [], rows: [{ name: 'kept' }],
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
