import { microversionGuard } from '../../../common/http/microversion.guard';

/** Placement's range (Zed and later serve up to 1.39); osc-placement asks for what a command needs. */
export const PLACEMENT_MICROVERSIONS = { service: 'placement', min: '1.0', max: '1.39' };

/** Put on every placement controller with @UseGuards: negotiates (406 outside the range) and echoes the version. */
export const PlacementMicroversion = microversionGuard(PLACEMENT_MICROVERSIONS);
