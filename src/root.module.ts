import { DynamicModule, Module, Type } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { AuthModule } from './common/auth/auth.module';
import { DatabaseModule } from './common/database/database.module';
import { Store } from './common/database/store';
import { HealthController } from './common/http/health.controller';
import { SERVICE_ENDPOINTS, ServiceName } from './common/http/service-prefixes';
import { MessageBus } from './common/messaging/message-bus';
import { MessagingModule } from './common/messaging/messaging.module';
import { ComputeModule } from './services/compute/compute.module';
import { PlacementApiModule } from './services/compute/placement/placement-api.module';
import { ContainerModule } from './services/container/container.module';
import { IdentityModule } from './services/identity/identity.module';
import { ImageModule } from './services/image/image.module';
import { NetworkModule } from './services/network/network.module';
import { VolumeModule } from './services/volume/volume.module';
import { IDENTITY_SETTINGS } from './services/identity/identity.settings';
import { ConfigService } from './common/config/config.service';
import { CONFIG } from './common/config/config.token';
import { LOGGER } from './common/logging/logger';
import { Logger } from 'pino';


/** Service modules that exist so far; the other prefixes answer 404 in their service's error body. */
const SERVICE_MODULES: Partial<Record<ServiceName, Type<unknown>>> = {
  identity: IdentityModule,
  image: ImageModule,
  compute: ComputeModule,
  placement: PlacementApiModule,
  network: NetworkModule,
  volume: VolumeModule,
  container: ContainerModule,
};

export interface RootInfra {
  config: ConfigService;
  log: Logger;
  store: Store;
  bus: MessageBus;
}

@Module({})
export class RootModule {
  /** Shared infrastructure plus the chosen services, each under its path prefix. */
  static forServices(services: ServiceName[], infra: RootInfra): DynamicModule {
    const chosen = services.filter((s) => SERVICE_MODULES[s]).map((s) => ({ name: s, module: SERVICE_MODULES[s]! }));
    return {
      module: RootModule,
      imports: [
        DatabaseModule.forStore(infra.store),
        MessagingModule.forBus(infra.bus),
        AuthModule,
        ...chosen.map((c) => c.module),
        RouterModule.register(chosen.map((c) => ({ path: SERVICE_ENDPOINTS[c.name].prefix, module: c.module }))),
      ],
      controllers: [HealthController],
      providers: [
        { provide: CONFIG, useValue: infra.config },
        { provide: LOGGER, useValue: infra.log },
        {
          provide: IDENTITY_SETTINGS,
          useValue: {
            tokenTtlSeconds: infra.config.tokenTtlSeconds, lockoutFailures: infra.config.lockoutFailures,
            lockoutSeconds: infra.config.lockoutSeconds, region: infra.config.region,
          },
        },
      ],
      exports: [CONFIG, LOGGER, IDENTITY_SETTINGS],
      global: true,
    };
  }
}
