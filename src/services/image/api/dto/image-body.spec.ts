import { BadRequestError, ForbiddenError } from '../../../../common/errors/api-error';
import { parseCreateBody, parsePatch } from './image-body';
import { parseListQuery } from './image-query';

describe('image bodies', () => {
  describe(parseCreateBody.name, () => {
    it('splits base attributes from free-form string properties and normalises ids and tags', () => {
      const sut = parseCreateBody({
        id: '6E1BD4D18D3A4B548D6F4D3C9B3D6A01', name: 'n', container_format: 'docker', disk_format: 'raw', tags: ['a', 'a', 'b'],
        hw_architecture: 'x86_64', 'owner_specified.openstack.md5': '',
      });
      expect(sut).toEqual({
        fields: { id: '6e1bd4d1-8d3a-4b54-8d6f-4d3c9b3d6a01', name: 'n', container_format: 'docker', disk_format: 'raw', tags: ['a', 'b'] },
        properties: { hw_architecture: 'x86_64', 'owner_specified.openstack.md5': '' },
      });
      expect(parseCreateBody(undefined)).toEqual({ fields: {}, properties: {} });
    });

    it('refuses read-only (403), reserved (403) and ill-typed (400) attributes', () => {
      expect(() => parseCreateBody({ size: 1 })).toThrow(new ForbiddenError("Attribute 'size' is read-only."));
      expect(() => parseCreateBody({ os_glance_x: 'y' })).toThrow(new ForbiddenError("Attribute 'os_glance_x' is reserved."));
      for (const body of [{ container_format: 'tar' }, { min_disk: -1 }, { protected: 'true' }, { extra: 1 }, { tags: [1] }, [], 'x']) {
        expect(() => parseCreateBody(body)).toThrow(BadRequestError);
      }
    });
  });

  describe(parsePatch.name, () => {
    it('reads add/replace/remove with single-level JSON pointers (~1 is "/", ~0 is "~")', () => {
      expect(parsePatch([
        { op: 'add', path: '/a~1b', value: 'x' }, { op: 'replace', path: '/name', value: null }, { op: 'remove', path: '/c~0d' },
      ])).toEqual([
        { op: 'add', attribute: 'a/b', value: 'x' }, { op: 'replace', attribute: 'name', value: null }, { op: 'remove', attribute: 'c~d' },
      ]);
    });

    it('refuses other operations, nested paths and malformed documents with 400', () => {
      for (const body of [{}, [{ op: 'move', path: '/a' }], [{ op: 'add', path: '/a/b', value: 'x' }], [{ op: 'add', path: 'a', value: 'x' }],
        [{ op: 'add', path: '/a' }], [{ op: 'remove', path: '/a', value: 'x' }], [{ op: 'add', path: '/', value: 'x' }], ['x']]) {
        expect(() => parsePatch(body)).toThrow(BadRequestError);
      }
    });
  });

  describe(parseListQuery.name, () => {
    it('reads filters, Glance\'s in: operator and paging with a default page of 25, newest first', () => {
      const sut = parseListQuery({ name: 'in:a,"b,c"', tag: ['x', 'y'], os_hidden: 'true', hw_architecture: 'x86_64', member_status: 'all', created_at: 'gte:2026-01-01T00:00:00Z' });
      expect(sut.page).toEqual({ limit: 25, sort: [{ key: 'created_at', dir: 'desc' }] });
      expect(sut.filter).toMatchObject({ names: ['a', 'b,c'], tags: ['x', 'y'], osHidden: true, properties: { hw_architecture: 'x86_64' } });
      expect(sut.filter.createdAt).toEqual([{ op: 'gte', at: new Date('2026-01-01T00:00:00Z') }]);
      expect(parseListQuery({ sort: 'name:asc,size', limit: '5000' }).page).toEqual({ limit: 1000, sort: [{ key: 'name', dir: 'asc' }, { key: 'size', dir: 'desc' }] });
    });

    it('refuses unknown visibilities, statuses, sort keys and bad numbers with 400', () => {
      for (const q of [{ visibility: 'x' }, { status: 'x' }, { sort_key: 'color' }, { size_min: '-1' }, { protected: 'maybe' }, { created_at: 'lt:never' }]) {
        expect(() => parseListQuery(q)).toThrow(BadRequestError);
      }
    });
  });
});
