import { Controller, Get, HttpCode, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/policy';
import { imageBase, renderVersions } from './views/image.view';

/** Glance's version discovery, served without a token (the SDK fetches it before every image call). */
@Controller()
export class ImageVersionsController {
  @Public() @Get() @HttpCode(300)
  versions(@Req() req: FastifyRequest) {
    return renderVersions(imageBase(req));
  }

  @Public() @Get('v2') @HttpCode(300)
  v2(@Req() req: FastifyRequest) {
    return renderVersions(imageBase(req));
  }
}
