import { Module } from '@nestjs/common';
import { FloatingIpsController } from './api/floating-ips.controller';
import { NetworkQuotasController } from './api/network-quotas.controller';
import { NetworkRootController } from './api/network-root.controller';
import { NetworksController, SubnetsController } from './api/networks.controller';
import { PortsController } from './api/ports.controller';
import { SecurityGroupRulesController, SecurityGroupsController } from './api/security-groups.controller';
import { FloatingIpsApi } from './floating-ips.api';
import { IpamService } from './ipam/ipam.service';
import { NetworkManager } from './network.manager';
import { NetworkQuotasService } from './network-quotas.service';
import { NetworksApi } from './networks.api';
import { PortBindingsApi } from './port-bindings.api';
import { PortsApi } from './ports.api';
import { SecurityGroupsApi } from './security-groups.api';
import { SubnetsApi } from './subnets.api';

/** Neutron v2.0 subset at /networking: networks, subnets (IPAM), ports with bindings, security groups, floating IPs, quotas. */
@Module({
  controllers: [
    NetworkRootController, NetworksController, SubnetsController, PortsController, SecurityGroupsController, SecurityGroupRulesController,
    FloatingIpsController, NetworkQuotasController,
  ],
  providers: [NetworkQuotasService, IpamService, NetworksApi, SubnetsApi, SecurityGroupsApi, PortsApi, PortBindingsApi, FloatingIpsApi, NetworkManager],
})
export class NetworkModule {}
