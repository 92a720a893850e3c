/**
 * Linux signals by number, as `kill -l` names them (x86/arm), plus SIGRTMIN and SIGRTMAX: the set
 * Zun's API accepts for kill (Python's `signal.Signals`).
 */
export const SIGNALS = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10,
  SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19,
  SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28,
  SIGIO: 29, SIGPWR: 30, SIGSYS: 31, SIGRTMIN: 34, SIGRTMAX: 64,
} as const;

export type SignalName = keyof typeof SIGNALS;
export const SIGNAL_NAMES = Object.keys(SIGNALS) as SignalName[];

/** What `kill` sends when no signal is named (Docker's and Zun's default). */
export const DEFAULT_KILL_SIGNAL: SignalName = 'SIGKILL';

/**
 * A signal as Zun's API takes it (`SIGTERM`, `TERM`, `sigterm`, `term`, `15`; `None` for the
 * default) → its name, or undefined when it names no signal.
 */
export function signalNamed(input: string): SignalName | undefined {
  if (input === 'None') return DEFAULT_KILL_SIGNAL;
  if (/^\d+$/.test(input)) return SIGNAL_NAMES.find((n) => SIGNALS[n] === Number(input));
  const upper = input.toUpperCase();
  // Zun takes the all-upper and all-lower spellings only (SIGTERM, sigterm), not SigTerm.
  if (input !== upper && input !== input.toLowerCase()) return undefined;
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return SIGNAL_NAMES.find((n) => n === name);
}

/** The processes of a running instance, as `ps` shows them: one row of columns per process. */
export interface ProcessList {
  titles: string[];
  processes: string[][];
}

/** A one-shot sample of what a running instance uses. */
export interface InstanceStats {
  /** CPU time the instance used over the host's CPU time, both since they started (Zun's `CPU %`). */
  cpuPercent: number;
  /** Memory in use, page cache that can be dropped left out. */
  memoryUsageBytes: number;
  /** The memory limit the engine enforces (the flavor's memory). */
  memoryLimitBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
}
