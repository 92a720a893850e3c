/**
 * npm run bench:http — the HTTP stack's overhead: a bare Fastify hello-world against berth's
 * authenticated GET /identity/v3/auth/catalog (token check, policy guard, validation pipe, access
 * log at info, metrics), each server in its own child process, autocannon in this one.
 * Replaces the "## bench:http" section of docs/benchmarks.md.
 *
 * The machine is small and shared, so the servers are measured in alternating rounds (all of them
 * started first, each idle while another is loaded) and the median round is reported, together
 * with the server's own CPU time per request, which a busy neighbour disturbs less than requests/s.
 * Two diagnostic rows explain the ratio: bare Fastify answering with berth's catalog body, and
 * berth with the access log silenced.
 *
 * Environment: BENCH_HTTP_STORE=postgres (berth on PostgreSQL + RabbitMQ instead of the embedded
 * store), BENCH_HTTP_DIAGNOSE=0 (skip the diagnostic rows), BENCH_ROUNDS (default 3).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthProcess, StoreKind, cpuMicros, fileSize, getJson, issueToken, onCleanup, runBench, startBerth, trackChild } from './lib/berth-process';
import { LoadResult, assertClean, measureLoad } from './lib/load';
import { fmtInt, fmtMiB, fmtMs, loadAverage, machine, table, today, verdict, writeSection } from './lib/report';

const CONNECTIONS = 50;
const DURATION_SEC = 10;
const WARMUP_SEC = 2;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const TARGET_RATIO = 0.5;
const STORE: StoreKind = process.env.BENCH_HTTP_STORE === 'postgres' ? 'postgres' : 'embedded';
const DIAGNOSE = process.env.BENCH_HTTP_DIAGNOSE !== '0';

interface Target {
  key: string;
  name: string;
  url: string;
  headers: Record<string, string>;
  pid: number;
  diagnostic: boolean;
  runs: { r: LoadResult; cpuUsPerReq: number }[];
}

async function startBare(payloadFile?: string): Promise<{ url: string; pid: number }> {
  const args = [join(__dirname, 'lib', 'bare-fastify-server.js'), ...(payloadFile ? ['--payload', payloadFile] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  trackChild(child);
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('bare fastify did not start in 30 s')), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`bare fastify exited with ${code}`)));
  });
  return { url: `${url}/hello`, pid: child.pid! };
}

async function startBerthTarget(logLevel: string): Promise<{ berth: BerthProcess; url: string; token: string; body: string }> {
  const berth = await startBerth({ store: STORE, logLevel, label: `http_${logLevel}` });
  const token = await issueToken(berth);
  const url = `${berth.url}/identity/v3/auth/catalog`;
  const doc = (await getJson(url, token)) as { catalog?: unknown[] };
  if (!Array.isArray(doc.catalog) || doc.catalog.length === 0) throw new Error('the catalog is empty');
  return { berth, url, token, body: JSON.stringify(doc) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function summary(t: Target): { rps: number; rpsMin: number; rpsMax: number; p50: number; p99: number; cpu: number; requests: number } {
  const rps = t.runs.map((x) => x.r.rps);
  return {
    rps: median(rps), rpsMin: Math.min(...rps), rpsMax: Math.max(...rps),
    p50: median(t.runs.map((x) => x.r.p50)), p99: median(t.runs.map((x) => x.r.p99)),
    cpu: median(t.runs.map((x) => x.cpuUsPerReq)), requests: t.runs.reduce((n, x) => n + x.r.requests, 0),
  };
}

async function main(): Promise<void> {
  const load = loadAverage();
  process.stdout.write(`bench:http — ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${WARMUP_SEC} s warm-up + ${DURATION_SEC} s per server; load average ${load}\n`);

  const info = await startBerthTarget('info');
  process.stdout.write(`berth: ${info.berth.describe}, log level info, stdout → ${info.berth.logFile}\n`);
  const bodyFile = join(info.berth.dataDir, 'catalog-body.json');
  writeFileSync(bodyFile, info.body);
  const bare = await startBare();
  const targets: Target[] = [
    { key: 'bare', name: 'bare Fastify, GET /hello → {"hello":"world"}', url: bare.url, headers: {}, pid: bare.pid, diagnostic: false, runs: [] },
    { key: 'berth', name: 'berth, GET /identity/v3/auth/catalog (log info)', url: info.url, headers: { 'x-auth-token': info.token }, pid: info.berth.pid, diagnostic: false, runs: [] },
  ];
  if (DIAGNOSE) {
    const bareBody = await startBare(bodyFile);
    const silent = await startBerthTarget('silent');
    targets.push(
      { key: 'bare-body', name: `diagnostic: bare Fastify answering berth's catalog body (${fmtInt(Buffer.byteLength(info.body))} bytes)`, url: bareBody.url, headers: {}, pid: bareBody.pid, diagnostic: true, runs: [] },
      { key: 'silent', name: 'diagnostic: berth, same request, BERTH_LOG_LEVEL=silent', url: silent.url, headers: { 'x-auth-token': silent.token }, pid: silent.berth.pid, diagnostic: true, runs: [] },
    );
  }

  const logBefore = fileSize(info.berth.logFile);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      if (WARMUP_SEC > 0) await measureLoad({ url: t.url, headers: t.headers, connections: CONNECTIONS, durationSec: WARMUP_SEC, warmupSec: 0 });
      const cpu0 = cpuMicros(t.pid);
      const r = await measureLoad({ url: t.url, headers: t.headers, connections: CONNECTIONS, durationSec: DURATION_SEC, warmupSec: 0 });
      const cpuUsPerReq = (cpuMicros(t.pid) - cpu0) / Math.max(1, r.requests);
      assertClean(t.name, r);
      t.runs.push({ r, cpuUsPerReq });
      process.stdout.write(`round ${round}  ${t.name.padEnd(70)} ${fmtInt(r.rps).padStart(7)} req/s  p50 ${fmtMs(r.p50).padStart(5)} ms  p99 ${fmtMs(r.p99).padStart(5)} ms  server CPU ${cpuUsPerReq.toFixed(0).padStart(4)} µs/req\n`);
    }
  }
  await new Promise((res) => setTimeout(res, 500)); // pino's buffered destination flushes
  const logBytes = fileSize(info.berth.logFile) - logBefore;
  const logLines = readFileSync(info.berth.logFile, 'utf8').split('\n').filter((l) => l.includes('"msg":"request"')).length;

  const s = new Map(targets.map((t) => [t.key, summary(t)]));
  const bareS = s.get('bare')!;
  const berthS = s.get('berth')!;
  const ratio = berthS.rps / bareS.rps;
  const roundRatios = targets[1].runs.map((x, i) => x.r.rps / targets[0].runs[i].r.rps);
  const met = ratio >= TARGET_RATIO;
  const verdictLine = verdict('berth / bare requests/s (medians)', met, `${ratio.toFixed(2)} (per round: ${roundRatios.map((x) => x.toFixed(2)).join(', ')}; target ≥ ${TARGET_RATIO})`);

  const notes: string[] = [];
  if (DIAGNOSE) {
    const bb = s.get('bare-body')!;
    const si = s.get('silent')!;
    notes.push(
      `- diagnostic, the response body: bare Fastify serving berth's catalog body does ${fmtInt(bb.rps)} req/s (${(bb.rps / bareS.rps).toFixed(2)}× bare hello) at ${bb.cpu.toFixed(0)} µs CPU/request vs ${bareS.cpu.toFixed(0)}; berth / that = ${(berthS.rps / bb.rps).toFixed(2)} (CPU ${berthS.cpu.toFixed(0)} vs ${bb.cpu.toFixed(0)} µs/request).`,
      `- diagnostic, the access log: berth with BERTH_LOG_LEVEL=silent does ${fmtInt(si.rps)} req/s (${(si.rps / berthS.rps).toFixed(2)}× berth at info) at ${si.cpu.toFixed(0)} µs CPU/request vs ${berthS.cpu.toFixed(0)} at info.`,
    );
  }

  const md = [
    `Command: \`npm run bench:http\`. Date: ${today()}. Machine: ${machine()}. Load average when the run started: ${load} (the machine is shared with other work, so absolute numbers move between runs).`,
    '',
    `Configuration: every server runs in its own child process, all started before measuring; autocannon (programmatic API) in the bench process drives one server at a time with ${CONNECTIONS} connections: ${WARMUP_SEC} s warm-up (discarded), then ${DURATION_SEC} s measured, `
      + `${ROUNDS} rounds alternating the servers; the table shows the median round (requests/s min–max over rounds). Latency percentiles come from every 2xx response's own timing; server CPU is the child's user + system time (/proc/PID/stat) during the measured ${DURATION_SEC} s divided by its responses. `
      + `Bare: Fastify ${(require('fastify/package.json') as { version: string }).version} with \`logger: false\` and one route. `
      + `berth: \`node dist/src/main.js all-in-one --port 0\` on the ${info.berth.describe}, a project-scoped admin token in X-Auth-Token (validation cached after the first call), `
      + `BERTH_LOG_LEVEL=info with stdout redirected to a regular file (\`stdout-*.log\` in the child's temporary data folder under ${tmpdir()}, deleted afterwards), as in production: `
      + `${fmtInt(logLines)} access-log lines, ${fmtMiB(logBytes)} MiB written over its warm-ups and measured runs.`,
    '',
    table(['server', 'requests/s (median)', 'min–max', 'p50 ms', 'p99 ms', 'server CPU µs/request'], targets.map((t) => {
      const x = s.get(t.key)!;
      return [t.name, fmtInt(x.rps), `${fmtInt(x.rpsMin)}–${fmtInt(x.rpsMax)}`, fmtMs(x.p50), fmtMs(x.p99), x.cpu.toFixed(0)];
    })),
    '',
    verdictLine,
    ...notes,
  ].join('\n');
  writeSection('bench:http', md);
  process.stdout.write(`\nwrote the bench:http section of docs/benchmarks.md\n`);
}

runBench(main);
