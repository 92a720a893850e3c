import { ApiError, BadRequestError, ConflictError, NotFoundError } from '../../common/errors/api-error';

/**
 * Neutron's typed errors: the `type` is what clients match on (NeutronError.type), the message
 * is Neutron's own wording.
 */
export const neutronErrors = {
  networkNotFound: (id: string) => new NotFoundError(`Network ${id} could not be found.`, 'NetworkNotFound'),
  subnetNotFound: (id: string) => new NotFoundError(`Subnet ${id} could not be found.`, 'SubnetNotFound'),
  portNotFound: (id: string) => new NotFoundError(`Port ${id} could not be found.`, 'PortNotFound'),
  securityGroupNotFound: (id: string) => new NotFoundError(`Security group ${id} does not exist`, 'SecurityGroupNotFound'),
  ruleNotFound: (id: string) => new NotFoundError(`Security group rule ${id} does not exist`, 'SecurityGroupRuleNotFound'),
  floatingIpNotFound: (id: string) => new NotFoundError(`Floating IP ${id} could not be found`, 'FloatingIPNotFound'),
  bindingNotFound: (port: string, host: string) => new NotFoundError(`Binding for port ${port} for host ${host} could not be found.`, 'PortBindingNotFound'),
  invalidInput: (message: string) => new BadRequestError(`Invalid input for operation: ${message}.`, 'InvalidInput'),
  networkInUse: (id: string) => new ConflictError(`Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`, 'NetworkInUse'),
  subnetInUse: (id: string) => new ConflictError(`Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`, 'SubnetInUse'),
  ipTaken: (ip: string, subnet: string) => new ConflictError(`IP address ${ip} already allocated in subnet ${subnet}`, 'IpAddressAlreadyAllocated'),
  ipNotInSubnet: (ip: string) => new BadRequestError(`IP address ${ip} is not a valid IP for the specified subnet.`, 'InvalidIpForSubnet'),
  ipNotOnNetwork: (ip: string) => new BadRequestError(`IP address ${ip} is not a valid IP for any of the subnets on the specified network.`, 'InvalidIpForNetwork'),
  noMoreAddresses: (network: string) => new ConflictError(`No more IP addresses available on network ${network}.`, 'IpAddressGenerationFailure'),
  macInUse: (mac: string, network: string) => new ConflictError(`Unable to complete operation for network ${network}. The mac address ${mac} is in use.`, 'MacAddressInUse'),
  overQuota: (resource: string) => new ConflictError(`Quota exceeded for resources: ['${resource}'].`, 'OverQuota'),
  securityGroupInUse: (id: string) => new ConflictError(`Security Group ${id} in use.`, 'SecurityGroupInUse'),
  notAuthorized: () => new ApiError(403, 'The request you have made requires authentication.', 'HTTPForbidden'),
};
