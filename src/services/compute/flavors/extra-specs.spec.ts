import { BadRequestError } from '../../../common/errors/api-error';
import { normalizeExtraSpecs } from './extra-specs';

describe(normalizeExtraSpecs.name, () => {
  it('keeps valid specs, stringifying numbers and booleans as Nova stores them', () => {
    expect(normalizeExtraSpecs({ 'quota:cpu_shares': 512, 'hw:cpu_policy': 'mixed', 'trait:CUSTOM_X': 'required', 'x.y z': true, n: 1.5 }))
      .toEqual({ 'quota:cpu_shares': '512', 'hw:cpu_policy': 'mixed', 'trait:CUSTOM_X': 'required', 'x.y z': 'True', n: '1.5' });
    expect(normalizeExtraSpecs({})).toEqual({});
  });

  it('checks the values of known keys', () => {
    expect(normalizeExtraSpecs({ 'quota:cpu_shares': '0', 'quota:cpu_period': '100000', 'hw:numa_nodes': '2' })).toBeDefined();
    for (const specs of [
      { 'quota:cpu_shares': '-1' }, { 'quota:cpu_shares': 'abc' }, { 'quota:cpu_shares': '1.5' }, { 'quota:cpu_quota': -3 },
      { 'hw:cpu_policy': 'Dedicated' }, { 'hw:cpu_thread_policy': 'never' }, { 'hw:numa_nodes': '0' },
    ]) {
      expect(() => normalizeExtraSpecs(specs)).toThrow(BadRequestError);
    }
    expect(() => normalizeExtraSpecs({ 'hw:cpu_policy': 'greedy' })).toThrow("extra spec 'hw:cpu_policy' must be one of: dedicated, shared, mixed (got 'greedy')");
  });

  it('allows unknown keys, namespaced or not', () => {
    expect(normalizeExtraSpecs({ 'hw:unknown_thing': 'x', 'vendor:whatever': 'y', plain: 'z' })).toEqual({ 'hw:unknown_thing': 'x', 'vendor:whatever': 'y', plain: 'z' });
  });

  it('refuses bad keys, empty or long values, objects, and non-object bodies', () => {
    for (const specs of [{ 'a/b': 'x' }, { '': 'x' }, { ['k'.repeat(256)]: 'x' }, { k: '' }, { k: 'v'.repeat(256) }, { k: null }, { k: {} }, { k: [1] }]) {
      expect(() => normalizeExtraSpecs(specs)).toThrow(BadRequestError);
    }
    for (const body of [null, 'x', [], 3]) expect(() => normalizeExtraSpecs(body)).toThrow(BadRequestError);
  });
});
