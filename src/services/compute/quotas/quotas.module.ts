import { Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { SERVICE_ENDPOINTS } from '../../../common/http/service-prefixes';
import { LimitsController } from './api/limits.controller';
import { QuotaSetsController } from './api/quota-sets.controller';
import { SimpleTenantUsageController } from './api/simple-tenant-usage.controller';
import { QuotaService } from './quota.service';
import { QuotasApi } from './quotas.api';
import { UsageApi } from './usage.api';

/**
 * Quotas, limits and usage. Exports QuotaService, whose `enforce` servers call inside the
 * transaction that inserts instances. Mounts its controllers under the compute prefix itself
 * (RouterModule does not prefix imported modules' controllers).
 */
@Module({
  imports: [RouterModule.register([{ path: SERVICE_ENDPOINTS.compute.prefix, module: QuotasModule }])],
  controllers: [QuotaSetsController, LimitsController, SimpleTenantUsageController],
  providers: [QuotaService, QuotasApi, UsageApi],
  exports: [QuotaService],
})
export class QuotasModule {}
