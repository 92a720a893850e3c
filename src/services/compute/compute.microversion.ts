import { microversionGuard } from '../../common/http/microversion.guard';

/** Nova's range: novaclient sends 2.92 for `2.latest`, so the maximum must reach it. */
export const NOVA_MICROVERSIONS = { service: 'compute', legacyHeader: 'X-OpenStack-Nova-API-Version', min: '2.1', max: '2.96' };

/** Put on every compute controller with @UseGuards: negotiates and echoes the microversion. */
export const NovaMicroversion = microversionGuard(NOVA_MICROVERSIONS);
