import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { demux } from './docker.driver';
import { EngineApiError, EngineClient, engineApiError, engineEndpointFor, pathWithQuery } from './engine-client';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function frame(type: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe(EngineClient.name, () => {
  let dir: string;
  let server: http.Server | net.Server | undefined;
  let seen: Seen[];
  let sut: EngineClient;

  /** An engine on a unix socket that records each request and answers with `answer`. */
  async function engine(answer: (req: Seen, res: http.ServerResponse) => void): Promise<void> {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
        seen.push(s);
        answer(s, res);
      });
    });
    await listen(server);
  }

  async function listen(s: http.Server | net.Server): Promise<void> {
    const socketPath = join(dir, `engine-${seen.length}.sock`);
    await new Promise<void>((resolve) => s.listen(socketPath, resolve));
    sut = EngineClient.for(`unix://${socketPath}`);
  }

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-engine-client-'));
    seen = [];
  });

  afterEach(async () => {
    sut?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('names engines by unix socket, path or TCP address, and knows which ones share this machine', () => {
    expect(engineEndpointFor('unix:///run/podman/podman.sock')).toEqual({ socketPath: '/run/podman/podman.sock', protocol: 'http', local: true });
    expect(engineEndpointFor('/var/run/docker.sock')).toEqual({ socketPath: '/var/run/docker.sock', protocol: 'http', local: true });
    expect(engineEndpointFor('tcp://10.0.0.5:2375')).toEqual({ host: '10.0.0.5', port: 2375, protocol: 'http', local: false });
    expect(engineEndpointFor('tcp://10.0.0.5')).toEqual({ host: '10.0.0.5', port: 2375, protocol: 'http', local: false });
    expect(engineEndpointFor('https://engine.example:2376')).toEqual({ host: 'engine.example', port: 2376, protocol: 'https', local: false });
  });

  it('sends filters as JSON and leaves unset parameters out of the query', () => {
    expect(pathWithQuery('/containers/json', { all: true, filters: { label: ['berth.managed=true'] }, limit: undefined }))
      .toBe('/containers/json?all=true&filters=%7B%22label%22%3A%5B%22berth.managed%3Dtrue%22%5D%7D');
    expect(pathWithQuery('/x', { tail: undefined })).toBe('/x');
    expect(pathWithQuery('/x', { t: 0, signal: 'SIGHUP' })).toBe('/x?t=0&signal=SIGHUP');
  });

  it('sends JSON bodies with their length and reads JSON answers', async () => {
    await engine((_req, res) => json(res, 201, { Id: 'c1', Warnings: [] }));
    await expect(sut.createContainer('berth-1', { Image: 'busybox', Labels: { a: 'b' } })).resolves.toEqual({ Id: 'c1', Warnings: [] });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/containers/create?name=berth-1' });
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(Number(seen[0].headers['content-length'])).toBe(seen[0].body.length);
    expect(JSON.parse(seen[0].body.toString())).toEqual({ Image: 'busybox', Labels: { a: 'b' } });
  });

  it('turns error answers into EngineApiError with the engine\'s status and its own message', async () => {
    const answers: [number, string | undefined][] = [
      [404, JSON.stringify({ message: 'No such container: berth-x' })],
      // Podman's shape: cause and message, the message being the one to show.
      [409, JSON.stringify({ cause: 'container state improper', message: 'cannot pause: container state improper', response: 409 })],
      [500, 'plain text failure\n'],
      [304, undefined],
    ];
    await engine((_req, res) => {
      const [status, body] = answers[seen.length - 1];
      res.writeHead(status).end(body);
    });
    const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('resolved'); }, (err: unknown) => err as EngineApiError);

    const notFound = await failure(sut.inspectContainer('berth-x'));
    expect(notFound).toBeInstanceOf(EngineApiError);
    expect(notFound).toMatchObject({ statusCode: 404, message: 'No such container: berth-x', path: '/containers/berth-x/json' });
    expect(await failure(sut.containerAction('c1', 'pause'))).toMatchObject({ statusCode: 409, message: 'cannot pause: container state improper' });
    expect(await failure(sut.topContainer('c1', 'aux'))).toMatchObject({ statusCode: 500, message: 'plain text failure' });
    // "Already started" has no body at all.
    expect(await failure(sut.containerAction('c1', 'start'))).toMatchObject({ statusCode: 304, message: 'Not Modified (304)' });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /containers/berth-x/json', 'POST /containers/c1/pause', 'GET /containers/c1/top?ps_args=aux', 'POST /containers/c1/start',
    ]);
  });

  it('reads a streaming call\'s error body into the error instead of handing it out as data', async () => {
    await engine((_req, res) => json(res, 404, { message: 'Could not find the file /etc/berth/container_info in container c1' }));
    await expect(sut.getArchive('c1', '/etc/berth/container_info')).rejects.toMatchObject({
      statusCode: 404, message: 'Could not find the file /etc/berth/container_info in container c1',
    });
    expect(seen[0].url).toBe('/containers/c1/archive?path=%2Fetc%2Fberth%2Fcontainer_info');
  });

  it('uses the engine message of a JSON error, else its text, else the status', () => {
    expect(engineApiError(400, '{"message":"bad parameter"}', '/p').message).toBe('bad parameter');
    expect(engineApiError(500, '{"cause":"only a cause"}', '/p').message).toBe('only a cause');
    expect(engineApiError(502, '<html>gateway</html>', '/p').message).toBe('<html>gateway</html>');
    expect(engineApiError(503, '', '/p').message).toBe('Service Unavailable (503)');
  });

  it('streams an upload as a tar and fails with the source\'s own error when the source fails midway', async () => {
    await engine((_req, res) => res.writeHead(200).end());
    await sut.putArchive('c1', '/', Readable.from([Buffer.from('part one,'), Buffer.from('part two')]));
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/containers/c1/archive?path=%2F' });
    expect(seen[0].headers['content-type']).toBe('application/x-tar');
    expect(seen[0].body.toString()).toBe('part one,part two');

    let sent = false;
    const failing = new Readable({
      read() {
        if (sent) return;
        sent = true;
        this.push(Buffer.from('half an archive'));
        setImmediate(() => this.destroy(new Error('checksum mismatch (simulated)')));
      },
    });
    await expect(sut.loadImage(failing)).rejects.toThrow('checksum mismatch (simulated)');
  });

  it('drains an upload the engine refused before reading it all, so its source is not left stalled', async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.alloc(0) });
      json(res, 400, { message: 'not an archive' });
      req.resume();
    });
    await listen(server);
    const chunks = Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 1));
    const source = Readable.from(chunks);
    const ended = new Promise<void>((r) => source.once('end', () => r()));
    await expect(sut.loadImage(source)).rejects.toMatchObject({ statusCode: 400, message: 'not an archive' });
    await ended;
  });

  it('reads an attached exec to the end of the connection (no length, multiplexed frames), then its exit code', async () => {
    // The engine hijacks the connection: a bare status line and headers, the frames, then it closes.
    server = net.createServer((socket) => {
      let head = '';
      socket.on('data', (d: Buffer) => {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [requestLine] = head.split('\r\n');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (head.length < end + 4 + length) return;
        const body = head.slice(end + 4, end + 4 + length);
        head = '';
        seen.push({ method: requestLine.split(' ')[0], url: requestLine.split(' ')[1], headers: {}, body: Buffer.from(body, 'latin1') });
        if (requestLine.startsWith('POST /containers/c1/exec ')) {
          const answer = JSON.stringify({ Id: 'e1' });
          socket.write(`HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`);
        } else if (requestLine.startsWith('POST /exec/e1/start ')) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n');
          socket.write(frame(1, 'out\n'));
          setTimeout(() => socket.end(Buffer.concat([frame(2, 'err\n'), frame(1, 'done')])), 20);
        } else {
          const answer = JSON.stringify({ Running: false, ExitCode: 3 });
          socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`);
        }
      });
    });
    await listen(server);
    const { Id } = await sut.createExec('c1', ['sh', '-c', 'echo out; echo err >&2; printf done; exit 3']);
    expect(JSON.parse(seen[0].body.toString())).toEqual({
      Cmd: ['sh', '-c', 'echo out; echo err >&2; printf done; exit 3'], AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false,
    });
    const chunks: Buffer[] = [];
    for await (const c of await sut.startExec(Id)) chunks.push(c as Buffer);
    expect(demux(Buffer.concat(chunks)).toString()).toBe('out\nerr\ndone');
    expect(JSON.parse(seen[1].body.toString())).toEqual({ Detach: false, Tty: false });
    await expect(sut.inspectExec(Id)).resolves.toEqual({ Running: false, ExitCode: 3 });
  });

  it('keeps Node\'s error code when there is no engine to answer', async () => {
    sut = EngineClient.for(`unix://${join(dir, 'nothing.sock')}`);
    await expect(sut.ping()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
