import { contains, defaultPools, formatAddress, formatCidr, overlaps, parseAddress, parseCidr, usableRange, without } from './addresses';

describe('addresses', () => {
  it('parses and prints IPv4 and IPv6 in canonical form', () => {
    expect(parseAddress('10.0.0.1')).toEqual({ version: 4, value: 0x0a000001n });
    expect(formatAddress(4, 0x0a0000ffn)).toBe('10.0.0.255');
    const v6 = parseAddress('2001:db8::1')!;
    expect(v6.version).toBe(6);
    expect(formatAddress(6, v6.value)).toBe('2001:db8::1');
    expect(formatAddress(6, parseAddress('2001:0db8:0000:0000:0001:0000:0000:0001')!.value)).toBe('2001:db8::1:0:0:1');
    expect(formatAddress(6, parseAddress('::ffff:10.0.0.1')!.value)).toBe('::ffff:a00:1');
    expect(formatAddress(6, 0n)).toBe('::');
    expect(parseAddress('10.0.0.256')).toBeUndefined();
    expect(parseAddress('nope')).toBeUndefined();
  });

  it('accepts only CIDRs without host bits, as Neutron does', () => {
    expect(formatCidr(parseCidr('10.0.0.0/24')!)).toBe('10.0.0.0/24');
    expect(parseCidr('10.0.0.1/24')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
    expect(formatCidr(parseCidr('2001:db8::/64')!)).toBe('2001:db8::/64');
  });

  it('computes usable ranges, default pools around the gateway, overlap and containment', () => {
    const c = parseCidr('10.0.0.0/24')!;
    expect(usableRange(c)).toEqual({ first: 0x0a000001n, last: 0x0a0000fen });
    expect(defaultPools(c, 0x0a000001n)).toEqual([{ first: 0x0a000002n, last: 0x0a0000fen }]);
    expect(defaultPools(c, 0x0a000080n)).toEqual([{ first: 0x0a000001n, last: 0x0a00007fn }, { first: 0x0a000081n, last: 0x0a0000fen }]);
    expect(defaultPools(c, null)).toEqual([{ first: 0x0a000001n, last: 0x0a0000fen }]);
    expect(overlaps(c, parseCidr('10.0.0.128/25')!)).toBe(true);
    expect(overlaps(c, parseCidr('10.0.1.0/24')!)).toBe(false);
    expect(overlaps(c, parseCidr('2001:db8::/64')!)).toBe(false);
    expect(contains(c, 4, 0x0a0000ffn)).toBe(true);
    expect(contains(c, 4, 0x0a000100n)).toBe(false);
    expect(without([{ first: 1n, last: 10n }], 5n)).toEqual([{ first: 1n, last: 4n }, { first: 6n, last: 10n }]);
    expect(without([{ first: 1n, last: 1n }], 1n)).toEqual([]);
  });
});
