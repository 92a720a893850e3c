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
    const o = Microversion.parse(v)!;
    return this.major > o.major || (this.major === o.major && this.minor >= o.minor);
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
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
  const min = Microversion.parse(policy.min)!;
  const max = Microversion.parse(policy.max)!;
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
  if (!v.atLeast(min.toString()) || (v.major > max.major || (v.major === max.major && v.minor > max.minor))) {
    throw new NotAcceptableError(`Version ${v} is not supported by the API. Minimum is ${min} and maximum is ${max}.`);
  }
  return v;
}
