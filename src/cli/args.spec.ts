import { UsageError, parseArgs } from './args';

describe(parseArgs.name, () => {
  it('maps flags onto settings, in both spellings, and keeps positionals', () => {
    expect(parseArgs(['identity', '--port', '9000', '--data-dir=/tmp/x'])).toEqual({
      positional: ['identity'], settings: { BERTH_PORT: '9000', BERTH_DATA_DIR: '/tmp/x' }, flags: {},
    });
  });

  it('accepts command-specific flags only where allowed', () => {
    expect(parseArgs(['--driver', 'fake'], ['driver']).flags).toEqual({ driver: 'fake' });
    expect(() => parseArgs(['--driver', 'fake'])).toThrow(UsageError);
  });

  it('refuses a flag without a value', () => {
    expect(() => parseArgs(['--port'])).toThrow('--port needs a value');
    expect(() => parseArgs(['--port', '--host', 'x'])).toThrow('--port needs a value');
  });
});
