import { Controller, Get } from '@nestjs/common';
import { Policy, rules } from '../../../common/auth/policy';
import { imageSchema, imagesSchema } from './views/image.view';

@Controller('v2/schemas')
export class ImageSchemasController {
  @Policy(rules.authenticated) @Get('image')
  image() {
    return imageSchema();
  }

  @Policy(rules.authenticated) @Get('images')
  images() {
    return imagesSchema();
  }
}
