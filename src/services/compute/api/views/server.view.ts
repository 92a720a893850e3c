import { createHash } from 'node:crypto';
import { RequestContext } from '../../../../common/context/request-context';
import { Microversion } from '../../../../common/http/microversion';
import { InstanceEntity } from '../../entities/instance.entity';
import { POWER_STATE_NAME, serverStatus } from '../../state/instance-state';
import { KIND_ACTIONS } from '../../state/kind-actions';
import { renderAddresses } from '../../networking/instance-networks';

/** Nova prints times without fractions: 2026-11-23T15:45:01Z. */
export function novaTime(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

function links(base: string, kind: string, id: string) {
  return [
    { rel: 'self', href: `${base}/v2.1/${kind}/${id}` },
    { rel: 'bookmark', href: `${base}/${kind}/${id}` },
  ];
}

/** The short form of GET /servers. */
export function renderServerRef(i: InstanceEntity, base: string) {
  return { id: i.id, name: i.name, links: links(base, 'servers', i.id) };
}

/** One server as Nova's GET /servers/{id} shows it at the request's microversion. */
export function renderServer(i: InstanceEntity, ctx: RequestContext, mv: Microversion, base: string, groups: string[] = []) {
  const hostId = i.host ? createHash('sha224').update(`${i.projectId}${i.host}`).digest('hex') : '';
  const flavor = mv.atLeast('2.47')
    ? {
        original_name: i.flavor.name, vcpus: i.flavor.vcpus, ram: i.flavor.memoryMb, disk: i.flavor.rootGb,
        ephemeral: i.flavor.ephemeralGb, swap: i.flavor.swapMb, extra_specs: i.flavor.extraSpecs,
      }
    : { id: i.flavor.id, links: [{ rel: 'bookmark', href: `${base}/flavors/${i.flavor.id}` }] };
  const server: Record<string, unknown> = {
    id: i.id,
    name: i.name,
    status: serverStatus(i.vmState, i.taskState),
    tenant_id: i.projectId,
    user_id: i.userId,
    metadata: i.metadata,
    hostId,
    image: i.imageRef ? { id: i.imageRef, links: [{ rel: 'bookmark', href: `${base}/images/${i.imageRef}` }] } : '',
    flavor,
    created: novaTime(i.createdAt),
    updated: novaTime(i.updatedAt),
    addresses: renderAddresses(i.networkInfo ?? []),
    accessIPv4: '',
    accessIPv6: '',
    links: links(base, 'servers', i.id),
    'OS-DCF:diskConfig': 'MANUAL',
    progress: 0,
    'OS-EXT-AZ:availability_zone': i.availabilityZone,
    config_drive: '',
    key_name: null,
    'OS-SRV-USG:launched_at': i.launchedAt ? i.launchedAt.toISOString().replace('Z', '') : null,
    'OS-SRV-USG:terminated_at': i.terminatedAt ? i.terminatedAt.toISOString().replace('Z', '') : null,
    'OS-EXT-STS:task_state': i.taskState,
    'OS-EXT-STS:vm_state': i.vmState,
    'OS-EXT-STS:power_state': i.powerState,
    'os-extended-volumes:volumes_attached': [],
    security_groups: [{ name: 'default' }],
    'berth:kind': i.kind,
    'berth:actions': KIND_ACTIONS[i.kind],
    'berth:power_state': POWER_STATE_NAME[i.powerState] ?? 'NOSTATE',
  };
  if (ctx.isAdmin) {
    server['OS-EXT-SRV-ATTR:host'] = i.host;
    server['OS-EXT-SRV-ATTR:hypervisor_hostname'] = i.host;
    server['OS-EXT-SRV-ATTR:instance_name'] = `instance-${i.id.slice(0, 8)}`;
    if (mv.atLeast('2.3')) {
      Object.assign(server, {
        'OS-EXT-SRV-ATTR:reservation_id': i.reservationId, 'OS-EXT-SRV-ATTR:launch_index': i.launchIndex,
        'OS-EXT-SRV-ATTR:hostname': i.name, 'OS-EXT-SRV-ATTR:kernel_id': '', 'OS-EXT-SRV-ATTR:ramdisk_id': '',
        'OS-EXT-SRV-ATTR:root_device_name': null, 'OS-EXT-SRV-ATTR:user_data': null,
      });
    }
  }
  if (mv.atLeast('2.9')) server.locked = i.locked;
  if (mv.atLeast('2.73')) server.locked_reason = i.lockedReason;
  if (mv.atLeast('2.19')) server.description = i.description;
  if (mv.atLeast('2.26')) server.tags = [];
  if (mv.atLeast('2.63')) server.trusted_image_certificates = null;
  if (mv.atLeast('2.71')) server.server_groups = groups;
  if (mv.atLeast('2.16') && ctx.isAdmin) server.host_status = i.host ? 'UP' : '';
  if (i.fault && (i.vmState === 'error' || i.vmState === 'deleted')) {
    server.fault = { code: i.fault.code, message: i.fault.message, created: i.fault.created.replace(/\.\d{3}Z$/, 'Z'), ...(ctx.isAdmin && i.fault.details ? { details: i.fault.details } : {}) };
  }
  return server;
}
