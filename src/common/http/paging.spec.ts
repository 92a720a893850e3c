import { BadRequestError } from '../errors/api-error';
import { nextLink, pageRows, parsePageQuery } from './paging';

const spec = { sortKeys: ['name', 'created_at'] as const, defaultSort: [{ key: 'name' as const, dir: 'asc' as const }] };
const rows = ['d', 'a', 'c', 'b', 'e'].map((name, i) => ({ id: `id-${name}`, name, created_at: i }));
const value = (r: (typeof rows)[number], k: 'name' | 'created_at') => r[k];

describe(parsePageQuery.name, () => {
  it('reads limit, marker and both sort spellings', () => {
    expect(parsePageQuery({ limit: '2', marker: 'm', sort_key: 'created_at', sort_dir: 'asc' }, spec)).toEqual({ limit: 2, marker: 'm', sort: [{ key: 'created_at', dir: 'asc' }] });
    expect(parsePageQuery({ sort: 'name:desc,created_at' }, spec).sort).toEqual([{ key: 'name', dir: 'desc' }, { key: 'created_at', dir: 'desc' }]);
    expect(parsePageQuery({}, spec).sort).toEqual(spec.defaultSort);
  });

  it.each([[{ limit: '-1' }], [{ limit: 'ten' }], [{ sort_key: 'password' }], [{ sort_key: 'name', sort_dir: 'up' }]])('rejects %j with 400', (q) => {
    expect(() => parsePageQuery(q, spec)).toThrow(BadRequestError);
  });

  it('caps limit at the maximum', () => {
    expect(parsePageQuery({ limit: '5000' }, { ...spec, maxLimit: 100 }).limit).toBe(100);
  });
});

describe(pageRows.name, () => {
  it('walks every row exactly once, page by page, in order', () => {
    const seen: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = pageRows(rows, { limit: 2, marker, sort: spec.defaultSort }, value);
      seen.push(...page.items.map((r) => r.name));
      if (!page.more) break;
      marker = page.items[page.items.length - 1].id;
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('sorts descending and refuses an unknown marker', () => {
    expect(pageRows(rows, { sort: [{ key: 'name', dir: 'desc' }] }, value).items.map((r) => r.name)).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(() => pageRows(rows, { marker: 'nope', sort: spec.defaultSort }, value)).toThrow('marker [nope] not found');
  });

  it('builds the next link only when more rows follow', () => {
    expect(nextLink('http://h/v3/projects?limit=2', 'id-b', true)).toBe('http://h/v3/projects?limit=2&marker=id-b');
    expect(nextLink('http://h/v3/projects?limit=2', 'id-b', false)).toBeNull();
  });
});
