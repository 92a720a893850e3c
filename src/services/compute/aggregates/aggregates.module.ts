import { Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { SERVICE_ENDPOINTS } from '../../../common/http/service-prefixes';
import { AggregatesController } from './api/aggregates.controller';
import { AggregatesApi } from './aggregates.api';
import { HostStateModule } from '../scheduler/host-state.module';

/** Host aggregates, mounted under the compute prefix (RouterModule only prefixes its own module). */
@Module({
  imports: [HostStateModule, RouterModule.register([{ path: SERVICE_ENDPOINTS.compute.prefix, module: AggregatesModule }])],
  controllers: [AggregatesController],
  providers: [AggregatesApi],
  exports: [AggregatesApi],
})
export class AggregatesModule {}
