/**
 * Load generation with autocannon's programmatic API. Latency percentiles come from every 2xx
 * response's own timing (autocannon's histogram rounds to whole milliseconds), and requests/s is
 * 2xx responses over the measured wall time. A warm-up run precedes each measurement and is discarded.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => AutocannonInstance;

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', fn: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  stop(): void;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSec: number;
  warmupSec: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  seconds: number;
}

function once(opts: LoadOptions, durationSec: number, latencies?: number[]): Promise<{ result: AutocannonResult; seconds: number }> {
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    headers: opts.headers,
    body: opts.body,
    connections: opts.connections,
    duration: durationSec,
    timeout: 10,
  });
  if (latencies) {
    instance.on('response', (_c, status, _b, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  }
  return Promise.resolve(instance).then((result) => ({ result, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
}

function pick(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** A warm-up run (discarded), then the measured run. */
export async function measureLoad(opts: LoadOptions): Promise<LoadResult> {
  if (opts.warmupSec > 0) await once(opts, opts.warmupSec);
  const latencies: number[] = [];
  const { result, seconds } = await once(opts, opts.durationSec, latencies);
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = v.count;
  return {
    requests: sorted.length,
    rps: sorted.length / seconds,
    p50: pick(sorted, 0.5),
    p90: pick(sorted, 0.9),
    p99: pick(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    seconds,
  };
}

/** Throws when a run had errors or non-2xx answers: a bench must not report failures as speed. */
export function assertClean(name: string, r: LoadResult): void {
  if (r.non2xx > 0 || r.errors > 0 || r.requests === 0) {
    throw new Error(`${name}: ${r.requests} ok, ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)}), ${r.errors} errors, ${r.timeouts} timeouts`);
  }
}

export interface PacedOptions {
  url: string;
  headers?: Record<string, string>;
  /** Requests per second offered, evenly spaced (open loop: sent on schedule whether or not earlier ones answered). */
  rate: number;
  /** Keep-alive connections the requests may use; more waiting requests queue for a free one. */
  connections: number;
  durationSec: number;
  warmupSec: number;
}

/**
 * Open-loop load at a fixed rate with node:http (autocannon's overallRate sends each second's
 * quota in a burst, which measures burst queueing, not latency at a rate). A 1 ms ticker issues
 * every request whose time has come; latency is counted from that moment, so time spent waiting
 * in the agent for a free connection counts, the ticker's own lateness does not.
 */
export async function measurePaced(opts: PacedOptions): Promise<LoadResult> {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const target = new URL(opts.url);
  const one = (issued: number, record: (ms: number, status: number) => void, fail: () => void) => {
    const req = http.request({ agent, host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'GET', headers: opts.headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => record(performance.now() - issued, res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  };
  const phase = (seconds: number, latencies?: number[]) => new Promise<{ ok: number; non2xx: number; errors: number; statusCodes: Record<string, number>; seconds: number }>((resolve) => {
    const total = Math.round(seconds * opts.rate);
    const interval = 1000 / opts.rate;
    const start = performance.now();
    let sent = 0;
    let settled = 0;
    const out = { ok: 0, non2xx: 0, errors: 0, statusCodes: {} as Record<string, number>, seconds: 0 };
    const done = () => {
      if (++settled === total) {
        clearInterval(timer);
        out.seconds = (performance.now() - start) / 1000;
        resolve(out);
      }
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        sent++;
        one(performance.now(), (ms, status) => {
          out.statusCodes[status] = (out.statusCodes[status] ?? 0) + 1;
          if (status >= 200 && status < 300) {
            out.ok++;
            latencies?.push(ms);
          } else {
            out.non2xx++;
          }
          done();
        }, () => {
          out.errors++;
          done();
        });
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
  try {
    if (opts.warmupSec > 0) await phase(opts.warmupSec);
    const latencies: number[] = [];
    const r = await phase(opts.durationSec, latencies);
    const sorted = Float64Array.from(latencies).sort();
    return {
      requests: sorted.length, rps: sorted.length / r.seconds,
      p50: pick(sorted, 0.5), p90: pick(sorted, 0.9), p99: pick(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1] : NaN,
      non2xx: r.non2xx, errors: r.errors, timeouts: 0, statusCodes: r.statusCodes, seconds: r.seconds,
    };
  } finally {
    agent.destroy();
  }
}
