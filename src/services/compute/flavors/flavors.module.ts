import { Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { SERVICE_ENDPOINTS } from '../../../common/http/service-prefixes';
import { FlavorAccessController } from './api/flavor-access.controller';
import { FlavorExtraSpecsController } from './api/flavor-extra-specs.controller';
import { FlavorsController } from './api/flavors.controller';
import { FlavorsApi } from './flavors.api';

/**
 * Flavors (with extra specs and access lists). RouterModule only prefixes the controllers of the
 * module it is given, so this module mounts its own under the compute prefix.
 */
@Module({
  imports: [RouterModule.register([{ path: SERVICE_ENDPOINTS.compute.prefix, module: FlavorsModule }])],
  controllers: [FlavorsController, FlavorExtraSpecsController, FlavorAccessController],
  providers: [FlavorsApi],
  exports: [FlavorsApi],
})
export class FlavorsModule {}
