import { QosSpecsEntity, VolumeTypeEntity } from './entities/volume-type.entity';
import { SnapshotEntity, VolumeEntity, VolumeMessageEntity, VolumeQuotaEntity } from './entities/volume.entity';

export const VOLUME_ENTITIES = [VolumeTypeEntity, QosSpecsEntity, VolumeEntity, SnapshotEntity, VolumeMessageEntity, VolumeQuotaEntity];
