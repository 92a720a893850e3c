import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvDto } from './env.dto';

export class InvalidConfigError extends Error {}

/** Validated configuration. The only place that reads process.env. */
export class ConfigService {
  readonly databaseUrl?: string;
  readonly amqpUrl?: string;
  readonly dataDir: string;
  readonly adminPassword?: string;
  readonly port: number;
  readonly bind: string;
  readonly host: string;
  readonly dockerHost?: string;
  readonly fakeHosts: number;
  readonly logLevel: string;
  readonly tokenTtlSeconds: number;
  readonly lockoutFailures: number;
  readonly lockoutSeconds: number;
  readonly maxBodyBytes: number;
  readonly rpcTimeoutMs: number;
  readonly region: string;
  readonly serviceDownSeconds: number;
  readonly buildTimeoutSeconds: number;
  readonly baseMac: string;
  readonly volumeSharedDir: string;
  readonly volumeOversubscriptionRatio: number;
  private readonly explicitPublicUrl?: string;

  private constructor(env: EnvDto) {
    this.databaseUrl = env.BERTH_DATABASE_URL;
    this.amqpUrl = env.BERTH_AMQP_URL;
    this.dataDir = resolve(env.BERTH_DATA_DIR);
    this.adminPassword = env.BERTH_ADMIN_PASSWORD;
    this.port = env.BERTH_PORT;
    this.bind = env.BERTH_BIND;
    this.host = env.BERTH_HOST ?? hostname();
    this.dockerHost = env.BERTH_DOCKER_HOST;
    this.fakeHosts = env.BERTH_FAKE_HOSTS;
    this.logLevel = env.BERTH_LOG_LEVEL;
    this.tokenTtlSeconds = env.BERTH_TOKEN_TTL_SECONDS;
    this.lockoutFailures = env.BERTH_LOCKOUT_FAILURES;
    this.lockoutSeconds = env.BERTH_LOCKOUT_SECONDS;
    this.maxBodyBytes = env.BERTH_MAX_BODY_BYTES;
    this.rpcTimeoutMs = env.BERTH_RPC_TIMEOUT_MS;
    this.region = env.BERTH_REGION;
    this.serviceDownSeconds = env.BERTH_SERVICE_DOWN_SECONDS;
    this.buildTimeoutSeconds = env.BERTH_BUILD_TIMEOUT_SECONDS;
    this.baseMac = env.BERTH_BASE_MAC.toLowerCase();
    this.volumeSharedDir = resolve(env.BERTH_VOLUME_SHARED_DIR ?? join(this.dataDir, 'volumes', 'shared'));
    this.volumeOversubscriptionRatio = env.BERTH_VOLUME_OVERSUBSCRIPTION_RATIO;
    this.explicitPublicUrl = env.BERTH_PUBLIC_URL?.replace(/\/+$/, '');
  }

  /** The base URL the catalog advertises; follows the port actually bound when not set. */
  publicUrl(boundPort = this.port): string {
    return this.explicitPublicUrl ?? `http://${this.bind === '0.0.0.0' ? '127.0.0.1' : this.bind}:${boundPort}`;
  }

  get embeddedStore(): boolean {
    return !this.databaseUrl;
  }

  /**
   * Builds the configuration from the environment plus flag overrides (flags win).
   * Throws InvalidConfigError naming the first wrong setting.
   */
  static load(overrides: Record<string, string | undefined> = {}, env: NodeJS.ProcessEnv = process.env): ConfigService {
    const raw: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (k.startsWith('BERTH_') && v !== undefined && v !== '') raw[k] = v;
    for (const [k, v] of Object.entries(overrides)) if (v !== undefined) raw[k] = v;
    const known = new Set(Object.keys(new EnvDto()).concat(['BERTH_DATABASE_URL', 'BERTH_AMQP_URL', 'BERTH_ADMIN_PASSWORD', 'BERTH_PUBLIC_URL', 'BERTH_HOST', 'BERTH_DOCKER_HOST', 'BERTH_VOLUME_SHARED_DIR']));
    const unknown = Object.keys(raw).find((k) => !known.has(k));
    if (unknown) throw new InvalidConfigError(`${unknown}: unknown setting`);
    const dto = plainToInstance(EnvDto, raw, { exposeDefaultValues: true });
    const errors = validateSync(dto, { forbidUnknownValues: false });
    if (errors.length > 0) {
      const e = errors[0];
      // A value of the wrong kind is reported as such before any range check on it.
      const why = e.constraints?.isInt ?? Object.values(e.constraints ?? {})[0] ?? 'invalid';
      const shown = /PASSWORD/.test(e.property) ? '' : ` (got ${JSON.stringify(raw[e.property])})`;
      throw new InvalidConfigError(`${e.property}: ${why.replace(new RegExp(`^${e.property} `), '')}${shown}`);
    }
    return new ConfigService(dto);
  }
}
