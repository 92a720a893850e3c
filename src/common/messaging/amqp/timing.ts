const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;

/**
 * Delay before reconnect attempt `attempt` (1-based): doubling from 100 ms, capped at 2 s, and jittered
 * into [d/2, d] so many processes losing the same broker do not reconnect in lockstep.
 */
export function backoffMs(attempt: number): number {
  const d = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempt - 1, 16));
  return d / 2 + Math.random() * (d / 2);
}

export interface Sleeper {
  (ms: number): Promise<void>;
  /** Ends the current and every later sleep at once, so closing never waits out a backoff. */
  cancel(): void;
}

export function sleeper(): Sleeper {
  let cancelled = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const sleep = ((ms: number) => new Promise<void>((resolve) => {
    if (cancelled) return resolve();
    wake = resolve;
    timer = setTimeout(resolve, ms);
  })) as Sleeper;
  sleep.cancel = () => {
    cancelled = true;
    clearTimeout(timer);
    wake?.();
  };
  return sleep;
}

/** Waits for the promises to settle, but no longer than `ms`. */
export async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); }),
  ]);
  clearTimeout(timer);
}
