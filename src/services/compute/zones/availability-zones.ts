import { ComputeServiceEntity } from '../entities/compute-service.entity';

/** Nova's service_down_time: a host whose last heartbeat is older than this is down. */
export const SERVICE_DOWN_SECONDS = 60;
/** The zone hosts join when none is configured, and the one listed before any host registers. */
export const DEFAULT_ZONE = 'nova';
/**
 * An instance's zone before scheduling when the user asked for none: any host will do, and the
 * instance takes its host's zone once placed (Nova shows "" until then too).
 */
export const NO_ZONE_REQUESTED = '';

export type ZoneService = Pick<ComputeServiceEntity, 'host' | 'binary' | 'zone' | 'disabled' | 'forcedDown' | 'lastSeenAt' | 'updatedAt'>;

export interface ZoneInfo {
  zoneName: string;
  zoneState: { available: boolean };
  hosts: Record<string, Record<string, { available: boolean; active: boolean; updated_at: string | null }>> | null;
}

export function isServiceUp(s: ZoneService, now = Date.now()): boolean {
  return !s.forcedDown && now - s.lastSeenAt.getTime() < SERVICE_DOWN_SECONDS * 1000;
}

function novaTime(d: Date | null | undefined): string | null {
  return d ? `${d.toISOString().slice(0, 23)}000` : null;
}

/**
 * Nova's os-availability-zone: a zone is available when it has an enabled service; zones whose
 * services are all disabled follow as not available. The detail lists, per available zone, its
 * enabled services' hosts with `available` (up) and `active` (enabled). With no host registered
 * yet, the default zone is listed as available.
 */
export function describeZones(services: ZoneService[], detailed: boolean, now = Date.now()): ZoneInfo[] {
  if (services.length === 0) return [{ zoneName: DEFAULT_ZONE, zoneState: { available: true }, hosts: detailed ? {} : null }];
  const enabled = services.filter((s) => !s.disabled);
  const available = [...new Set(enabled.map((s) => s.zone))].sort();
  const unavailable = [...new Set(services.map((s) => s.zone))].filter((z) => !available.includes(z)).sort();
  const zones: ZoneInfo[] = available.map((zone) => {
    if (!detailed) return { zoneName: zone, zoneState: { available: true }, hosts: null };
    const hosts: NonNullable<ZoneInfo['hosts']> = {};
    for (const s of enabled.filter((e) => e.zone === zone).sort((a, b) => a.host.localeCompare(b.host))) {
      (hosts[s.host] ??= {})[s.binary] = { available: isServiceUp(s, now), active: !s.disabled, updated_at: novaTime(s.lastSeenAt ?? s.updatedAt) };
    }
    return { zoneName: zone, zoneState: { available: true }, hosts };
  });
  return [...zones, ...unavailable.map((zone) => ({ zoneName: zone, zoneState: { available: false }, hosts: null }))];
}
