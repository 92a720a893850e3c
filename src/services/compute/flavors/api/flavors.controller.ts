import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, rules } from '../../../../common/auth/policy';
import { Ctx } from '../../../../common/context/ctx.decorator';
import { RequestContext } from '../../../../common/context/request-context';
import { BadRequestError, NotFoundError } from '../../../../common/errors/api-error';
import { Microversion } from '../../../../common/http/microversion';
import { Mv } from '../../../../common/http/microversion.guard';
import { pageRows } from '../../../../common/http/paging';
import { NovaMicroversion } from '../../compute.microversion';
import { FlavorsApi } from '../flavors.api';
import { CreateFlavorRequest, UpdateFlavorRequest } from './dto/flavor.dto';
import { flavorSortValue, parseFlavorFilter, parseFlavorPaging } from './flavor-query';
import { FLAVOR_DESCRIPTION_MV, computeBase, renderFlavor, renderFlavorBrief, renderFlavorList } from './views/flavor.view';

/** Nova's flavors and flavor-manage APIs. */
@Controller('v2.1/flavors')
@UseGuards(NovaMicroversion)
export class FlavorsController {
  constructor(private readonly flavors: FlavorsApi) {}

  private async page(q: Record<string, unknown>, ctx: RequestContext) {
    const paging = parseFlavorPaging(q);
    return pageRows(await this.flavors.list(parseFlavorFilter(q), ctx), paging, flavorSortValue);
  }

  @Policy(rules.authenticated) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const base = computeBase(req);
    return renderFlavorList(req, await this.page(q, ctx), (f) => renderFlavorBrief(f, base, mv));
  }

  @Policy(rules.authenticated) @Get('detail')
  async detail(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const base = computeBase(req);
    return renderFlavorList(req, await this.page(q, ctx), (f) => renderFlavor(f, base, mv));
  }

  /** A name in the id slot is a 404 like any unknown id (novaclient then lists and matches names). */
  @Policy(rules.authenticated) @Get(':id')
  async show(@Req() req: FastifyRequest, @Param('id') id: string, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    return { flavor: renderFlavor(await this.flavors.get(id, ctx), computeBase(req), mv) };
  }

  /** 200, not 201, as Nova answers. */
  @Policy(rules.admin) @Post() @HttpCode(200)
  async create(@Req() req: FastifyRequest, @Body() body: CreateFlavorRequest, @Mv() mv: Microversion) {
    if (body.flavor.description !== undefined && !mv.atLeast(FLAVOR_DESCRIPTION_MV)) {
      throw new BadRequestError(`Invalid input for field/attribute flavor. Additional properties are not allowed ('description' was unexpected) before microversion ${FLAVOR_DESCRIPTION_MV}.`);
    }
    return { flavor: renderFlavor(await this.flavors.create(body.flavor), computeBase(req), mv) };
  }

  /** Microversion 2.55+: only the description can change; below it the route does not exist (404). */
  @Policy(rules.admin) @Put(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: UpdateFlavorRequest, @Mv() mv: Microversion) {
    if (!mv.atLeast(FLAVOR_DESCRIPTION_MV)) throw new NotFoundError('The resource could not be found.');
    return { flavor: renderFlavor(await this.flavors.updateDescription(id, body.flavor.description), computeBase(req), mv) };
  }

  @Policy(rules.admin) @Delete(':id') @HttpCode(202)
  async remove(@Param('id') id: string): Promise<void> {
    await this.flavors.delete(id);
  }
}
