import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** The pg client's answer: rows, and how many rows an INSERT/UPDATE/DELETE touched. */
export interface PreparedResult<T> {
  rows: T[];
  rowCount: number | null;
}

interface PgClient {
  query<T>(config: { name: string; text: string; values: unknown[] }): Promise<PreparedResult<T>>;
}

const names = new Map<string, string>();

/** A stable name per SQL text: the same text gets the same prepared statement on every connection. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `berth_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs `text` as a named prepared statement, so PostgreSQL parses and plans it once per connection
 * instead of on every call: for the multi-step statements of a build (a claim, an action step)
 * planning costs about as much as running them. In `manager`'s transaction when it has one, else
 * straight on TypeORM's pg pool (its `master`), without the query runner EntityManager.query
 * builds for every statement (measured: more CPU than the statement).
 *
 * Only for fixed SQL texts (or a small fixed set): each distinct text stays prepared on every
 * pooled connection for the connection's life.
 */
export async function preparedQuery<T>(manager: EntityManager, text: string, values: unknown[]): Promise<PreparedResult<T>> {
  const query = { name: nameOf(text), text, values };
  if (manager.queryRunner) return ((await manager.queryRunner.connect()) as PgClient).query<T>(query);
  return ((manager.connection.driver as PostgresDriver).master as PgClient).query<T>(query);
}
