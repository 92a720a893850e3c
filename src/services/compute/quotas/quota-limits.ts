import { Microversion } from '../../../common/http/microversion';

/** Nova's default quotas ([quota] options), used for every resource a project has no row for. */
export const QUOTA_DEFAULTS = {
  instances: 10,
  cores: 20,
  ram: 51200,
  metadata_items: 128,
  key_pairs: 100,
  server_groups: 10,
  server_group_members: 10,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  /** nova-network leftovers: shown (unlimited) before microversion 2.36; Neutron owns these. */
  fixed_ips: -1,
  floating_ips: -1,
  security_groups: -1,
  security_group_rules: -1,
} as const;

export type QuotaResource = keyof typeof QUOTA_DEFAULTS;
export type QuotaLimits = Record<QuotaResource, number>;
export const QUOTA_RESOURCES = Object.keys(QUOTA_DEFAULTS) as QuotaResource[];

/** Gone from os-quota-sets at 2.36 (network quotas) and 2.57 (personality files). */
const HIDDEN_FROM_2_36: QuotaResource[] = ['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules'];
const HIDDEN_FROM_2_57: QuotaResource[] = [...HIDDEN_FROM_2_36, 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

/** The quota resources os-quota-sets shows and accepts at this microversion. */
export function quotaResourcesAt(mv: Microversion): QuotaResource[] {
  const hidden = mv.atLeast('2.57') ? HIDDEN_FROM_2_57 : mv.atLeast('2.36') ? HIDDEN_FROM_2_36 : [];
  return QUOTA_RESOURCES.filter((r) => !hidden.includes(r));
}

/** What a project uses of the counted resources. */
export interface QuotaUsage {
  instances: number;
  cores: number;
  ram: number;
  server_groups: number;
}

/** What a server create (or resize) adds. */
export interface QuotaDelta {
  instances: number;
  cores: number;
  ram: number;
}

/**
 * Nova's over-quota check for a server create: every resource whose limit is not -1 and whose
 * usage plus a positive delta exceeds it. Returns Nova's TooManyInstances message, or undefined
 * when the request fits, e.g. `Quota exceeded for instances: Requested 1, but already used 10 of 10 instances`.
 */
export function overQuotaMessage(limits: Pick<QuotaLimits, keyof QuotaDelta>, usage: Pick<QuotaUsage, keyof QuotaDelta>, delta: QuotaDelta): string | undefined {
  const overs = (['instances', 'cores', 'ram'] as const).filter((r) => {
    const limit = limits[r];
    return delta[r] > 0 && limit >= 0 && usage[r] + delta[r] > limit;
  });
  if (!overs.length) return undefined;
  const list = (f: (r: keyof QuotaDelta) => number) => overs.map(f).join(', ');
  const names = overs.join(', ');
  return `Quota exceeded for ${names}: Requested ${list((r) => delta[r])}, but already used ${list((r) => usage[r])} of ${list((r) => limits[r])} ${names}`;
}

/**
 * Nova's check of a new limit against current usage (unless `force`): -1 or at least what is
 * in use. Returns the 400 message or undefined.
 */
export function limitBelowUsage(resource: string, limit: number, inUse: number | undefined): string | undefined {
  if (limit < -1) return `Quota limit ${limit} for ${resource} must be -1 or greater.`;
  if (inUse !== undefined && limit !== -1 && limit < inUse) {
    return `Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${inUse}.`;
  }
  return undefined;
}

/** The `absolute` part of GET /limits at a microversion (Nova's views/limits.py). */
export function absoluteLimits(limits: QuotaLimits, usage: QuotaUsage, mv: Microversion): Record<string, number> {
  const out: Record<string, number> = {
    maxTotalInstances: limits.instances,
    maxTotalCores: limits.cores,
    maxTotalRAMSize: limits.ram,
    maxServerMeta: limits.metadata_items,
    maxTotalKeypairs: limits.key_pairs,
    maxServerGroups: limits.server_groups,
    maxServerGroupMembers: limits.server_group_members,
    totalInstancesUsed: usage.instances,
    totalCoresUsed: usage.cores,
    totalRAMUsed: usage.ram,
    totalServerGroupsUsed: usage.server_groups,
  };
  if (!mv.atLeast('2.39')) out.maxImageMeta = limits.metadata_items;
  if (!mv.atLeast('2.57')) {
    out.maxPersonality = limits.injected_files;
    out.maxPersonalitySize = limits.injected_file_content_bytes;
  }
  if (!mv.atLeast('2.36')) {
    out.maxTotalFloatingIps = limits.floating_ips;
    out.maxSecurityGroups = limits.security_groups;
    out.maxSecurityGroupRules = limits.security_group_rules;
    out.totalFloatingIpsUsed = 0;
    out.totalSecurityGroupsUsed = 0;
  }
  return out;
}
