/** Flags every command understands, and the setting each one sets. */
export const FLAG_SETTINGS: Record<string, string> = {
  port: 'BERTH_PORT',
  bind: 'BERTH_BIND',
  host: 'BERTH_HOST',
  'docker-host': 'BERTH_DOCKER_HOST',
  'fake-hosts': 'BERTH_FAKE_HOSTS',
  'data-dir': 'BERTH_DATA_DIR',
  'database-url': 'BERTH_DATABASE_URL',
  'amqp-url': 'BERTH_AMQP_URL',
  'public-url': 'BERTH_PUBLIC_URL',
  'admin-password': 'BERTH_ADMIN_PASSWORD',
  'log-level': 'BERTH_LOG_LEVEL',
};

export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  settings: Record<string, string>;
  /** Flags that are not settings (e.g. --driver). */
  flags: Record<string, string>;
}

/** `--name value` and `--name=value`; unknown flags are usage errors unless listed in `extra`. */
export function parseArgs(argv: string[], extra: string[] = []): ParsedArgs {
  const out: ParsedArgs = { positional: [], settings: {}, flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq > 0 ? eq : undefined);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    if (FLAG_SETTINGS[name]) out.settings[FLAG_SETTINGS[name]] = value;
    else if (extra.includes(name)) out.flags[name] = value;
    else throw new UsageError(`unknown option --${name}`);
  }
  return out;
}
