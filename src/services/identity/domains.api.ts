import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { DATA_SOURCE } from '../../common/database/database.module';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../common/errors/api-error';
import { DomainCreateDto, DomainUpdateDto } from './api/dto/identity.dto';
import { conflictOnDuplicate } from './db-errors';
import { DomainEntity } from './entities/domain.entity';
import { ProjectEntity } from './entities/project.entity';
import { UserEntity } from './entities/user.entity';
import { newKeystoneId } from './ids';
import { RevocationService } from './revocation.service';

@Injectable()
export class DomainsApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, private readonly revocations: RevocationService) {}

  private get repo() {
    return this.db.getRepository(DomainEntity);
  }

  async get(id: string): Promise<DomainEntity> {
    const d = await this.repo.findOneBy({ id });
    if (!d) throw new NotFoundError(`Could not find domain: ${id}.`);
    return d;
  }

  /** Resolves a domain id given by a client, defaulting to Default; 400 when it does not exist. */
  async resolveId(id: string | null | undefined): Promise<string> {
    const wanted = id ?? 'default';
    if (!(await this.repo.existsBy({ id: wanted }))) throw new BadRequestError(`Could not find domain: ${wanted}.`);
    return wanted;
  }

  list(filter: { name?: string; enabled?: boolean }): Promise<DomainEntity[]> {
    return this.repo.find({ where: { ...(filter.name ? { name: filter.name } : {}), ...(filter.enabled !== undefined ? { enabled: filter.enabled } : {}) }, order: { name: 'ASC' } });
  }

  create(dto: DomainCreateDto): Promise<DomainEntity> {
    return conflictOnDuplicate('domain', dto.name, () => this.repo.save(this.repo.create({
      id: dto.explicit_domain_id ?? newKeystoneId(), name: dto.name, description: dto.description ?? '', enabled: dto.enabled ?? true,
    })));
  }

  async update(id: string, dto: DomainUpdateDto, ctx: RequestContext): Promise<DomainEntity> {
    const d = await this.get(id);
    if (dto.name !== undefined) d.name = dto.name;
    if (dto.description !== undefined) d.description = dto.description ?? '';
    const disabling = dto.enabled === false && d.enabled;
    if (dto.enabled !== undefined) d.enabled = dto.enabled;
    const saved = await conflictOnDuplicate('domain', d.name, () => this.repo.save(d));
    if (disabling) await this.revocations.revoke({ domainId: id }, ctx);
    return saved;
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const d = await this.get(id);
    if (d.enabled) throw new ForbiddenError(`Cannot delete a domain that is enabled, please disable it first.`);
    const inUse = (await this.db.getRepository(ProjectEntity).existsBy({ domainId: id })) || (await this.db.getRepository(UserEntity).existsBy({ domainId: id }));
    if (inUse) throw new ForbiddenError(`Cannot delete domain ${id}: it still owns projects or users.`);
    await this.repo.delete({ id });
    await this.revocations.revoke({ domainId: id }, ctx);
  }
}
