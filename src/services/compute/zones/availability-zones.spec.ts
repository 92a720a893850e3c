import { ZoneService, describeZones, isServiceUp } from './availability-zones';

const now = Date.UTC(2030, 0, 1, 12);
const svc = (host: string, zone: string, o: Partial<ZoneService> = {}): ZoneService => ({
  host, zone, binary: 'nova-compute', disabled: false, forcedDown: false, lastSeenAt: new Date(now - 5000), updatedAt: new Date(now - 5000), ...o,
});

describe(isServiceUp.name, () => {
  it('is up within 60 s of the last heartbeat and not forced down', () => {
    expect(isServiceUp(svc('h', 'nova'), now)).toBe(true);
    expect(isServiceUp(svc('h', 'nova', { lastSeenAt: new Date(now - 61_000) }), now)).toBe(false);
    expect(isServiceUp(svc('h', 'nova', { forcedDown: true }), now)).toBe(false);
  });
});

describe(describeZones.name, () => {
  it('lists the default zone as available when no host is registered', () => {
    expect(describeZones([], false, now)).toEqual([{ zoneName: 'nova', zoneState: { available: true }, hosts: null }]);
    expect(describeZones([], true, now)).toEqual([{ zoneName: 'nova', zoneState: { available: true }, hosts: {} }]);
  });

  it('marks a zone available when it has an enabled service; others follow as unavailable', () => {
    const zones = describeZones([svc('a', 'z1'), svc('b', 'z2', { disabled: true }), svc('c', 'nova', { lastSeenAt: new Date(0) })], false, now);
    expect(zones).toEqual([
      { zoneName: 'nova', zoneState: { available: true }, hosts: null },
      { zoneName: 'z1', zoneState: { available: true }, hosts: null },
      { zoneName: 'z2', zoneState: { available: false }, hosts: null },
    ]);
  });

  it('details the enabled hosts of available zones with up/active and updated_at', () => {
    const [z1] = describeZones([svc('a', 'z1'), svc('b', 'z1', { forcedDown: true }), svc('c', 'z1', { disabled: true })], true, now);
    expect(z1.hosts).toEqual({
      a: { 'nova-compute': { available: true, active: true, updated_at: '2030-01-01T11:59:55.000000' } },
      b: { 'nova-compute': { available: false, active: true, updated_at: '2030-01-01T11:59:55.000000' } },
    });
  });
});
