import { Controller, Get, HttpCode, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/policy';
import { VOLUME_MICROVERSIONS } from '../volume.microversion';
import { volumeBase } from './cinder-query';

function v30(req: FastifyRequest) {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: VOLUME_MICROVERSIONS.max,
    min_version: VOLUME_MICROVERSIONS.min,
    updated: '2023-08-31T00:00:00Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${volumeBase(req)}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

/** Version documents, served without a token (openstacksdk reads `version`/`min_version` from `/v3/`). */
@Controller()
export class VolumeVersionsController {
  @Public() @Get() @HttpCode(300)
  versions(@Req() req: FastifyRequest) {
    return { versions: [v30(req)] };
  }

  @Public() @Get('v3')
  version(@Req() req: FastifyRequest) {
    return { versions: [v30(req)] };
  }
}
