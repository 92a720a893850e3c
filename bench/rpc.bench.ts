/**
 * npm run bench:rpc — RPC round trips on a real RabbitMQ (BERTH_AMQP_URL, default the local broker):
 * a bare amqplib echo (direct reply-to, one connection) against AmqpBus.call to an echo handler served by
 * a second AmqpBus in this process. Sequential latency and throughput with calls in flight; the results
 * replace the "## bench:rpc" section of docs/benchmarks.md.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import { RequestContext } from '../src/common/context/request-context';
import { AmqpBus } from '../src/common/messaging/amqp-bus';
import { Envelope, toWireContext } from '../src/common/messaging/message-bus';

const URL = process.env.BERTH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
// The two variants alternate, round after round, so load from other processes on a shared machine falls
// on both rather than on whichever happened to be running at the time.
const ROUNDS = 3;
const WARMUP_CALLS = 300;
const SEQUENTIAL_CALLS = 3_000;
const SEQUENTIAL_MS = 5_000;
const CONCURRENCY = 64;
const CONCURRENT_MS = 5_000;
const TIMEOUT_MS = 5_000;
const DOC = join(__dirname, '..', '..', 'docs', 'benchmarks.md');
const SECTION = '## bench:rpc';

type Call = () => Promise<unknown>;

interface Variant {
  name: string;
  call: Call;
  latencies: number[];
  throughputs: number[];
}

interface Result {
  name: string;
  sequentialCalls: number;
  p50: number;
  p99: number;
  /** Median, lowest and highest over the rounds. */
  callsPerSec: [number, number, number];
}

const ctx: RequestContext = {
  requestId: `req-${randomUUID()}`, userId: 'bench', projectId: 'bench', roles: ['admin'], authenticated: true, isAdmin: true,
};
const args = { instanceId: randomUUID(), tailLength: 100 };

/** The bytes AmqpBus sends for one call, so both variants carry the same message. */
function envelope(): Buffer {
  const env: Envelope = { version: '1.0', method: 'echo', args, context: toWireContext(ctx), sent_at: new Date().toISOString() };
  return Buffer.from(JSON.stringify(env));
}

async function round(v: Variant): Promise<void> {
  for (let i = 0; i < WARMUP_CALLS; i++) await v.call();
  const stopAt = performance.now() + SEQUENTIAL_MS;
  for (let n = 0; n < SEQUENTIAL_CALLS && performance.now() < stopAt; n++) {
    const t = performance.now();
    await v.call();
    v.latencies.push(performance.now() - t);
  }

  let done = 0;
  const started = performance.now();
  const deadline = started + CONCURRENT_MS;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await v.call();
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  v.throughputs.push(done / ((performance.now() - started) / 1000));
}

function summarise(v: Variant): Result {
  const latencies = Float64Array.from(v.latencies).sort();
  const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const t = [...v.throughputs].sort((a, b) => a - b);
  return {
    name: v.name, sequentialCalls: latencies.length, p50: pick(0.5), p99: pick(0.99),
    callsPerSec: [t[Math.floor(t.length / 2)], t[0], t[t.length - 1]],
  };
}

/** The baseline: what amqplib alone costs for one request/reply on the same kind of queue. */
async function bareEcho(): Promise<{ call: Call; version: string; stop: () => Promise<void> }> {
  const conn = await amqp.connect(URL, { noDelay: true, clientProperties: { connection_name: 'bench-rpc-bare' } });
  const queue = `bench.bare.${randomUUID().slice(0, 8)}`;
  const server = await conn.createChannel();
  await server.assertQueue(queue, { durable: true });
  await server.prefetch(16);
  await server.consume(queue, (msg) => {
    if (!msg) return;
    server.publish('', msg.properties.replyTo, msg.content, { correlationId: msg.properties.correlationId, contentType: 'application/json' });
    server.ack(msg);
  });
  const client = await conn.createChannel();
  const waiting = new Map<string, () => void>();
  await client.consume('amq.rabbitmq.reply-to', (msg) => {
    if (!msg) return;
    const done = waiting.get(msg.properties.correlationId);
    waiting.delete(msg.properties.correlationId);
    done?.();
  }, { noAck: true });
  let seq = 0;
  const call: Call = () => new Promise<void>((resolve, reject) => {
    const id = String(++seq);
    const timer = setTimeout(() => reject(new Error('bare echo timed out')), TIMEOUT_MS);
    waiting.set(id, () => {
      clearTimeout(timer);
      resolve();
    });
    client.publish('', queue, envelope(), {
      replyTo: 'amq.rabbitmq.reply-to', correlationId: id, expiration: String(TIMEOUT_MS), contentType: 'application/json',
    });
  });
  const version = String(conn.connection.serverProperties.version ?? 'unknown');
  return {
    call, version,
    stop: async () => {
      await server.deleteQueue(queue);
      await conn.close();
    },
  };
}

async function busEcho(): Promise<{ call: Call; stop: () => Promise<void>; names: string[] }> {
  const id = randomUUID().slice(0, 8);
  const names = [`bench-rpc-server-${id}`, `bench-rpc-client-${id}`];
  const server = new AmqpBus({ url: URL, connectionName: names[0], defaultTimeoutMs: TIMEOUT_MS });
  const client = new AmqpBus({ url: URL, connectionName: names[1], defaultTimeoutMs: TIMEOUT_MS });
  await server.connect();
  await client.connect();
  const topic = `bench.bus.${id}`;
  await server.serve(topic, async (_method, a) => a);
  return {
    names,
    call: () => client.call(topic, 'echo', args, ctx, '1.0'),
    stop: async () => {
      await client.close();
      await server.close();
      const conn = await amqp.connect(URL);
      const ch = await conn.createChannel();
      await ch.deleteQueue(topic);
      await conn.close();
    },
  };
}

/** Connections per client name as the broker sees them; needs rabbitmqctl, so it may be unavailable. */
async function brokerConnections(names: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['--quiet', 'list_connections', '--no-table-headers', 'client_properties'], { timeout: 20_000 });
    return names.map((n) => `${n}: ${stdout.split('\n').filter((l) => l.includes(`{"connection_name","${n}"}`)).length}`).join(', ');
  } catch (err) {
    return `not checked (${(err as Error).message.split('\n')[0]})`;
  }
}

const ms = (v: number): string => v.toFixed(3);
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

function table(results: Result[]): string {
  const rows = results.map((r) => {
    const [median, low, high] = r.callsPerSec;
    return `| ${r.name} | ${int(r.sequentialCalls)} | ${ms(r.p50)} | ${ms(r.p99)} | ${int(median)} (${int(low)}–${int(high)}) |`;
  });
  return [
    `| round trip | sequential calls | p50 ms | p99 ms | calls/s with ${CONCURRENCY} in flight: median (min–max) |`,
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

function writeSection(body: string): void {
  const existing = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const start = existing.indexOf(`${SECTION}\n`);
  let next: string;
  if (start < 0) {
    next = `${existing.trimEnd()}\n\n${body}`;
  } else {
    const after = existing.indexOf('\n## ', start + SECTION.length);
    const rest = after < 0 ? '' : existing.slice(after + 1);
    next = `${existing.slice(0, start)}${body}${rest ? `\n${rest}` : ''}`;
  }
  mkdirSync(dirname(DOC), { recursive: true });
  writeFileSync(DOC, `${next.trimEnd()}\n`);
}

async function main(): Promise<void> {
  const load = os.loadavg()[0];
  const bare = await bareEcho();
  const bus = await busEcho();
  const variants: Variant[] = [
    { name: 'bare amqplib echo (direct reply-to)', call: bare.call, latencies: [], throughputs: [] },
    { name: 'AmqpBus.call → AmqpBus.serve echo', call: bus.call, latencies: [], throughputs: [] },
  ];
  for (let r = 1; r <= ROUNDS; r++) {
    for (const v of variants) {
      await round(v);
      process.stdout.write(`round ${r}/${ROUNDS} ${v.name}: ${int(v.throughputs[v.throughputs.length - 1])} calls/s\n`);
    }
  }
  const connections = await brokerConnections(bus.names);
  await bus.stop();
  await bare.stop();

  const [bareResult, busResult] = variants.map(summarise);
  const ratio = busResult.p50 / bareResult.p50;
  const busRate = busResult.callsPerSec[0];
  const cpus = os.cpus();
  const machine = `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `${os.type()} ${os.release()}, Node ${process.version}, RabbitMQ ${bare.version} on the same host; ` +
    `load average ${load.toFixed(2)} when the run started`;
  const body = [
    SECTION,
    '',
    `Command: \`npm run bench:rpc\`. Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${machine}.`,
    '',
    `${ROUNDS} rounds, alternating the two variants; each round: ${WARMUP_CALLS} warm-up calls, up to ` +
      `${int(SEQUENTIAL_CALLS)} sequential calls (at most ${SEQUENTIAL_MS / 1000} s) for the latency percentiles, then ` +
      `${CONCURRENCY} concurrent callers for ${CONCURRENT_MS / 1000} s. Both variants send the same ${envelope().length}-byte ` +
      'JSON envelope. The bare echo runs its client and server channels on one connection; the bus variant uses two ' +
      'AmqpBus instances (a client and a server, one connection each) in the same process.',
    '',
    table([bareResult, busResult]),
    '',
    `- bus p50 / bare p50 = ${ratio.toFixed(2)}× (target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'missed'})`,
    `- bus calls/s with ${CONCURRENCY} in flight, median = ${int(busRate)} (target ≥ 5,000: ${busRate >= 5000 ? 'met' : 'missed'})`,
    `- AMQP connections per bus instance, from rabbitmqctl: ${connections} (target: 1)`,
    '',
  ].join('\n');
  process.stdout.write(`\n${body}\n`);
  writeSection(body);
  process.stdout.write(`\nwrote the ${SECTION} section of ${DOC}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench:rpc failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
