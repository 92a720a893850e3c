/**
 * npm run bench:idle — resident memory of an idle all-in-one: start it the way a user does
 * (bin/berth, which `npx berth` and `npm start` run), make the requests a handful of `openstack`
 * commands would make (each command checks the password for a new token), let it idle, then read
 * VmRSS from /proc/PID/status. Runs the embedded store (what a new user gets: first start on an
 * empty data folder, then a restart on the same folder) and PostgreSQL + RabbitMQ; then, to
 * explain the numbers, the restart started with plain `node dist/src/main.js`, and processes that
 * only run PGlite with and without berth's WebAssembly setting. Each child is preloaded with
 * lib/memory-probe.js, which reports process.memoryUsage() and the live WebAssembly memories on
 * SIGUSR2 and, since the child runs with --expose-gc, the same after a forced full collection on
 * SIGWINCH. Replaces the "## bench:idle" section of docs/benchmarks.md.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StoreKind, getJson, issueToken, onCleanup, rssBytes, runBench, startBerth, trackChild } from './lib/berth-process';
import { fmtMiB, loadAverage, machine, table, today, verdict, writeSection } from './lib/report';

/** The verdict reads VmRSS SAMPLES times, SAMPLE_EVERY_MS apart, from IDLE_MS after the last request. */
const IDLE_MS = 10_000;
const SAMPLES = 5;
const SAMPLE_EVERY_MS = 1_000;
/** One more reading this long after the last request, once V8's own memory reducer has had time to run. */
const SETTLED_MS = 60_000;
const TARGET_BYTES = 200e6; // 200 MB
/** What `openstack <command>` does against a fresh all-in-one: a password token, then one GET. */
const COMMANDS = ['/identity/v3/projects', '/identity/v3/auth/catalog', '/identity/v3/users', '/compute/v2.1/servers', '/compute/v2.1/flavors', '/image/v2/images'];
const PROBE = join(__dirname, 'lib', 'memory-probe.js');
const PGLITE_ONLY = join(__dirname, 'lib', 'pglite-only.js');
const MIB = 2 ** 20;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ProbeSnapshot {
  label: string;
  memoryUsage: NodeJS.MemoryUsage;
  wasmMemories: { initialBytes: number; maximumBytes: number | null; liveBytes: number | null }[];
}

interface Smaps {
  /** Resident part of the mappings of WebAssembly.Memory objects not yet collected (matched by size with the probe). */
  liveWasm: number;
  /** glibc's main malloc arena (the brk heap). */
  mainArena: number;
  /** Resident size of each other malloc arena: a 64 MiB-aligned heap reserved per thread that allocates. */
  threadArenas: number[];
  /** The rest of anonymous memory: V8's heap, compiled code, WebAssembly module bytes, stacks. */
  otherAnon: number;
  /** Node binary, shared libraries, native addons. */
  fileBacked: number;
}

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  rss: number;
  path: string;
}

interface Measurement {
  name: string;
  target: boolean;
  samples: number[];
  settled?: number;
  smaps: Smaps;
  idle?: ProbeSnapshot;
  rssAfterGc?: number;
  note?: string;
  timings?: Record<string, number>;
}

function mappings(pid: number): Mapping[] {
  const list: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) list.push({ start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3], rss: 0, path: header[4] ?? '' });
    else if (line.startsWith('Rss:') && list.length) list[list.length - 1].rss = Number(/(\d+)/.exec(line)![1]) * 1024;
  }
  return list;
}

/**
 * Resident memory by kind of mapping. A WebAssembly.Memory is one anonymous mapping of its byte
 * length (no guard-region reservation here), so the probe's live memories are matched by size
 * (PGlite's are at least 128 MiB, larger than any arena). A glibc thread arena is a heap of
 * HEAP_MAX_SIZE (64 MiB) aligned to its size: a read-write start, the rest reserved (---p).
 */
function classify(list: Mapping[], liveWasmBytes: number[]): Smaps {
  const result: Smaps = { liveWasm: 0, mainArena: 0, threadArenas: [], otherAnon: 0, fileBacked: 0 };
  const arena = BigInt(64 * MIB);
  const unmatched = [...liveWasmBytes];
  list.forEach((m, i) => {
    const size = Number(m.end - m.start);
    const next = list[i + 1];
    const reserved = next && next.start === m.end && next.perms.startsWith('---') ? next.end : m.end;
    const wasm = unmatched.findIndex((b) => size >= b && size <= b + 2 * MIB);
    if (m.path.startsWith('/')) result.fileBacked += m.rss;
    else if (m.path === '[heap]') result.mainArena += m.rss;
    else if (wasm >= 0) {
      unmatched.splice(wasm, 1);
      result.liveWasm += m.rss;
    } else if (m.perms === 'rw-p' && m.start % arena === 0n && reserved - m.start === arena) result.threadArenas.push(m.rss);
    else result.otherAnon += m.rss;
  });
  result.threadArenas.sort((a, b) => b - a);
  return result;
}

function readProbe(file: string): ProbeSnapshot[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ProbeSnapshot);
}

async function probe(pid: number, file: string, signal: NodeJS.Signals, label: string): Promise<ProbeSnapshot | undefined> {
  const before = readProbe(file).length;
  process.kill(pid, signal);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const found = readProbe(file).slice(before).find((l) => l.label === label);
    if (found) return found;
    await sleep(100);
  }
  return undefined;
}

/** Idles, samples VmRSS, reads smaps and the probe, reads VmRSS once more when settled, then after a forced GC. */
async function observe(name: string, target: boolean, pid: number, probeFile: string, lastRequestAt: number, note?: string): Promise<Measurement> {
  await sleep(lastRequestAt + IDLE_MS - Date.now());
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(SAMPLE_EVERY_MS);
    samples.push(rssBytes(pid));
  }
  const maps = mappings(pid);
  const m: Measurement = { name, target, samples, smaps: classify(maps, []), note };
  m.idle = await probe(pid, probeFile, 'SIGUSR2', 'idle');
  if (m.idle) m.smaps = classify(maps, m.idle.wasmMemories.filter((w) => w.liveBytes !== null).map((w) => w.liveBytes!));
  await sleep(lastRequestAt + SETTLED_MS - Date.now());
  m.settled = rssBytes(pid);
  if (await probe(pid, probeFile, 'SIGWINCH', 'after-gc')) {
    await sleep(200);
    m.rssAfterGc = rssBytes(pid);
  }
  const mib = (b: number) => `${fmtMiB(b)} MiB`;
  process.stdout.write(`${name.padEnd(66)} RSS ${mib(Math.min(...samples))}–${mib(Math.max(...samples))}, after ${SETTLED_MS / 1000} s ${mib(m.settled)}`
    + `${m.rssAfterGc !== undefined ? `, after forced GC ${mib(m.rssAfterGc)}` : ''}; thread arenas ${mib(m.smaps.threadArenas.reduce((a, b) => a + b, 0))}\n`);
  return m;
}

async function berthIdle(name: string, target: boolean, store: StoreKind, probeDir: string, opts: { dataDir?: string; password?: string; launcher: boolean }): Promise<Measurement> {
  const probeFile = join(probeDir, `${store}-${Date.now()}.jsonl`);
  const berth = await startBerth({
    store, logLevel: 'info', label: `idle_${store}`, dataDir: opts.dataDir, password: opts.password, launcher: opts.launcher,
    nodeArgs: ['--expose-gc', '--require', PROBE], env: { BENCH_MEMORY_PROBE_OUT: probeFile },
  });
  try {
    for (const path of COMMANDS) await getJson(`${berth.url}${path}`, await issueToken(berth));
    return await observe(name, target, berth.pid, probeFile, Date.now(), berth.describe);
  } finally {
    await berth.stop();
  }
}

async function pgliteIdle(name: string, dataDir: string, probeDir: string, nodeFlags: string[]): Promise<Measurement> {
  const probeFile = join(probeDir, `pglite-${Date.now()}.jsonl`);
  const args = [...nodeFlags, '--expose-gc', '--require', PROBE, PGLITE_ONLY, dataDir];
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
    const { ready, timings } = await new Promise<{ ready: string; timings: Record<string, number> }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('pglite-only did not start in 300 s')), 300_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /pglite timings (\{.*\})\n[^]*pglite is ready \(([^)]*)\)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ ready: m[2], timings: JSON.parse(m[1]) as Record<string, number> });
        }
      });
      child.once('exit', (code) => reject(new Error(`pglite-only exited with ${code}`)));
    });
    const m = await observe(name, false, child.pid!, probeFile, Date.now(), `\`node ${nodeFlags.join(' ')} pglite-only.js\`, ${ready}`.replace('node  ', 'node '));
    m.timings = timings;
    return m;
  } finally {
    unregister();
    await stop();
  }
}

async function main(): Promise<void> {
  // bin/berth keeps a MALLOC_ARENA_MAX it inherits: the rows must show its own default, and the plain-node row glibc's.
  delete process.env.MALLOC_ARENA_MAX;
  const load = loadAverage();
  process.stdout.write(`bench:idle — ${COMMANDS.length} commands, idle ${IDLE_MS / 1000} s, then ${SAMPLES} VmRSS samples ${SAMPLE_EVERY_MS / 1000} s apart and one at ${SETTLED_MS / 1000} s; load average ${load}\n`);
  const work = mkdtempSync(join(os.tmpdir(), 'berth-bench-idle-'));
  onCleanup(async () => rmSync(work, { recursive: true, force: true }));
  const probeDir = join(work, 'probe');
  mkdirSync(probeDir);

  const embeddedDir = join(work, 'embedded');
  const password = `bench-idle-${Date.now()}`;
  const first = await berthIdle('all-in-one, embedded store, first start (empty data folder)', true, 'embedded', probeDir, { dataDir: embeddedDir, password, launcher: true });
  const restart = await berthIdle('all-in-one, embedded store, restart on the same data folder', true, 'embedded', probeDir, { dataDir: embeddedDir, password, launcher: true });
  const external = await berthIdle('all-in-one, PostgreSQL + RabbitMQ', true, 'postgres', probeDir, { launcher: true });
  const plain = await berthIdle('diagnostic: embedded restart, started as `node dist/src/main.js` (glibc\'s default arenas)', false, 'embedded', probeDir, { dataDir: embeddedDir, password, launcher: false });
  // PGlite alone on the folder the all-in-one used, with glibc's default arenas, so the compiler memory shows.
  await promisify(execFile)(process.execPath, ['--liftoff-only', PGLITE_ONLY, embeddedDir, '--prepare'], { timeout: 300_000 });
  const liftoff = await pgliteIdle('diagnostic: PGlite alone, Liftoff only (as berth runs it)', embeddedDir, probeDir, ['--liftoff-only']);
  const tiering = await pgliteIdle('diagnostic: PGlite alone, V8\'s default tiering (Liftoff, then TurboFan)', embeddedDir, probeDir, []);
  const rows = [first, restart, external, plain, liftoff, tiering];

  const mib = (b: number | undefined) => (b === undefined ? '–' : fmtMiB(b));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const arenas = (s: Smaps) => {
    const big = s.threadArenas.filter((r) => r >= MIB).map((r) => fmtMiB(r));
    return `${fmtMiB(sum(s.threadArenas))} (${s.threadArenas.length}${big.length ? `: ${big.join(', ')}` : ''})`;
  };
  const heap = (p?: ProbeSnapshot) => (p ? `${fmtMiB(p.memoryUsage.heapTotal)} / ${fmtMiB(p.memoryUsage.heapUsed)}` : '–');
  const argon2Arenas = (s: Smaps) => s.threadArenas.filter((r) => Math.abs(r - 19 * MIB) < 0.5 * MIB);
  const md: string[] = [
    `Command: \`npm run bench:idle\`. Date: ${today()}. Machine: ${machine()}. Load average when the run started: ${load}.`,
    '',
    `Configuration: \`bin/berth all-in-one --port 0\` (what \`npx berth\` and \`npm start\` run: node dist/src/main.js with MALLOC_ARENA_MAX=1) in a child process, NODE_OPTIONS="--expose-gc --require dist/bench/lib/memory-probe.js", BERTH_LOG_LEVEL=info with stdout to a file; `
      + `after it serves, ${COMMANDS.length} requests as \`openstack\` commands make them (each a password-scoped token issue, one argon2id check, then one GET: ${COMMANDS.join(', ')}); `
      + `then idle ${IDLE_MS / 1000} s and read VmRSS (/proc/PID/status) ${SAMPLES} times ${SAMPLE_EVERY_MS / 1000} s apart (the verdict), and once more ${SETTLED_MS / 1000} s after the last request. `
      + 'The breakdown comes from /proc/PID/smaps read after the 5th sample, with the probe\'s process.memoryUsage() and the byte length of every WebAssembly.Memory not yet collected (held through a WeakRef): such a memory is the anonymous mapping of its byte length; '
      + 'a glibc thread arena is a 64 MiB-aligned heap of 64 MiB reserved address space (resident sizes listed, those of 1 MiB or more); the main arena is [heap]; other anonymous memory is V8\'s heap, compiled code, WebAssembly module bytes and stacks. '
      + 'Last, the probe forces two full GCs and VmRSS is read again. The diagnostic PGlite rows run lib/pglite-only.js on the data folder the all-in-one used (PGlite + its socket server, shared_buffers=16MB, as src/common/database/embedded-postgres.ts starts it, nothing else), with plain `node`, after timing a fixed set of queries on a 20,000-row table (`pglite-only.js --prepare` creates it first): CPU time of the process per query, median of 5 batches after 3 warm-up batches.',
    '',
    table(['process', `VmRSS ${IDLE_MS / 1000}–${(IDLE_MS + (SAMPLES - 1) * SAMPLE_EVERY_MS) / 1000} s idle MiB`, `VmRSS at ${SETTLED_MS / 1000} s MiB`, 'after forced GC MiB', 'WebAssembly.Memory RSS MiB', 'malloc main arena MiB', 'malloc thread arenas MiB (count: sizes)', 'other anon MiB', 'file-backed MiB', 'V8 heap total / used MiB'], rows.map((m) => [
      m.name, `${mib(Math.min(...m.samples))}–${mib(Math.max(...m.samples))}`, mib(m.settled), mib(m.rssAfterGc), mib(m.smaps.liveWasm), mib(m.smaps.mainArena), arenas(m.smaps),
      mib(m.smaps.otherAnon), mib(m.smaps.fileBacked), heap(m.idle),
    ])),
    '',
    ...rows.filter((m) => m.note).map((m) => `- ${m.name}: ${m.note}`),
    '',
    'PGlite alone, query timings (CPU µs per query, median batch):',
    '',
    table(['WebAssembly code', 'point SELECT by id', 'compare-and-swap UPDATE by id', 'list page (100 of 1,000 rows, ordered)', 'usage sums over 20,000 rows'], [liftoff, tiering].map((m) => [
      m === liftoff ? 'Liftoff only (berth)' : 'Liftoff, then TurboFan (V8 default)', ...['pointSelect', 'casUpdate', 'listPage', 'usageSum'].map((k) => Math.round(m.timings?.[k] ?? NaN)),
    ])),
    '',
  ];
  // What the numbers say, computed from this run's rows.
  const maxOf = (m: Measurement) => Math.max(...m.samples);
  const ratio = (k: string) => ((liftoff.timings?.[k] ?? NaN) / (tiering.timings?.[k] ?? NaN)).toFixed(2);
  md.push(
    'What takes the memory (from the rows above):',
    `- malloc arenas: started with plain \`node\`, the restarted all-in-one holds ${fmtMiB(maxOf(plain))} MiB, ${fmtMiB(maxOf(plain) - maxOf(restart))} MiB more than through bin/berth; its thread arenas hold ${fmtMiB(sum(plain.smaps.threadArenas))} MiB, `
      + `${argon2Arenas(plain.smaps).length} of them ${fmtMiB(sum(argon2Arenas(plain.smaps)) / Math.max(1, argon2Arenas(plain.smaps).length))} MiB each: argon2id's 19 MiB working memory (src/services/identity/password-hasher.ts), which glibc keeps in the arena of every libuv thread that has checked a password (4 threads). `
      + `With one arena (MALLOC_ARENA_MAX=1) the freed memory is reused by whichever thread needs it next: main arena ${fmtMiB(restart.smaps.mainArena)} MiB, thread arenas ${fmtMiB(sum(restart.smaps.threadArenas))} MiB. PostgreSQL + RabbitMQ through bin/berth: thread arenas ${fmtMiB(sum(external.smaps.threadArenas))} MiB.`,
    `- PGlite's WebAssembly: with V8's default tiering, PGlite alone is ${fmtMiB(maxOf(tiering))} MiB (thread arenas ${fmtMiB(sum(tiering.smaps.threadArenas))} MiB: TurboFan's compiler memory on V8's worker threads), with Liftoff only ${fmtMiB(maxOf(liftoff))} MiB (${fmtMiB(sum(liftoff.smaps.threadArenas))} MiB). `
      + `The price, Liftoff / TurboFan time per query: point SELECT ${ratio('pointSelect')}, UPDATE ${ratio('casUpdate')}, list page ${ratio('listPage')}, usage sums over 20,000 rows ${ratio('usageSum')}.`,
    `- The store itself: the restarted embedded all-in-one holds ${fmtMiB(maxOf(restart) - maxOf(external))} MiB more than the same all-in-one on PostgreSQL + RabbitMQ; its WebAssembly memory is ${fmtMiB(restart.smaps.liveWasm)} MiB resident (shared_buffers=16MB lives in it), `
      + 'and its other anonymous memory includes the module\'s 9 MB of bytes, which V8 keeps to compile functions on first call, and the 6 MB file-system bundle (PostgreSQL\'s share/ folder).',
    `- V8's heap: 14 s after the last request it is ${heap(restart.idle)} MiB (total / used) in the restarted embedded all-in-one, ${heap(external.idle)} MiB on PostgreSQL + RabbitMQ. `
      + 'V8 grows its young generation to 2 × 16 MiB under load and shrinks it only in a collection that sees a low allocation rate; berth\'s idle collector (src/common/memory/idle-collector.ts) runs full collections once the event loop is quiet and again once it has stayed quiet. '
      + `The verdict's samples (MiB, 1 s apart from ${IDLE_MS / 1000} s) show when that took effect: ${[first, restart, external].map((m) => m.samples.map((b) => fmtMiB(b)).join(', ')).join('; ')}. `
      + `At ${SETTLED_MS / 1000} s the target rows read ${mib(first.settled)}, ${mib(restart.settled)} and ${mib(external.settled)} MiB; a forced full GC then leaves ${mib(first.rssAfterGc)}, ${mib(restart.rssAfterGc)} and ${mib(external.rssAfterGc)} MiB.`,
    '',
  );
  for (const m of rows.filter((r) => r.target)) {
    const max = maxOf(m);
    md.push(verdict(m.name, max <= TARGET_BYTES, `max VmRSS ${fmtMiB(max)} MiB = ${(max / 1e6).toFixed(0)} MB ${IDLE_MS / 1000}–${(IDLE_MS + (SAMPLES - 1) * SAMPLE_EVERY_MS) / 1000} s after the last request (target ≤ 200 MB); ${mib(m.settled)} MiB = ${((m.settled ?? NaN) / 1e6).toFixed(0)} MB at ${SETTLED_MS / 1000} s`));
  }
  writeSection('bench:idle', md.join('\n'));
  process.stdout.write(`\nwrote the bench:idle section of docs/benchmarks.md\n`);
}

runBench(main);
