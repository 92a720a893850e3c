import { BadRequestError } from '../../../common/errors/api-error';
import { UsageInstance, hoursIn, novaTime, parseUsageTime, parseUsageWindow, tenantUsages } from './tenant-usage';

const H = 3_600_000;
const t0 = new Date(Date.UTC(2030, 0, 1));
const at = (h: number) => new Date(t0.getTime() + h * H);

describe(parseUsageTime.name, () => {
  const now = new Date();
  it('reads Nova\'s three formats as UTC, and defaults to now', () => {
    expect(parseUsageTime('2030-01-01T10:20:30', now).toISOString()).toBe('2030-01-01T10:20:30.000Z');
    expect(parseUsageTime('2030-01-01T10:20:30.123456', now).toISOString()).toBe('2030-01-01T10:20:30.123Z');
    expect(parseUsageTime('2030-01-01 10:20:30.5', now).toISOString()).toBe('2030-01-01T10:20:30.500Z');
    expect(parseUsageTime(undefined, now)).toBe(now);
    expect(parseUsageTime(['2030-01-01T00:00:00', 'x'], now).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
  it('refuses anything else with 400', () => {
    for (const bad of ['yesterday', '2030-01-01', '2030-02-30T00:00:00', '2030-01-01T24:00:00', '2030-01-01T00:00:00Z']) {
      expect(() => parseUsageTime(bad, now)).toThrow(BadRequestError);
    }
  });
});

describe(parseUsageWindow.name, () => {
  it('needs start before end when given, and reads detailed=1', () => {
    expect(parseUsageWindow({ start: '2030-01-01T00:00:00', end: '2030-01-02T00:00:00', detailed: '1' }).detailed).toBe(true);
    expect(parseUsageWindow({ start: '2030-01-01T00:00:00', end: '2030-01-02T00:00:00' }).detailed).toBe(false);
    expect(() => parseUsageWindow({ start: '2030-01-02T00:00:00', end: '2030-01-01T00:00:00' })).toThrow('The start time cannot occur after the end time.');
    expect(() => parseUsageWindow({ start: '2030-01-01T00:00:00', end: '2030-01-01T00:00:00' })).toThrow(BadRequestError);
    expect(() => parseUsageWindow({})).not.toThrow();
  });
});

describe(hoursIn.name, () => {
  it('counts only the overlap of the instance\'s life with the window', () => {
    expect(hoursIn(at(-5), null, at(0), at(10))).toBe(10);
    expect(hoursIn(at(2), at(4), at(0), at(10))).toBe(2);
    expect(hoursIn(at(-5), at(3), at(0), at(10))).toBe(3);
    expect(hoursIn(at(8), null, at(0), at(10))).toBe(2);
    expect(hoursIn(at(-5), at(-1), at(0), at(10))).toBe(0);
    expect(hoursIn(at(11), null, at(0), at(10))).toBe(0);
    expect(hoursIn(at(0), at(0.5), at(0), at(10))).toBe(0.5);
  });
});

describe(tenantUsages.name, () => {
  const inst = (id: string, projectId: string, createdAt: Date, endedAt: Date | null, vcpus = 1): UsageInstance => ({
    id, name: id, projectId, flavor: { name: 'm1', vcpus, memoryMb: 512, rootGb: 1, ephemeralGb: 2 }, vmState: 'active', createdAt, endedAt,
  });

  it('sums vCPU, RAM and disk hours per tenant, in first-seen order', () => {
    const [a, b] = tenantUsages([inst('i1', 'A', at(0), null, 2), inst('i2', 'B', at(0), at(1)), inst('i3', 'A', at(5), at(6))], at(0), at(10), true, at(20));
    expect(a).toMatchObject({ tenant_id: 'A', total_hours: 11, total_vcpus_usage: 21, total_memory_mb_usage: 11 * 512, total_local_gb_usage: 33, start: '2030-01-01T00:00:00.000000', stop: '2030-01-01T10:00:00.000000' });
    expect(a.server_usages!.map((s) => s.instance_id)).toEqual(['i1', 'i3']);
    expect(a.server_usages![0]).toMatchObject({ state: 'active', ended_at: null, uptime: 20 * 3600, local_gb: 3, flavor: 'm1' });
    expect(a.server_usages![1]).toMatchObject({ state: 'terminated', ended_at: '2030-01-01T06:00:00.000000', uptime: 3600 });
    expect(b).toMatchObject({ tenant_id: 'B', total_hours: 1 });
  });

  it('leaves server_usages out unless detailed', () => {
    expect(tenantUsages([inst('i1', 'A', at(0), null)], at(0), at(1), false)[0]).not.toHaveProperty('server_usages');
    expect(tenantUsages([], at(0), at(1), true)).toEqual([]);
  });

  it('formats times as Nova does (naive UTC, microseconds)', () => {
    expect(novaTime(new Date(Date.UTC(2012, 9, 8, 21, 10, 44, 587)))).toBe('2012-10-08T21:10:44.587000');
  });
});
