import { Module } from '@nestjs/common';
import { AllocationsController } from './api/allocations.controller';
import { PlacementRootController } from './api/placement-root.controller';
import { ResourceProvidersController } from './api/resource-providers.controller';
import { PlacementQueries } from './placement.queries';
import { ProviderInventories } from './provider-inventories';

/**
 * The Placement API at /placement (RootModule mounts it), over the providers, inventories and
 * allocations compute keeps. Hosts' agents own their providers: the API reads them, and lets an
 * admin tune inventories (reserved, allocation ratio, units) as Placement does.
 */
@Module({
  controllers: [PlacementRootController, ResourceProvidersController, AllocationsController],
  providers: [PlacementQueries, ProviderInventories],
})
export class PlacementApiModule {}
