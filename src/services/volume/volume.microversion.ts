import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { ContextRequest } from '../../common/auth/auth.guard';
import { httpRequest } from '../../common/http/http-args';
import { Microversion } from '../../common/http/microversion';
import { microversionGuard } from '../../common/http/microversion.guard';
import { cinderErrors } from './cinder-errors';

/** Cinder's range up to 3.70 (cinderclient sends no header: 3.0; openstacksdk negotiates up to 3.60). */
export const VOLUME_MICROVERSIONS = { service: 'volume', min: '3.0', max: '3.70' };

/** Negotiates and echoes `OpenStack-API-Version: volume 3.x`; put on every volume controller, first. */
export const CinderMicroversion = microversionGuard(VOLUME_MICROVERSIONS);

/**
 * The `{project_id}` of `/v3/{project_id}/...` must be the token's project, for admins too: Cinder
 * answers any other with 400 "Malformed request url". Runs after CinderMicroversion, as in Cinder.
 */
@Injectable()
export class ProjectInPath implements CanActivate {
  canActivate(execution: ExecutionContext): boolean {
    const req = httpRequest<ContextRequest & { params: Record<string, string | undefined> }>(execution);
    const inPath = req.params.projectId;
    if (inPath !== undefined && req.context?.projectId !== undefined && inPath !== req.context.projectId) throw cinderErrors.malformedUrl();
    return true;
  }
}

/**
 * A collection's paths: `/v3/{project_id}/<resource>` and, as Cinder also routes them (3.67
 * made it official), `/v3/<resource>`, where the project is the token's.
 */
export function v3Paths(resource: string): string[] {
  return [`v3/:projectId/${resource}`, `v3/${resource}`];
}

/** A route that Cinder adds at microversion `min`: below it, Cinder answers 404 as for an unknown method. */
export function requireMicroversion(mv: Microversion, min: string): void {
  if (!mv.atLeast(min)) throw cinderErrors.versionNotFound();
}
