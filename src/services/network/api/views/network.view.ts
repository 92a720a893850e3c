import { FloatingIpEntity } from '../../entities/floating-ip.entity';
import { NetworkEntity, SubnetEntity } from '../../entities/network.entity';
import { PortBindingEntity, PortEntity } from '../../entities/port.entity';
import { SecurityGroupEntity, SecurityGroupRuleEntity } from '../../entities/security-group.entity';

/** Neutron prints times without fractions: 2026-11-23T18:00:00Z. */
export function neutronTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function standard(e: { id: string; projectId: string; revisionNumber: number; createdAt: Date; updatedAt: Date; description: string }) {
  return {
    id: e.id, tenant_id: e.projectId, project_id: e.projectId, description: e.description, tags: [],
    created_at: neutronTime(e.createdAt), updated_at: neutronTime(e.updatedAt), revision_number: e.revisionNumber,
  };
}

export function renderNetwork(n: NetworkEntity, subnetIds: string[], admin: boolean): Record<string, unknown> {
  return {
    ...standard(n),
    name: n.name,
    admin_state_up: n.adminStateUp,
    status: n.status,
    subnets: subnetIds,
    shared: n.shared,
    'router:external': n.external,
    mtu: n.mtu,
    port_security_enabled: n.portSecurityEnabled,
    availability_zone_hints: [],
    availability_zones: ['nova'],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    ...(admin ? {
      'provider:network_type': n.networkType,
      'provider:physical_network': n.physicalNetwork,
      'provider:segmentation_id': n.segmentationId,
    } : {}),
  };
}

export function renderSubnet(s: SubnetEntity): Record<string, unknown> {
  return {
    ...standard(s),
    name: s.name,
    network_id: s.networkId,
    ip_version: s.ipVersion,
    cidr: s.cidr,
    gateway_ip: s.gatewayIp,
    allocation_pools: s.allocationPools,
    enable_dhcp: s.enableDhcp,
    dns_nameservers: s.dnsNameservers,
    host_routes: s.hostRoutes,
    ipv6_ra_mode: s.ipv6RaMode,
    ipv6_address_mode: s.ipv6AddressMode,
    subnetpool_id: null,
    segment_id: null,
    service_types: [],
  };
}

export interface PortView {
  port: PortEntity;
  fixedIps: { subnet_id: string; ip_address: string }[];
  securityGroups: string[];
  active?: PortBindingEntity;
}

/** `binding:*` are for admins only, as Neutron's default policy has it. */
export function renderPort(v: PortView, admin: boolean): Record<string, unknown> {
  const p = v.port;
  return {
    ...standard(p),
    name: p.name,
    network_id: p.networkId,
    mac_address: p.macAddress,
    admin_state_up: p.adminStateUp,
    status: p.status,
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    fixed_ips: v.fixedIps,
    allowed_address_pairs: p.allowedAddressPairs.map((a) => ({ ip_address: a.ip_address, mac_address: a.mac_address || p.macAddress })),
    extra_dhcp_opts: [],
    security_groups: v.securityGroups,
    port_security_enabled: p.portSecurityEnabled,
    ...(admin ? {
      'binding:host_id': v.active?.host ?? '',
      'binding:vif_type': v.active?.vifType ?? 'unbound',
      'binding:vif_details': v.active?.vifDetails ?? {},
      'binding:vnic_type': v.active?.vnicType ?? 'normal',
      'binding:profile': v.active?.profile ?? {},
    } : { 'binding:vnic_type': v.active?.vnicType ?? 'normal' }),
  };
}

export function renderBinding(b: PortBindingEntity): Record<string, unknown> {
  return { host: b.host, status: b.status, vif_type: b.vifType, vnic_type: b.vnicType, vif_details: b.vifDetails, profile: b.profile };
}

export function renderRule(r: SecurityGroupRuleEntity): Record<string, unknown> {
  return {
    ...standard(r),
    security_group_id: r.securityGroupId,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    port_range_min: r.portRangeMin,
    port_range_max: r.portRangeMax,
    remote_ip_prefix: r.remoteIpPrefix,
    remote_group_id: r.remoteGroupId,
    remote_address_group_id: null,
    normalized_cidr: r.remoteIpPrefix,
  };
}

export function renderSecurityGroup(g: SecurityGroupEntity, rules: SecurityGroupRuleEntity[]): Record<string, unknown> {
  return { ...standard(g), name: g.name, stateful: g.stateful, shared: false, security_group_rules: rules.map(renderRule) };
}

export function renderFloatingIp(f: FloatingIpEntity): Record<string, unknown> {
  return {
    ...standard(f),
    floating_network_id: f.floatingNetworkId,
    floating_ip_address: f.floatingIpAddress,
    port_id: f.portId,
    fixed_ip_address: f.fixedIpAddress,
    router_id: null,
    status: f.status,
    port_details: null,
    dns_domain: '',
    dns_name: '',
    qos_policy_id: null,
    port_forwardings: [],
  };
}
