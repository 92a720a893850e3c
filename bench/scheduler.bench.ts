/**
 * npm run bench:scheduler — placement decisions per second with 1,000 registered hosts on a real
 * PostgreSQL: the scheduler's own code, in this process, with nothing around it (no HTTP, no RPC,
 * no instance rows). A decision is HostScheduler.place over the shared host view (HostStateCache,
 * selectHosts, the best-few shuffle) with PlacementService.claim in its own transaction as the
 * claim, retried on the next candidate when a racing claim took the room — what
 * ComputeManager.scheduleInstance does minus its instance update and action events.
 *
 * Hosts register through HostsService.report, as heartbeats do. Then CONCURRENCY workers decide in
 * a loop: a warm-up, then ROUNDS measured rounds. Afterwards every provider's usage is checked
 * against the sum of its allocations. Replaces the "## bench:scheduler" section of docs/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { Store } from '../src/common/database/store';
import { HostResources } from '../src/contracts/agent/agent.types';
import { DEFAULT_COMPUTE_SETTINGS } from '../src/services/compute/compute.settings';
import { HostsService } from '../src/services/compute/hosts/hosts.service';
import { ClaimFailedError, PlacementService } from '../src/services/compute/placement/placement.service';
import { HostScheduler } from '../src/services/compute/scheduler/host-scheduler';
import { ScheduleRequest, selectHosts } from '../src/services/compute/scheduler/host-selector';
import { HostStateCache } from '../src/services/compute/scheduler/host-state';
import { ALL_ENTITIES } from '../src/services/entities';
import { createScratchDatabase, onCleanup, runBench } from './lib/berth-process';
import { fmtInt, fmtMs, loadAverage, machine, table, today, verdict, writeSection } from './lib/report';

const HOSTS = Number(process.env.BENCH_SCHEDULER_HOSTS ?? 1000);
const CONCURRENCY = 32;
const WARMUP_MS = 3000;
const ROUND_MS = 10_000;
const ROUNDS = 3;
const SELECT_SAMPLES = 2000;
const TARGET = 1000;
/** What the fake driver reports by default. */
const RESOURCES: HostResources = { vcpus: 64, memoryMb: 256 * 1024, diskGb: 2000, hypervisorType: 'fake', hypervisorVersion: '1.0', hostIp: '127.0.0.1', kinds: ['container', 'vm'] };
/** bench:boot's flavor: 1 vCPU, 64 MB, no disk. */
const REQUEST: ScheduleRequest = { kind: 'container', resources: { VCPU: 1, MEMORY_MB: 64, DISK_GB: 0 }, ignoreHosts: [] };
const OWNER = { projectId: 'bench', userId: 'bench' };

/** CPU time (user + system) of processes, in microseconds, from /proc (USER_HZ = 100). */
function cpuMicrosOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The backend is gone: its time is lost to the measurement, which says so by being lower.
    }
  }
  return ticks * 10_000;
}

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

interface Round {
  decisions: number;
  seconds: number;
  claims: number;
  failed: number;
  latencies: number[];
  cpuMicros: number;
  pgCpuMicros: number;
}

async function main(): Promise<void> {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const load = loadAverage();
  const db = await createScratchDatabase(`berth_bench_scheduler_${randomUUID().slice(0, 8)}`);
  onCleanup(db.drop);
  const store = new Store({ databaseUrl: db.url, dataDir: '/nonexistent', entities: ALL_ENTITIES });
  onCleanup(() => store.close());
  const ds = await store.open();
  await store.migrate();
  const [{ server_version: pgVersion }] = await ds.query('SHOW server_version');

  const settings = DEFAULT_COMPUTE_SETTINGS;
  const placement = new PlacementService(ds);
  const hostStates = new HostStateCache(ds);
  const hosts = new HostsService(ds, settings, pino({ level: 'silent' }), placement, hostStates);
  const scheduler = new HostScheduler(hostStates, hosts, settings);

  const registerStart = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < HOSTS) await hosts.report(`bench-host-${next++}`, 'fake', RESOURCES);
  }));
  log(`${HOSTS} hosts registered in ${((performance.now() - registerStart) / 1000).toFixed(1)} s`);

  const view = await hostStates.hosts(Date.now());
  const selectCpu = process.cpuUsage();
  for (let i = 0; i < SELECT_SAMPLES; i++) {
    const now = Date.now();
    selectHosts(view, REQUEST, (h) => !h.disabled && hosts.isUp(h, now), settings.weigher).best(settings.hostSubsetSize);
  }
  const selectUsed = process.cpuUsage(selectCpu);
  const selectMicros = (selectUsed.user + selectUsed.system) / SELECT_SAMPLES;
  log(`selectHosts over ${view.length} hosts: ${selectMicros.toFixed(0)} µs of CPU per decision`);

  let claims = 0;
  let failed = 0;
  const claim = (consumerId: string) => async (host: { usage: { providerId: string } }): Promise<boolean> => {
    claims++;
    try {
      await ds.transaction((tx) => placement.claim(tx, consumerId, host.usage.providerId, REQUEST.resources, OWNER));
      return true;
    } catch (err) {
      if (!(err instanceof ClaimFailedError)) throw err;
      failed++;
      return false;
    }
  };
  const backends = async (): Promise<number[]> => (await ds.query(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).map((r: { pid: number }) => r.pid);
  const run = async (ms: number): Promise<Round> => {
    claims = 0;
    failed = 0;
    const latencies: number[] = [];
    const pgPids = await backends();
    const pg0 = cpuMicrosOf(pgPids);
    const cpu = process.cpuUsage();
    const start = performance.now();
    const end = start + ms;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const out = await scheduler.place(REQUEST, claim(randomUUID()));
        if (!out.host) throw new Error(`no valid host: ${JSON.stringify(out.trail)}`);
        latencies.push(performance.now() - t);
      }
    }));
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      decisions: latencies.length, seconds, claims, failed, latencies: latencies.sort((a, b) => a - b), cpuMicros: used.user + used.system,
      pgCpuMicros: cpuMicrosOf(pgPids) - pg0,
    };
  };

  await run(WARMUP_MS);
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await run(ROUND_MS);
    rounds.push(r);
    log(`round ${i + 1}: ${fmtInt(r.decisions)} decisions in ${r.seconds.toFixed(1)} s = ${fmtInt(r.decisions / r.seconds)}/s; p50 ${fmtMs(pct(r.latencies, 0.5))} ms, p95 ${fmtMs(pct(r.latencies, 0.95))} ms; ${r.failed} lost claims`);
  }

  const [mismatch] = await ds.query(
    `SELECT count(*)::int AS providers FROM compute.inventories i
     LEFT JOIN (SELECT provider_id, resource_class, sum(used)::int AS used FROM compute.allocations GROUP BY 1, 2) a USING (provider_id, resource_class)
     WHERE i.used <> coalesce(a.used, 0) OR i.used > floor((i.total - i.reserved) * i.allocation_ratio)`,
  );
  const [{ consumers }] = await ds.query('SELECT count(DISTINCT consumer_id)::int AS consumers FROM compute.allocations');
  log(`inventories whose used differs from their allocations (or exceeds capacity): ${mismatch.providers}; consumers with allocations: ${fmtInt(consumers)}`);

  const byRate = [...rounds].sort((a, b) => a.decisions / a.seconds - b.decisions / b.seconds);
  const median = byRate[Math.floor(byRate.length / 2)];
  const rate = median.decisions / median.seconds;
  const rows = rounds.map((r, i) => [
    `${i + 1}`, fmtInt(r.decisions), fmtInt(r.decisions / r.seconds), fmtMs(pct(r.latencies, 0.5)), fmtMs(pct(r.latencies, 0.95)),
    `${r.failed} of ${fmtInt(r.claims)}`, fmtInt(r.cpuMicros / r.decisions), fmtInt(r.pgCpuMicros / r.decisions),
  ]);
  const md = [
    `Command: \`npm run bench:scheduler\`. Date: ${today()}. Machine: ${machine()}. Load average when the run started: ${load}.`,
    '',
    `Configuration: PostgreSQL ${pgVersion} on this host (a scratch database, dropped afterwards), the same pool of 10 connections as berth; everything else in the bench process. ` +
      `${fmtInt(HOSTS)} hosts register through HostsService.report with the fake driver's resources (64 vCPUs, 256 GiB, 2,000 GB; kinds container and vm). ` +
      `A decision is HostScheduler.place: the shared host view (HostStateCache, re-read at most every second), selectHosts (filters and spread weigher), a random pick among the best ${settings.hostSubsetSize}, ` +
      `and as the claim PlacementService.claim of 1 vCPU / 64 MB in its own transaction (conditional UPDATE of the inventories, allocations, generation), the next candidate on a lost race. ` +
      `No instance row, action event, RPC or HTTP: the scheduler alone. ${CONCURRENCY} concurrent deciders, ${WARMUP_MS / 1000} s warm-up, then ${ROUNDS} rounds of ${ROUND_MS / 1000} s. ` +
      `selectHosts and the best ${settings.hostSubsetSize} alone over the ${view.length}-host view: ${selectMicros.toFixed(0)} µs of CPU per decision (${fmtInt(SELECT_SAMPLES)} calls). ` +
      'CPU per decision: the bench process\'s (the selection, TypeORM\'s transaction, the pg client) from process.cpuUsage, PostgreSQL\'s from /proc of the backends serving the pool.',
    '',
    table(['round', 'decisions', 'decisions/s', 'p50 ms', 'p95 ms', 'lost claims (retried)', 'bench process CPU µs/decision', 'PostgreSQL CPU µs/decision'], rows),
    '',
    `After the runs: ${mismatch.providers} inventories whose usage differs from the sum of their allocations or exceeds capacity; ${fmtInt(consumers)} consumers hold allocations.`,
    '',
    verdict(`scheduler with ${fmtInt(HOSTS)} hosts`, rate >= TARGET && mismatch.providers === 0,
      `median round ${fmtInt(rate)} placement decisions/s (target ≥ ${fmtInt(TARGET)}/s)`),
  ].join('\n');
  writeSection('bench:scheduler', md);
  log('\nwrote the bench:scheduler section of docs/benchmarks.md');
}

runBench(main);
