import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function quote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** The password a previous start wrote, so a restart on another URL can rewrite the file. */
export function readRcPassword(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const m = /^export OS_PASSWORD='((?:[^']|'\\'')*)'$/m.exec(readFileSync(path, 'utf8'));
  return m?.[1].replace(/'\\''/g, `'`);
}

/** An OpenStack rc file for the admin user, as devstack writes one. */
export function writeAdminRc(path: string, authUrl: string, password: string, region: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const lines = [
    '# berth admin credentials: source this file, then use the openstack CLI',
    `export OS_AUTH_URL=${quote(authUrl)}`,
    'export OS_IDENTITY_API_VERSION=3',
    "export OS_USERNAME='admin'",
    `export OS_PASSWORD=${quote(password)}`,
    "export OS_PROJECT_NAME='admin'",
    "export OS_USER_DOMAIN_NAME='Default'",
    "export OS_PROJECT_DOMAIN_NAME='Default'",
    `export OS_REGION_NAME=${quote(region)}`,
    "export OS_INTERFACE='public'",
    '',
  ];
  writeFileSync(path, lines.join('\n'), { mode: 0o600 });
}
