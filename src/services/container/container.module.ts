import { Module } from '@nestjs/common';
import { ComputeModule } from '../compute/compute.module';
import { ContainerOpsController } from './api/container-ops.controller';
import { ContainersController } from './api/containers.controller';
import { ContainerVersionsController } from './api/versions.controller';
import { ContainersApi } from './containers.api';

/**
 * Zun's container API (v1) at /container (RootModule mounts it). Containers are compute's
 * `container` kind instances: this module translates and calls compute's ServersApi.
 */
@Module({
  imports: [ComputeModule],
  controllers: [ContainerVersionsController, ContainersController, ContainerOpsController],
  providers: [ContainersApi],
})
export class ContainerModule {}
