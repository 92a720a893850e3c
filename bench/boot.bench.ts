/**
 * npm run bench:boot — server boot throughput on PostgreSQL + RabbitMQ with in-process fake hosts.
 * Each scenario runs in its own fresh `berth all-in-one --fake-hosts N` child (scratch database and
 * vhost, dropped afterwards):
 *   1. 100 fake hosts, 1,000 servers POSTed at concurrency 32: servers/s from the first POST until
 *      all are ACTIVE, and each server's POST→ACTIVE time (ACTIVE seen by polling the list).
 *   2. The same with 1,000 fake hosts.
 *   3. 100 fake hosts, 10,000 servers created the same way, then GET /servers/detail?limit=1000
 *      latency (sequential requests) and the child's VmRSS.
 * The child's VmRSS is also read once its hosts have registered, before any server exists.
 * Every phase is bounded in time. Replaces the "## bench:boot" section of docs/benchmarks.md.
 *
 * Environment: BENCH_BOOT_ONLY=1,3 runs a subset; BENCH_BOOT_PROF=DIR runs the children with
 * --cpu-prof into DIR (profiles are for diagnosis; the numbers of such a run are not the record);
 * BENCH_BOOT_PROBE=DIR preloads lib/memory-probe.js (with --expose-gc) and prints the child's
 * process.memoryUsage() before and after a forced full GC at the end of each scenario;
 * BENCH_BOOT_ACTIVE_WAIT_SEC (default 180) bounds the wait for ACTIVE after the last POST.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthProcess, rssBytes, runBench, startBerth } from './lib/berth-process';
import { fmtInt, fmtMiB, fmtMs, loadAverage, machine, table, today, verdict, writeSection } from './lib/report';

const CONCURRENCY = 32;
const POLL_MS = 200;
const CREATE_LIMIT_SEC = Number(process.env.BENCH_BOOT_CREATE_LIMIT_SEC ?? 420);
const ACTIVE_WAIT_SEC = Number(process.env.BENCH_BOOT_ACTIVE_WAIT_SEC ?? 180);
const HOSTS_WAIT_SEC = 300;
const DETAIL_WARMUP = 3;
const DETAIL_REQUESTS = 50;
const MV = { 'X-OpenStack-Nova-API-Version': '2.37' };
const TARGET_RATE = 100;
const TARGET_DETAIL_P95_MS = 250;
const TARGET_RSS_BYTES = 250e6;
/** The last VmRSS is read after this long without requests (bench:idle waits as long). */
const IDLE_SEC = 10;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pct(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

interface Api {
  base: string;
  token: string;
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

function api(berth: BerthProcess, token: string): Api {
  return {
    base: berth.url,
    token,
    async req(method, path, body, headers) {
      const res = await fetch(`${berth.url}${path}`, {
        method,
        headers: { 'x-auth-token': token, ...(body !== undefined && !(body instanceof Buffer) ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : body instanceof Buffer ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: any = text;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
      return { status: res.status, body: parsed };
    },
  };
}

function expect(r: { status: number; body: any }, status: number, what: string): any {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body;
}

/** Token, unlimited quota for the admin project, an image with bytes, a small flavor. */
async function prepare(berth: BerthProcess): Promise<{ a: Api; imageId: string; flavorId: string }> {
  const res = await fetch(`${berth.url}/identity/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: berth.password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
  });
  const token = res.headers.get('x-subject-token');
  const body = (await res.json()) as any;
  if (res.status !== 201 || !token) throw new Error(`token: HTTP ${res.status}`);
  const projectId = body.token.project.id as string;
  const a = api(berth, token);
  expect(await a.req('PUT', `/compute/v2.1/os-quota-sets/${projectId}`, { quota_set: { instances: -1, cores: -1, ram: -1 } }), 200, 'quota');
  const image = expect(await a.req('POST', '/image/v2/images', { name: 'bench', container_format: 'docker', disk_format: 'raw', visibility: 'public' }), 201, 'image');
  expect(await a.req('PUT', `/image/v2/images/${image.id}/file`, Buffer.from('pretend this is a docker archive'), { 'content-type': 'application/octet-stream' }), 204, 'image upload');
  const flavor = expect(await a.req('POST', '/compute/v2.1/flavors', { flavor: { name: 'bench.tiny', ram: 64, vcpus: 1, disk: 0, id: null } }), 200, 'flavor');
  return { a, imageId: image.id, flavorId: flavor.flavor.id };
}

/** Waits until os-hypervisors lists at least `hosts` up hypervisors; returns the seconds it took. */
async function waitForHosts(a: Api, hosts: number): Promise<{ seconds: number; count: number }> {
  const start = performance.now();
  let count = 0;
  while ((performance.now() - start) / 1000 < HOSTS_WAIT_SEC) {
    const r = await a.req('GET', '/compute/v2.1/os-hypervisors');
    if (r.status === 200) {
      count = (r.body.hypervisors as { state: string }[]).filter((h) => h.state === 'up').length;
      if (count >= hosts) return { seconds: (performance.now() - start) / 1000, count };
    }
    await sleep(500);
  }
  return { seconds: NaN, count };
}

interface BootResult {
  requested: number;
  created: number;
  createFailures: Record<string, number>;
  active: number;
  errored: number;
  createSeconds: number;
  /** First POST until the last server was seen ACTIVE (or the wait ended). */
  allActiveSeconds: number;
  postMs: number[];
  toActiveMs: number[];
  polls: number;
  pollMs: number[];
  timedOut: boolean;
}

/** Lists every server id with this status (paging with marker); cheap list view, not detail. */
async function listIds(a: Api, status: string): Promise<string[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const r = await a.req('GET', `/compute/v2.1/servers?status=${status}&limit=1000${marker ? `&marker=${marker}` : ''}`);
    if (r.status !== 200) throw new Error(`list ${status}: HTTP ${r.status}`);
    const servers = r.body.servers as { id: string }[];
    for (const s of servers) ids.push(s.id);
    if (servers.length < 1000) break;
    marker = servers[servers.length - 1].id;
  }
  return ids;
}

async function boot(a: Api, imageId: string, flavorId: string, count: number, pollMs: number, log: (s: string) => void): Promise<BootResult> {
  const posted = new Map<string, number>();
  const activeAt = new Map<string, number>();
  const failures: Record<string, number> = {};
  const postMs: number[] = [];
  const pollDur: number[] = [];
  let next = 0;
  let errored = 0;
  let polls = 0;
  const t0 = performance.now();
  const createDeadline = t0 + CREATE_LIMIT_SEC * 1000;
  let createdAll = false;
  let createEnd = NaN;

  const worker = async () => {
    while (next < count && performance.now() < createDeadline) {
      const i = next++;
      const s = performance.now();
      try {
        const r = await a.req('POST', '/compute/v2.1/servers', { server: { name: `bench-${i}`, imageRef: imageId, flavorRef: flavorId, networks: 'none' } }, MV);
        const e = performance.now();
        if (r.status === 202) {
          posted.set(r.body.server.id, s);
          postMs.push(e - s);
        } else {
          failures[String(r.status)] = (failures[String(r.status)] ?? 0) + 1;
          if (Object.values(failures).reduce((x, y) => x + y, 0) <= 3) log(`  POST failed: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        }
      } catch (err) {
        failures.error = (failures.error ?? 0) + 1;
        if (failures.error <= 3) log(`  POST error: ${(err as Error).message}`);
      }
    }
  };
  const creating = Promise.all(Array.from({ length: CONCURRENCY }, worker)).then(() => {
    createdAll = true;
    createEnd = performance.now();
  });

  let lastReport = t0;
  const poller = (async () => {
    for (;;) {
      const ps = performance.now();
      const ids = await listIds(a, 'ACTIVE');
      const pe = performance.now();
      pollDur.push(pe - ps);
      polls++;
      for (const id of ids) if (!activeAt.has(id)) activeAt.set(id, ps);
      if (polls % 10 === 0) errored = (await listIds(a, 'ERROR')).length;
      if (pe - lastReport > 10_000) {
        lastReport = pe;
        log(`  ${((pe - t0) / 1000).toFixed(0)} s: ${posted.size} created, ${activeAt.size} ACTIVE, ${errored} ERROR`);
      }
      if (createdAll && activeAt.size + errored >= posted.size) return false;
      if (createdAll && pe - createEnd > ACTIVE_WAIT_SEC * 1000) return true;
      const wait = pollMs - (performance.now() - ps);
      if (wait > 0) await sleep(wait);
    }
  })();
  await creating;
  const timedOut = await poller;
  errored = (await listIds(a, 'ERROR')).length;
  const lastActive = Math.max(...[...activeAt.values()], t0);
  const toActive: number[] = [];
  for (const [id, s] of posted) {
    const e = activeAt.get(id);
    if (e !== undefined) toActive.push(Math.max(0, e - s));
  }
  toActive.sort((x, y) => x - y);
  postMs.sort((x, y) => x - y);
  pollDur.sort((x, y) => x - y);
  return {
    requested: count, created: posted.size, createFailures: failures, active: activeAt.size, errored,
    createSeconds: (createEnd - t0) / 1000, allActiveSeconds: (lastActive - t0) / 1000,
    postMs, toActiveMs: toActive, polls, pollMs: pollDur, timedOut,
  };
}

interface Scenario {
  key: string;
  name: string;
  hosts: number;
  servers: number;
  pollMs: number;
  detail: boolean;
}

interface Outcome {
  sc: Scenario;
  describe: string;
  hostsUp: { seconds: number; count: number };
  rssAgentsOnly: number;
  boot?: BootResult;
  detailMs?: number[];
  detailBytes?: number;
  detailCount?: number;
  /** 2 s after the last step. */
  rssAfterBurst?: number;
  /** After IDLE_SEC more of idleness: the process as it stays. */
  rssEnd?: number;
  error?: string;
}

async function runScenario(sc: Scenario, log: (s: string) => void): Promise<Outcome> {
  const prof = process.env.BENCH_BOOT_PROF;
  if (prof) mkdirSync(prof, { recursive: true });
  const probeDir = process.env.BENCH_BOOT_PROBE;
  const probeFile = probeDir ? join(probeDir, `boot-${sc.key}-${Date.now()}.jsonl`) : undefined;
  if (probeDir) mkdirSync(probeDir, { recursive: true });
  const berth = await startBerth({
    store: 'postgres', label: `boot_${sc.key}`, args: ['--fake-hosts', String(sc.hosts)],
    nodeArgs: [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), ...(probeFile ? ['--expose-gc', '-r', join(__dirname, 'lib', 'memory-probe.js')] : [])],
    env: probeFile ? { BENCH_MEMORY_PROBE_OUT: probeFile } : undefined,
  });
  const out: Outcome = { sc, describe: berth.describe, hostsUp: { seconds: NaN, count: 0 }, rssAgentsOnly: NaN };
  try {
    log(`${sc.name}: berth pid ${berth.pid} at ${berth.url}`);
    const { a, imageId, flavorId } = await prepare(berth);
    out.hostsUp = await waitForHosts(a, sc.hosts);
    log(`  ${out.hostsUp.count} hypervisors up after ${out.hostsUp.seconds.toFixed(1)} s of waiting`);
    await sleep(2000);
    out.rssAgentsOnly = rssBytes(berth.pid);
    log(`  VmRSS with agents only: ${fmtMiB(out.rssAgentsOnly)} MiB`);
    out.boot = await boot(a, imageId, flavorId, sc.servers, sc.pollMs, log);
    const b = out.boot;
    log(`  created ${b.created}/${b.requested} in ${b.createSeconds.toFixed(1)} s; ${b.active} ACTIVE, ${b.errored} ERROR; last ACTIVE at ${b.allActiveSeconds.toFixed(1)} s${b.timedOut ? ' (wait timed out)' : ''}`);
    if (sc.detail) {
      const detailStart = Date.now();
      log(`  detail phase starts at ${new Date(detailStart).toISOString()}`);
      const ms: number[] = [];
      for (let i = 0; i < DETAIL_WARMUP + DETAIL_REQUESTS; i++) {
        const s = performance.now();
        const res = await fetch(`${berth.url}/compute/v2.1/servers/detail?limit=1000`, { headers: { 'x-auth-token': a.token, ...MV } });
        const buf = Buffer.from(await res.arrayBuffer());
        const e = performance.now();
        if (res.status !== 200) throw new Error(`detail: HTTP ${res.status}`);
        if (i >= DETAIL_WARMUP) ms.push(e - s);
        out.detailBytes = buf.length;
        out.detailCount = (JSON.parse(buf.toString('utf8')).servers as unknown[]).length;
      }
      out.detailMs = ms.sort((x, y) => x - y);
      log(`  detail?limit=1000 (${out.detailCount} servers, ${fmtInt(out.detailBytes ?? 0)} bytes): p50 ${fmtMs(pct(ms, 0.5))} ms, p95 ${fmtMs(pct(ms, 0.95))} ms`);
    }
    await sleep(2000);
    out.rssAfterBurst = rssBytes(berth.pid);
    await sleep((IDLE_SEC - 2) * 1000);
    out.rssEnd = rssBytes(berth.pid);
    log(`  VmRSS 2 s after the last step: ${fmtMiB(out.rssAfterBurst)} MiB; idle ${IDLE_SEC} s: ${fmtMiB(out.rssEnd)} MiB`);
    if (probeFile) {
      process.kill(berth.pid, 'SIGUSR2');
      await sleep(3000);
      if (existsSync(probeFile)) {
        for (const line of readFileSync(probeFile, 'utf8').trim().split('\n')) {
          const j = JSON.parse(line) as { label: string; memoryUsage: NodeJS.MemoryUsage };
          const m = j.memoryUsage;
          log(`  probe ${j.label}: rss ${fmtMiB(m.rss)} heapTotal ${fmtMiB(m.heapTotal)} heapUsed ${fmtMiB(m.heapUsed)} external ${fmtMiB(m.external)} arrayBuffers ${fmtMiB(m.arrayBuffers)} MiB`);
        }
      }
      log(`  VmRSS after forced GC: ${fmtMiB(rssBytes(berth.pid))} MiB; stopping at ${new Date().toISOString()}`);
    }
  } catch (err) {
    out.error = (err as Error).message;
    log(`  FAILED: ${out.error}`);
    try { out.rssEnd = rssBytes(berth.pid); } catch { /* gone */ }
  } finally {
    await berth.stop();
  }
  return out;
}

async function main(): Promise<void> {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const started = `${today()}`;
  const load = loadAverage();
  const only = (process.env.BENCH_BOOT_ONLY ?? '1,2,3').split(',').map((s) => s.trim());
  const scenarios: Scenario[] = [
    { key: '1', name: '100 fake hosts, 1,000 servers', hosts: 100, servers: 1000, pollMs: POLL_MS, detail: false },
    { key: '2', name: '1,000 fake hosts, 1,000 servers', hosts: 1000, servers: 1000, pollMs: POLL_MS, detail: false },
    { key: '3', name: '100 fake hosts, 10,000 servers', hosts: 100, servers: 10_000, pollMs: 1000, detail: true },
  ].filter((s) => only.includes(s.key));
  const outcomes: Outcome[] = [];
  for (const sc of scenarios) outcomes.push(await runScenario(sc, log));

  const rows = outcomes.map((o) => {
    const b = o.boot;
    const rate = b ? b.active / b.allActiveSeconds : NaN;
    return [
      o.sc.name,
      `${o.hostsUp.count}`,
      b ? `${b.created}/${b.requested}` : '–',
      b ? `${b.active} / ${b.errored}` : '–',
      b ? `${b.createSeconds.toFixed(1)} (${(b.created / b.createSeconds).toFixed(1)}/s)` : '–',
      b ? b.allActiveSeconds.toFixed(1) : '–',
      b ? rate.toFixed(1) : '–',
      b ? `${fmtMs(pct(b.postMs, 0.5))} / ${fmtMs(pct(b.postMs, 0.95))}` : '–',
      b ? `${fmtMs(pct(b.toActiveMs, 0.5))} / ${fmtMs(pct(b.toActiveMs, 0.95))}` : '–',
      b ? `${b.polls}, ${fmtMs(pct(b.pollMs, 0.5))}` : '–',
      o.detailMs ? `${fmtMs(pct(o.detailMs, 0.5))} / ${fmtMs(pct(o.detailMs, 0.95))}` : '–',
      fmtMiB(o.rssAgentsOnly),
      o.rssAfterBurst !== undefined ? fmtMiB(o.rssAfterBurst) : '–',
      o.rssEnd !== undefined ? fmtMiB(o.rssEnd) : '–',
    ];
  });
  const verdicts: string[] = [];
  for (const o of outcomes) {
    const b = o.boot;
    if (!b) continue;
    const rate = b.active / b.allActiveSeconds;
    const all = b.active === b.requested;
    verdicts.push(verdict(`${o.sc.name}: boot rate`, all && rate >= TARGET_RATE,
      `${b.active} of ${b.requested} ACTIVE in ${b.allActiveSeconds.toFixed(1)} s = ${rate.toFixed(1)} servers/s (target ≥ ${TARGET_RATE}/s)`));
    if (o.detailMs) {
      const p95 = pct(o.detailMs, 0.95);
      verdicts.push(verdict(`${o.sc.name}: GET /servers/detail?limit=1000 p95`, p95 <= TARGET_DETAIL_P95_MS,
        `p95 ${fmtMs(p95)} ms over ${o.detailMs.length} requests with ${b.created} servers in the database (target ≤ ${TARGET_DETAIL_P95_MS} ms)`));
    }
    if (o.sc.detail && o.rssEnd !== undefined) {
      verdicts.push(verdict(`${o.sc.name}: VmRSS`, o.rssEnd <= TARGET_RSS_BYTES,
        `${fmtMiB(o.rssEnd)} MiB = ${(o.rssEnd / 1e6).toFixed(0)} MB with ${b.created} servers in the database, idle ${IDLE_SEC} s after the last step (target ≤ 250 MB)`));
    }
  }
  const errors = outcomes.filter((o) => o.error).map((o) => `- ${o.sc.name}: failed: ${o.error}`);
  const md = [
    `Command: \`npm run bench:boot\`. Date: ${started}. Machine: ${machine()}. Load average when the run started: ${load}.`,
    '',
    `Configuration: each row is a fresh \`node dist/src/main.js all-in-one --port 0 --fake-hosts N --data-dir TMP\` child, BERTH_LOG_LEVEL=info (access log to a file), ${outcomes[0]?.describe ?? 'PostgreSQL + RabbitMQ'} (a new scratch database and vhost per row, dropped afterwards). ` +
      `After the hosts register (os-hypervisors lists N up) the bench issues an admin token, sets the admin project's instances/cores/ram quota to -1, creates an image (docker/raw, ${32} bytes uploaded) and a flavor (64 MB, 1 vCPU, 0 GB), ` +
      `then ${CONCURRENCY} concurrent workers POST /compute/v2.1/servers (microversion 2.37, networks none) until all are created, while a poller lists \`GET /compute/v2.1/servers?status=ACTIVE&limit=1000\` (paging with marker) every ${POLL_MS} ms (every 1 s in the 10,000 row) and records the moment each server first appears ACTIVE (the poll's start, so POST→ACTIVE is exact to one poll interval). ` +
      `Rate = ACTIVE servers ÷ (first POST → last server first seen ACTIVE). The wait for ACTIVE ends ${ACTIVE_WAIT_SEC} s after the last POST is answered; servers not ACTIVE by then keep building during the later steps (the detail requests and the last VmRSS read). ` +
      `Detail latency: ${DETAIL_WARMUP} warm-up then ${DETAIL_REQUESTS} sequential \`GET /compute/v2.1/servers/detail?limit=1000\` (full body read) after all servers settled. VmRSS from /proc/PID/status: once the hosts are up (agents only, no servers), 2 s after the last step, and after ${IDLE_SEC} s without requests (the target's reading: the process as it stays, read as bench:idle reads it).`,
    '',
    table(['scenario', 'hypervisors up', 'created', 'ACTIVE / ERROR', 'all POSTs answered s (POST/s)', 'first POST → all ACTIVE s', 'servers/s', 'POST p50 / p95 ms', 'POST→ACTIVE p50 / p95 ms', 'polls, poll p50 ms', 'detail?limit=1000 p50 / p95 ms', 'VmRSS agents only MiB', 'VmRSS 2 s after MiB', `VmRSS idle ${IDLE_SEC} s MiB`], rows),
    '',
    ...errors,
    ...verdicts,
  ].join('\n');
  writeSection('bench:boot', md);
  log(`\nwrote the bench:boot section of docs/benchmarks.md`);
}

runBench(main);
