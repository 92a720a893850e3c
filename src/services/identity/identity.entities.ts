import { EndpointEntity, RegionEntity, ServiceEntity } from './entities/catalog.entity';
import { DomainEntity } from './entities/domain.entity';
import { ProjectEntity } from './entities/project.entity';
import { RoleAssignmentEntity, RoleEntity, RoleImplicationEntity } from './entities/role.entity';
import { RevocationEventEntity, SigningKeyEntity } from './entities/token.entity';
import { UserEntity } from './entities/user.entity';

export const IDENTITY_ENTITIES = [
  DomainEntity, ProjectEntity, UserEntity, RoleEntity, RoleImplicationEntity, RoleAssignmentEntity,
  RegionEntity, ServiceEntity, EndpointEntity, SigningKeyEntity, RevocationEventEntity,
];
