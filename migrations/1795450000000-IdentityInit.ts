import { MigrationInterface, QueryRunner } from 'typeorm';

export class IdentityInit1795450000000 implements MigrationInterface {
  name = 'IdentityInit1795450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS identity`);
    await q.query(`CREATE TABLE identity.domains (
      id varchar(64) PRIMARY KEY,
      name varchar(64) NOT NULL,
      description text NOT NULL DEFAULT '',
      enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX domains_name_uq ON identity.domains (lower(name))`);
    await q.query(`CREATE TABLE identity.projects (
      id varchar(64) PRIMARY KEY,
      name varchar(64) NOT NULL,
      domain_id varchar(64) NOT NULL,
      parent_id varchar(64),
      description text NOT NULL DEFAULT '',
      enabled boolean NOT NULL DEFAULT true,
      tags jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX projects_domain_name_uq ON identity.projects (domain_id, lower(name))`);
    await q.query(`CREATE TABLE identity.users (
      id varchar(64) PRIMARY KEY,
      name varchar(255) NOT NULL,
      domain_id varchar(64) NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      password_hash text,
      default_project_id varchar(64),
      extra jsonb NOT NULL DEFAULT '{}',
      failed_auth_count integer NOT NULL DEFAULT 0,
      failed_auth_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX users_domain_name_uq ON identity.users (domain_id, lower(name))`);
    await q.query(`CREATE TABLE identity.roles (
      id varchar(64) PRIMARY KEY,
      name varchar(255) NOT NULL,
      description text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX roles_name_uq ON identity.roles (lower(name))`);
    await q.query(`CREATE TABLE identity.role_implications (
      prior_role_id varchar(64) NOT NULL REFERENCES identity.roles(id) ON DELETE CASCADE,
      implied_role_id varchar(64) NOT NULL REFERENCES identity.roles(id) ON DELETE CASCADE,
      PRIMARY KEY (prior_role_id, implied_role_id))`);
    await q.query(`CREATE TABLE identity.role_assignments (
      type varchar(16) NOT NULL,
      actor_id varchar(64) NOT NULL,
      target_id varchar(64) NOT NULL,
      role_id varchar(64) NOT NULL REFERENCES identity.roles(id) ON DELETE CASCADE,
      PRIMARY KEY (type, actor_id, target_id, role_id))`);
    await q.query(`CREATE INDEX role_assignments_target_idx ON identity.role_assignments (target_id)`);
    await q.query(`CREATE TABLE identity.regions (
      id varchar(255) PRIMARY KEY,
      description text NOT NULL DEFAULT '',
      parent_region_id varchar(255))`);
    await q.query(`CREATE TABLE identity.services (
      id varchar(64) PRIMARY KEY,
      type varchar(255) NOT NULL,
      name varchar(255) NOT NULL,
      description text NOT NULL DEFAULT '',
      enabled boolean NOT NULL DEFAULT true)`);
    await q.query(`CREATE TABLE identity.endpoints (
      id varchar(64) PRIMARY KEY,
      service_id varchar(64) NOT NULL REFERENCES identity.services(id) ON DELETE CASCADE,
      interface varchar(8) NOT NULL,
      region_id varchar(255),
      url text NOT NULL,
      enabled boolean NOT NULL DEFAULT true)`);
    await q.query(`CREATE TABLE identity.signing_keys (
      id varchar(32) PRIMARY KEY,
      private_key_pem text NOT NULL,
      public_key_pem text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE identity.revocation_events (
      id bigserial PRIMARY KEY,
      audit_id varchar(64),
      user_id varchar(64),
      project_id varchar(64),
      domain_id varchar(64),
      issued_before timestamptz NOT NULL,
      revoked_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX revocation_events_revoked_at_idx ON identity.revocation_events (revoked_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA identity CASCADE`);
  }
}
