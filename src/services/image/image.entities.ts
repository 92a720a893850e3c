import { ImageEntity, ImageSecretEntity } from './entities/image.entity';

export const IMAGE_ENTITIES = [ImageEntity, ImageSecretEntity];
