import { microversionInterceptor } from '../../common/http/microversion.interceptor';

/** Zun's range: zunclient 4.5 asks for min(1.40, max_version). */
export const ZUN_MICROVERSIONS = { service: 'container', min: '1.1', max: '1.40' };

/** Put on every container controller: negotiates (406 outside the range) and echoes the microversion. */
export const ZunMicroversion = microversionInterceptor(ZUN_MICROVERSIONS);
