import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { SERVICE_ENDPOINTS } from '../../common/http/service-prefixes';
import { AssignmentsService } from './assignments.service';
import { EndpointEntity, EndpointInterface, RegionEntity, ServiceEntity } from './entities/catalog.entity';
import { DomainEntity } from './entities/domain.entity';
import { ProjectEntity } from './entities/project.entity';
import { RoleEntity, RoleImplicationEntity } from './entities/role.entity';
import { UserEntity } from './entities/user.entity';
import { newKeystoneId } from './ids';
import { PasswordHasher } from './password-hasher';
import { SigningKeysService } from './signing-keys.service';

export interface BootstrapOptions {
  /** Set the admin password to this (also on an existing admin); absent → generate one for a new admin. */
  adminPassword?: string;
  /** Base URL the catalog advertises. */
  publicUrl: string;
  region: string;
}

export interface BootstrapResult {
  adminCreated: boolean;
  /** The admin password when this run set it (generated or given). */
  adminPassword?: string;
  adminProjectId: string;
}

const INTERFACES: EndpointInterface[] = ['public', 'internal', 'admin'];

/**
 * Makes a fresh store usable, as `keystone-manage bootstrap` does: the Default domain, the
 * admin/member/reader roles (admin implies member implies reader), the admin project and user,
 * and a catalog entry for every berth service. Safe to run again: it only fills what is missing
 * and moves endpoint URLs to the current public URL.
 */
@Injectable()
export class BootstrapService {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly assignments: AssignmentsService,
    private readonly keys: SigningKeysService,
  ) {}

  async run(opts: BootstrapOptions): Promise<BootstrapResult> {
    const domains = this.db.getRepository(DomainEntity);
    if (!(await domains.existsBy({ id: 'default' }))) {
      await domains.save(domains.create({ id: 'default', name: 'Default', description: 'The default domain', enabled: true }));
    }
    const admin = await this.role('admin');
    const member = await this.role('member');
    const reader = await this.role('reader');
    await this.db.createQueryBuilder().insert().into(RoleImplicationEntity)
      .values([{ priorRoleId: admin.id, impliedRoleId: member.id }, { priorRoleId: member.id, impliedRoleId: reader.id }])
      .orIgnore().execute();

    const projects = this.db.getRepository(ProjectEntity);
    let project = await projects.findOneBy({ domainId: 'default', name: 'admin' });
    if (!project) {
      project = await projects.save(projects.create({ id: newKeystoneId(), name: 'admin', domainId: 'default', description: 'Bootstrap project for the cloud administrator', enabled: true, tags: [] }));
    }

    const users = this.db.getRepository(UserEntity);
    let user = await users.findOneBy({ domainId: 'default', name: 'admin' });
    const adminCreated = !user;
    let password: string | undefined;
    if (!user) {
      password = opts.adminPassword ?? randomBytes(18).toString('base64url');
      user = await users.save(users.create({
        id: newKeystoneId(), name: 'admin', domainId: 'default', enabled: true,
        passwordHash: await this.hasher.hash(password), defaultProjectId: project.id, extra: {},
      }));
    } else if (opts.adminPassword && !(await this.hasher.verify(user.passwordHash, opts.adminPassword))) {
      password = opts.adminPassword;
      await users.update({ id: user.id }, { passwordHash: await this.hasher.hash(password), failedAuthCount: 0, failedAuthAt: null });
    }
    await this.assignments.grant('UserProject', user.id, project.id, admin.id);
    await this.assignments.grant('UserDomain', user.id, 'default', admin.id);

    await this.catalog(opts.publicUrl.replace(/\/+$/, ''), opts.region);
    await this.keys.activeKey();
    return { adminCreated, adminPassword: password, adminProjectId: project.id };
  }

  private async role(name: string): Promise<RoleEntity> {
    const roles = this.db.getRepository(RoleEntity);
    const found = await roles.findOneBy({ name });
    if (found) return found;
    await this.db.createQueryBuilder().insert().into(RoleEntity).values({ id: newKeystoneId(), name, description: '' }).orIgnore().execute();
    return (await roles.findOneBy({ name }))!;
  }

  private async catalog(base: string, region: string): Promise<void> {
    const regions = this.db.getRepository(RegionEntity);
    if (!(await regions.existsBy({ id: region }))) await regions.save(regions.create({ id: region, description: '', parentRegionId: null }));
    const services = this.db.getRepository(ServiceEntity);
    const endpoints = this.db.getRepository(EndpointEntity);
    for (const spec of Object.values(SERVICE_ENDPOINTS)) {
      let service = await services.findOneBy({ type: spec.type });
      if (!service) service = await services.save(services.create({ id: newKeystoneId(), type: spec.type, name: spec.name, description: '', enabled: true }));
      const url = `${base}${spec.catalogPath}`;
      for (const iface of INTERFACES) {
        const existing = await endpoints.findOneBy({ serviceId: service.id, interface: iface, regionId: region });
        if (!existing) await endpoints.save(endpoints.create({ id: newKeystoneId(), serviceId: service.id, interface: iface, regionId: region, url, enabled: true }));
        else if (existing.url !== url) await endpoints.update({ id: existing.id }, { url });
      }
    }
  }
}
