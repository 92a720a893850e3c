import { Module } from '@nestjs/common';
import { ConfigService } from '../../common/config/config.service';
import { CONFIG } from '../../common/config/config.token';
import { VolumeMessagesController } from './api/messages.controller';
import { VolumeLimitsController, VolumeQuotaSetsController } from './api/quotas.controller';
import { SnapshotsController } from './api/snapshots.controller';
import { QosSpecsController, VolumeTypesController } from './api/types.controller';
import { VolumeVersionsController } from './api/versions.controller';
import { VolumesController } from './api/volumes.controller';
import { VolumeZonesController } from './api/zones.controller';
import { SharedVolumeBackend } from './backends/shared.backend';
import { VOLUME_BACKEND } from './backends/volume-backend';
import { VolumeMessagesApi } from './messages.api';
import { VolumeQuotasService } from './quotas/volume-quotas.service';
import { SnapshotsApi } from './snapshots.api';
import { VolumeManager } from './volume.manager';
import { DEFAULT_VOLUME_SETTINGS, VOLUME_SETTINGS, VolumeSettings } from './volume.settings';
import { VolumeTypesApi } from './volume-types.api';
import { VolumesApi } from './volumes.api';

/**
 * Cinder v3 subset under /volume: volume types with extra specs, QoS specs, volumes, snapshots,
 * quotas and limits, user messages. The service runs its back end itself (the shared pool).
 */
@Module({
  controllers: [
    VolumeVersionsController, VolumesController, SnapshotsController, VolumeTypesController, QosSpecsController,
    VolumeQuotaSetsController, VolumeLimitsController, VolumeZonesController, VolumeMessagesController,
  ],
  providers: [
    {
      provide: VOLUME_SETTINGS,
      inject: [CONFIG],
      useFactory: (config: ConfigService): VolumeSettings => ({ ...DEFAULT_VOLUME_SETTINGS, oversubscriptionRatio: config.volumeOversubscriptionRatio }),
    },
    { provide: VOLUME_BACKEND, inject: [CONFIG], useFactory: (config: ConfigService) => new SharedVolumeBackend(config.volumeSharedDir) },
    VolumeQuotasService, VolumeTypesApi, VolumesApi, SnapshotsApi, VolumeMessagesApi, VolumeManager,
  ],
})
export class VolumeModule {}
