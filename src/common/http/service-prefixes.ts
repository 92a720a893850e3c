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

const BY_PREFIX = new Map(Object.values(SERVICE_ENDPOINTS).map((spec) => [spec.prefix, spec]));

/** The service a request path belongs to: its first segment ("/compute/v2.1/servers?x" → "/compute"). Runs on every request. */
export function serviceForPath(url: string): ServiceEndpointSpec | undefined {
  let end = 1;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 0x2f || c === 0x3f) break; // "/" or "?"
    end++;
  }
  return BY_PREFIX.get(url.slice(0, end));
}
