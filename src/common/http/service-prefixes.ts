/** The services' path prefixes (devstack's convention) and what the catalog advertises for each. */
export type ServiceName = 'identity' | 'image' | 'compute' | 'placement' | 'network' | 'volume' | 'container';

export interface ServiceEndpointSpec {
  /** Path prefix on the berth HTTP server. */
  prefix: string;
  /** Catalog service type and name. */
  type: string;
  name: string;
  /** Appended to the public URL in the catalog; may contain `$(project_id)s`. */
  catalogPath: string;
  /** Fault body family (style.md §7). */
  faults: 'keystone' | 'nova' | 'neutron' | 'glance' | 'placement' | 'zun';
}

export const SERVICE_ENDPOINTS: Record<ServiceName, ServiceEndpointSpec> = {
  identity: { prefix: '/identity', type: 'identity', name: 'keystone', catalogPath: '/identity/v3', faults: 'keystone' },
  image: { prefix: '/image', type: 'image', name: 'glance', catalogPath: '/image', faults: 'glance' },
  compute: { prefix: '/compute', type: 'compute', name: 'nova', catalogPath: '/compute/v2.1', faults: 'nova' },
  placement: { prefix: '/placement', type: 'placement', name: 'placement', catalogPath: '/placement', faults: 'placement' },
  network: { prefix: '/networking', type: 'network', name: 'neutron', catalogPath: '/networking', faults: 'neutron' },
  volume: { prefix: '/volume', type: 'volumev3', name: 'cinderv3', catalogPath: '/volume/v3/$(project_id)s', faults: 'nova' },
  container: { prefix: '/container', type: 'container', name: 'zun', catalogPath: '/container/v1', faults: 'zun' },
};

export function serviceForPath(url: string): ServiceEndpointSpec | undefined {
  for (const spec of Object.values(SERVICE_ENDPOINTS)) {
    if (url === spec.prefix || url.startsWith(`${spec.prefix}/`) || url.startsWith(`${spec.prefix}?`)) return spec;
  }
  return undefined;
}
