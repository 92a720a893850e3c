/**
 * npm run bench:containers — real containers on one Podman host (its Docker-compatible API):
 *   1. berth's POST /compute/v2.1/servers → ACTIVE, against the engine's own create + start of the
 *      same image with the same limits through the Engine API, in alternating pairs in one run.
 *   2. The idle RSS of a standalone `berth agent` process, with the docker and the fake driver.
 * berth runs as `all-in-one --docker-host <podman>` on PostgreSQL + RabbitMQ, so every build
 * crosses the broker to its agent as on a real deployment. Replaces the "## bench:containers"
 * section of docs/benchmarks.md.
 *
 * Environment: BENCH_PAIRS (default 40), BENCH_POLL_MS (default 10: the time-to-ACTIVE is exact
 * to one poll).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EngineClient } from '../src/services/agent/drivers/engine-client';
import { busyboxImage } from '../test/utils/busybox-image';
import { startPodmanHost } from '../test/utils/podman-host';
import { BerthProcess, MAIN_JS, issueToken, onCleanup, rssBytes, runBench, startBerth, trackChild } from './lib/berth-process';
import { fmtMiB, fmtMs, loadAverage, machine, table, today, verdict, writeSection } from './lib/report';

const PAIRS = Math.max(5, Number(process.env.BENCH_PAIRS ?? 40));
const POLL_MS = Math.max(1, Number(process.env.BENCH_POLL_MS ?? 10));
const TARGET_P50 = 1.5;
const TARGET_P99 = 3;
const TARGET_AGENT_RSS = 80e6;
const FLAVOR = { ram: 64, vcpus: 1 };
const IDLE_SEC = 10;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pct(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

interface Api {
  req(method: string, path: string, body?: unknown, raw?: Buffer): Promise<{ status: number; body: any }>;
}

function api(berth: BerthProcess, token: string): Api {
  return {
    async req(method, path, body, raw) {
      const res = await fetch(`${berth.url}${path}`, {
        method,
        headers: {
          'x-auth-token': token, 'x-openstack-nova-api-version': '2.37',
          ...(raw ? { 'content-type': 'application/octet-stream' } : body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

function must(r: { status: number; body: any }, status: number, what: string): any {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

/** POST → first GET that shows ACTIVE, in ms; then deletes the server and waits until it is gone. */
async function bootOnce(a: Api, imageId: string, flavorId: string, name: string): Promise<number> {
  const started = performance.now();
  const id = must(await a.req('POST', '/compute/v2.1/servers', { server: { name, imageRef: imageId, flavorRef: flavorId, networks: 'none' } }), 202, 'create').server.id;
  let took = 0;
  for (;;) {
    const s = must(await a.req('GET', `/compute/v2.1/servers/${id}`), 200, 'show').server;
    if (s.status === 'ACTIVE') {
      took = performance.now() - started;
      break;
    }
    if (s.status === 'ERROR') throw new Error(`server ${name} went to ERROR: ${JSON.stringify(s.fault)}`);
    if (performance.now() - started > 120_000) throw new Error(`server ${name} not ACTIVE after 120 s`);
    await sleep(POLL_MS);
  }
  must(await a.req('DELETE', `/compute/v2.1/servers/${id}`), 204, 'delete');
  while ((await a.req('GET', `/compute/v2.1/servers/${id}`)).status !== 404) await sleep(50);
  return took;
}

/** The engine's own create + start with the limits berth sets for the same flavor, in ms; removal is not timed. */
async function engineOnce(docker: EngineClient, reference: string, n: number): Promise<number> {
  const started = performance.now();
  const c = await docker.createContainer(`bench-engine-${n}`, {
    Image: reference, Labels: { 'bench': 'engine' },
    HostConfig: {
      Memory: FLAVOR.ram * 2 ** 20, MemorySwap: FLAVOR.ram * 2 ** 20, NanoCpus: FLAVOR.vcpus * 1e9, PidsLimit: 1024,
      CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'],
    },
  });
  await docker.containerAction(c.Id, 'start');
  const took = performance.now() - started;
  await docker.removeContainer(c.Id, { force: true, v: true });
  return took;
}

/** Starts `berth agent`, waits until its host is an up hypervisor, idles, and reads its VmRSS. */
async function agentRss(berth: BerthProcess, token: string, driver: 'docker' | 'fake', dockerHost: string): Promise<{ min: number; max: number }> {
  const host = `rss-${driver}`;
  const child: ChildProcess = spawn(process.execPath, [MAIN_JS, 'agent', '--host', host, '--driver', driver, ...(driver === 'docker' ? ['--docker-host', dockerHost] : [])], {
    env: { ...process.env, BERTH_AMQP_URL: berth.amqpUrl!, BERTH_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  trackChild(child);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await done;
  };
  const unregister = onCleanup(stop);
  try {
    const a = api(berth, token);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const list = must(await a.req('GET', '/compute/v2.1/os-hypervisors/detail'), 200, 'hypervisors').hypervisors as { hypervisor_hostname: string; state: string }[];
      if (list.some((h) => h.hypervisor_hostname === host && h.state === 'up')) break;
      if (Date.now() > deadline) throw new Error(`agent ${host} did not register in 60 s`);
      await sleep(200);
    }
    await sleep(IDLE_SEC * 1000);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssBytes(child.pid!));
      await sleep(1000);
    }
    return { min: Math.min(...samples), max: Math.max(...samples) };
  } finally {
    unregister();
    await stop();
  }
}

async function main(): Promise<void> {
  const load = loadAverage();
  const podman = await startPodmanHost('bench');
  onCleanup(podman.stop);
  const docker = EngineClient.for(podman.dockerHost);
  onCleanup(async () => docker.close());
  const podmanVersion = await docker.version();
  const image = await busyboxImage('berth-bench/busybox:1', ['sleep', '1000000']);
  const berth = await startBerth({ store: 'postgres', label: 'containers', args: ['--docker-host', podman.dockerHost, '--host', 'bench-host'] });
  const token = await issueToken(berth);
  const a = api(berth, token);
  const project = must(await a.req('GET', '/identity/v3/auth/projects'), 200, 'projects').projects.find((p: { name: string }) => p.name === 'admin').id;
  must(await a.req('PUT', `/compute/v2.1/os-quota-sets/${project}`, { quota_set: { instances: -1, cores: -1, ram: -1 } }), 200, 'quota');
  const img = must(await a.req('POST', '/image/v2/images', { name: 'bench-busybox', container_format: 'docker', disk_format: 'raw' }), 201, 'image');
  must(await a.req('PUT', `/image/v2/images/${img.id}/file`, undefined, readFileSync(image.path)), 204, 'upload');
  const flavorId = must(await a.req('POST', '/compute/v2.1/flavors', { flavor: { name: 'bench.tiny', ram: FLAVOR.ram, vcpus: FLAVOR.vcpus, disk: 0, id: null } }), 200, 'flavor').flavor.id;

  // The first boot loads the image into the engine (cached by checksum); both sides then start from a loaded image.
  const firstBoot = await bootOnce(a, img.id, flavorId, 'warm-up');
  const reference = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []).find((t) => t.includes(img.id));
  if (!reference) throw new Error(`berth's image ${img.id} is not in the engine after the warm-up boot`);
  await engineOnce(docker, reference, 0);

  const engine: number[] = [];
  const berthTimes: number[] = [];
  for (let i = 1; i <= PAIRS; i++) {
    engine.push(await engineOnce(docker, reference, i));
    berthTimes.push(await bootOnce(a, img.id, flavorId, `bench-${i}`));
  }

  const dockerAgent = await agentRss(berth, token, 'docker', podman.dockerHost);
  const fakeAgent = await agentRss(berth, token, 'fake', podman.dockerHost);
  await berth.stop();

  const r50 = pct(berthTimes, 0.5) / pct(engine, 0.5);
  const r99 = pct(berthTimes, 0.99) / pct(engine, 0.99);
  const md = [
    `Command: \`npm run bench:containers\`. Date: ${today()}. Machine: ${machine()}. Load average when the run started: ${load}.`,
    '',
    `Configuration: one Podman service (${podmanVersion.Version ? `Podman ${podmanVersion.Version}, ` : ''}its Docker-compatible API on a unix socket, runc, cgroupfs; the test machines' configuration from test/utils/podman-host.ts) and \`node dist/src/main.js all-in-one --docker-host unix://… --host bench-host\` on ${berth.describe}, its local agent driving that Podman through the broker. Image: a busybox docker archive (${fmtMiB(image.size)} MiB, \`sleep 1000000\`) uploaded to the image service; a warm-up boot loads it into the engine (${fmtMs(firstBoot)} ms, not counted). Then ${PAIRS} alternating pairs: (engine) create + start of that loaded image through berth's Engine API client (the agent's) with the flavor's limits (${FLAVOR.ram} MB, ${FLAVOR.vcpus} vCPU, pids 1024, caps dropped, no-new-privileges), timed until start returns, removed untimed; (berth) POST /compute/v2.1/servers (${FLAVOR.ram} MB / ${FLAVOR.vcpus} vCPU flavor, networks none) timed until a GET /servers/{id} polled every ${POLL_MS} ms shows ACTIVE, deleted untimed. berth's time includes the API, quota, scheduling and placement claim, the RPC over RabbitMQ, the agent's create (its container_info file written on the host and bind-mounted) and start, and the ACTIVE report back.`,
    '',
    table(['path', 'runs', 'p50 ms', 'p90 ms', 'p99 ms', 'min ms', 'max ms'], [
      ['engine: create + start (Engine API)', engine.length, fmtMs(pct(engine, 0.5)), fmtMs(pct(engine, 0.9)), fmtMs(pct(engine, 0.99)), fmtMs(Math.min(...engine)), fmtMs(Math.max(...engine))],
      ['berth: POST /servers → ACTIVE', berthTimes.length, fmtMs(pct(berthTimes, 0.5)), fmtMs(pct(berthTimes, 0.9)), fmtMs(pct(berthTimes, 0.99)), fmtMs(Math.min(...berthTimes)), fmtMs(Math.max(...berthTimes))],
    ]),
    '',
    table(['standalone agent (idle ' + IDLE_SEC + ' s after registering)', 'VmRSS min MiB', 'VmRSS max MiB'], [
      ['`berth agent --driver docker` (Podman)', fmtMiB(dockerAgent.min), fmtMiB(dockerAgent.max)],
      ['`berth agent --driver fake`', fmtMiB(fakeAgent.min), fmtMiB(fakeAgent.max)],
    ]),
    '',
    verdict('berth / engine, p50', r50 <= TARGET_P50, `${r50.toFixed(2)}× (target ≤ ${TARGET_P50}×)`),
    verdict('berth / engine, p99', r99 <= TARGET_P99, `${r99.toFixed(2)}× (target ≤ ${TARGET_P99}×)`),
    verdict('agent RSS idle, docker driver', dockerAgent.max <= TARGET_AGENT_RSS, `${fmtMiB(dockerAgent.max)} MiB = ${(dockerAgent.max / 1e6).toFixed(0)} MB (target ≤ 80 MB)`),
    verdict('agent RSS idle, fake driver', fakeAgent.max <= TARGET_AGENT_RSS, `${fmtMiB(fakeAgent.max)} MiB = ${(fakeAgent.max / 1e6).toFixed(0)} MB (target ≤ 80 MB)`),
  ].join('\n');
  writeSection('bench:containers', md);
  process.stdout.write(`${md}\n`);
}

runBench(main);
