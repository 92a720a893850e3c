import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../common/auth/policy';
import { CinderMicroversion, ProjectInPath, v3Paths } from '../volume.microversion';
import { VOLUME_SETTINGS, VolumeSettings } from '../volume.settings';

/** os-availability-zone: the zone volumes are created in. */
@Controller(v3Paths('os-availability-zone'))
@UseGuards(CinderMicroversion, ProjectInPath)
export class VolumeZonesController {
  constructor(@Inject(VOLUME_SETTINGS) private readonly settings: VolumeSettings) {}

  @Policy(rules.projectReader) @Get()
  list() {
    return { availabilityZoneInfo: [{ zoneName: this.settings.availabilityZone, zoneState: { available: true } }] };
  }
}
