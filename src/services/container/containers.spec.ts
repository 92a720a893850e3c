import { BadRequestError } from '../../common/errors/api-error';
import { parseCpu, parseMemoryMb } from './containers.api';
import { shellWords } from './shell-words';

describe(shellWords.name, () => {
  it('splits as shlex.split does', () => {
    expect(shellWords('"ls" "/"')).toEqual(['ls', '/']);
    expect(shellWords(`sh -c 'echo a; exit 3'`)).toEqual(['sh', '-c', 'echo a; exit 3']);
    expect(shellWords('echo "a \\"b\\"" c\\ d \'\'')).toEqual(['echo', 'a "b"', 'c d', '']);
    expect(shellWords('  ')).toEqual([]);
  });

  it('refuses an unclosed quote', () => {
    expect(() => shellWords('echo "a')).toThrow(BadRequestError);
  });
});

describe('container limits', () => {
  it('reads Zun memory sizes in MiB', () => {
    expect(parseMemoryMb('512')).toBe(512);
    expect(parseMemoryMb(512)).toBe(512);
    expect(parseMemoryMb('512M')).toBe(512);
    expect(parseMemoryMb('1g')).toBe(1024);
    expect(parseMemoryMb('262144k')).toBe(256);
    expect(() => parseMemoryMb('lots')).toThrow(BadRequestError);
    expect(() => parseMemoryMb('1M')).toThrow(BadRequestError);
  });

  it('reads cpu as a positive number', () => {
    expect(parseCpu('0.5')).toBe(0.5);
    expect(() => parseCpu(0)).toThrow(BadRequestError);
    expect(() => parseCpu('x')).toThrow(BadRequestError);
  });
});
