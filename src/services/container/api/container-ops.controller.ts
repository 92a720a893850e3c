import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { BadRequestError } from '../../../common/errors/api-error';
import { PS_ARGS } from '../../../contracts/agent/agent.rpc';
import { DEFAULT_KILL_SIGNAL, signalNamed } from '../../../contracts/agent/instance-ops.types';
import { InstanceOpsApi } from '../../compute/instance-ops.api';
import { ZunMicroversion } from '../container.microversion';
import { ContainersApi } from '../containers.api';
import { renderProcesses, renderStats } from './container-ops.view';

/** Zun's query schemas allow no other parameters (additionalProperties: false). */
function onlyParams(q: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(q).filter((k) => !allowed.includes(k));
  if (extra.length) throw new BadRequestError(`Invalid input for query parameters: ${extra.join(', ')} ${extra.length > 1 ? 'are' : 'is'} not allowed.`);
}

/** One query parameter as a string; zunclient sends `None` for an unset one in places, which means unset. */
function param(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined || v === 'None') return undefined;
  if (typeof v !== 'string') throw new BadRequestError(`Invalid input for query parameter '${name}': give it once.`);
  return v;
}

function glanceName(field: string, v: string | undefined): string | undefined {
  if (v !== undefined && (v.length < 1 || v.length > 255)) throw new BadRequestError(`Invalid input for query parameter '${field}': 1 to 255 characters.`);
  return v;
}

/** Zun's kill, top, stats and commit over compute's instances (InstanceOpsApi). */
@Controller('v1/containers')
@UseGuards(ZunMicroversion)
export class ContainerOpsController {
  constructor(private readonly containers: ContainersApi, private readonly ops: InstanceOpsApi) {}

  /** A signal (SIGKILL when none is named) to the container's main process. */
  @Policy(rules.projectMember) @Post(':id/kill') @HttpCode(202)
  async kill(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext): Promise<void> {
    onlyParams(q, ['signal']);
    const given = param(q, 'signal');
    const signal = given === undefined ? DEFAULT_KILL_SIGNAL : signalNamed(given);
    if (!signal) throw new BadRequestError(`Invalid input for query parameter 'signal': ${given} is not a signal (SIGTERM, TERM, 15 ...).`);
    await this.ops.kill((await this.containers.get(id, ctx)).id, signal, ctx);
  }

  @Policy(rules.projectReader) @Get(':id/top')
  async top(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    onlyParams(q, ['ps_args']);
    const psArgs = param(q, 'ps_args');
    if (psArgs !== undefined && (psArgs.length > 255 || !PS_ARGS.test(psArgs))) {
      throw new BadRequestError(`Invalid input for query parameter 'ps_args': ${psArgs} (letters, digits, spaces and ,+- only).`);
    }
    return renderProcesses(await this.ops.top((await this.containers.get(id, ctx)).id, psArgs, ctx));
  }

  @Policy(rules.projectReader) @Get(':id/stats')
  async stats(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    onlyParams(q, []);
    const inst = await this.containers.get(id, ctx);
    return renderStats(inst.name, await this.ops.stats(inst.id, ctx));
  }

  /** A new image of the container's filesystem, named `repository` and tagged `tag` (latest when none). */
  @Policy(rules.projectMember) @Post(':id/commit') @HttpCode(202)
  async commit(@Param('id') id: string, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    onlyParams(q, ['repository', 'tag']);
    const repository = glanceName('repository', param(q, 'repository'));
    if (repository === undefined) throw new BadRequestError("Invalid input for query parameters: 'repository' is a required property.");
    const tag = glanceName('tag', param(q, 'tag')) ?? 'latest';
    return { uuid: await this.ops.commit((await this.containers.get(id, ctx)).id, repository, tag, ctx) };
  }
}
