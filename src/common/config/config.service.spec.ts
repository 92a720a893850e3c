import { ConfigService, InvalidConfigError } from './config.service';

describe(ConfigService.name, () => {
  it('defaults to the embedded store, the in-process bus and ./var', () => {
    const sut = ConfigService.load({}, {});
    expect(sut.embeddedStore).toBe(true);
    expect(sut.amqpUrl).toBeUndefined();
    expect(sut.dataDir).toMatch(/\/var$/);
    expect(sut.port).toBe(8080);
    expect(sut.publicUrl()).toBe('http://127.0.0.1:8080');
    expect(sut.publicUrl(9999)).toBe('http://127.0.0.1:9999');
  });

  it('reads the environment, and flags win over it', () => {
    const sut = ConfigService.load({ BERTH_PORT: '9001' }, { BERTH_PORT: '9000', BERTH_PUBLIC_URL: 'https://cloud.example/', BERTH_DATABASE_URL: 'postgres://u@db/berth' });
    expect(sut.port).toBe(9001);
    expect(sut.publicUrl()).toBe('https://cloud.example');
    expect(sut.embeddedStore).toBe(false);
  });

  it.each([
    [{ BERTH_PORT: 'eighty' }, /^BERTH_PORT: must be an integer number \(got "eighty"\)$/],
    [{ BERTH_PORT: '70000' }, /^BERTH_PORT: /],
    [{ BERTH_DATABASE_URL: 'mysql://x' }, /^BERTH_DATABASE_URL: must be a postgres:\/\/ URL/],
    [{ BERTH_AMQP_URL: 'http://x' }, /^BERTH_AMQP_URL: must be an amqp/],
    [{ BERTH_LOG_LEVEL: 'loud' }, /^BERTH_LOG_LEVEL: /],
    [{ BERTH_ADMIN_PASSWORD: 'short' }, /^BERTH_ADMIN_PASSWORD: must be at least 8 characters$/],
    [{ BERTH_COLOUR: 'red' }, /^BERTH_COLOUR: unknown setting$/],
  ])('stops on %j with one line naming the setting', (env, message) => {
    expect(() => ConfigService.load({}, env)).toThrow(InvalidConfigError);
    expect(() => ConfigService.load({}, env)).toThrow(message);
  });

  it('never echoes a password it rejects', () => {
    expect(() => ConfigService.load({}, { BERTH_ADMIN_PASSWORD: 'abc' })).toThrow(/^(?!.*abc).*$/);
  });
});
