import { MigrationInterface, QueryRunner } from 'typeorm';

export class ComputeInit1795470000000 implements MigrationInterface {
  name = 'ComputeInit1795470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS compute`);
    await q.query(`CREATE TABLE compute.flavors (
      id varchar(255) PRIMARY KEY,
      name varchar(255) NOT NULL,
      vcpus integer NOT NULL,
      memory_mb integer NOT NULL,
      root_gb integer NOT NULL,
      ephemeral_gb integer NOT NULL DEFAULT 0,
      swap_mb integer NOT NULL DEFAULT 0,
      rxtx_factor double precision NOT NULL DEFAULT 1,
      is_public boolean NOT NULL DEFAULT true,
      disabled boolean NOT NULL DEFAULT false,
      description text,
      extra_specs jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX flavors_name_uq ON compute.flavors (name)`);
    await q.query(`CREATE TABLE compute.flavor_projects (
      flavor_id varchar(255) NOT NULL,
      project_id varchar(64) NOT NULL,
      PRIMARY KEY (flavor_id, project_id))`);
    await q.query(`CREATE TABLE compute.instances (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL,
      project_id varchar(64) NOT NULL,
      user_id varchar(64) NOT NULL,
      kind varchar(16) NOT NULL,
      image_ref varchar(64),
      flavor jsonb NOT NULL,
      vm_state varchar(32) NOT NULL,
      task_state varchar(64),
      power_state smallint NOT NULL DEFAULT 0,
      host varchar(255),
      availability_zone varchar(255) NOT NULL DEFAULT 'nova',
      metadata jsonb NOT NULL DEFAULT '{}',
      container jsonb NOT NULL DEFAULT '{}',
      scheduler_hints jsonb NOT NULL DEFAULT '{}',
      locked boolean NOT NULL DEFAULT false,
      locked_reason text,
      description text,
      reservation_id varchar(64),
      launch_index integer NOT NULL DEFAULT 0,
      fault jsonb,
      launched_at timestamptz,
      terminated_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz)`);
    await q.query(`CREATE INDEX instances_project_idx ON compute.instances (project_id)`);
    await q.query(`CREATE INDEX instances_host_idx ON compute.instances (host)`);
    await q.query(`CREATE TABLE compute.instance_actions (
      id bigserial PRIMARY KEY,
      instance_id uuid NOT NULL,
      action varchar(64) NOT NULL,
      request_id varchar(255) NOT NULL,
      user_id varchar(64),
      project_id varchar(64),
      start_time timestamptz NOT NULL,
      finish_time timestamptz,
      message text,
      updated_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX instance_actions_instance_idx ON compute.instance_actions (instance_id)`);
    await q.query(`CREATE TABLE compute.instance_action_events (
      id bigserial PRIMARY KEY,
      action_id bigint NOT NULL,
      event varchar(255) NOT NULL,
      start_time timestamptz NOT NULL,
      finish_time timestamptz,
      result varchar(32),
      traceback text,
      host varchar(255),
      details text)`);
    await q.query(`CREATE INDEX instance_action_events_action_idx ON compute.instance_action_events (action_id)`);
    await q.query(`CREATE TABLE compute.compute_services (
      id uuid PRIMARY KEY,
      seq serial NOT NULL,
      host varchar(255) NOT NULL,
      "binary" varchar(64) NOT NULL DEFAULT 'nova-compute',
      zone varchar(255) NOT NULL DEFAULT 'nova',
      disabled boolean NOT NULL DEFAULT false,
      disabled_reason text,
      forced_down boolean NOT NULL DEFAULT false,
      last_seen_at timestamptz NOT NULL,
      driver varchar(32) NOT NULL,
      hypervisor_type varchar(64) NOT NULL,
      hypervisor_version varchar(64) NOT NULL,
      host_ip varchar(64) NOT NULL,
      kinds jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX compute_services_host_uq ON compute.compute_services (host)`);
    await q.query(`CREATE TABLE compute.resource_providers (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL,
      generation integer NOT NULL DEFAULT 0,
      traits jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX resource_providers_name_uq ON compute.resource_providers (name)`);
    await q.query(`CREATE TABLE compute.inventories (
      provider_id uuid NOT NULL,
      resource_class varchar(64) NOT NULL,
      total integer NOT NULL,
      reserved integer NOT NULL DEFAULT 0,
      min_unit integer NOT NULL DEFAULT 1,
      max_unit integer NOT NULL,
      step_size integer NOT NULL DEFAULT 1,
      allocation_ratio double precision NOT NULL DEFAULT 1,
      used integer NOT NULL DEFAULT 0,
      PRIMARY KEY (provider_id, resource_class))`);
    await q.query(`CREATE TABLE compute.allocations (
      consumer_id uuid NOT NULL,
      provider_id uuid NOT NULL,
      resource_class varchar(64) NOT NULL,
      used integer NOT NULL,
      project_id varchar(64) NOT NULL,
      user_id varchar(64) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer_id, provider_id, resource_class))`);
    await q.query(`CREATE INDEX allocations_provider_idx ON compute.allocations (provider_id)`);
    await q.query(`CREATE TABLE compute.quotas (
      project_id varchar(64) NOT NULL,
      resource varchar(64) NOT NULL,
      hard_limit integer NOT NULL,
      PRIMARY KEY (project_id, resource))`);
    await q.query(`CREATE TABLE compute.server_groups (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL,
      policy varchar(32) NOT NULL,
      rules jsonb NOT NULL DEFAULT '{}',
      project_id varchar(64) NOT NULL,
      user_id varchar(64) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE compute.server_group_members (
      group_id uuid NOT NULL,
      instance_id uuid NOT NULL,
      PRIMARY KEY (group_id, instance_id))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA compute CASCADE`);
  }
}
