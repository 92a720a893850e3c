import { BadRequestError } from '../../../common/errors/api-error';
import { parseServerAction } from './server-actions';

describe(parseServerAction.name, () => {
  it('reads createImage as Nova\'s schema does: a name, optional string metadata', () => {
    expect(parseServerAction({ createImage: { name: 'snap-1' } })).toEqual({ kind: 'createImage', name: 'snap-1', metadata: {} });
    expect(parseServerAction({ createImage: { name: 'snap 2', metadata: { 'os:purpose': 'backup', k: '' } } }))
      .toEqual({ kind: 'createImage', name: 'snap 2', metadata: { 'os:purpose': 'backup', k: '' } });
  });

  it.each([
    [{ createImage: null }], [{ createImage: {} }], [{ createImage: { name: '' } }], [{ createImage: { name: ' padded ' } }],
    [{ createImage: { name: 'x'.repeat(256) } }], [{ createImage: { name: 7 } }], [{ createImage: { name: 'a', extra: 1 } }],
    [{ createImage: { name: 'a', metadata: { k: 1 } } }], [{ createImage: { name: 'a', metadata: { 'bad/key': 'v' } } }],
    [{ createImage: { name: 'a', metadata: { k: 'v'.repeat(256) } } }], [{ createImage: { name: 'a', metadata: ['k'] } }],
  ])('refuses %j with 400', (body) => {
    expect(() => parseServerAction(body)).toThrow(BadRequestError);
  });
});
