import { Microversion } from '../../../common/http/microversion';
import { QUOTA_DEFAULTS, absoluteLimits, limitBelowUsage, overQuotaMessage, quotaResourcesAt } from './quota-limits';

const mv = (v: string) => Microversion.parse(v)!;
const limits = { instances: 10, cores: 20, ram: 51200 };

describe(overQuotaMessage.name, () => {
  it('lets a request through when usage plus delta stays within every limit (equal is fine)', () => {
    expect(overQuotaMessage(limits, { instances: 9, cores: 19, ram: 50688 }, { instances: 1, cores: 1, ram: 512 })).toBeUndefined();
    expect(overQuotaMessage(limits, { instances: 0, cores: 0, ram: 0 }, { instances: 10, cores: 20, ram: 51200 })).toBeUndefined();
  });

  it('words a single over-quota resource as Nova does', () => {
    expect(overQuotaMessage(limits, { instances: 10, cores: 10, ram: 5120 }, { instances: 1, cores: 1, ram: 512 }))
      .toBe('Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
    expect(overQuotaMessage(limits, { instances: 1, cores: 19, ram: 0 }, { instances: 1, cores: 2, ram: 1 }))
      .toBe('Quota exceeded for cores: Requested 2, but already used 19 of 20 cores');
    expect(overQuotaMessage(limits, { instances: 1, cores: 1, ram: 51000 }, { instances: 1, cores: 1, ram: 512 }))
      .toBe('Quota exceeded for ram: Requested 512, but already used 51000 of 51200 ram');
  });

  it('lists several resources in Nova\'s order (instances, cores, ram), comma-joined', () => {
    expect(overQuotaMessage(limits, { instances: 10, cores: 20, ram: 51200 }, { instances: 2, cores: 4, ram: 1024 }))
      .toBe('Quota exceeded for instances, cores, ram: Requested 2, 4, 1024, but already used 10, 20, 51200 of 10, 20, 51200 instances, cores, ram');
  });

  it('treats -1 as unlimited and ignores zero or negative deltas (a shrinking resize)', () => {
    expect(overQuotaMessage({ instances: -1, cores: -1, ram: -1 }, { instances: 1e6, cores: 1e6, ram: 1e9 }, { instances: 5, cores: 5, ram: 5 })).toBeUndefined();
    expect(overQuotaMessage(limits, { instances: 12, cores: 30, ram: 60000 }, { instances: 0, cores: -2, ram: -512 })).toBeUndefined();
    expect(overQuotaMessage({ ...limits, cores: 0 }, { instances: 0, cores: 0, ram: 0 }, { instances: 1, cores: 1, ram: 1 }))
      .toBe('Quota exceeded for cores: Requested 1, but already used 0 of 0 cores');
  });
});

describe(limitBelowUsage.name, () => {
  it('accepts -1, or a limit at or above usage', () => {
    expect(limitBelowUsage('instances', -1, 5)).toBeUndefined();
    expect(limitBelowUsage('instances', 5, 5)).toBeUndefined();
    expect(limitBelowUsage('key_pairs', 0, undefined)).toBeUndefined();
  });
  it('refuses less than -1 and less than usage with Nova\'s messages', () => {
    expect(limitBelowUsage('cores', -2, undefined)).toBe('Quota limit -2 for cores must be -1 or greater.');
    expect(limitBelowUsage('cores', 3, 4)).toBe('Quota limit 3 for cores must be greater than or equal to already used and reserved 4.');
  });
});

describe(quotaResourcesAt.name, () => {
  it('drops network quotas at 2.36 and personality files at 2.57', () => {
    expect(quotaResourcesAt(mv('2.1'))).toHaveLength(14);
    expect(quotaResourcesAt(mv('2.35'))).toContain('floating_ips');
    expect(quotaResourcesAt(mv('2.36'))).not.toContain('floating_ips');
    expect(quotaResourcesAt(mv('2.36'))).toContain('injected_files');
    expect(quotaResourcesAt(mv('2.57')).sort()).toEqual(['cores', 'instances', 'key_pairs', 'metadata_items', 'ram', 'server_group_members', 'server_groups']);
  });
});

describe(absoluteLimits.name, () => {
  const usage = { instances: 1, cores: 2, ram: 512, server_groups: 3 };
  it('maps quotas to Nova\'s names and adds usage', () => {
    expect(absoluteLimits({ ...QUOTA_DEFAULTS }, usage, mv('2.1'))).toMatchObject({
      maxTotalInstances: 10, maxTotalCores: 20, maxTotalRAMSize: 51200, maxServerMeta: 128, maxImageMeta: 128, maxPersonality: 5,
      maxPersonalitySize: 10240, maxTotalKeypairs: 100, maxServerGroups: 10, maxServerGroupMembers: 10,
      totalInstancesUsed: 1, totalCoresUsed: 2, totalRAMUsed: 512, totalServerGroupsUsed: 3,
    });
  });
  it('drops keys as microversions 2.36, 2.39 and 2.57 do', () => {
    const at = (v: string) => Object.keys(absoluteLimits({ ...QUOTA_DEFAULTS }, usage, mv(v)));
    expect(at('2.35')).toContain('maxTotalFloatingIps');
    expect(at('2.36')).not.toContain('maxTotalFloatingIps');
    expect(at('2.38')).toContain('maxImageMeta');
    expect(at('2.39')).not.toContain('maxImageMeta');
    expect(at('2.56')).toContain('maxPersonality');
    expect(at('2.57')).not.toContain('maxPersonalitySize');
  });
});
