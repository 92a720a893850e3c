import { FloatingIpEntity, NetworkQuotaEntity } from './entities/floating-ip.entity';
import { IpAllocationEntity, IpAvailabilityEntity, NetworkEntity, SubnetEntity } from './entities/network.entity';
import { PortBindingEntity, PortEntity, PortSecurityGroupEntity } from './entities/port.entity';
import { SecurityGroupEntity, SecurityGroupRuleEntity } from './entities/security-group.entity';

export const NETWORK_ENTITIES = [
  NetworkEntity, SubnetEntity, IpAvailabilityEntity, IpAllocationEntity, PortEntity, PortBindingEntity, PortSecurityGroupEntity,
  SecurityGroupEntity, SecurityGroupRuleEntity, FloatingIpEntity, NetworkQuotaEntity,
];
