import { BadRequestError, NotFoundError } from '../../../common/errors/api-error';
import { page, parseDictParam, parsePaging } from './cinder-query';

describe('cinder-query', () => {
  describe(parseDictParam.name, () => {
    it('reads the Python literal cinderclient sends, and JSON', () => {
      expect(parseDictParam("{'tier': 'gold', 'app': \"db\"}", 'metadata')).toEqual({ tier: 'gold', app: 'db' });
      expect(parseDictParam('{"a": "b"}', 'metadata')).toEqual({ a: 'b' });
      expect(parseDictParam('{}', 'metadata')).toEqual({});
      expect(parseDictParam("{'it\\'s': 'x'}", 'metadata')).toEqual({ "it's": 'x' });
    });

    it('refuses anything else with a 400', () => {
      for (const bad of ['tier=gold', "{'a': 1}", "{'a' 'b'}", "{'a': 'b',}", "{'a': 'b'} x"]) {
        expect(() => parseDictParam(bad, 'metadata')).toThrow(BadRequestError);
      }
    });
  });

  describe(parsePaging.name, () => {
    it('defaults to created_at desc and the max limit', () => {
      expect(parsePaging({}, ['name'])).toEqual({ limit: 1000, offset: 0, marker: undefined, sort: [{ key: 'created_at', dir: 'desc' }] });
    });

    it('reads sort=key:dir,... or sort_key/sort_dir, never both', () => {
      expect(parsePaging({ sort: 'name:asc,created_at' }, ['name', 'created_at']).sort).toEqual([{ key: 'name', dir: 'asc' }, { key: 'created_at', dir: 'desc' }]);
      expect(parsePaging({ sort_key: 'name', sort_dir: 'asc' }, ['name']).sort).toEqual([{ key: 'name', dir: 'asc' }]);
      expect(() => parsePaging({ sort: 'name', sort_key: 'name' }, ['name'])).toThrow(/cannot be used with the 'sort' parameter/);
      expect(() => parsePaging({ sort: 'colour' }, ['name'])).toThrow(/Invalid sort key colour/);
      expect(() => parsePaging({ sort: 'name:up' }, ['name'])).toThrow(/Unknown sort direction/);
    });

    it('refuses negative or non-integer limits and offsets', () => {
      expect(() => parsePaging({ limit: '-1' }, [])).toThrow('limit param must be positive');
      expect(() => parsePaging({ limit: 'ten' }, [])).toThrow('limit param must be an integer');
      expect(() => parsePaging({ offset: 'x' }, [])).toThrow('offset param must be an integer');
      expect(parsePaging({ limit: '5000' }, []).limit).toBe(1000);
    });
  });

  describe(page.name, () => {
    const rows = [{ id: 'a', n: 2 }, { id: 'b', n: 1 }, { id: 'c', n: 2 }];
    const value = (r: { n: number }) => r.n;
    const missing = (m: string) => new NotFoundError(`no ${m}`);

    it('sorts with ties broken by id in the last direction, and pages after the marker', () => {
      const all = page(rows, { limit: 10, offset: 0, sort: [{ key: 'n', dir: 'desc' }] }, value, missing);
      expect(all.items.map((r) => r.id)).toEqual(['c', 'a', 'b']);
      const first = page(rows, { limit: 1, offset: 0, sort: [{ key: 'n', dir: 'asc' }] }, value, missing);
      expect([first.items.map((r) => r.id), first.more]).toEqual([['b'], true]);
      const next = page(rows, { limit: 5, offset: 0, marker: 'b', sort: [{ key: 'n', dir: 'asc' }] }, value, missing);
      expect([next.items.map((r) => r.id), next.more]).toEqual([['a', 'c'], false]);
    });

    it('answers a marker that names no row with the given error', () => {
      expect(() => page(rows, { limit: 1, offset: 0, marker: 'z', sort: [{ key: 'n', dir: 'asc' }] }, value, missing)).toThrow('no z');
    });
  });
});
