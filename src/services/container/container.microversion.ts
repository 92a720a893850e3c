import { microversionGuard } from '../../common/http/microversion.guard';

/** Zun's range: zunclient 4.5 asks for min(1.40, max_version). */
export const ZUN_MICROVERSIONS = { service: 'container', min: '1.1', max: '1.40' };

/** Put on every container controller with @UseGuards: negotiates (406 outside the range) and echoes the microversion. */
export const ZunMicroversion = microversionGuard(ZUN_MICROVERSIONS);
