/**
 * The baseline for bench:http, run as a child process: a bare Fastify (the same version berth runs
 * on) answering GET /hello with {"hello":"world"}, no logger, no hooks. Prints its URL on stdout.
 * With `--payload FILE` it answers with that JSON document instead (parsed once at start and
 * serialized on every request, as a handler returning an object is), to separate the cost of a
 * response body from the cost of the framework around it.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--payload');
  const payload: unknown = i > 0 ? JSON.parse(readFileSync(process.argv[i + 1], 'utf8')) : { hello: 'world' };
  const app = Fastify({ logger: false });
  app.get('/hello', async () => payload);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`bare fastify is serving on ${address}\n`);
  const stop = () => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bare fastify failed: ${String(err)}\n`);
  process.exit(1);
});
