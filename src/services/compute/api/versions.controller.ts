import { Controller, Get, HttpCode, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/policy';
import { NOVA_MICROVERSIONS } from '../compute.microversion';

function base(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host}/compute`;
}

function v21(req: FastifyRequest) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: NOVA_MICROVERSIONS.max,
    min_version: NOVA_MICROVERSIONS.min,
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${base(req)}/v2.1/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

/** Version documents, served without a token (the SDK reads `version`/`min_version` here). */
@Controller()
export class ComputeVersionsController {
  @Public() @Get() @HttpCode(300)
  versions(@Req() req: FastifyRequest) {
    return { versions: [v21(req)] };
  }

  @Public() @Get('v2.1')
  version(@Req() req: FastifyRequest) {
    return { version: v21(req) };
  }
}
