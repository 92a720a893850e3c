import { Module } from '@nestjs/common';
import { InstanceNetworks } from './networking/instance-networks';
import { AggregatesModule } from './aggregates/aggregates.module';
import { HypervisorsController, ServicesController } from './api/hosts.controller';
import { ServerGroupsController } from './api/server-groups.controller';
import { ServersController } from './api/servers.controller';
import { ServerGroupsApi } from './server-groups.api';
import { ComputeVersionsController } from './api/versions.controller';
import { ComputeManager } from './compute.manager';
import { FlavorsModule } from './flavors/flavors.module';
import { ConfigService } from '../../common/config/config.service';
import { CONFIG } from '../../common/config/config.token';
import { COMPUTE_SETTINGS, ComputeSettings, DEFAULT_COMPUTE_SETTINGS } from './compute.settings';
import { HostsService } from './hosts/hosts.service';
import { InstanceActionsService } from './instance-actions.service';
import { InstanceOpsApi } from './instance-ops.api';
import { InstanceRepository } from './instance.repository';
import { PlacementService } from './placement/placement.service';
import { QuotasModule } from './quotas/quotas.module';
import { HostScheduler } from './scheduler/host-scheduler';
import { HostStateModule } from './scheduler/host-state.module';
import { ServersApi } from './servers.api';
import { ServersQuery } from './servers.query';
import { ZonesModule } from './zones/zones.module';

@Module({
  imports: [AggregatesModule, FlavorsModule, HostStateModule, QuotasModule, ZonesModule],
  controllers: [ComputeVersionsController, ServersController, ServicesController, HypervisorsController, ServerGroupsController],
  providers: [
    {
      provide: COMPUTE_SETTINGS,
      inject: [CONFIG],
      useFactory: (config: ConfigService): ComputeSettings => ({
        ...DEFAULT_COMPUTE_SETTINGS, serviceDownSeconds: config.serviceDownSeconds, buildTimeoutSeconds: config.buildTimeoutSeconds,
      }),
    },
    PlacementService, HostsService, HostScheduler, InstanceRepository, InstanceActionsService, ServersApi, ServersQuery, ComputeManager, ServerGroupsApi,
    InstanceOpsApi, InstanceNetworks,
  ],
  exports: [ServersApi, ServersQuery, InstanceRepository, InstanceOpsApi],
})
export class ComputeModule {}
