import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { ConfigService } from '../../common/config/config.service';
import { CONFIG } from '../../common/config/config.token';
import { ImageDataController, ImagesController } from './api/images.controller';
import { ImageSchemasController } from './api/schemas.controller';
import { ImageVersionsController } from './api/versions.controller';
import { DataUrlService } from './data-urls.service';
import { ImageManager } from './image.manager';
import { ImageRepository } from './image.repository';
import { ImagesApi } from './images.api';
import { IMAGE_STORE } from './store/image-store';
import { LocalFileImageStore } from './store/local-file.image-store';

/** Glance v2 subset under /image: image records in the `image` schema, data in an ImageStore. */
@Module({
  controllers: [ImageVersionsController, ImageSchemasController, ImagesController, ImageDataController],
  providers: [
    { provide: IMAGE_STORE, useFactory: (config: ConfigService) => new LocalFileImageStore(join(config.dataDir, 'images')), inject: [CONFIG] },
    ImageRepository, DataUrlService, ImagesApi, ImageManager,
  ],
})
export class ImageModule {}
