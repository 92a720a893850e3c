import { DataSource, DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import { ALL_MIGRATIONS } from '../../../migrations';
import { EmbeddedPostgres } from './embedded-postgres';
import { SnakeNamingStrategy } from './naming.strategy';

// eslint-disable-next-line @typescript-eslint/ban-types
export type EntityList = MixedList<Function | string | EntitySchema>;

export interface StoreOptions {
  /** postgres:// URL; absent → the embedded store in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  entities: EntityList;
  poolSize?: number;
}

/** One options object for the app and the TypeORM CLI (see data-source.ts). */
export function dataSourceOptions(base: Partial<DataSourceOptions> & object, entities: EntityList, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    ...base,
    entities,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 10000 },
  } as DataSourceOptions;
}

/** The database a process uses: a real PostgreSQL server, or the embedded one. */
export class Store {
  private embedded?: EmbeddedPostgres;
  dataSource!: DataSource;

  constructor(private readonly opts: StoreOptions) {}

  async open(): Promise<DataSource> {
    let base: Record<string, unknown>;
    let poolSize = this.opts.poolSize ?? 10;
    if (this.opts.databaseUrl) {
      base = { url: this.opts.databaseUrl };
    } else {
      this.embedded = new EmbeddedPostgres(this.opts.dataDir);
      base = await this.embedded.start();
      poolSize = 1;
    }
    this.dataSource = new DataSource(dataSourceOptions(base, this.opts.entities, poolSize));
    try {
      await this.dataSource.initialize();
    } catch (err) {
      await this.embedded?.stop();
      throw err;
    }
    return this.dataSource;
  }

  /** Applies pending migrations; returns the names applied. */
  async migrate(): Promise<string[]> {
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  }

  async ping(): Promise<boolean> {
    try {
      await this.dataSource.query('select 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}
