import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../../common/auth/policy';
import { Ctx } from '../../../../common/context/ctx.decorator';
import { RequestContext } from '../../../../common/context/request-context';
import { Microversion } from '../../../../common/http/microversion';
import { Mv } from '../../../../common/http/microversion.guard';
import { NovaMicroversion } from '../../compute.microversion';
import { FlavorsApi } from '../flavors.api';
import { parseAction } from './action';
import { AddTenantAccessRequest, RemoveTenantAccessRequest } from './dto/flavor.dto';
import { renderFlavorAccess } from './views/flavor.view';

/** From this microversion adding access to a public flavor is a 409. */
const PUBLIC_ACCESS_CONFLICT_MV = '2.7';

/** os-flavor-access: the access list of a private flavor and the add/remove tenant actions (admin). */
@Controller('v2.1/flavors/:flavorId')
@UseGuards(NovaMicroversion)
export class FlavorAccessController {
  constructor(private readonly flavors: FlavorsApi) {}

  @Policy(rules.admin) @Get('os-flavor-access')
  async list(@Param('flavorId') flavorId: string, @Ctx() ctx: RequestContext) {
    return renderFlavorAccess(flavorId, await this.flavors.accessList(flavorId, ctx));
  }

  @Policy(rules.admin) @Post('action') @HttpCode(200)
  async action(@Param('flavorId') flavorId: string, @Body() body: unknown, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const parsed = await parseAction(body, { addTenantAccess: AddTenantAccessRequest, removeTenantAccess: RemoveTenantAccessRequest });
    const projects = parsed.action === 'addTenantAccess'
      ? await this.flavors.addAccess(flavorId, parsed.request.addTenantAccess.tenant, ctx, mv.atLeast(PUBLIC_ACCESS_CONFLICT_MV))
      : await this.flavors.removeAccess(flavorId, parsed.request.removeTenantAccess.tenant, ctx);
    return renderFlavorAccess(flavorId, projects);
  }
}
