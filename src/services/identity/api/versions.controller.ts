import { Controller, Get, HttpCode, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/policy';
import { identityBase } from './views/identity.views';

function v3(base: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${base}/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

@Controller()
export class IdentityVersionsController {
  @Public() @Get() @HttpCode(300)
  versions(@Req() req: FastifyRequest) {
    return { versions: { values: [v3(identityBase(req))] } };
  }

  @Public() @Get('v3')
  version(@Req() req: FastifyRequest) {
    return { version: v3(identityBase(req)) };
  }
}
