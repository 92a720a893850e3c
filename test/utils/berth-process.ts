import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The compiled CLI; scripts/test.sh runs `npm run build` before jest. */
export const BERTH_MAIN = resolve(__dirname, '../../dist/src/main.js');

const SERVING = /berth [\w-]+ is serving on (https?:\/\/\S+)/;

function assertBuilt(): void {
  if (!existsSync(BERTH_MAIN)) {
    throw new Error(`${BERTH_MAIN} is missing: run the suite with npm test (scripts/test.sh builds dist/ first)`);
  }
}

/**
 * The parent's environment without any BERTH_* or OS_* variables (so neither a developer's
 * settings nor their cloud credentials leak into a test), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('BERTH_') && !k.startsWith('OS_')) env[k] = v;
  }
  return { ...env, ...extra };
}

/** The variables of an OpenStack rc file: `export K='V'` (shell single quotes) or `export K=V`. */
export function parseOpenrc(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const raw = m[2].trim();
    let value = '';
    // Concatenated shell words: 'abc'\''def' is abc'def.
    const word = /'([^']*)'|\\(.)|([^'\\\s]+)/g;
    let w: RegExpExecArray | null;
    while ((w = word.exec(raw))) value += w[1] ?? w[2] ?? w[3];
    out[m[1]] = value;
  }
  return out;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BerthProcess {
  child: ChildProcess;
  /** The base URL from the "serving on" line. */
  url: string;
  dataDir: string;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (at once if it already has). */
  exited: Promise<ExitStatus>;
  /** SIGTERM, then waits up to timeoutMs for the exit; SIGKILLs and throws if it does not come. */
  stop(timeoutMs?: number): Promise<ExitStatus>;
}

export interface StartOptions {
  dataDir: string;
  /** Added to the cleaned environment (cleanEnv). */
  env?: Record<string, string>;
  /** Extra CLI arguments after `all-in-one --port 0 --data-dir DIR`. */
  args?: string[];
  /** The whole command line instead (e.g. `serve identity --port 0`); dataDir is then only recorded. */
  argv?: string[];
  timeoutMs?: number;
}

function exitPromise(child: ChildProcess): Promise<ExitStatus> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => res({ code, signal }));
  });
}

/** Starts `berth all-in-one --port 0` (or opts.argv) and waits for its "serving on" line. */
export async function startAllInOne(opts: StartOptions): Promise<BerthProcess> {
  assertBuilt();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const argv = opts.argv ?? ['all-in-one', '--port', '0', '--data-dir', opts.dataDir, ...(opts.args ?? [])];
  const child = spawn(process.execPath, [BERTH_MAIN, ...argv], {
    env: cleanEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = exitPromise(child);

  const stop = async (stopTimeoutMs = 15_000): Promise<ExitStatus> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((res) => { timer = setTimeout(() => res('timeout'), stopTimeoutMs); });
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`berth did not exit within ${stopTimeoutMs} ms of SIGTERM; stderr:\n${err}`);
    }
    return result;
  };

  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => {
      cleanup();
      rej(new Error(`berth did not print its serving line within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, timeoutMs);
    const onData = () => {
      const m = SERVING.exec(out);
      if (m) { cleanup(); res(m[1].replace(/\/+$/, '')); }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      rej(new Error(`berth exited (code ${code}, signal ${signal}) before serving\nstdout:\n${out}\nstderr:\n${err}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  }).catch(async (e: unknown) => {
    await stop(5_000).catch(() => undefined);
    throw e;
  });

  return { child, url, dataDir: opts.dataDir, stdout: () => out, stderr: () => err, exited, stop };
}

export interface RunResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** Runs the berth CLI to completion (for commands expected to exit on their own). */
export function runBerth(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<RunResult> {
  assertBuilt();
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BERTH_MAIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`berth ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); rej(e); });
    child.once('close', (code, signal) => { clearTimeout(timer); res({ code, signal, stdout, stderr }); });
  });
}

/** Path of the admin rc file the all-in-one writes into its data directory. */
export function adminRcPath(dataDir: string): string {
  return join(dataDir, 'admin-openrc');
}

/** The OS_* variables of the admin rc file the all-in-one wrote: what the CLI tests run with. */
export function adminOsEnv(dataDir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parseOpenrc(adminRcPath(dataDir))).filter(([k]) => k.startsWith('OS_')));
}
