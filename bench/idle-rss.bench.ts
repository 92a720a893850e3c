/**
 * npm run bench:idle — resident memory of an idle all-in-one: start it, make a handful of requests
 * (issue a token, list projects, …), let it idle, then read VmRSS from /proc/PID/status a few times.
 * Runs the embedded store (what a new user gets: first start on an empty data folder, then a
 * restart on the same folder) and PostgreSQL + RabbitMQ, then, to explain the numbers, processes
 * that only run PGlite the way berth does. Each child is preloaded with lib/memory-probe.js, which
 * reports process.memoryUsage() and the live WebAssembly memories on SIGUSR2 and, since the child
 * runs with --expose-gc, the same after a forced full collection.
 * Replaces the "## bench:idle" section of docs/benchmarks.md.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { StoreKind, getJson, issueToken, onCleanup, rssBytes, runBench, startBerth, trackChild } from './lib/berth-process';
import { fmtMiB, loadAverage, machine, table, today, verdict, writeSection } from './lib/report';

const IDLE_MS = 10_000;
const SAMPLES = 5;
const SAMPLE_EVERY_MS = 1_000;
const TARGET_BYTES = 200e6; // 200 MB
const PROBE = join(__dirname, 'lib', 'memory-probe.js');
const PGLITE_ONLY = join(__dirname, 'lib', 'pglite-only.js');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ProbeSnapshot {
  label: string;
  memoryUsage: NodeJS.MemoryUsage;
  wasmMemories: { initialBytes: number; maximumBytes: number | null; liveBytes: number | null }[];
}

interface Smaps {
  /** Resident part of the mappings of WebAssembly.Memory objects not yet collected (matched by size with the probe). */
  liveWasm: number;
  /** Other anonymous mappings of 100 MiB or more: WebAssembly backing stores no longer attached to a memory object. */
  otherLarge: number;
  /** The rest of anonymous memory: V8 heap, malloc arenas, compiled WebAssembly code, stacks. */
  otherAnon: number;
  /** Node binary, shared libraries, native addons. */
  fileBacked: number;
}

interface Mapping {
  size: number;
  rss: number;
  path: string;
}

interface Measurement {
  name: string;
  target: boolean;
  samples: number[];
  smaps: Smaps;
  idle?: ProbeSnapshot;
  afterGc?: ProbeSnapshot;
  rssAfterGc?: number;
  note?: string;
}

function mappings(pid: number): Mapping[] {
  const list: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) list.push({ size: Number(BigInt(`0x${header[2]}`) - BigInt(`0x${header[1]}`)), rss: 0, path: header[3] ?? '' });
    else if (line.startsWith('Rss:') && list.length) list[list.length - 1].rss = Number(/(\d+)/.exec(line)![1]) * 1024;
  }
  return list;
}

/**
 * Resident memory by kind of mapping. A WebAssembly.Memory is one anonymous mapping of its byte
 * length (no guard-region reservation here), so the probe's live memories are matched by size;
 * PGlite's memories are at least 128 MiB, larger than any malloc arena (64 MiB) or V8 heap chunk.
 */
function classify(list: Mapping[], liveWasmBytes: number[]): Smaps {
  const result: Smaps = { liveWasm: 0, otherLarge: 0, otherAnon: 0, fileBacked: 0 };
  const unmatched = [...liveWasmBytes];
  for (const m of [...list].sort((a, b) => b.rss - a.rss)) {
    if (m.path.startsWith('/')) {
      result.fileBacked += m.rss;
      continue;
    }
    const i = unmatched.findIndex((b) => m.size >= b && m.size <= b + 2 * 2 ** 20);
    if (i >= 0) {
      unmatched.splice(i, 1);
      result.liveWasm += m.rss;
    } else if (m.size >= 100 * 2 ** 20) {
      result.otherLarge += m.rss;
    } else {
      result.otherAnon += m.rss;
    }
  }
  return result;
}

function readProbe(file: string): ProbeSnapshot[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ProbeSnapshot);
}

/** Idles, samples VmRSS, reads smaps, then asks the probe for its numbers before and after a full GC. */
async function observe(name: string, target: boolean, pid: number, probeFile: string, note?: string): Promise<Measurement> {
  await sleep(IDLE_MS);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(SAMPLE_EVERY_MS);
    samples.push(rssBytes(pid));
  }
  const maps = mappings(pid);
  const m: Measurement = { name, target, samples, smaps: { liveWasm: 0, otherLarge: 0, otherAnon: 0, fileBacked: 0 }, note };
  const before = readProbe(probeFile).length;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const lines = readProbe(probeFile).slice(before);
    m.idle = lines.find((l) => l.label === 'idle');
    m.afterGc = lines.find((l) => l.label === 'after-gc');
    if (m.idle && !m.smaps.fileBacked) {
      m.smaps = classify(maps, m.idle.wasmMemories.filter((w) => w.liveBytes !== null).map((w) => w.liveBytes!));
    }
    if (m.afterGc) {
      await sleep(200);
      m.rssAfterGc = rssBytes(pid);
      break;
    }
    await sleep(100);
  }
  const mib = (b: number) => `${fmtMiB(b)} MiB`;
  process.stdout.write(`${name.padEnd(66)} RSS ${mib(Math.min(...samples))}–${mib(Math.max(...samples))}`
    + `${m.rssAfterGc !== undefined ? `, after forced GC ${mib(m.rssAfterGc)}` : ''}; WebAssembly.Memory RSS ${mib(m.smaps.liveWasm)}, other ≥100 MiB anon ${mib(m.smaps.otherLarge)}\n`);
  return m;
}

async function berthIdle(name: string, store: StoreKind, probeDir: string, opts: { dataDir?: string; password?: string } = {}): Promise<Measurement> {
  const probeFile = join(probeDir, `${store}-${Date.now()}.jsonl`);
  const berth = await startBerth({
    store, logLevel: 'info', label: `idle_${store}`, dataDir: opts.dataDir, password: opts.password,
    nodeArgs: ['--expose-gc', '-r', PROBE], env: { BENCH_MEMORY_PROBE_OUT: probeFile },
  });
  try {
    // A handful of requests a new user would make.
    const token = await issueToken(berth);
    await getJson(`${berth.url}/identity/v3/projects`, token);
    await getJson(`${berth.url}/identity/v3/auth/projects`, token);
    await getJson(`${berth.url}/identity/v3/auth/catalog`, token);
    await getJson(`${berth.url}/identity/v3/users`, token);
    await issueToken(berth);
    return await observe(name, true, berth.pid, probeFile, berth.describe);
  } finally {
    await berth.stop();
  }
}

async function pgliteIdle(name: string, dataDir: string, probeDir: string, sharedBuffers?: string): Promise<Measurement> {
  const probeFile = join(probeDir, `pglite-${Date.now()}.jsonl`);
  const args = ['--expose-gc', '-r', PROBE, PGLITE_ONLY, dataDir, ...(sharedBuffers ? ['--shared-buffers', sharedBuffers] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_MEMORY_PROBE_OUT: probeFile } });
  trackChild(child);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(t);
  };
  const unregister = onCleanup(stop);
  try {
    const ready = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('pglite-only did not start in 120 s')), 120_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /pglite is ready \(([^)]*)\)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`pglite-only exited with ${code}`)));
    });
    return await observe(name, false, child.pid!, probeFile, ready);
  } finally {
    unregister();
    await stop();
  }
}

async function main(): Promise<void> {
  const load = loadAverage();
  process.stdout.write(`bench:idle — idle ${IDLE_MS / 1000} s, then ${SAMPLES} VmRSS samples ${SAMPLE_EVERY_MS / 1000} s apart; load average ${load}\n`);
  const work = mkdtempSync(join(os.tmpdir(), 'berth-bench-idle-'));
  onCleanup(async () => rmSync(work, { recursive: true, force: true }));
  const probeDir = join(work, 'probe');
  mkdirSync(probeDir);

  const rows: Measurement[] = [];
  const embeddedDir = join(work, 'embedded');
  const password = `bench-idle-${Date.now()}`;
  rows.push(await berthIdle('all-in-one, embedded store, first start (empty data folder)', 'embedded', probeDir, { dataDir: embeddedDir, password }));
  rows.push(await berthIdle('all-in-one, embedded store, restart on the same data folder', 'embedded', probeDir, { dataDir: embeddedDir, password }));
  rows.push(await berthIdle('all-in-one, PostgreSQL + RabbitMQ', 'postgres', probeDir));

  const pgDir = join(work, 'pglite-only');
  rows.push(await pgliteIdle('diagnostic: PGlite alone, first start (initdb)', pgDir, probeDir));
  rows.push(await pgliteIdle('diagnostic: PGlite alone, existing data folder', pgDir, probeDir));
  rows.push(await pgliteIdle('diagnostic: PGlite alone, existing data folder, shared_buffers=16MB', pgDir, probeDir, '16MB'));

  const mib = (b: number | undefined) => (b === undefined ? '–' : fmtMiB(b));
  const wasm = (s?: ProbeSnapshot) => {
    if (!s) return '–';
    const live = s.wasmMemories.filter((w) => w.liveBytes !== null).map((w) => fmtMiB(w.liveBytes!));
    const gone = s.wasmMemories.length - live.length;
    return `${live.length ? live.join(' + ') : 'none'}${gone ? ` (+${gone} collected)` : ''}`;
  };
  const md: string[] = [
    `Command: \`npm run bench:idle\`. Date: ${today()}. Machine: ${machine()}. Load average when the run started: ${load}.`,
    '',
    `Configuration: \`node --expose-gc -r dist/bench/lib/memory-probe.js dist/src/main.js all-in-one --port 0\` in a child process, BERTH_LOG_LEVEL=info with stdout to a file; `
      + 'after it serves: issue a token, GET /v3/projects, /v3/auth/projects, /v3/auth/catalog, /v3/users, issue another token; '
      + `then idle ${IDLE_MS / 1000} s and read VmRSS (/proc/PID/status) ${SAMPLES} times ${SAMPLE_EVERY_MS / 1000} s apart. `
      + 'The breakdown comes from /proc/PID/smaps read just before the probe reports (process.memoryUsage() and the byte length of every WebAssembly.Memory not yet collected, held through a WeakRef): such a memory is the anonymous mapping of its byte length; '
      + 'other anonymous mappings of 100 MiB or more are WebAssembly backing stores no longer attached to a memory object (PGlite\'s are ≥ 128 MiB; malloc arenas are ≤ 64 MiB); the rest is the V8 heap, malloc, compiled WebAssembly code and stacks; '
      + 'then the probe forces two full GCs and VmRSS is read once more. The PGlite-alone rows run lib/pglite-only.js: PGlite + its socket server in a data folder, as src/common/database/embedded-postgres.ts does, nothing else.',
    '',
    table(['process', 'VmRSS min MiB', 'VmRSS max MiB', 'after forced GC MiB', 'WebAssembly.Memory RSS MiB', 'other ≥100 MiB anon RSS MiB', 'other anon RSS MiB', 'file-backed RSS MiB', 'V8 heap used MiB', 'WebAssembly.Memory byte lengths MiB (not yet collected)'], rows.map((m) => [
      m.name, mib(Math.min(...m.samples)), mib(Math.max(...m.samples)), mib(m.rssAfterGc), mib(m.smaps.liveWasm), mib(m.smaps.otherLarge), mib(m.smaps.otherAnon), mib(m.smaps.fileBacked),
      mib(m.idle?.memoryUsage.heapUsed), wasm(m.idle),
    ])),
    '',
    ...rows.filter((m) => m.note).map((m) => `- ${m.name}: ${m.note}`),
    '',
  ];
  // What the numbers say, computed from this run's rows.
  const [first, restart, external, pgFirst, pgExisting, pgSmall] = rows;
  const maxOf = (m: Measurement) => Math.max(...m.samples);
  md.push(
    'What takes the memory (from the rows above):',
    `- PGlite: the embedded all-in-one after a restart holds ${fmtMiB(maxOf(restart) - maxOf(external))} MiB more than the same all-in-one on PostgreSQL + RabbitMQ; PGlite alone on an existing folder is ${fmtMiB(maxOf(pgExisting))} MiB, `
      + `of which ${fmtMiB(pgExisting.smaps.liveWasm)} MiB is its WebAssembly memory (grown to ${wasm(pgExisting.idle)} MiB: PostgreSQL's shared_buffers, 128MB by default, lives in it).`,
    `- shared_buffers: with 16MB instead of 128MB, PGlite alone is ${fmtMiB(maxOf(pgSmall))} MiB instead of ${fmtMiB(maxOf(pgExisting))} MiB (WebAssembly memory resident ${fmtMiB(pgSmall.smaps.liveWasm)} instead of ${fmtMiB(pgExisting.smaps.liveWasm)} MiB).`,
    `- First start: on an empty folder PGlite first runs initdb in a second WebAssembly instance; the first-start all-in-one holds ${fmtMiB(maxOf(first) - maxOf(restart))} MiB more than after a restart `
      + `(${fmtMiB(first.smaps.otherLarge + first.smaps.liveWasm - restart.smaps.liveWasm)} MiB in large anonymous mappings beyond the live store's), and a forced full GC brings it from ${fmtMiB(maxOf(first))} to ${mib(first.rssAfterGc)} MiB: `
      + `initdb's instance is garbage that V8 has not collected, because nothing in the idle process triggers a full collection (WebAssembly memories before the forced GC: ${wasm(first.idle)}; after: ${wasm(first.afterGc)}). PGlite alone shows the same (${fmtMiB(maxOf(pgFirst))} MiB → ${mib(pgFirst.rssAfterGc)} MiB after GC).`,
    `- The rest: the all-in-one on PostgreSQL + RabbitMQ (Node, NestJS, TypeORM, pg, amqplib, prom-client, no store in process) is ${fmtMiB(maxOf(external))} MiB, V8 heap used ${mib(external.idle?.memoryUsage.heapUsed)} MiB.`,
    '',
  );
  for (const m of rows.filter((r) => r.target)) {
    const max = Math.max(...m.samples);
    md.push(verdict(m.name, max <= TARGET_BYTES, `max VmRSS ${fmtMiB(max)} MiB = ${(max / 1e6).toFixed(0)} MB (target ≤ 200 MB)`));
  }
  writeSection('bench:idle', md.join('\n'));
  process.stdout.write(`\nwrote the bench:idle section of docs/benchmarks.md\n`);
}

runBench(main);
