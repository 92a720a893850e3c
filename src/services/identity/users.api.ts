import { Inject, Injectable } from '@nestjs/common';
import { DataSource, FindOptionsWhere } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../common/errors/api-error';
import { MESSAGE_BUS, MessageBus } from '../../common/messaging/message-bus';
import { IDENTITY_EVENTS } from '../../contracts/identity/identity.events';
import { UserCreateDto, UserUpdateDto } from './api/dto/identity.dto';
import { conflictOnDuplicate } from './db-errors';
import { DomainsApi } from './domains.api';
import { ProjectEntity } from './entities/project.entity';
import { UserEntity } from './entities/user.entity';
import { newKeystoneId } from './ids';
import { PasswordHasher } from './password-hasher';
import { RevocationService } from './revocation.service';

export interface UserFilter { name?: string; domain_id?: string; enabled?: boolean }

function extraOf(dto: { email?: string | null; description?: string | null }, current: Record<string, unknown> = {}) {
  const extra = { ...current };
  for (const key of ['email', 'description'] as const) {
    if (dto[key] === null) delete extra[key];
    else if (dto[key] !== undefined) extra[key] = dto[key];
  }
  return extra;
}

@Injectable()
export class UsersApi {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly domains: DomainsApi,
    private readonly hasher: PasswordHasher,
    private readonly revocations: RevocationService,
  ) {}

  private get repo() {
    return this.db.getRepository(UserEntity);
  }

  /** Admins see any user; others only themselves (others are 404). */
  async get(id: string, ctx: RequestContext): Promise<UserEntity> {
    const u = await this.repo.findOneBy({ id });
    if (!u || (!ctx.isAdmin && ctx.userId !== id)) throw new NotFoundError(`Could not find user: ${id}.`);
    return u;
  }

  list(filter: UserFilter): Promise<UserEntity[]> {
    const where: FindOptionsWhere<UserEntity> = {};
    if (filter.name) where.name = filter.name;
    if (filter.domain_id) where.domainId = filter.domain_id;
    if (filter.enabled !== undefined) where.enabled = filter.enabled;
    return this.repo.find({ where, order: { name: 'ASC' } });
  }

  async create(dto: UserCreateDto, ctx: RequestContext): Promise<UserEntity> {
    const domainId = await this.domains.resolveId(dto.domain_id);
    await this.checkProject(dto.default_project_id);
    const passwordHash = dto.password ? await this.hasher.hash(dto.password) : null;
    const saved = await conflictOnDuplicate('user', dto.name, () => this.repo.save(this.repo.create({
      id: newKeystoneId(), name: dto.name, domainId, enabled: dto.enabled ?? true, passwordHash,
      defaultProjectId: dto.default_project_id ?? null, extra: extraOf(dto),
    })));
    await this.bus.notify(IDENTITY_EVENTS.userCreated, { user_id: saved.id }, ctx).catch(() => undefined);
    return saved;
  }

  async update(id: string, dto: UserUpdateDto, ctx: RequestContext): Promise<UserEntity> {
    const u = await this.get(id, ctx);
    if (!ctx.isAdmin) throw new ForbiddenError();
    if (dto.name !== undefined) u.name = dto.name;
    if (dto.default_project_id !== undefined) {
      await this.checkProject(dto.default_project_id);
      u.defaultProjectId = dto.default_project_id;
    }
    u.extra = extraOf(dto, u.extra);
    const revoke = (dto.enabled === false && u.enabled) || dto.password !== undefined;
    if (dto.enabled !== undefined) u.enabled = dto.enabled;
    if (dto.password !== undefined) {
      u.passwordHash = dto.password ? await this.hasher.hash(dto.password) : null;
      u.failedAuthCount = 0;
      u.failedAuthAt = null;
    }
    const saved = await conflictOnDuplicate('user', u.name, () => this.repo.save(u));
    if (revoke) await this.revocations.revoke({ userId: id }, ctx);
    return saved;
  }

  async changeOwnPassword(id: string, original: string, password: string, ctx: RequestContext): Promise<void> {
    if (ctx.userId !== id) throw new ForbiddenError();
    const u = await this.get(id, ctx);
    if (!(await this.hasher.verify(u.passwordHash, original))) throw new UnauthorizedError('The original password is not correct.');
    await this.repo.update({ id }, { passwordHash: await this.hasher.hash(password), failedAuthCount: 0, failedAuthAt: null });
    await this.revocations.revoke({ userId: id }, ctx);
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.get(id, ctx);
    await this.db.transaction(async (tx) => {
      await tx.getRepository(UserEntity).delete({ id });
      await tx.query(`DELETE FROM identity.role_assignments WHERE actor_id = $1`, [id]);
    });
    await this.revocations.revoke({ userId: id }, ctx);
    await this.bus.notify(IDENTITY_EVENTS.userDeleted, { user_id: id }, ctx).catch(() => undefined);
  }

  private async checkProject(id: string | null | undefined): Promise<void> {
    if (id && !(await this.db.getRepository(ProjectEntity).existsBy({ id }))) {
      throw new BadRequestError(`Could not find project: ${id}.`);
    }
  }
}
