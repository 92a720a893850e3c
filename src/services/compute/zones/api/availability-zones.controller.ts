import { Controller, Get, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../../common/auth/policy';
import { NovaMicroversion } from '../../compute.microversion';
import { ZonesApi } from '../zones.api';

/** os-availability-zone: the zones (anyone) and their hosts (admin). */
@Controller('v2.1/os-availability-zone')
@UseGuards(NovaMicroversion)
export class AvailabilityZonesController {
  constructor(private readonly zones: ZonesApi) {}

  @Policy(rules.authenticated) @Get()
  async list() {
    return { availabilityZoneInfo: await this.zones.list(false) };
  }

  @Policy(rules.admin) @Get('detail')
  async detail() {
    return { availabilityZoneInfo: await this.zones.list(true) };
  }
}
