import { BadRequestError } from '../../../../common/errors/api-error';
import { FLAVOR_MAX_LIMIT, parseFlavorFilter, parseFlavorPaging, parseIsPublic } from './flavor-query';

describe(parseIsPublic.name, () => {
  it('defaults to public only, reads None as all, and strict booleans', () => {
    expect(parseIsPublic(undefined)).toBe(true);
    expect(parseIsPublic('None')).toBeNull();
    expect(parseIsPublic('none')).toBeNull();
    expect(parseIsPublic('True')).toBe(true);
    expect(parseIsPublic('0')).toBe(false);
    expect(parseIsPublic(['false', 'true'])).toBe(false);
    expect(() => parseIsPublic('maybe')).toThrow('Invalid is_public filter [maybe]');
  });
});

describe(parseFlavorFilter.name, () => {
  it('reads minRam and minDisk as non-negative integers (400 otherwise)', () => {
    expect(parseFlavorFilter({ minRam: '512', minDisk: '0' })).toEqual({ isPublic: true, minRam: 512, minDisk: 0 });
    expect(() => parseFlavorFilter({ minRam: 'x' })).toThrow('Invalid minRam filter [x]');
    expect(() => parseFlavorFilter({ minDisk: '-1' })).toThrow(BadRequestError);
  });
});

describe(parseFlavorPaging.name, () => {
  it('sorts by flavorid ascending by default, caps at max_limit, and defaults sort_dir to asc', () => {
    expect(parseFlavorPaging({})).toEqual({ sort: [{ key: 'flavorid', dir: 'asc' }], limit: FLAVOR_MAX_LIMIT });
    expect(parseFlavorPaging({ sort_key: 'memory_mb' }).sort).toEqual([{ key: 'memory_mb', dir: 'asc' }]);
    expect(parseFlavorPaging({ sort_key: 'name', sort_dir: 'desc', limit: '2', marker: 'm' })).toEqual({ sort: [{ key: 'name', dir: 'desc' }], limit: 2, marker: 'm' });
    expect(() => parseFlavorPaging({ sort_key: 'colour' })).toThrow(BadRequestError);
  });
});
