import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/policy';
import { ZUN_MICROVERSIONS, ZunMicroversion } from '../container.microversion';

function base(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host}/container`;
}

function v1(req: FastifyRequest) {
  return {
    id: 'v1', status: 'CURRENT', min_version: ZUN_MICROVERSIONS.min, max_version: ZUN_MICROVERSIONS.max,
    links: [{ href: `${base(req)}/v1/`, rel: 'self' }],
  };
}

/** Version documents. zunclient reads `/` with a token and `container 1.1`; served with or without one. */
@Controller()
@UseGuards(ZunMicroversion)
export class ContainerVersionsController {
  @Public() @Get()
  versions(@Req() req: FastifyRequest) {
    return { name: 'OpenStack Zun API', description: 'Zun is an OpenStack project which aims to provide container management.', versions: [v1(req)], default_version: v1(req) };
  }

  @Public() @Get('v1')
  version(@Req() req: FastifyRequest) {
    return {
      ...v1(req),
      'media_types': [{ base: 'application/json', type: 'application/vnd.openstack.zun.v1+json' }],
      containers: [{ href: `${base(req)}/v1/containers/`, rel: 'self' }, { href: `${base(req)}/containers/`, rel: 'bookmark' }],
    };
  }
}
