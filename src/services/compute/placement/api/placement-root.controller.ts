import { Controller, Get, HttpCode, Param, UseGuards } from '@nestjs/common';
import { Policy, Public, rules } from '../../../../common/auth/policy';
import { NotFoundError } from '../../../../common/errors/api-error';
import { Microversion } from '../../../../common/http/microversion';
import { Mv } from '../../../../common/http/microversion.guard';
import { PLACEMENT_MICROVERSIONS, PlacementMicroversion } from '../placement.microversion';
import { PlacementQueries, RESOURCE_CLASSES } from '../placement.queries';
import { requireVersion } from './placement.params';
import { PLACEMENT_ROOT } from './placement.view';

/** The version document (served without a token), traits and resource classes. */
@Controller()
@UseGuards(PlacementMicroversion)
export class PlacementRootController {
  constructor(private readonly queries: PlacementQueries) {}

  @Public() @Get()
  versions() {
    return {
      versions: [{
        id: 'v1.0', max_version: PLACEMENT_MICROVERSIONS.max, min_version: PLACEMENT_MICROVERSIONS.min,
        status: 'CURRENT', links: [{ rel: 'self', href: '' }],
      }],
    };
  }

  @Policy(rules.admin) @Get('resource_classes')
  resourceClasses(@Mv() mv: Microversion) {
    requireVersion(mv, '1.2');
    return { resource_classes: RESOURCE_CLASSES.map((name) => ({ name, links: [{ rel: 'self', href: `${PLACEMENT_ROOT}/resource_classes/${name}` }] })) };
  }

  @Policy(rules.admin) @Get('resource_classes/:name')
  resourceClass(@Param('name') name: string, @Mv() mv: Microversion) {
    requireVersion(mv, '1.2');
    if (!(RESOURCE_CLASSES as string[]).includes(name)) throw new NotFoundError(`No such resource class ${name}.`, 'placement.undefined_code');
    return { name, links: [{ rel: 'self', href: `${PLACEMENT_ROOT}/resource_classes/${name}` }] };
  }

  /** The traits in use: the kinds berth's hosts report (berth defines no others). */
  @Policy(rules.admin) @Get('traits')
  async traits(@Mv() mv: Microversion) {
    requireVersion(mv, '1.6');
    return { traits: await this.knownTraits() };
  }

  @Policy(rules.admin) @Get('traits/:name') @HttpCode(204)
  async trait(@Param('name') name: string, @Mv() mv: Microversion): Promise<void> {
    requireVersion(mv, '1.6');
    if (!(await this.knownTraits()).includes(name)) throw new NotFoundError(`No such trait(s): ${name}.`, 'placement.undefined_code');
  }

  private async knownTraits(): Promise<string[]> {
    return [...new Set((await this.queries.providers()).flatMap((p) => p.traits))].sort();
  }
}
