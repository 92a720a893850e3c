import type { FastifyRequest } from 'fastify';

/** The network endpoint's base URL as the client reached it (for version links and `next` links). */
export function networkBase(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host}/networking`;
}

export function selfUrl(req: FastifyRequest): string {
  return `${networkBase(req)}${req.url.replace(/^\/networking/, '')}`;
}
