import { BadRequestError, NotAcceptableError } from '../errors/api-error';
import { negotiateMicroversion } from './microversion';

const nova = { service: 'compute', legacyHeader: 'X-OpenStack-Nova-API-Version', min: '2.1', max: '2.96' };

describe(negotiateMicroversion.name, () => {
  it('defaults to the minimum and maps latest to the maximum', () => {
    expect(negotiateMicroversion({}, nova).toString()).toBe('2.1');
    expect(negotiateMicroversion({ 'openstack-api-version': 'compute latest' }, nova).toString()).toBe('2.96');
  });

  it('reads both spellings, the standard one winning', () => {
    expect(negotiateMicroversion({ 'x-openstack-nova-api-version': '2.61' }, nova).toString()).toBe('2.61');
    expect(negotiateMicroversion({ 'openstack-api-version': 'compute 2.92', 'x-openstack-nova-api-version': '2.1' }, nova).toString()).toBe('2.92');
    expect(negotiateMicroversion({ 'openstack-api-version': 'volume 3.60, compute 2.73' }, nova).toString()).toBe('2.73');
  });

  it('ignores another service\'s version in the standard header', () => {
    expect(negotiateMicroversion({ 'openstack-api-version': 'volume 3.60' }, nova).toString()).toBe('2.1');
  });

  it('answers 400 for a malformed version and 406 outside the range', () => {
    expect(() => negotiateMicroversion({ 'x-openstack-nova-api-version': 'two' }, nova)).toThrow(BadRequestError);
    expect(() => negotiateMicroversion({ 'x-openstack-nova-api-version': '2.97' }, nova)).toThrow(NotAcceptableError);
    expect(() => negotiateMicroversion({ 'x-openstack-nova-api-version': '3.0' }, nova)).toThrow(NotAcceptableError);
    expect(() => negotiateMicroversion({ 'x-openstack-nova-api-version': '2.0' }, nova)).toThrow('Minimum is 2.1 and maximum is 2.96');
  });

  it('compares versions numerically (2.10 is above 2.9)', () => {
    expect(negotiateMicroversion({ 'x-openstack-nova-api-version': '2.10' }, nova).atLeast('2.9')).toBe(true);
  });
});
