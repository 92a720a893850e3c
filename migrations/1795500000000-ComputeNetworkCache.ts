import { MigrationInterface, QueryRunner } from 'typeorm';

/** What a server asked of the network service, and its ports as last allocated (Nova's info cache). */
export class ComputeNetworkCache1795500000000 implements MigrationInterface {
  name = 'ComputeNetworkCache1795500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE compute.instances ADD COLUMN requested_networks jsonb NOT NULL DEFAULT '[]', ADD COLUMN network_info jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE compute.instances DROP COLUMN network_info, DROP COLUMN requested_networks`);
  }
}
