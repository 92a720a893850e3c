import { COMPUTE_ENTITIES } from './compute/compute.entities';
import { IDENTITY_ENTITIES } from './identity/identity.entities';
import { IMAGE_ENTITIES } from './image/image.entities';
import { NETWORK_ENTITIES } from './network/network.entities';
import { VOLUME_ENTITIES } from './volume/volume.entities';

/** Every service's entities, for the all-in-one process and the TypeORM CLI. */
export const ALL_ENTITIES = [...IDENTITY_ENTITIES, ...IMAGE_ENTITIES, ...COMPUTE_ENTITIES, ...NETWORK_ENTITIES, ...VOLUME_ENTITIES];
