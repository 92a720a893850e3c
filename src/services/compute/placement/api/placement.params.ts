import { BadRequestError, NotFoundError } from '../../../../common/errors/api-error';
import { Microversion } from '../../../../common/http/microversion';
import { ResourceClass, Resources } from '../placement.service';
import { RESOURCE_CLASSES } from '../placement.queries';

const CODE = 'placement.undefined_code';

/** `resources=VCPU:2,MEMORY_MB:1024` as Placement parses it: positive integers, known classes. */
export function parseResources(text: string): Resources {
  const out: Resources = {};
  for (const part of text.split(',')) {
    const m = /^\s*([A-Z0-9_]+)\s*:\s*(\d+)\s*$/.exec(part);
    if (!m) throw new BadRequestError(`Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${text}.`, CODE);
    const rc = m[1] as ResourceClass;
    if (!RESOURCE_CLASSES.includes(rc)) throw new BadRequestError(`Invalid resource class in resources parameter: No such resource class ${m[1]}.`, CODE);
    const amount = Number(m[2]);
    if (amount < 1) throw new BadRequestError(`Requested resource ${rc} expected positive integer amount. Got: ${m[2]}.`, CODE);
    if (out[rc] !== undefined) throw new BadRequestError(`Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${text}.`, CODE);
    out[rc] = amount;
  }
  return out;
}

/** `required=A,!B`: traits a provider must have and (from 1.22) must not have. */
export function parseRequired(text: string, mv: Microversion): { required: string[]; forbidden: string[] } {
  const required: string[] = [];
  const forbidden: string[] = [];
  for (const raw of text.split(',').map((t) => t.trim())) {
    if (!raw) throw new BadRequestError(`Invalid query string parameters: Expected 'required' parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: ${text}`, CODE);
    if (raw.startsWith('!')) {
      if (!mv.atLeast('1.22')) throw new BadRequestError(`Invalid query string parameters: Expected 'required' parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: ${text}`, CODE);
      forbidden.push(raw.slice(1));
    } else {
      required.push(raw);
    }
  }
  return { required, forbidden };
}

export function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new BadRequestError(`Invalid query string parameters: '${text}' does not match '^[1-9]([0-9]+)?$'`, CODE);
  return Number(text);
}

/** A microversion below `min` does not know the route: Placement answers 404 as for a missing one. */
export function requireVersion(mv: Microversion, min: string): void {
  if (!mv.atLeast(min)) throw new NotFoundError('The resource could not be found.', CODE);
}

/**
 * `member_of=<uuid>` or `member_of=in:<uuid>,<uuid>`: the provider must be in one of them. Several
 * `member_of` parameters (1.24+) must each be satisfied.
 */
export function parseMemberOf(value: string | string[], mv: Microversion): string[][] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length > 1 && !mv.atLeast('1.24')) throw new BadRequestError(`Multiple member_of parameters are not supported before microversion 1.24.`, CODE);
  return values.map((v) => {
    const list = (v.startsWith('in:') ? v.slice(3) : v).split(',').map((u) => u.trim());
    if (list.some((u) => !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(u))) {
      throw new BadRequestError(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${v}`, CODE);
    }
    return list.map((u) => u.toLowerCase());
  });
}

/** Does a provider in `aggregates` satisfy every `member_of` group? */
export function isMemberOf(aggregates: string[], groups: string[][]): boolean {
  return groups.every((any) => any.some((u) => aggregates.includes(u)));
}
