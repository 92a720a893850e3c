import { RequestContext } from '../../../../common/context/request-context';
import { Microversion } from '../../../../common/http/microversion';
import { QosSpecsEntity, VolumeTypeEntity } from '../../entities/volume-type.entity';
import { SnapshotEntity, VolumeEntity, VolumeMessageEntity } from '../../entities/volume.entity';
import { specIsTrue, USER_VISIBLE_EXTRA_SPECS } from '../../volume-types.api';
import { VolumeWithType } from '../../volumes.api';

/** Cinder's timestamps: ISO 8601 with microseconds and no zone (`2024-05-01T10:00:00.123000`). */
export function cinderTime(d: Date | null): string | null {
  return d ? d.toISOString().replace('Z', '000') : null;
}

/** Where links point: the endpoint base (`http://H/volume`) and the project the request's path named, if it named one. */
export interface LinkBase {
  base: string;
  projectId: string | undefined;
}

function links(l: LinkBase, collection: string, id: string) {
  const project = l.projectId ? `/${l.projectId}` : '';
  return [
    { href: `${l.base}/v3${project}/${collection}/${id}`, rel: 'self' },
    { href: `${l.base}${project}/${collection}/${id}`, rel: 'bookmark' },
  ];
}

/** GET /volumes (no detail): id, name, links. */
export function renderVolumeSummary(v: VolumeEntity, l: LinkBase) {
  return { id: v.id, name: v.name, links: links(l, 'volumes', v.id) };
}

/** A volume as Cinder v3 renders it at `mv`, with the admin-only attributes for admins. */
export function renderVolume({ volume: v, type }: VolumeWithType, ctx: RequestContext, mv: Microversion, l: LinkBase) {
  const out: Record<string, unknown> = {
    id: v.id,
    status: v.status,
    size: v.size,
    availability_zone: v.availabilityZone,
    created_at: cinderTime(v.createdAt),
    updated_at: cinderTime(v.updatedAt),
    name: v.name,
    description: v.description,
    volume_type: type?.name ?? v.volumeTypeId,
    snapshot_id: v.snapshotId,
    source_volid: v.sourceVolid,
    metadata: v.metadata,
    links: links(l, 'volumes', v.id),
    user_id: v.userId,
    bootable: String(v.bootable),
    encrypted: false,
    replication_status: specIsTrue(type?.extraSpecs.replication_enabled) ? 'enabled' : 'disabled',
    consistencygroup_id: null,
    multiattach: v.multiattach,
    attachments: [],
    'os-vol-tenant-attr:tenant_id': v.projectId,
  };
  if (ctx.isAdmin) {
    Object.assign(out, {
      migration_status: null, 'os-vol-host-attr:host': v.host, 'os-vol-mig-status-attr:migstat': null, 'os-vol-mig-status-attr:name_id': null,
    });
  }
  if (mv.atLeast('3.13')) out.group_id = null;
  if (ctx.isAdmin && mv.atLeast('3.21')) out.provider_id = null;
  if (mv.atLeast('3.48')) Object.assign(out, { shared_targets: false, service_uuid: null });
  if (ctx.isAdmin && mv.atLeast('3.61')) out.cluster_name = null;
  if (mv.atLeast('3.63')) out.volume_type_id = v.volumeTypeId;
  if (mv.atLeast('3.65')) out.consumes_quota = v.useQuota;
  return out;
}

export function renderSnapshot(s: SnapshotEntity, mv: Microversion) {
  const out: Record<string, unknown> = {
    id: s.id,
    created_at: cinderTime(s.createdAt),
    updated_at: cinderTime(s.updatedAt),
    name: s.name,
    description: s.description,
    volume_id: s.volumeId,
    status: s.status,
    size: s.volumeSize,
    metadata: s.metadata,
    'os-extended-snapshot-attributes:project_id': s.projectId,
    'os-extended-snapshot-attributes:progress': s.status === 'available' ? '100%' : '0%',
  };
  if (mv.atLeast('3.14')) out.group_snapshot_id = null;
  if (mv.atLeast('3.41')) out.user_id = s.userId;
  if (mv.atLeast('3.65')) out.consumes_quota = s.useQuota;
  return out;
}

/** Admins see every extra spec and the QoS association; others the user-visible specs. */
export function renderVolumeType(t: VolumeTypeEntity, ctx: RequestContext) {
  const specs = ctx.isAdmin ? t.extraSpecs : Object.fromEntries(Object.entries(t.extraSpecs).filter(([k]) => USER_VISIBLE_EXTRA_SPECS.includes(k)));
  const out: Record<string, unknown> = {
    id: t.id, name: t.name, is_public: t.isPublic, description: t.description, extra_specs: specs,
    'os-volume-type-access:is_public': t.isPublic,
  };
  if (ctx.isAdmin) out.qos_specs_id = t.qosSpecsId;
  return out;
}

export function visibleExtraSpecs(t: VolumeTypeEntity, ctx: RequestContext): Record<string, string> {
  return renderVolumeType(t, ctx).extra_specs as Record<string, string>;
}

export function renderQosSpecs(s: QosSpecsEntity) {
  return { id: s.id, name: s.name, consumer: s.consumer, specs: s.specs };
}

export function qosLinks(s: QosSpecsEntity, l: LinkBase) {
  return links(l, 'qos-specs', s.id);
}

export function renderMessage(m: VolumeMessageEntity, l: LinkBase) {
  return {
    id: m.id, event_id: m.eventId, user_message: m.userMessage, message_level: m.messageLevel, created_at: cinderTime(m.createdAt),
    guaranteed_until: cinderTime(m.expiresAt), request_id: m.requestId, links: links(l, 'messages', m.id),
    resource_type: m.resourceType, resource_uuid: m.resourceUuid,
  };
}
