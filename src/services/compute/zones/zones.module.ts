import { Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { SERVICE_ENDPOINTS } from '../../../common/http/service-prefixes';
import { AvailabilityZonesController } from './api/availability-zones.controller';
import { ZonesApi } from './zones.api';

/** Availability zones; mounts its controller under the compute prefix itself (see FlavorsModule). */
@Module({
  imports: [RouterModule.register([{ path: SERVICE_ENDPOINTS.compute.prefix, module: ZonesModule }])],
  controllers: [AvailabilityZonesController],
  providers: [ZonesApi],
})
export class ZonesModule {}
