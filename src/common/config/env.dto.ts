import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Every setting berth reads, with its environment variable name. Flags map onto the same names. */
export class EnvDto {
  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  BERTH_DATABASE_URL?: string;

  @IsOptional() @Matches(/^amqps?:\/\/\S+$/, { message: 'must be an amqp:// or amqps:// URL' })
  BERTH_AMQP_URL?: string;

  @IsString() @MinLength(1)
  BERTH_DATA_DIR = './var';

  @IsOptional() @IsString() @MinLength(8, { message: 'must be at least 8 characters' })
  BERTH_ADMIN_PASSWORD?: string;

  @IsOptional() @Matches(/^https?:\/\/[^\s/]+(:\d+)?(\/\S*)?$/, { message: 'must be an http(s):// URL' })
  BERTH_PUBLIC_URL?: string;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  BERTH_PORT = 8080;

  @IsString() @MinLength(1)
  BERTH_BIND = '127.0.0.1';

  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'must be a host name' })
  BERTH_HOST?: string;

  @IsOptional() @Matches(/^(unix|tcp|http):\/\/\S+$/, { message: 'must be unix://PATH or tcp://HOST:PORT' })
  BERTH_DOCKER_HOST?: string;

  @Transform(toInt) @IsInt() @Min(0) @Max(10000)
  BERTH_FAKE_HOSTS = 0;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  BERTH_LOG_LEVEL = 'info';

  @Transform(toInt) @IsInt() @Min(60) @Max(7 * 24 * 3600)
  BERTH_TOKEN_TTL_SECONDS = 3600;

  @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  BERTH_LOCKOUT_FAILURES = 5;

  @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  BERTH_LOCKOUT_SECONDS = 300;

  @Transform(toInt) @IsInt() @Min(1024) @Max(1024 * 1024 * 1024)
  BERTH_MAX_BODY_BYTES = 1024 * 1024;

  @Transform(toInt) @IsInt() @Min(10) @Max(3600 * 1000)
  BERTH_RPC_TIMEOUT_MS = 60000;

  @IsString() @MinLength(1)
  BERTH_REGION = 'RegionOne';

  @Transform(toInt) @IsInt() @Min(2) @Max(3600)
  BERTH_SERVICE_DOWN_SECONDS = 60;

  @Transform(toInt) @IsInt() @Min(5) @Max(86400)
  BERTH_BUILD_TIMEOUT_SECONDS = 600;

  /** Ports' MAC addresses keep the first three octets of this (Neutron's base_mac). */
  @Matches(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i, { message: 'must be a MAC address like fa:16:3e:00:00:00' })
  @Matches(/^[0-9a-f][02468ace]:/i, { message: 'must be a unicast MAC address (even first octet)' })
  BERTH_BASE_MAC = 'fa:16:3e:00:00:00';

  /** The shared volume back end's pool directory (an NFS mount every host reaches); default `<BERTH_DATA_DIR>/volumes/shared`. */
  @IsOptional() @IsString() @MinLength(1)
  BERTH_VOLUME_SHARED_DIR?: string;

  /** Cinder's max_over_subscription_ratio: sparse volumes may provision this many times the pool's size. */
  @Transform(toInt) @IsNumber({}, { message: 'must be a number' }) @Min(1) @Max(1000)
  BERTH_VOLUME_OVERSUBSCRIPTION_RATIO = 20;
}
