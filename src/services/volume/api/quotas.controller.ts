import { Body, Controller, Delete, Get, Param, Put, Query as Q, UseGuards } from '@nestjs/common';
import { Policy, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { BadRequestError } from '../../../common/errors/api-error';
import { Microversion } from '../../../common/http/microversion';
import { Mv } from '../../../common/http/microversion.guard';
import { cinderErrors } from '../cinder-errors';
import { VolumeQuotasService } from '../quotas/volume-quotas.service';
import { CinderMicroversion, ProjectInPath, v3Paths } from '../volume.microversion';
import { DB_MAX_INT, queryBool, wrapped } from './cinder-body';
import { one, Query } from './cinder-query';

/** Keys a quota set may carry that are not resources (Cinder's NON_QUOTA_KEYS). */
const NON_QUOTA_KEYS = ['tenant_id', 'id'];

/** Members read their own project's quotas, admins any project's (Cinder's policy target check). */
function mayRead(target: string, ctx: RequestContext): void {
  if (!ctx.isAdmin && target !== ctx.projectId) throw cinderErrors.policy('volume_extension:quotas:show');
}

/** oslo's validate_integer, as Cinder's quota_set format check calls it. */
function limitOf(key: string, v: unknown): number {
  const text = typeof v === 'number' || typeof v === 'string' ? String(v).trim() : '';
  if (!/^-?\d+$/.test(text)) throw new BadRequestError(`${key} must be an integer`);
  const n = Number(text);
  if (n < -1) throw new BadRequestError(`${key} must be >= -1`);
  if (n > DB_MAX_INT) throw new BadRequestError(`${key} must be <= ${DB_MAX_INT}`);
  return n;
}

/** `/os-quota-sets/{target}`: show (`usage=True` adds in_use/reserved), defaults, update and reset (admin). */
@Controller(v3Paths('os-quota-sets'))
@UseGuards(CinderMicroversion, ProjectInPath)
export class VolumeQuotaSetsController {
  constructor(private readonly quotas: VolumeQuotasService) {}

  @Policy(rules.projectReader) @Get(':target/defaults')
  async defaults(@Param('target') target: string, @Ctx() ctx: RequestContext) {
    mayRead(target, ctx);
    return { quota_set: { ...(await this.quotas.defaults()), id: target } };
  }

  @Policy(rules.projectReader) @Get(':target')
  async show(@Param('target') target: string, @Q() q: Query, @Ctx() ctx: RequestContext) {
    mayRead(target, ctx);
    const body = queryBool(q.usage) ? await this.quotas.detail(target) : await this.quotas.limits(target);
    return { quota_set: { ...body, id: target } };
  }

  @Policy(rules.admin) @Put(':target')
  async update(@Param('target') target: string, @Body() body: unknown) {
    if (target.length > 255) throw new BadRequestError('quota_set_name has more than 255 characters.');
    const set = wrapped(body, 'quota_set');
    if (Object.keys(set).length === 0) throw new BadRequestError("Invalid input for field/attribute quota_set. Value: {}. {} does not have enough properties");
    const values: Record<string, number> = {};
    for (const [key, v] of Object.entries(set)) if (!NON_QUOTA_KEYS.includes(key)) values[key] = limitOf(key, v);
    return { quota_set: await this.quotas.update(target, values) };
  }

  @Policy(rules.admin) @Delete(':target')
  async reset(@Param('target') target: string): Promise<void> {
    await this.quotas.reset(target);
  }
}

/** GET /limits: the project's absolute limits and usage (3.39+: an admin may ask for `project_id`'s). */
@Controller(v3Paths('limits'))
@UseGuards(CinderMicroversion, ProjectInPath)
export class VolumeLimitsController {
  constructor(private readonly quotas: VolumeQuotasService) {}

  @Policy(rules.projectReader) @Get()
  async show(@Q() q: Query, @Ctx() ctx: RequestContext, @Mv() mv: Microversion) {
    const asked = ctx.isAdmin && mv.atLeast('3.39') ? one(q, 'project_id') ?? one(q, 'tenant_id') : undefined;
    const projectId = asked ?? ctx.projectId!;
    const [limits, used] = [await this.quotas.limits(projectId), await this.quotas.usage(projectId)];
    return {
      limits: {
        rate: [],
        absolute: {
          maxTotalVolumeGigabytes: limits.gigabytes, maxTotalBackupGigabytes: limits.backup_gigabytes, maxTotalVolumes: limits.volumes,
          maxTotalSnapshots: limits.snapshots, maxTotalBackups: limits.backups,
          totalVolumesUsed: used.volumes, totalGigabytesUsed: used.gigabytes, totalSnapshotsUsed: used.snapshots,
          totalBackupsUsed: used.backups, totalBackupGigabytesUsed: used.backup_gigabytes,
        },
      },
    };
  }
}
