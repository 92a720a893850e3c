import { microversionInterceptor } from '../../common/http/microversion.interceptor';

/** Nova's range: novaclient sends 2.92 for `2.latest`, so the maximum must reach it. */
export const NOVA_MICROVERSIONS = { service: 'compute', legacyHeader: 'X-OpenStack-Nova-API-Version', min: '2.1', max: '2.96' };

/** Put on every compute controller: negotiates and echoes the microversion. */
export const NovaMicroversion = microversionInterceptor(NOVA_MICROVERSIONS);
