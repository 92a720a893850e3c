import { MigrationInterface, QueryRunner } from 'typeorm';

export class VolumeInit1795510000000 implements MigrationInterface {
  name = 'VolumeInit1795510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS volume`);
    await q.query(`CREATE TABLE volume.volume_types (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL,
      description varchar(255),
      is_public boolean NOT NULL DEFAULT true,
      extra_specs jsonb NOT NULL DEFAULT '{}',
      qos_specs_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX volume_types_name_uq ON volume.volume_types (name)`);
    // Cinder (since Train) always has this type: volumes created without one get it.
    await q.query(`INSERT INTO volume.volume_types (id, name, description) VALUES (gen_random_uuid(), '__DEFAULT__', 'Default Volume Type')`);
    await q.query(`CREATE TABLE volume.qos_specs (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL,
      consumer varchar(16) NOT NULL DEFAULT 'back-end',
      specs jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX qos_specs_name_uq ON volume.qos_specs (name)`);
    await q.query(`CREATE TABLE volume.volumes (
      id uuid PRIMARY KEY,
      project_id varchar(64) NOT NULL,
      user_id varchar(64) NOT NULL,
      name varchar(255),
      description varchar(255),
      size integer NOT NULL,
      target_size integer,
      status varchar(32) NOT NULL,
      availability_zone varchar(255) NOT NULL,
      volume_type_id uuid NOT NULL,
      snapshot_id uuid,
      source_volid uuid,
      bootable boolean NOT NULL DEFAULT false,
      multiattach boolean NOT NULL DEFAULT false,
      metadata jsonb NOT NULL DEFAULT '{}',
      host varchar(255),
      use_quota boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX volumes_project_idx ON volume.volumes (project_id)`);
    await q.query(`CREATE INDEX volumes_type_idx ON volume.volumes (volume_type_id)`);
    await q.query(`CREATE INDEX volumes_host_idx ON volume.volumes (host)`);
    await q.query(`CREATE TABLE volume.snapshots (
      id uuid PRIMARY KEY,
      project_id varchar(64) NOT NULL,
      user_id varchar(64) NOT NULL,
      volume_id uuid NOT NULL,
      name varchar(255),
      description varchar(255),
      status varchar(32) NOT NULL,
      volume_size integer NOT NULL,
      volume_type_id uuid NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}',
      use_quota boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX snapshots_volume_idx ON volume.snapshots (volume_id)`);
    await q.query(`CREATE INDEX snapshots_project_idx ON volume.snapshots (project_id)`);
    await q.query(`CREATE TABLE volume.messages (
      id uuid PRIMARY KEY,
      project_id varchar(64) NOT NULL,
      request_id varchar(255) NOT NULL,
      resource_type varchar(255) NOT NULL,
      resource_uuid uuid NOT NULL,
      event_id varchar(255) NOT NULL,
      user_message varchar(1024) NOT NULL,
      message_level varchar(255) NOT NULL DEFAULT 'ERROR',
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX messages_project_idx ON volume.messages (project_id)`);
    await q.query(`CREATE TABLE volume.quotas (
      project_id varchar(64) NOT NULL,
      resource varchar(300) NOT NULL,
      hard_limit integer NOT NULL,
      PRIMARY KEY (project_id, resource))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA volume CASCADE`);
  }
}
