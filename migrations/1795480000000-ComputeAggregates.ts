import { MigrationInterface, QueryRunner } from 'typeorm';

export class ComputeAggregates1795480000000 implements MigrationInterface {
  name = 'ComputeAggregates1795480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE compute.aggregates (
      id serial PRIMARY KEY,
      uuid uuid NOT NULL,
      name varchar(255) NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX aggregates_name_uq ON compute.aggregates (name)`);
    await q.query(`CREATE UNIQUE INDEX aggregates_uuid_uq ON compute.aggregates (uuid)`);
    await q.query(`CREATE TABLE compute.aggregate_hosts (
      aggregate_id integer NOT NULL REFERENCES compute.aggregates (id) ON DELETE CASCADE,
      host varchar(255) NOT NULL,
      PRIMARY KEY (aggregate_id, host))`);
    await q.query(`CREATE INDEX aggregate_hosts_host_idx ON compute.aggregate_hosts (host)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE compute.aggregate_hosts`);
    await q.query(`DROP TABLE compute.aggregates`);
  }
}
