import { BadRequestError } from '../../../common/errors/api-error';

/** An instance as os-simple-tenant-usage needs it (deleted ones included). */
export interface UsageInstance {
  id: string;
  name: string;
  projectId: string;
  flavor: { name?: string; vcpus?: number; memoryMb?: number; rootGb?: number; ephemeralGb?: number };
  vmState: string;
  createdAt: Date;
  /** terminated_at, else deleted_at; null while it lives. */
  endedAt: Date | null;
}

export interface ServerUsage {
  instance_id: string;
  name: string;
  hours: number;
  memory_mb: number;
  local_gb: number;
  vcpus: number;
  tenant_id: string;
  flavor: string;
  started_at: string;
  ended_at: string | null;
  state: string;
  uptime: number;
}

export interface TenantUsage {
  tenant_id: string;
  server_usages?: ServerUsage[];
  total_local_gb_usage: number;
  total_vcpus_usage: number;
  total_memory_mb_usage: number;
  total_hours: number;
  start: string;
  stop: string;
}

/** Nova's timezone-naive UTC time with microseconds: `2012-10-08T21:10:44.587336`. */
export function novaTime(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000`;
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * `start`/`end` as Nova parses them: `%Y-%m-%dT%H:%M:%S`, with `.%f`, or with a space; UTC.
 * Absent → now. Anything else is a 400.
 */
export function parseUsageTime(value: unknown, now: Date): Date {
  if (Array.isArray(value)) value = value[0];
  if (value === undefined || value === '') return now;
  const m = TIME_RE.exec(String(value));
  const bad = () => new BadRequestError('Invalid datetime string: Datetime is in invalid format');
  if (!m) throw bad();
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = Math.floor(Number((m[7] ?? '0').padEnd(6, '0')) / 1000);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw bad();
  return date;
}

/** The usage window of a request; the start must come before the end (400 otherwise). */
export function parseUsageWindow(q: Record<string, unknown>, now = new Date()): { start: Date; stop: Date; detailed: boolean } {
  const start = parseUsageTime(q.start, now);
  const stop = parseUsageTime(q.end, now);
  // Both absent: Nova reads the clock twice and gets an (almost) empty window, not an error.
  const given = (q.start ?? '') !== '' || (q.end ?? '') !== '';
  if (start.getTime() > stop.getTime() || (given && start.getTime() === stop.getTime())) throw new BadRequestError('Invalid start time. The start time cannot occur after the end time.');
  const detailed = String(Array.isArray(q.detailed) ? q.detailed[0] : q.detailed ?? '0') === '1';
  return { start, stop, detailed };
}

/** Hours of [started, ended or still running) inside [start, stop). */
export function hoursIn(started: Date, ended: Date | null, start: Date, stop: Date): number {
  if (ended && ended < start) return 0;
  if (started > stop) return 0;
  const from = Math.max(started.getTime(), start.getTime());
  const to = ended ? Math.min(stop.getTime(), ended.getTime()) : stop.getTime();
  return Math.max(0, to - from) / 3_600_000;
}

export function serverUsage(i: UsageInstance, start: Date, stop: Date, now: Date): ServerUsage {
  const ended = i.endedAt;
  return {
    instance_id: i.id,
    name: i.name,
    hours: hoursIn(i.createdAt, ended, start, stop),
    memory_mb: i.flavor.memoryMb ?? 0,
    local_gb: (i.flavor.rootGb ?? 0) + (i.flavor.ephemeralGb ?? 0),
    vcpus: i.flavor.vcpus ?? 0,
    tenant_id: i.projectId,
    flavor: i.flavor.name ?? '',
    started_at: novaTime(i.createdAt),
    ended_at: ended ? novaTime(ended) : null,
    state: ended ? 'terminated' : i.vmState,
    uptime: Math.floor(((ended ?? now).getTime() - i.createdAt.getTime()) / 1000),
  };
}

/** Sums per tenant, in the order tenants first appear (Nova's _tenant_usages_for_period). */
export function tenantUsages(instances: UsageInstance[], start: Date, stop: Date, detailed: boolean, now = new Date()): TenantUsage[] {
  const byTenant = new Map<string, TenantUsage>();
  for (const inst of instances) {
    const u = serverUsage(inst, start, stop, now);
    let t = byTenant.get(u.tenant_id);
    if (!t) {
      t = emptyTenantUsage(u.tenant_id, start, stop, detailed);
      byTenant.set(u.tenant_id, t);
    }
    t.total_local_gb_usage += u.local_gb * u.hours;
    t.total_vcpus_usage += u.vcpus * u.hours;
    t.total_memory_mb_usage += u.memory_mb * u.hours;
    t.total_hours += u.hours;
    t.server_usages?.push(u);
  }
  return [...byTenant.values()];
}

export function emptyTenantUsage(tenantId: string, start: Date, stop: Date, detailed: boolean): TenantUsage {
  return {
    tenant_id: tenantId,
    ...(detailed ? { server_usages: [] } : {}),
    total_local_gb_usage: 0,
    total_vcpus_usage: 0,
    total_memory_mb_usage: 0,
    total_hours: 0,
    start: novaTime(start),
    stop: novaTime(stop),
  };
}
