import { AggregateEntity, AggregateHostEntity } from './entities/aggregate.entity';
import { ComputeServiceEntity } from './entities/compute-service.entity';
import { FlavorEntity, FlavorProjectEntity } from './entities/flavor.entity';
import { InstanceActionEntity, InstanceActionEventEntity } from './entities/instance-action.entity';
import { InstanceEntity } from './entities/instance.entity';
import { AllocationEntity, InventoryEntity, ResourceProviderEntity } from './entities/placement.entity';
import { QuotaEntity } from './entities/quota.entity';
import { ServerGroupEntity, ServerGroupMemberEntity } from './entities/server-group.entity';

export const COMPUTE_ENTITIES = [
  FlavorEntity, FlavorProjectEntity, InstanceEntity, InstanceActionEntity, InstanceActionEventEntity,
  ComputeServiceEntity, ResourceProviderEntity, InventoryEntity, AllocationEntity, QuotaEntity,
  ServerGroupEntity, ServerGroupMemberEntity, AggregateEntity, AggregateHostEntity,
];
