import { MigrationInterface, QueryRunner } from 'typeorm';

export class ImageInit1795460000000 implements MigrationInterface {
  name = 'ImageInit1795460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS image`);
    await q.query(`CREATE TABLE image.images (
      id uuid PRIMARY KEY,
      name varchar(255),
      status varchar(30) NOT NULL,
      visibility varchar(16) NOT NULL,
      protected boolean NOT NULL DEFAULT false,
      os_hidden boolean NOT NULL DEFAULT false,
      project_id varchar(255),
      container_format varchar(32),
      disk_format varchar(32),
      size bigint,
      virtual_size bigint,
      checksum varchar(32),
      os_hash_algo varchar(64),
      os_hash_value varchar(128),
      min_disk integer NOT NULL DEFAULT 0,
      min_ram integer NOT NULL DEFAULT 0,
      tags jsonb NOT NULL DEFAULT '[]',
      properties jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz)`);
    await q.query(`CREATE INDEX images_project_id_idx ON image.images (project_id)`);
    await q.query(`CREATE INDEX images_name_idx ON image.images (name)`);
    await q.query(`CREATE TABLE image.secrets (
      name varchar(64) PRIMARY KEY,
      value text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA image CASCADE`);
  }
}
