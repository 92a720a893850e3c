import { MigrationInterface, QueryRunner } from 'typeorm';

export class NetworkInit1795490000000 implements MigrationInterface {
  name = 'NetworkInit1795490000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS network`);
    await q.query(`CREATE TABLE network.networks (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL DEFAULT '',
      description varchar(255) NOT NULL DEFAULT '',
      project_id varchar(64) NOT NULL,
      admin_state_up boolean NOT NULL DEFAULT true,
      shared boolean NOT NULL DEFAULT false,
      external boolean NOT NULL DEFAULT false,
      mtu integer NOT NULL,
      status varchar(16) NOT NULL DEFAULT 'ACTIVE',
      network_type varchar(16) NOT NULL,
      physical_network varchar(64),
      segmentation_id integer,
      port_security_enabled boolean NOT NULL DEFAULT true,
      revision_number integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX networks_project_idx ON network.networks (project_id)`);
    await q.query(`CREATE UNIQUE INDEX networks_segment_uq ON network.networks (network_type, coalesce(physical_network, ''), segmentation_id) WHERE segmentation_id IS NOT NULL`);
    await q.query(`CREATE TABLE network.subnets (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL DEFAULT '',
      description varchar(255) NOT NULL DEFAULT '',
      project_id varchar(64) NOT NULL,
      network_id uuid NOT NULL,
      ip_version integer NOT NULL,
      cidr cidr NOT NULL,
      gateway_ip inet,
      allocation_pools jsonb NOT NULL DEFAULT '[]',
      enable_dhcp boolean NOT NULL DEFAULT true,
      dns_nameservers jsonb NOT NULL DEFAULT '[]',
      host_routes jsonb NOT NULL DEFAULT '[]',
      ipv6_ra_mode varchar(32),
      ipv6_address_mode varchar(32),
      revision_number integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX subnets_network_idx ON network.subnets (network_id)`);
    await q.query(`CREATE TABLE network.ip_availability (
      subnet_id uuid NOT NULL,
      first_ip inet NOT NULL,
      last_ip inet NOT NULL,
      PRIMARY KEY (subnet_id, first_ip))`);
    await q.query(`CREATE TABLE network.ip_allocations (
      subnet_id uuid NOT NULL,
      ip_address inet NOT NULL,
      port_id uuid NOT NULL,
      network_id uuid NOT NULL,
      PRIMARY KEY (subnet_id, ip_address))`);
    await q.query(`CREATE INDEX ip_allocations_port_idx ON network.ip_allocations (port_id)`);
    await q.query(`CREATE INDEX ip_allocations_address_idx ON network.ip_allocations (ip_address)`);
    await q.query(`CREATE TABLE network.ports (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL DEFAULT '',
      description varchar(255) NOT NULL DEFAULT '',
      project_id varchar(64) NOT NULL,
      network_id uuid NOT NULL,
      mac_address varchar(17) NOT NULL,
      admin_state_up boolean NOT NULL DEFAULT true,
      status varchar(16) NOT NULL DEFAULT 'DOWN',
      device_id varchar(255) NOT NULL DEFAULT '',
      device_owner varchar(255) NOT NULL DEFAULT '',
      allowed_address_pairs jsonb NOT NULL DEFAULT '[]',
      port_security_enabled boolean NOT NULL DEFAULT true,
      revision_number integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX ports_mac_uq ON network.ports (mac_address)`);
    await q.query(`CREATE INDEX ports_network_idx ON network.ports (network_id)`);
    await q.query(`CREATE INDEX ports_device_idx ON network.ports (device_id)`);
    await q.query(`CREATE INDEX ports_project_idx ON network.ports (project_id)`);
    await q.query(`CREATE TABLE network.port_bindings (
      port_id uuid NOT NULL,
      host varchar(255) NOT NULL,
      status varchar(16) NOT NULL,
      vif_type varchar(64) NOT NULL,
      vnic_type varchar(64) NOT NULL DEFAULT 'normal',
      vif_details jsonb NOT NULL DEFAULT '{}',
      profile jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (port_id, host))`);
    await q.query(`CREATE TABLE network.security_groups (
      id uuid PRIMARY KEY,
      name varchar(255) NOT NULL DEFAULT '',
      description varchar(255) NOT NULL DEFAULT '',
      project_id varchar(64) NOT NULL,
      stateful boolean NOT NULL DEFAULT true,
      revision_number integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX security_groups_project_idx ON network.security_groups (project_id)`);
    await q.query(`CREATE UNIQUE INDEX security_groups_default_uq ON network.security_groups (project_id) WHERE name = 'default'`);
    await q.query(`CREATE TABLE network.security_group_rules (
      id uuid PRIMARY KEY,
      security_group_id uuid NOT NULL,
      project_id varchar(64) NOT NULL,
      direction varchar(8) NOT NULL,
      ethertype varchar(8) NOT NULL,
      protocol varchar(40),
      port_range_min integer,
      port_range_max integer,
      remote_ip_prefix cidr,
      remote_group_id uuid,
      description varchar(255) NOT NULL DEFAULT '',
      revision_number integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX security_group_rules_group_idx ON network.security_group_rules (security_group_id)`);
    await q.query(`CREATE TABLE network.port_security_groups (
      port_id uuid NOT NULL,
      security_group_id uuid NOT NULL,
      PRIMARY KEY (port_id, security_group_id))`);
    await q.query(`CREATE INDEX port_security_groups_group_idx ON network.port_security_groups (security_group_id)`);
    await q.query(`CREATE TABLE network.floating_ips (
      id uuid PRIMARY KEY,
      description varchar(255) NOT NULL DEFAULT '',
      project_id varchar(64) NOT NULL,
      floating_network_id uuid NOT NULL,
      floating_ip_address inet NOT NULL,
      floating_port_id uuid NOT NULL,
      port_id uuid,
      fixed_ip_address inet,
      status varchar(16) NOT NULL DEFAULT 'DOWN',
      revision_number integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX floating_ips_port_idx ON network.floating_ips (port_id)`);
    await q.query(`CREATE INDEX floating_ips_project_idx ON network.floating_ips (project_id)`);
    await q.query(`CREATE TABLE network.quotas (
      project_id varchar(64) NOT NULL,
      resource varchar(64) NOT NULL,
      hard_limit integer NOT NULL,
      PRIMARY KEY (project_id, resource))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA network CASCADE`);
  }
}
