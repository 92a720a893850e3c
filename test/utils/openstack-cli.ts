import { spawn } from 'node:child_process';
import { cleanEnv } from './berth-process';

export const CLI_TIMEOUT_MS = 60_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client command with exactly the given OS_* variables (none inherited) and stdin on
 * /dev/null: `openstack image create` would otherwise upload whatever stdin holds (pitfall 7).
 */
export function runCli(command: string, args: string[], osEnv: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? CLI_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: cleanEnv(osEnv), cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(`${command} not found (scripts/test.sh installs python3-openstackclient)`) : err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function openstack(args: string[], osEnv: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return runCli('openstack', args, osEnv, opts);
}

export function describeRun(args: string[], r: CliResult): string {
  return `openstack ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-4000)}`;
}

/** Runs a command that must succeed; returns stdout. */
export async function ok(args: string[], osEnv: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await openstack(args, osEnv, opts);
  if (r.code !== 0) throw new Error(describeRun(args, r));
  return r.stdout;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function okJson<T = any>(args: string[], osEnv: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<T> {
  const out = await ok([...args, '-f', 'json'], osEnv, opts);
  try {
    return JSON.parse(out) as T;
  } catch {
    throw new Error(`openstack ${args.join(' ')} -f json printed no JSON:\n${out}`);
  }
}

/** Runs a command that must fail; returns the result. */
export async function fails(args: string[], osEnv: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await openstack(args, osEnv, opts);
  if (r.code === 0) throw new Error(`expected a failure from ${describeRun(args, r)}`);
  return r;
}
