import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';

/**
 * Where the engine listens: `unix:///run/x.sock`, `/run/x.sock`, `tcp://host:2375`, `http(s)://host:port`.
 * `local` says whether the engine runs on this machine (a unix socket), so host paths mean the same to both.
 */
export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol: 'http' | 'https';
  local: boolean;
}

export function engineEndpointFor(dockerHost: string): EngineEndpoint {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length), protocol: 'http', local: true };
  if (dockerHost.startsWith('/')) return { socketPath: dockerHost, protocol: 'http', local: true };
  const u = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  return { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'https' ? 2376 : 2375, protocol, local: false };
}

/** The engine answered with an error status; `message` is the engine's own (Docker's and Podman's `message`). */
export class EngineApiError extends Error {
  constructor(readonly statusCode: number, message: string, readonly path: string) {
    super(message);
    this.name = 'EngineApiError';
  }
}

/** The error an answer with status ≥ 300 stands for, from its body (`{"message": …}`, or text). */
export function engineApiError(statusCode: number, body: string, path: string): EngineApiError {
  let message = body.trim();
  try {
    const json = JSON.parse(body) as { message?: unknown; cause?: unknown };
    if (typeof json.message === 'string' && json.message) message = json.message;
    else if (typeof json.cause === 'string' && json.cause) message = json.cause;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return new EngineApiError(statusCode, message || `${http.STATUS_CODES[statusCode] ?? 'HTTP'} (${statusCode})`, path);
}

type QueryValue = string | number | boolean | Record<string, string[]> | undefined;

export interface EngineRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Objects (the `filters` of list calls) are sent as JSON, as the API wants them. */
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  json?: unknown;
  /** Streamed as is (a tar archive); a failing stream aborts the request with its error. */
  body?: Readable;
  contentType?: string;
}

export function pathWithQuery(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    params.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

function readText(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

function readBuffer(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

// --- the parts of the engine's answers berth reads ----------------------------------------------

export interface ContainerState {
  Status?: string;
  Running?: boolean;
  Paused?: boolean;
  Restarting?: boolean;
  Dead?: boolean;
  ExitCode?: number;
  StartedAt?: string;
}

export interface ContainerMount {
  Type?: string;
  Source?: string;
  Destination?: string;
  RW?: boolean;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: ContainerState;
  Config: {
    Labels?: Record<string, string> | null;
    Env?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, object> | null;
  };
  HostConfig: {
    Memory?: number;
    MemorySwap?: number;
    NanoCpus?: number;
    CpuShares?: number;
    CpusetCpus?: string;
    PidsLimit?: number | null;
    Privileged?: boolean;
    SecurityOpt?: string[] | null;
    CapDrop?: string[] | null;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  };
  Mounts?: ContainerMount[] | null;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; GlobalIPv6Address?: string; MacAddress?: string }> | null };
}

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  State: string;
  Status?: string;
  Labels?: Record<string, string> | null;
}

export interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
}

export interface EngineInfo {
  NCPU: number;
  MemTotal: number;
  DockerRootDir?: string;
}

export interface EngineVersion {
  Version: string;
  ApiVersion?: string;
  Components?: { Name: string; Version?: string }[] | null;
}

export interface ExecInspect {
  Running: boolean;
  ExitCode: number | null;
}

export interface TopAnswer {
  Titles?: string[] | null;
  Processes?: string[][] | null;
}

/**
 * The Docker Engine API (and Podman's compatible service) over HTTP/1.1 on a unix socket or TCP:
 * JSON in and out, streams where the engine streams, and every answer with status ≥ 300 an
 * EngineApiError carrying the engine's status and message. Connection failures keep Node's
 * error (its `code`: ECONNREFUSED, ENOENT …). Only the calls berth makes are here.
 */
export class EngineClient {
  private readonly agent: http.Agent;

  constructor(readonly endpoint: EngineEndpoint) {
    // Kept-alive connections: each call is one round trip instead of a connect plus one.
    this.agent = endpoint.protocol === 'https' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  static for(dockerHost: string): EngineClient {
    return new EngineClient(engineEndpointFor(dockerHost));
  }

  /** The answer's body as a stream, once the status says success (an error's body becomes the EngineApiError). */
  async stream(req: EngineRequest): Promise<http.IncomingMessage> {
    const path = pathWithQuery(req.path, req.query);
    const res = await this.send(req, path);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    if (req.body && !req.body.readableEnded) {
      // Refused before the upload ended: drain the rest, so its source (a download) is not left stalled.
      req.body.unpipe();
      req.body.resume();
    }
    throw engineApiError(status, await readText(res), path);
  }

  /** The answer as JSON (undefined for an empty body). */
  async json<T>(req: EngineRequest): Promise<T> {
    const text = await readText(await this.stream(req));
    return (text.trim() ? JSON.parse(text) : undefined) as T;
  }

  async buffer(req: EngineRequest): Promise<Buffer> {
    return readBuffer(await this.stream(req));
  }

  async text(req: EngineRequest): Promise<string> {
    return readText(await this.stream(req));
  }

  /** Calls whose answer carries nothing berth reads (read to its end, so the connection is free again). */
  async call(req: EngineRequest): Promise<void> {
    await readText(await this.stream(req));
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  // --- system ---------------------------------------------------------------------------------

  async ping(): Promise<void> {
    await this.text({ method: 'GET', path: '/_ping' });
  }

  info(): Promise<EngineInfo> {
    return this.json({ method: 'GET', path: '/info' });
  }

  version(): Promise<EngineVersion> {
    return this.json({ method: 'GET', path: '/version' });
  }

  // --- containers -----------------------------------------------------------------------------

  listContainers(query: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<ContainerSummary[]> {
    return this.json({ method: 'GET', path: '/containers/json', query });
  }

  createContainer(name: string, body: object): Promise<{ Id: string }> {
    return this.json({ method: 'POST', path: '/containers/create', query: { name }, json: body });
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.json({ method: 'GET', path: `/containers/${encodeURIComponent(id)}/json` });
  }

  /** start, stop, restart, kill, pause, unpause; `t` is the grace period of stop and restart. */
  containerAction(id: string, action: 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause', query: { t?: number; signal?: string } = {}): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${encodeURIComponent(id)}/${action}`, query });
  }

  removeContainer(id: string, query: { force?: boolean; v?: boolean } = {}): Promise<void> {
    return this.call({ method: 'DELETE', path: `/containers/${encodeURIComponent(id)}`, query });
  }

  updateContainer(id: string, resources: object): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${encodeURIComponent(id)}/update`, json: resources });
  }

  /** Podman's own update (Podman 4 has no Docker-compatible one), in its libpod resource format. */
  updateContainerLibpod(id: string, resources: object): Promise<void> {
    return this.call({ method: 'POST', path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/update`, json: resources });
  }

  /** stdout and stderr as the engine sends them (Docker's multiplexed frames unless the container has a TTY). */
  containerLogs(id: string, tail?: number): Promise<Buffer> {
    return this.buffer({ method: 'GET', path: `/containers/${encodeURIComponent(id)}/logs`, query: { stdout: true, stderr: true, follow: false, tail } });
  }

  topContainer(id: string, psArgs?: string): Promise<TopAnswer> {
    return this.json({ method: 'GET', path: `/containers/${encodeURIComponent(id)}/top`, query: { ps_args: psArgs } });
  }

  /** One sample, not a stream. */
  containerStats(id: string): Promise<unknown> {
    return this.json({ method: 'GET', path: `/containers/${encodeURIComponent(id)}/stats`, query: { stream: false } });
  }

  /** Unpacks a tar archive into the container's filesystem at `path`. */
  putArchive(id: string, path: string, tar: Readable): Promise<void> {
    return this.call({ method: 'PUT', path: `/containers/${encodeURIComponent(id)}/archive`, query: { path }, body: tar, contentType: 'application/x-tar' });
  }

  /** `path` of the container's filesystem as a tar archive. */
  getArchive(id: string, path: string): Promise<Readable> {
    return this.stream({ method: 'GET', path: `/containers/${encodeURIComponent(id)}/archive`, query: { path } });
  }

  commit(id: string, query: { pause?: boolean; comment?: string }): Promise<{ Id: string }> {
    // The body is the new image's config, here none; Podman refuses a commit without one.
    return this.json({ method: 'POST', path: '/commit', query: { container: id, ...query }, json: {} });
  }

  // --- exec -----------------------------------------------------------------------------------

  createExec(id: string, cmd: string[]): Promise<{ Id: string }> {
    return this.json({
      method: 'POST', path: `/containers/${encodeURIComponent(id)}/exec`,
      json: { Cmd: cmd, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false },
    });
  }

  /**
   * Runs the exec attached: its output as multiplexed frames, until the engine closes the
   * connection when the command ends (there is no length: the answer is read to its end).
   */
  startExec(execId: string): Promise<http.IncomingMessage> {
    return this.stream({ method: 'POST', path: `/exec/${encodeURIComponent(execId)}/start`, json: { Detach: false, Tty: false } });
  }

  inspectExec(execId: string): Promise<ExecInspect> {
    return this.json({ method: 'GET', path: `/exec/${encodeURIComponent(execId)}/json` });
  }

  // --- images ---------------------------------------------------------------------------------

  listImages(query: { all?: boolean } = {}): Promise<ImageSummary[]> {
    return this.json({ method: 'GET', path: '/images/json', query });
  }

  /** Loads a `docker save` archive; the engine's answer (JSON messages) as text. */
  loadImage(archive: Readable): Promise<string> {
    return this.text({ method: 'POST', path: '/images/load', query: { quiet: true }, body: archive, contentType: 'application/x-tar' });
  }

  tagImage(name: string, repo: string, tag: string): Promise<void> {
    return this.call({ method: 'POST', path: `/images/${encodeURIComponent(name)}/tag`, query: { repo, tag } });
  }

  inspectImage(name: string): Promise<{ Id: string }> {
    return this.json({ method: 'GET', path: `/images/${encodeURIComponent(name)}/json` });
  }

  removeImage(name: string, query: { force?: boolean } = {}): Promise<void> {
    return this.call({ method: 'DELETE', path: `/images/${encodeURIComponent(name)}`, query });
  }

  /** The image as a `docker save` archive. */
  exportImage(name: string): Promise<Readable> {
    return this.stream({ method: 'GET', path: `/images/${encodeURIComponent(name)}/get` });
  }

  // --- internals ------------------------------------------------------------------------------

  private send(req: EngineRequest, path: string): Promise<http.IncomingMessage> {
    const { socketPath, host, port, protocol } = this.endpoint;
    const payload = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json));
    const headers: http.OutgoingHttpHeaders = {};
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    } else if (req.body) {
      headers['content-type'] = req.contentType ?? 'application/octet-stream';
    }
    return new Promise((resolve, reject) => {
      const options: http.RequestOptions = {
        method: req.method, path, headers, agent: this.agent,
        ...(socketPath ? { socketPath } : { host, port }),
      };
      const r = (protocol === 'https' ? https.request : http.request)(options, resolve);
      r.on('error', reject);
      if (req.body) {
        req.body.on('error', (err) => r.destroy(err));
        req.body.pipe(r);
      } else {
        r.end(payload);
      }
    });
  }
}
