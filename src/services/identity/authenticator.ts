import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TOKEN_VALIDATOR, TokenValidator } from '../../common/auth/token-validator';
import { encodeToken } from '../../common/auth/token-codec';
import { DATA_SOURCE } from '../../common/database/database.module';
import { UnauthorizedError } from '../../common/errors/api-error';
import { TokenClaims } from '../../contracts/identity/identity.types';
import { AssignmentsService, RoleRef } from './assignments.service';
import { AuthRequest, Ref } from './auth-request';
import { DomainEntity } from './entities/domain.entity';
import { ProjectEntity } from './entities/project.entity';
import { UserEntity } from './entities/user.entity';
import { IDENTITY_SETTINGS, IdentitySettings } from './identity.settings';
import { PasswordHasher } from './password-hasher';
import { SigningKeysService } from './signing-keys.service';

const GENERIC_401 = 'The request you have made requires authentication.';

interface FailureRecord { count: number; at: number }

/** Turns an auth request into a signed token: identity methods, lockout, scope and roles. */
@Injectable()
export class Authenticator {
  /** Failures for names that match no user, so a lockout does not reveal whether a user exists. */
  private readonly unknownFailures = new Map<string, FailureRecord>();

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TOKEN_VALIDATOR) private readonly validator: TokenValidator,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
    private readonly hasher: PasswordHasher,
    private readonly keys: SigningKeysService,
    private readonly assignments: AssignmentsService,
  ) {}

  async authenticate(req: AuthRequest): Promise<{ token: string; claims: TokenClaims }> {
    let user: UserEntity;
    let methods: string[];
    let expiresCap: number | undefined;
    let parentAudit: string | undefined;
    if (req.password) {
      user = await this.checkPassword(req.password.user, req.password.password);
      methods = ['password'];
    } else {
      const prior = await this.validator.validate(req.token!.id).catch(() => {
        throw new UnauthorizedError(GENERIC_401);
      });
      const found = await this.db.getRepository(UserEntity).findOneBy({ id: prior.sub });
      if (!found || !found.enabled) throw new UnauthorizedError(GENERIC_401);
      user = found;
      methods = prior.m;
      expiresCap = prior.exp;
      parentAudit = prior.paid ?? prior.aid;
    }
    const userDomain = await this.db.getRepository(DomainEntity).findOneBy({ id: user.domainId });
    if (!userDomain?.enabled) throw new UnauthorizedError(GENERIC_401);

    const now = Date.now();
    const { id: kid, privateKey } = await this.keys.activeKey();
    const claims: TokenClaims = {
      v: 1, kid, sub: user.id, un: user.name, ud: userDomain.id, udn: userDomain.name, r: [], m: methods,
      iat: now, exp: Math.min(now + this.settings.tokenTtlSeconds * 1000, expiresCap ?? Infinity),
      aid: randomBytes(16).toString('base64url').slice(0, 22), paid: parentAudit,
    };
    await this.applyScope(req, user, claims);
    return { token: encodeToken(claims, privateKey), claims };
  }

  private async applyScope(req: AuthRequest, user: UserEntity, claims: TokenClaims): Promise<void> {
    let scope = req.scope;
    if (scope.kind === 'default') {
      scope = user.defaultProjectId ? { kind: 'project', project: { id: user.defaultProjectId } } : { kind: 'unscoped' };
      if (scope.kind === 'project') {
        const project = await this.db.getRepository(ProjectEntity).findOneBy({ id: user.defaultProjectId! });
        const roles = project ? await this.assignments.effectiveRoles('UserProject', user.id, project.id) : [];
        if (!project || !project.enabled || roles.length === 0) return;
      }
    }
    if (scope.kind === 'project') {
      const project = await this.findProject(scope.project);
      const domain = project && (await this.db.getRepository(DomainEntity).findOneBy({ id: project.domainId }));
      if (!project || !project.enabled || !domain?.enabled) throw new UnauthorizedError(GENERIC_401);
      const roles = await this.assignments.effectiveRoles('UserProject', user.id, project.id);
      if (roles.length === 0) throw new UnauthorizedError(`User ${user.id} has no access to project ${project.id}`);
      Object.assign(claims, { pid: project.id, pn: project.name, pd: domain.id, pdn: domain.name, r: roles });
    } else if (scope.kind === 'domain') {
      const domain = await this.findDomain(scope.domain);
      if (!domain || !domain.enabled) throw new UnauthorizedError(GENERIC_401);
      const roles: RoleRef[] = await this.assignments.effectiveRoles('UserDomain', user.id, domain.id);
      if (roles.length === 0) throw new UnauthorizedError(`User ${user.id} has no access to domain ${domain.id}`);
      Object.assign(claims, { did: domain.id, dn: domain.name, r: roles });
    }
  }

  private async checkPassword(ref: Ref, password: string): Promise<UserEntity> {
    const user = await this.findUser(ref);
    const lockKey = `${ref.domain?.id ?? ref.domain?.name ?? ''}/${(ref.id ?? ref.name ?? '').toLowerCase()}`;
    const now = Date.now();
    const lockMs = this.settings.lockoutSeconds * 1000;
    const record: FailureRecord | undefined = user
      ? { count: user.failedAuthCount, at: user.failedAuthAt?.getTime() ?? 0 }
      : this.unknownFailures.get(lockKey);
    if (record && record.count >= this.settings.lockoutFailures && now - record.at < lockMs) {
      throw new UnauthorizedError(`The account is locked for user: ${ref.name ?? ref.id}. Try again later.`, 'AccountLocked');
    }
    const ok = await this.hasher.verify(user?.passwordHash ?? null, password);
    if (ok && user?.enabled) {
      if (user.failedAuthCount > 0) {
        await this.db.getRepository(UserEntity).update({ id: user.id }, { failedAuthCount: 0, failedAuthAt: null });
      }
      return user;
    }
    const expired = !record || now - record.at >= lockMs;
    if (user) {
      await this.db.createQueryBuilder().update(UserEntity)
        .set({ failedAuthCount: () => (expired ? '1' : 'failed_auth_count + 1'), failedAuthAt: () => 'now()' })
        .where('id = :id', { id: user.id }).execute();
    } else {
      if (this.unknownFailures.size > 10000) this.unknownFailures.clear();
      this.unknownFailures.set(lockKey, { count: expired ? 1 : record!.count + 1, at: now });
    }
    throw new UnauthorizedError(GENERIC_401);
  }

  private async findUser(ref: Ref): Promise<UserEntity | null> {
    const users = this.db.getRepository(UserEntity);
    if (ref.id) return users.findOneBy({ id: ref.id });
    const domain = await this.findDomain(ref.domain!);
    if (!domain) return null;
    return users.createQueryBuilder('u').where('u.domain_id = :d AND lower(u.name) = lower(:n)', { d: domain.id, n: ref.name }).getOne();
  }

  private async findProject(ref: Ref): Promise<ProjectEntity | null> {
    const projects = this.db.getRepository(ProjectEntity);
    if (ref.id) return projects.findOneBy({ id: ref.id });
    const domain = await this.findDomain(ref.domain!);
    if (!domain) return null;
    return projects.createQueryBuilder('p').where('p.domain_id = :d AND lower(p.name) = lower(:n)', { d: domain.id, n: ref.name }).getOne();
  }

  private async findDomain(ref: { id?: string; name?: string }): Promise<DomainEntity | null> {
    const domains = this.db.getRepository(DomainEntity);
    if (ref.id) return domains.findOneBy({ id: ref.id });
    return domains.createQueryBuilder('d').where('lower(d.name) = lower(:n)', { n: ref.name }).getOne();
  }
}
