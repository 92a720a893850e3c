import { BadRequestError, NotAcceptableError } from '../errors/api-error';

/** A microversion like 2.61, comparable. */
export class Microversion {
  constructor(readonly major: number, readonly minor: number) {}

  static parse(text: string): Microversion | undefined {
    const m = /^(\d+)\.(\d+)$/.exec(text.trim());
    return m ? new Microversion(Number(m[1]), Number(m[2])) : undefined;
  }

  /** True when this version is at least `v` ("2.47"). */
  atLeast(v: string): boolean {
    return this.compare(known(v)) >= 0;
  }

  compare(o: Microversion): number {
    return this.major - o.major || this.minor - o.minor;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

/**
 * The versions the code names (policy bounds, atLeast("2.47") in views), parsed once: views ask for
 * every item of a list on every request.
 */
const knownVersions = new Map<string, Microversion>();
function known(text: string): Microversion {
  let v = knownVersions.get(text);
  if (!v) {
    v = Microversion.parse(text);
    if (!v) throw new Error(`not a microversion: ${text}`);
    knownVersions.set(text, v);
  }
  return v;
}

export interface MicroversionPolicy {
  /** Service name in `OpenStack-API-Version: <service> X.Y`. */
  service: string;
  /** The legacy header (e.g. X-OpenStack-Nova-API-Version), if the service has one. */
  legacyHeader?: string;
  min: string;
  max: string;
}

/**
 * Picks the requested microversion as OpenStack services do: `OpenStack-API-Version: <service> X`
 * wins over the legacy header; none → the minimum; `latest` → the maximum; malformed → 400;
 * outside [min, max] → 406.
 */
export function negotiateMicroversion(headers: Record<string, string | string[] | undefined>, policy: MicroversionPolicy): Microversion {
  const min = known(policy.min);
  const max = known(policy.max);
  let requested: string | undefined;
  const generic = headers['openstack-api-version'];
  for (const value of (Array.isArray(generic) ? generic : generic ? [generic] : []).flatMap((v) => v.split(','))) {
    const [service, version] = value.trim().split(/\s+/, 2);
    if (service?.toLowerCase() === policy.service && version) requested = version;
  }
  if (requested === undefined && policy.legacyHeader) {
    const legacy = headers[policy.legacyHeader.toLowerCase()];
    requested = Array.isArray(legacy) ? legacy[0] : legacy;
  }
  if (requested === undefined || requested.trim() === '') return min;
  if (requested.trim().toLowerCase() === 'latest') return max;
  const v = Microversion.parse(requested);
  if (!v) throw new BadRequestError(`Invalid API version request string: ${requested}.`);
  if (v.compare(min) < 0 || v.compare(max) > 0) {
    throw new NotAcceptableError(`Version ${v} is not supported by the API. Minimum is ${min} and maximum is ${max}.`);
  }
  return v;
}
