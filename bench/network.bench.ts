/**
 * npm run bench:network — IPAM and port queries through REST on PostgreSQL + RabbitMQ:
 *   1. 1,000 port creates on one /16 at concurrency 32: ports/s, p50/p95 create latency, and a
 *      duplicate check over every address and MAC handed out.
 *   2. Ports grown to 10,000 (same way), then `GET /v2.0/ports?device_id=…` latency (sequential).
 * Replaces the "## bench:network" section of docs/benchmarks.md.
 */
import { BerthProcess, cpuMicros, issueToken, runBench, startBerth } from './lib/berth-process';
import { fmtInt, fmtMs, loadAverage, machine, table, today, verdict, writeSection } from './lib/report';

const CONCURRENCY = 32;
const FIRST = 1000;
const TOTAL = 10_000;
const QUERIES = 200;
const TARGET_RATE = 300;
const TARGET_P95_MS = 20;

function pct(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function req(berth: BerthProcess, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${berth.url}/networking/v2.0${path}`, {
    method, headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Creates `count` ports with `workers` in flight; returns each create's latency and the ports. */
async function createPorts(berth: BerthProcess, token: string, networkId: string, count: number, from: number): Promise<{ ms: number[]; ports: { ip: string; mac: string }[]; seconds: number }> {
  const ms: number[] = [];
  const ports: { ip: string; mac: string }[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      const i = from + next++;
      const t0 = performance.now();
      const r = await req(berth, token, 'POST', '/ports', { port: { network_id: networkId, device_id: `device-${i}`, device_owner: 'compute:nova' } });
      ms.push(performance.now() - t0);
      if (r.status !== 201) throw new Error(`port create ${i}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      ports.push({ ip: r.body.port.fixed_ips[0].ip_address, mac: r.body.port.mac_address });
    }
  }));
  return { ms, ports, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const load = loadAverage();
  const berth = await startBerth({ store: 'postgres', label: 'network' });
  const token = await issueToken(berth);
  const project = (await (await fetch(`${berth.url}/identity/v3/auth/projects`, { headers: { 'x-auth-token': token } })).json() as any).projects.find((p: { name: string }) => p.name === 'admin').id;
  const quota = await req(berth, token, 'PUT', `/quotas/${project}`, { quota: { port: -1 } });
  if (quota.status !== 200) throw new Error(`quota: HTTP ${quota.status}`);
  const net = (await req(berth, token, 'POST', '/networks', { network: { name: 'bench' } })).body.network.id as string;
  const sub = await req(berth, token, 'POST', '/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.128.0.0/16' } });
  if (sub.status !== 201) throw new Error(`subnet: HTTP ${sub.status}`);

  const cpu0 = cpuMicros(berth.pid);
  const first = await createPorts(berth, token, net, FIRST, 0);
  const cpuPerPort = (cpuMicros(berth.pid) - cpu0) / FIRST;
  const rest = await createPorts(berth, token, net, TOTAL - FIRST, FIRST);
  const all = [...first.ports, ...rest.ports];
  const dupIps = all.length - new Set(all.map((p) => p.ip)).size;
  const dupMacs = all.length - new Set(all.map((p) => p.mac)).size;

  const query: number[] = [];
  for (let i = 0; i < QUERIES + 10; i++) {
    const device = `device-${Math.floor(Math.random() * TOTAL)}`;
    const t0 = performance.now();
    const r = await req(berth, token, 'GET', `/ports?device_id=${device}`);
    const took = performance.now() - t0;
    if (r.status !== 200 || r.body.ports.length !== 1) throw new Error(`ports?device_id=${device}: HTTP ${r.status}, ${r.body?.ports?.length} ports`);
    if (i >= 10) query.push(took);
  }
  await berth.stop();

  const rate = FIRST / first.seconds;
  const md = [
    `Command: \`npm run bench:network\`. Date: ${today()}. Machine: ${machine()}. Load average when the run started: ${load}.`,
    '',
    `Configuration: \`node dist/src/main.js all-in-one --port 0\` on ${berth.describe} (berth CPU µs/port: the child's user + system time over the phase, /proc/PID/stat, divided by the ports; less disturbed by other load than ports/s), BERTH_LOG_LEVEL=info (access log to a file). The admin project's port quota is set to -1; one VXLAN network with one /16 subnet (10.128.0.0/16, 65,533 addresses in its pool). ${CONCURRENCY} concurrent clients POST /networking/v2.0/ports (network_id, a distinct device_id each, device_owner compute:nova; no fixed_ips, so IPAM picks the address) until ${fmtInt(FIRST)} ports exist (row 1), then until ${fmtInt(TOTAL)} exist (row 2). Then ${QUERIES} sequential GET /networking/v2.0/ports?device_id=<random existing device> after 10 warm-up requests, each answering exactly one port.`,
    '',
    table(['phase', 'ports', 'seconds', 'ports/s', 'create p50 ms', 'create p95 ms', 'berth CPU µs/port'], [
      [`first ${fmtInt(FIRST)} on an empty /16`, fmtInt(FIRST), first.seconds.toFixed(1), rate.toFixed(0), fmtMs(pct(first.ms, 0.5)), fmtMs(pct(first.ms, 0.95)), fmtInt(cpuPerPort)],
      [`${fmtInt(FIRST)} → ${fmtInt(TOTAL)}`, fmtInt(TOTAL - FIRST), rest.seconds.toFixed(1), ((TOTAL - FIRST) / rest.seconds).toFixed(0), fmtMs(pct(rest.ms, 0.5)), fmtMs(pct(rest.ms, 0.95)), '–'],
    ]),
    '',
    table(['query', 'requests', 'p50 ms', 'p95 ms', 'p99 ms'], [
      [`GET /v2.0/ports?device_id=… with ${fmtInt(TOTAL)} ports`, QUERIES, fmtMs(pct(query, 0.5)), fmtMs(pct(query, 0.95)), fmtMs(pct(query, 0.99))],
    ]),
    '',
    verdict('port creates on one /16 at concurrency 32', rate >= TARGET_RATE, `${rate.toFixed(0)} ports/s (target ≥ ${TARGET_RATE}/s)`),
    verdict('duplicates', dupIps === 0 && dupMacs === 0, `${dupIps} duplicate addresses and ${dupMacs} duplicate MACs among ${fmtInt(all.length)} ports (target 0)`),
    verdict('GET /v2.0/ports?device_id=… p95', pct(query, 0.95) <= TARGET_P95_MS, `${fmtMs(pct(query, 0.95))} ms with ${fmtInt(TOTAL)} ports (target ≤ ${TARGET_P95_MS} ms)`),
  ].join('\n');
  writeSection('bench:network', md);
  process.stdout.write(`${md}\n`);
}

runBench(main);
