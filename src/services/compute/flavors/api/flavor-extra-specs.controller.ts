import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../../common/auth/policy';
import { Ctx } from '../../../../common/context/ctx.decorator';
import { RequestContext } from '../../../../common/context/request-context';
import { BadRequestError } from '../../../../common/errors/api-error';
import { NovaMicroversion } from '../../compute.microversion';
import { normalizeExtraSpecs } from '../extra-specs';
import { FlavorsApi } from '../flavors.api';

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('Malformed request body: an object is expected.');
  return body as Record<string, unknown>;
}

/**
 * os-flavor-extra-specs. Bodies have free-form keys, so they are checked here rather than by a DTO;
 * Nova answers writes with 200 and echoes the request body.
 */
@Controller('v2.1/flavors/:flavorId/os-extra_specs')
@UseGuards(NovaMicroversion)
export class FlavorExtraSpecsController {
  constructor(private readonly flavors: FlavorsApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Param('flavorId') flavorId: string, @Ctx() ctx: RequestContext) {
    return { extra_specs: await this.flavors.extraSpecs(flavorId, ctx) };
  }

  @Policy(rules.admin) @Post() @HttpCode(200)
  async create(@Param('flavorId') flavorId: string, @Body() raw: unknown) {
    const body = objectBody(raw);
    const extra = Object.keys(body).filter((k) => k !== 'extra_specs');
    if (extra.length) throw new BadRequestError(`Invalid input for field/attribute. Additional properties are not allowed ('${extra[0]}' was unexpected).`);
    if (body.extra_specs === undefined) throw new BadRequestError(`Invalid input: 'extra_specs' is a required property.`);
    await this.flavors.setExtraSpecs(flavorId, normalizeExtraSpecs(body.extra_specs));
    return { extra_specs: body.extra_specs };
  }

  @Policy(rules.projectReader) @Get(':key')
  async show(@Param('flavorId') flavorId: string, @Param('key') key: string, @Ctx() ctx: RequestContext) {
    return { [key]: await this.flavors.extraSpec(flavorId, key, ctx) };
  }

  @Policy(rules.admin) @Put(':key')
  async update(@Param('flavorId') flavorId: string, @Param('key') key: string, @Body() raw: unknown) {
    const body = objectBody(raw);
    if (Object.keys(body).length !== 1) throw new BadRequestError('Invalid input: the body must hold exactly one extra spec.');
    const specs = normalizeExtraSpecs(body);
    if (!(key in specs)) throw new BadRequestError('Request body and URI mismatch');
    await this.flavors.setExtraSpecs(flavorId, specs);
    return body;
  }

  @Policy(rules.admin) @Delete(':key') @HttpCode(200)
  async remove(@Param('flavorId') flavorId: string, @Param('key') key: string): Promise<void> {
    await this.flavors.deleteExtraSpec(flavorId, key);
  }
}
